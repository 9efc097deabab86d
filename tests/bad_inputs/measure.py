"""Run the bad-input catalogue against a checkout, each case in its own subprocess, and count.

    .venv/bin/python -m tests.bad_inputs.measure                   # this checkout
    .venv/bin/python -m tests.bad_inputs.measure --repo /tmp/main  # another one (e.g. `git archive main`)
        [--timeout 45] [--json out/bad-inputs.json] [-k extends]

Each case runs as the `noodplan` command would (`viz.cli.main`) with the checkout first on
PYTHONPATH, its own folder as working folder, a 3 GB address-space limit and a time limit. The
outcome is one of: `met` (exit 2, one line on stderr, no traceback, nothing written), `traceback`,
`accepted` (exit 0), `nonsense` (exit 0 with NaN, infinite or negative figures in the output),
`hang` (killed at the time limit), `other` (anything else: several lines, files written, exit 1).
Prints a Markdown table per category (used in docs/input-contract.md).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bad_inputs.cases import BAD, FIFO, FOLDER, SYMLINK, Case

OUTCOMES = ("met", "traceback", "accepted", "nonsense", "hang", "other")
_NONSENSE = re.compile(r"\bnan\b|\binf\b|EUR -|-inf", re.IGNORECASE)


def materialise(case: Case, folder: Path) -> None:
    """Write the case's files (named pipes and folders too) into `folder`."""
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == FIFO:
            os.mkfifo(path)
        elif content == FOLDER:
            path.mkdir(exist_ok=True)
        elif isinstance(content, str) and content.startswith(SYMLINK):
            path.symlink_to(content.removeprefix(SYMLINK))
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under `folder` with its size and modification time (what 'nothing written' compares)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            st = p.lstat()
            out[str(p.relative_to(folder))] = (st.st_size if not p.is_dir() else 0, st.st_mtime_ns)
    return out


def argv_of(case: Case, folder: Path) -> list[str]:
    return [a.replace("{d}", str(folder)) for a in case.argv]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def run_case(case: Case, repo: Path, timeout: float) -> tuple[str, str]:
    with tempfile.TemporaryDirectory(prefix="noodplan-bad-") as tmp:
        folder = Path(tmp)
        materialise(case, folder)
        before = snapshot(folder)
        env = {**os.environ, "PYTHONPATH": str(repo), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
        code = "import sys; from viz.cli import main; sys.exit(main(sys.argv[1:]))"
        proc = subprocess.Popen([sys.executable, "-c", code, *argv_of(case, folder)], cwd=folder, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, preexec_fn=_limits, text=True, errors="replace")
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return "hang", f"killed after {timeout:.0f} s"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)   # a server the command started, if any
        after = snapshot(folder)
        lines = [x for x in err.splitlines() if x.strip()]
        last = lines[-1] if lines else ""
        if "Traceback (most recent call last)" in err:
            return "traceback", last
        if proc.returncode == 0:
            last_out = out.strip().splitlines()[-1] if out.strip() else ""
            return ("nonsense" if _NONSENSE.search(out) else "accepted"), last_out
        if proc.returncode == 2 and len(lines) == 1 and after == before:
            return "met", last
        wrote = "wrote" if after != before else "no writes"
        return "other", f"exit {proc.returncode}, {len(lines)} line(s), {wrote}: {last}"


def table(results: dict[str, tuple[str, str]]) -> str:
    cats: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for case in BAD:
        if case.id in results:
            cats[case.category][results[case.id][0]] += 1
    total: collections.Counter = collections.Counter()
    lines = ["| category | cases | " + " | ".join(OUTCOMES) + " |", "|---|---:|" + "---:|" * len(OUTCOMES)]
    for cat, c in cats.items():
        total.update(c)
        lines.append(f"| {cat} | {sum(c.values())} | " + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
    lines.append(f"| **all** | **{sum(total.values())}** | " + " | ".join(f"**{total[o]}**" for o in OUTCOMES) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--timeout", type=float, default=45.0)
    ap.add_argument("--json", help="write every case's outcome and message")
    ap.add_argument("-k", default="", help="only cases whose id contains this")
    args = ap.parse_args(argv)
    repo = Path(args.repo).resolve()
    results = {}
    for i, case in enumerate(c for c in BAD if args.k in c.id):
        outcome, message = run_case(case, repo, args.timeout)
        results[case.id] = (outcome, message)
        print(f"{i + 1:4d} {outcome:9s} {case.id}: {message[:150]}", file=sys.stderr, flush=True)
    print(table(results))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
