"""A generative fuzzer for every input that is not a scenario file (the FZ2 sweep).

The catalogue (cases.py) holds malformed inputs written by hand; this module makes them: it takes a
valid file of each kind, mutates it at random (a seeded `random.Random`, so a case is reproduced by
its input, kind and number), runs it through the command's own entry in process (`viz.cli.main`,
as tests/bad_inputs/test_bad_inputs.py does) or through the Python API, and classifies the outcome.

Inputs (`INPUTS`): a sweep design (`sweep`), a store's manifest.json and runs.parquet (`analyze`), an
exercise file (`exercise validate`), a saved exercise (`exercise report`), a snapshot (`forecast
--from-snapshot`), a `--record` CSV (`backtest`), a file `calibrate --into` writes the fit into, and the
dashboard's uploads: a saved run (`RunRecord.from_json`) and a scenario (`from_yaml_text(...,
builtin_parents=True)`).

Mutations (`KINDS`): per field a wrong type, out of range, NaN/infinity, empty, removed, a list item
twice, a key misspelt by one letter (a near miss), dates moved out of order; per file a key given
twice, truncation at a random byte, random byte flips, bytes that are not UTF-8, a byte-order mark,
CRLF line ends, a huge file, an empty file, a folder, a named pipe, a link to nothing; for a
snapshot also a wrong format version and a part of the archive removed.

Outcomes: `refused` (exit 2 or the API's one-line error, naming the file and, for a field's
mutation, the field; nothing written); `accepted` (the input went on to be computed: fine when the
mutation left it valid); and the findings: `traceback` (an exception other than the refusal),
`exit` (another exit code), `lines` (several lines on stderr), `vague` (one line that does not name
the file, or the field a field's mutation changed), `wrote` (files written before the refusal),
`hang` (more than `HANG_SECONDS`), `accepted-bad` (taken although the mutation is always invalid:
NaN, a misspelt key, a key twice, bytes that are not UTF-8, an empty, huge or special file; or a snapshot's
bytes flipped or cut so that its members no longer read as saved: a flip in a ZIP field no reader reads,
such as a time stamp, is rightly taken),
`refused-good` (a byte-order mark or CRLF line ends, which change nothing, refused).

    .venv/bin/python -m tests.bad_inputs.fuzz_other                       # 40 cases per input and kind
    .venv/bin/python -m tests.bad_inputs.fuzz_other --per-kind 100 --seed 7 [-k record] [--show 20]

prints a table of outcomes by input and mutation kind, then every finding with the case that makes
it (input, kind, number: `--only design/wrong-type/17` runs that one again and shows its file).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from tests.bad_inputs.cases import DESIGN, EXERCISE, TINY

HANG_SECONDS = 20
FINDINGS = ("traceback", "exit", "lines", "vague", "wrote", "hang", "accepted-bad", "refused-good")

# what the fuzzer puts in place of a file
FOLDER, FIFO, DANGLING, MISSING = "<folder>", "<fifo>", "<dangling link>", "<missing>"
SPECIAL = (FOLDER, FIFO, DANGLING, MISSING)


class Computed(Exception):
    """The input was taken: the command went on to build a world or run a forecast."""


class Hang(BaseException):
    """The case ran longer than HANG_SECONDS."""


# --- the valid files the mutations start from --------------------------------------------------

RECORD = """\
date,quantity,value,source
2025-07-03,population,2100,COA
2025-07-05,population,2000,COA
2025-07-10,population,2050,COA
"""

# a scenario file `calibrate --into` writes the fitted values into (it extends the calibrated hindcast)
INTO = "extends: hindcast-2015\nname: my-hindcast\ndescription: the hindcast with our own fit\n"

RUN_SCENARIO = TINY   # the dashboard's uploads extend a built-in scenario (tiny extends baseline)


@dataclass
class Seeds:
    """Valid inputs made once per fuzz session in `folder` (a store, a saved exercise, a snapshot, a run file)."""

    folder: Path

    def make(self) -> None:
        from viz import cli

        d = self.folder
        (d / "tiny.yaml").write_text(TINY, encoding="utf-8")
        (d / "d.yaml").write_text(DESIGN, encoding="utf-8")
        (d / "e.yaml").write_text(EXERCISE, encoding="utf-8")
        (d / "upload.yaml").write_text(RUN_SCENARIO, encoding="utf-8")
        (d / "r.csv").write_text(RECORD, encoding="utf-8")
        (d / "i.yaml").write_text(INTO, encoding="utf-8")
        with _quiet(), _in(d):
            for argv in (["sweep", "d.yaml", "--out", "store", "--executor", "serial"],
                         ["exercise", "play", "e.yaml", "--turns", "1", "--save", "s.json"],
                         ["forecast", "--from-run", "tiny.yaml", "--at", "2025-07-05", "--save-snapshot",
                          "o.snapshot", "--members", "1", "--months", "1", "--no-inflow-errors", "--out", "fc"]):
                code = cli.main(argv)
                if code != 0:
                    raise RuntimeError(f"could not make the fuzzer's valid inputs: {' '.join(argv)} ended {code}")
        from model.scenario import from_yaml_text

        sc = from_yaml_text(TINY, "tiny.yaml")
        run = {"noodplan_run": 1, "name": "r", "scenario": sc.model_dump(mode="json"), "seed": 1, "day": 3,
               "decisions": [{"day": 1, "event": {"action": "close", "kind": "emergency", "places": 10,
                                                  "date": "2025-07-02"}}]}
        (d / "run.json").write_text(json.dumps(run, indent=1), encoding="utf-8")


# --- the inputs --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Input:
    """One kind of input file: where its valid version comes from, and how it is read."""

    name: str
    file: str                                  # its name in the case folder
    fmt: str                                   # yaml, json, csv, zip, parquet
    source: str                                # the valid file in the seeds folder
    argv: tuple[str, ...] = ()                 # the command reading it (with {d}), or
    api: Callable[[Path], Any] | None = None   # the API reading it
    says: str = ""                             # what the line must name (default: the file's name)
    copy: tuple[str, ...] = ("tiny.yaml",)     # seeds copied into every case folder (a store: the store)
    unread: Callable[[tuple], bool] | None = None   # fields kept as a record only: a change may be taken
    optional: tuple[str, ...] = ()             # SPECIAL stand-ins the reader may take for the file being absent

    @property
    def where(self) -> str:
        return self.says or self.file


def _manifest_record_only(path: tuple) -> bool:
    """Fields of a store's manifest kept as a record, which neither `analyze` nor a sweep reads (the
    base scenarios beyond their days, the sessions' log, the versions): a change there may be taken."""
    return (path[0] in ("name", "created", "design_file", "design_text", "code_version", "code_sha256", "python",
                        "packages")
            or (path[0] == "sessions" and len(path) > 2) or path[:2] == ("consolidated", "when")
            or (path[0] == "bases" and len(path) > 2 and path[2] != "horizon_days"))


def _upload_scenario(path: Path) -> Any:
    from model.scenario import from_yaml_text

    return from_yaml_text(path.read_bytes(), "upload.yaml", builtin_parents=True)


def _upload_run(path: Path) -> Any:
    from viz.session import RunRecord

    return RunRecord.from_json(path.read_bytes(), "run.json")


INPUTS = (
    Input("design", "d.yaml", "yaml", "d.yaml", ("sweep", "{d}/d.yaml", "--out", "{d}/st", "--executor", "serial")),
    Input("store-manifest", "store/manifest.json", "json", "store/manifest.json", ("analyze", "{d}/store"),
          says="manifest.json", copy=("tiny.yaml", "store"), unread=_manifest_record_only),
    Input("store-runs", "store/runs.parquet", "parquet", "store/runs.parquet", ("analyze", "{d}/store"),
          says="runs.parquet", copy=("tiny.yaml", "store"), optional=(MISSING,)),   # rebuilt from the parts
    Input("exercise", "e.yaml", "yaml", "e.yaml", ("exercise", "validate", "{d}/e.yaml")),
    Input("exercise-save", "s.json", "json", "s.json",
          ("exercise", "report", "{d}/s.json", "--out", "{d}/r.html"), copy=("tiny.yaml", "e.yaml")),
    Input("snapshot", "o.snapshot", "zip", "o.snapshot",
          ("forecast", "--from-snapshot", "{d}/o.snapshot", "--members", "1", "--months", "1", "--out", "{d}/fc"),
          says="--from-snapshot"),
    Input("record", "r.csv", "csv", "r.csv", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "1",
                                              "--record", "{d}/r.csv", "--out", "{d}/out")),
    Input("calibrate-into", "i.yaml", "yaml", "i.yaml", ("calibrate", "--budget", "2", "--seeds", "1", "--jobs", "1",
                                                        "--into", "{d}/i.yaml", "--out", "{d}/cal")),
    Input("upload-run", "run.json", "json", "run.json", api=_upload_run),
    Input("upload-scenario", "upload.yaml", "yaml", "upload.yaml", api=_upload_scenario),
)


# --- the mutations -----------------------------------------------------------------------------

FIELD_KINDS = ("wrong-type", "out-of-range", "nan-inf", "empty", "removed", "list-twice", "near-miss-key",
               "date-order")
FILE_KINDS = ("key-twice", "truncated", "byte-flips", "not-utf8", "bom", "crlf", "huge", "empty-file", "special")
ZIP_KINDS = ("version", "part-removed")
KINDS = FIELD_KINDS + FILE_KINDS + ZIP_KINDS
ALWAYS_INVALID = {"nan-inf", "near-miss-key", "key-twice", "not-utf8", "huge", "empty-file", "special"}
NEVER_INVALID = {"bom", "crlf"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Mutant:
    content: bytes | str       # the bytes, or one of SPECIAL
    field: str | None = None   # the field changed, which the line must name
    note: str = ""
    unread: bool = False       # a field the reader keeps as a record only (Input.unread)
    same_parts: bool | None = None   # a ZIP's bytes changed: are its members, as read, still the saved ones?


def kinds_of(inp: Input) -> tuple[str, ...]:
    if inp.fmt == "parquet":
        return ("truncated", "byte-flips", "empty-file", "special", "huge")
    if inp.fmt == "zip":
        return (*FIELD_KINDS, "truncated", "byte-flips", "empty-file", "special", "huge", *ZIP_KINDS)
    if inp.api is not None:
        return tuple(k for k in KINDS if k not in (*ZIP_KINDS, "special"))
    return tuple(k for k in KINDS if k not in ZIP_KINDS)


def _paths(tree: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path to a value in a parsed tree (keys and list indices)."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _get(tree: Any, path: tuple) -> Any:
    for p in path:
        tree = tree[p]
    return tree


def _named(path: tuple) -> str:
    """The last key of a path (what the line must name): a list item is named by its list."""
    keys = [p for p in path if isinstance(p, str)]
    return keys[-1] if keys else ""


def _near_miss(rng: random.Random, key: str) -> str:
    if len(key) < 3:
        return key + "s"
    i = rng.randrange(len(key) - 1)
    how = rng.choice(("drop", "swap", "double", "case"))
    if how == "drop":
        return key[:i] + key[i + 1:]
    if how == "swap" and key[i] != key[i + 1]:
        return key[:i] + key[i + 1] + key[i] + key[i + 2:]
    if how == "case" and key[i].isalpha():
        return key[:i] + key[i].swapcase() + key[i + 1:]
    return key[:i] + key[i] + key[i:]


def _other_type(rng: random.Random, value: Any) -> Any:
    options = ["text", [1, 2], {"a": 1}, True, None, 7, 2.5]
    return rng.choice([o for o in options if type(o) is not type(value)])


def _out_of_range(rng: random.Random, value: Any) -> Any:
    if isinstance(value, bool):
        return rng.choice((2, -1))
    if isinstance(value, int | float):
        return rng.choice((-1, -value - 1 if value else -1, 10 ** 13, 2 ** 64, 1e300, 0, -1e-9))
    if isinstance(value, str):
        return rng.choice(("x" * 100_000, value * 1000, "\x1b[31m" + value, value + "\u202e"))
    if isinstance(value, list):
        return value * 2000 if value else [0] * 10_000
    return {f"k{i}": i for i in range(2000)}


def _tree_mutant(rng: random.Random, tree: Any, kind: str) -> tuple[Any, str | None, str, tuple]:
    """`tree` changed by a field's mutation of `kind`: (new tree, the field named, a note, the path);
    a tree of None when the kind does not apply."""
    paths = list(_paths(tree))
    if kind == "date-order":
        paths = [p for p in paths if isinstance(_get(tree, p), str) and _DATE.match(_get(tree, p))]
    elif kind == "near-miss-key":
        paths = [p for p in paths if isinstance(p[-1], str)]
    elif kind == "list-twice":
        paths = [p for p in paths if isinstance(_get(tree, p), list) and _get(tree, p)]
    if not paths:
        return None, None, "", ()
    path = rng.choice(paths)
    parent = _get(tree, path[:-1])
    key = path[-1]
    value = parent[key]
    field = _named(path)
    if kind == "wrong-type":
        new = _other_type(rng, value)
    elif kind == "out-of-range":
        new = _out_of_range(rng, value)
    elif kind == "nan-inf":
        new = rng.choice((math.nan, math.inf, -math.inf))
    elif kind == "empty":
        new = rng.choice(("", [], {}, None))
    elif kind == "removed":
        del parent[key]
        return tree, None, f"removed {'.'.join(map(str, path))}", path
    elif kind == "list-twice":
        value.insert(rng.randrange(len(value) + 1), json.loads(json.dumps(rng.choice(value))))
        return tree, None, f"an item of {'.'.join(map(str, path))} twice", path
    elif kind == "near-miss-key":
        assert isinstance(key, str)
        wrong = _near_miss(rng, key)
        if wrong == key or wrong in parent:
            return None, None, "", ()
        items = list(parent.items())
        parent.clear()
        parent.update({(wrong if k == key else k): v for k, v in items})
        return tree, wrong, f"{'.'.join(map(str, path))} written {wrong}", path
    elif kind == "date-order":
        year = int(value[:4]) + rng.choice((-200, -30, -1, 1, 30, 200))
        new = f"{max(year, 1):04d}{value[4:]}" if rng.random() < 0.7 else value[:5] + rng.choice(("02-30", "13-01"))
    else:
        raise ValueError(kind)
    parent[key] = new
    shown = repr(new)[:40]
    return tree, field, f"{'.'.join(map(str, path))} = {shown}", path


def _dump(tree: Any, fmt: str) -> bytes:
    if fmt == "yaml":
        return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=10_000).encode("utf-8")
    return json.dumps(tree, indent=1, ensure_ascii=False).encode("utf-8")


def _key_twice(rng: random.Random, raw: bytes, fmt: str) -> Mutant | None:
    text = raw.decode("utf-8")
    if fmt == "yaml":
        top = [ln for ln in text.splitlines() if re.match(r"^[A-Za-z_]\w*:", ln)]
        line = rng.choice(top)
        return Mutant((text + line + "\n").encode(), line.split(":")[0], f"{line.split(':')[0]} twice")
    if fmt == "json":
        data = json.loads(text)
        if not isinstance(data, dict) or not data:
            return None
        key = rng.choice(list(data))
        return Mutant(("{" + json.dumps(key) + ": " + json.dumps(data[key]) + "," + text.lstrip()[1:]).encode(),
                      key, f"{key} twice")
    header, *rows = text.splitlines()
    col = rng.choice(header.split(","))
    return Mutant(("\n".join([header + "," + col, *(r + "," + r.split(",")[0] for r in rows)]) + "\n").encode(),
                  col, f"column {col} twice")


def _csv_mutant(rng: random.Random, raw: bytes, kind: str) -> Mutant | None:
    header, *rows = [ln.split(",") for ln in raw.decode().splitlines()]
    r = rng.randrange(len(rows))
    c = rng.randrange(len(header))
    col = header[c]
    if kind == "near-miss-key":
        wrong = _near_miss(rng, col)
        if wrong == col:
            return None
        header[c] = wrong
        field, note = wrong, f"column {col} written {wrong}"
    elif kind == "removed":
        for row in [header, *rows]:
            del row[c]
        field, note = None, f"column {col} removed"
    elif kind == "list-twice":
        rows.insert(r, list(rows[r]))
        field, note = None, f"row {r + 1} twice"
    else:
        old = rows[r][c]
        if kind == "date-order":
            if col != "date":
                c, col, old = 0, "date", rows[r][0]
            year = int(old[:4]) + rng.choice((-200, -30, -1, 1, 200))
            new = f"{max(year, 1):04d}{old[4:]}" if rng.random() < 0.6 else old[:5] + rng.choice(("02-30", "13-01"))
        elif kind == "wrong-type":
            new = rng.choice(("text", "[1, 2]", "true", "2025-07-05", "1e3x", "'2000'"))
        elif kind == "out-of-range":
            new = rng.choice(("-1", "0", "1e13", "99999999999", "x" * 200_000, "2000.5", "-0"))
        elif kind == "nan-inf":
            new = rng.choice(("nan", "inf", "-inf", "NaN", "Infinity"))
            c, col = header.index("value"), "value"
        elif kind == "empty":
            new = ""
        else:
            raise ValueError(kind)
        rows[r][c] = new
        field, note = None, f"line {r + 2} {col} = {new[:40]!r}"
    return Mutant(("\n".join(",".join(x) for x in [header, *rows]) + "\n").encode(), field, note)


def _zip_parts(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _zip_mutant(rng: random.Random, raw: bytes, kind: str) -> Mutant | None:
    parts = _zip_parts(raw)
    if kind == "version":
        header = json.loads(parts["header.json"])
        header["format_version"] = rng.choice((0, 99, -1, "4", 4.0, None, True, 2 ** 70))
        parts["header.json"] = json.dumps(header).encode()
        return Mutant(_zip(parts), None, f"format_version = {header['format_version']!r}")
    if kind == "part-removed":
        name = rng.choice(sorted(parts))
        del parts[name]
        return Mutant(_zip(parts), None, f"{name} removed")
    part = rng.choice(("header.json", "state.json"))
    tree = json.loads(parts[part])
    new, _field, note, _path = _tree_mutant(rng, tree, kind)
    if new is None:
        return None
    parts[part] = json.dumps(new).encode()
    old = part == "state.json" and rng.random() < 0.5
    if old:     # as a file saved before the state's digest (its fields are the code's, checked only by decoding)
        header = json.loads(parts["header.json"])
        header.pop("state_sha256", None)
        parts["header.json"] = json.dumps(header).encode()
    return Mutant(_zip(parts), None, f"{part}{' (no digest)' if old else ''}: {note}", unread=old)


def _same_parts(raw: bytes, changed: bytes) -> bool:
    """Does the archive `changed` still read (by `zipfile`, as a snapshot is read) as the members of `raw`?
    A byte flipped in a field no reader reads (a time stamp, a local header's extra field: zipfile takes the
    sizes from the central directory) leaves them so; a flip in a member's bytes fails its CRC-32."""
    try:
        return _zip_parts(changed) == _zip_parts(raw)
    except Exception:       # BadZipFile, a CRC-32 error, a header that does not parse: not the same
        return False


def mutate(rng: random.Random, inp: Input, raw: bytes, kind: str) -> Mutant | None:
    """A mutant of the valid bytes `raw` of `inp`, or None when `kind` does not apply to the draw."""
    if kind in ("version", "part-removed") or (inp.fmt == "zip" and kind in FIELD_KINDS):
        return _zip_mutant(rng, raw, kind)
    if kind in FIELD_KINDS:
        if inp.fmt == "csv":
            return _csv_mutant(rng, raw, kind)
        tree = yaml.safe_load(raw) if inp.fmt == "yaml" else json.loads(raw)
        new, field, note, path = _tree_mutant(rng, tree, kind)
        unread = bool(path) and inp.unread is not None and inp.unread(path)
        return None if new is None else Mutant(_dump(new, inp.fmt), field, note, unread)
    if kind == "key-twice":
        return _key_twice(rng, raw, inp.fmt)
    if kind == "truncated":
        at = rng.randrange(1, len(raw))
        return Mutant(raw[:at], None, f"cut at byte {at:,} of {len(raw):,}",
                      same_parts=_same_parts(raw, raw[:at]) if inp.fmt == "zip" else None)
    if kind == "byte-flips":
        b = bytearray(raw)
        at = sorted(rng.randrange(len(b)) for _ in range(rng.choice((1, 2, 5))))
        for i in at:
            b[i] ^= rng.randrange(1, 256)
        if inp.fmt != "zip":
            return Mutant(bytes(b), None, f"bytes {at} flipped")
        same = _same_parts(raw, bytes(b))
        where = " (in ZIP fields no reader reads: its members read as saved)" if same else ""
        return Mutant(bytes(b), None, f"bytes {at} flipped{where}", same_parts=same)
    if kind == "not-utf8":
        at = rng.randrange(len(raw))
        bad = rng.choice((b"\xff", b"\xe9", b"\xc3", b"\x80abc", b"\xed\xa0\x80"))
        return Mutant(raw[:at] + bad + raw[at:], None, f"{bad!r} at byte {at:,}")
    if kind == "bom":
        return Mutant(b"\xef\xbb\xbf" + raw, None, "UTF-8 byte-order mark")
    if kind == "crlf":
        return Mutant(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), None, "CRLF line ends")
    if kind == "huge":
        limit = {"parquet": 256 << 20, "zip": 4 << 30, "csv": 10 << 20}.get(inp.fmt, 16 << 20)
        return Mutant(b"<huge>" + str(limit + 1).encode(), None, f"{limit + 1:,} bytes")
    if kind == "empty-file":
        return Mutant(b"", None, "empty")
    if kind == "special":
        what = rng.choice(SPECIAL)
        return Mutant(what, None, what)
    raise ValueError(kind)


# --- running a case ----------------------------------------------------------------------------

@contextlib.contextmanager
def _in(folder: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


@contextlib.contextmanager
def _quiet() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def stop(*_a: Any) -> None:
        raise Hang()

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def _nothing_computed() -> Iterator[None]:
    def computed(*_a: Any, **_k: Any) -> None:
        raise Computed()

    with contextlib.ExitStack() as stack:
        for target in ("model.simulate.build_world", "experiments.bench.run_bench",
                       "experiments.bench.sweep.sweep_bench", "viz.cli.subprocess.Popen",
                       "experiments.forecast.ensemble.run_forecast", "experiments.sweep.sweep.run_sweep",
                       "experiments.calibrate.calibrate"):
            stack.enter_context(mock.patch(target, computed))
        yield


def _place(path: Path, m: Mutant) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    c = m.content
    if c == FOLDER:
        path.mkdir()
    elif c == FIFO:
        os.mkfifo(path)
    elif c == DANGLING:
        path.symlink_to("nowhere")
    elif c == MISSING:
        pass
    elif isinstance(c, bytes) and c.startswith(b"<huge>"):
        with open(path, "wb") as f:       # sparse: a file of that size without the disk it would take
            f.write(b"#")
            f.truncate(int(c[6:]))
    else:
        assert isinstance(c, bytes)
        path.write_bytes(c)


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            st = p.lstat()
            out[str(p.relative_to(folder))] = (0 if p.is_dir() else st.st_size, st.st_mtime_ns)
    return out


@dataclass
class Outcome:
    outcome: str
    detail: str = ""


def classify(inp: Input, kind: str, m: Mutant, folder: Path) -> Outcome:
    """Run one mutant (already placed in `folder`) and say how it was met."""
    from viz import cli

    before = _listing(folder)
    result: Any = None
    with _quiet() as (_out, err), _in(folder), _nothing_computed():
        try:
            with _time_limit(HANG_SECONDS):
                if inp.api is not None:
                    result = inp.api(folder / inp.file)
                    result = 0
                else:
                    result = cli.main([a.replace("{d}", str(folder)) for a in inp.argv])
        except Computed:
            result = 0
        except Hang:
            return Outcome("hang", f"> {HANG_SECONDS} s")
        except Exception as e:      # the API's refusal, or a finding
            from model.scenario import ScenarioError
            from model.snapshot import SnapshotError

            if inp.api is not None and isinstance(e, ScenarioError | SnapshotError):
                print(f"noodplan: {e}", file=err)
                result = 2
            else:
                return Outcome("traceback", f"{type(e).__name__}: {str(e)[:200]}")
    lines = err.getvalue().splitlines()
    if result == 0:
        if m.same_parts is False:       # a ZIP whose members no longer read as saved, taken
            return Outcome("accepted-bad", f"{m.note} (its members do not read as saved)")
        if (kind in ALWAYS_INVALID or m.content in SPECIAL) and not m.unread and m.content not in inp.optional:
            return Outcome("accepted-bad", m.note)
        return Outcome("accepted")
    if result != 2:
        return Outcome("exit", f"exit {result}: {err.getvalue()[-300:]!r}")
    if len(lines) != 1 or not lines[0].startswith("noodplan"):
        return Outcome("lines", repr(err.getvalue()[:400]))
    line = lines[0]
    if inp.api is None and _listing(folder) != before:
        return Outcome("wrote", line)
    if kind in NEVER_INVALID:
        return Outcome("refused-good", line)
    if inp.where not in line and Path(inp.where).name not in line:
        return Outcome("vague", f"does not name {inp.where}: {line}")
    if m.field and m.field.casefold() not in line.casefold():
        return Outcome("vague", f"does not name {m.field}: {line}")
    return Outcome("refused", line)


def cases(inputs: tuple[Input, ...], per_kind: int, seed: int,
          kinds: tuple[str, ...] | None = None) -> Iterator[tuple[Input, str, int]]:
    for inp in inputs:
        for kind in kinds_of(inp):
            if kinds and kind not in kinds:
                continue
            for n in range(per_kind):
                yield inp, kind, n


def run_case(seeds: Path, work: Path, inp: Input, kind: str, n: int, seed: int) -> tuple[Outcome, Mutant] | None:
    """Case n of `kind` on `inp` (its own Random, so a case is reproduced on its own)."""
    rng = random.Random(f"{seed}/{inp.name}/{kind}/{n}")
    raw = (seeds / inp.source).read_bytes()
    m = mutate(rng, inp, raw, kind)
    if m is None:
        return None
    folder = work / f"{inp.name}-{kind}-{n}"
    folder.mkdir()
    for name in inp.copy:
        src = seeds / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, folder / name)
    _place(folder / inp.file, m)
    try:
        return classify(inp, kind, m, folder), m
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fuzz(per_kind: int, seed: int, only: str = "", inputs: tuple[Input, ...] = INPUTS,
         log: Callable[[str], None] | None = None) -> list[tuple[Input, str, int, Outcome, Mutant]]:
    """Every case: (input, kind, number, outcome, mutant). `only` an input name, or input/kind/number."""
    want = only.split("/") if only else []
    if want:
        inputs = tuple(i for i in inputs if i.name == want[0])
    with tempfile.TemporaryDirectory(prefix="noodplan-fuzz2-") as tmp:
        seeds, work = Path(tmp) / "seeds", Path(tmp) / "work"
        seeds.mkdir()
        work.mkdir()
        Seeds(seeds).make()
        done = []
        for inp, kind, n in cases(inputs, per_kind, seed, (want[1],) if len(want) > 1 else None):
            if len(want) > 2 and n != int(want[2]):
                continue
            got = run_case(seeds, work, inp, kind, n, seed)
            if got is not None:
                done.append((inp, kind, n, *got))
                if log and got[0].outcome in FINDINGS:
                    log(f"FINDING {inp.name}/{kind}/{n} {got[0].outcome}: {got[1].note[:200]} -> {got[0].detail[:400]}")
        return done


def table(done: list) -> str:
    """Outcomes by input and mutation kind (a Markdown table)."""
    cols = ("refused", "accepted", *FINDINGS)
    counts: dict = collections.defaultdict(collections.Counter)
    for inp, kind, _n, o, _m in done:
        counts[(inp.name, kind)][o.outcome] += 1
    head = "| input | mutation | " + " | ".join(cols) + " |\n|---|---|" + "---:|" * len(cols) + "\n"
    rows = [f"| {i} | {k} | " + " | ".join(str(c[x]) for x in cols) + " |" for (i, k), c in counts.items()]
    total = collections.Counter()
    for c in counts.values():
        total.update(c)
    return head + "\n".join(rows) + "\n| **all** | | " + " | ".join(f"**{total[x]}**" for x in cols) + " |"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    p.add_argument("--per-kind", type=int, default=40, help="cases per input and mutation kind (default: 40)")
    p.add_argument("--seed", type=int, default=1, help="seed of the mutations (default: 1)")
    p.add_argument("-k", "--only", default="", help="an input (design), or input/kind or input/kind/number")
    p.add_argument("--show", type=int, default=50, help="findings listed (default: 50)")
    p.add_argument("--accepted", action="store_true",
                   help="list the accepted cases too, to read by hand for nonsense no classifier sees")
    a = p.parse_args(argv)
    done = fuzz(a.per_kind, a.seed, a.only, log=lambda s: print(s, file=sys.__stderr__, flush=True))
    print(table(done))
    findings = [(i, k, n, o, m) for i, k, n, o, m in done if o.outcome in FINDINGS]
    for inp, kind, n, o, m in findings[:a.show]:
        print(f"{inp.name}/{kind}/{n}: {o.outcome}: {m.note[:200]} -> {o.detail[:400]}")
    if a.accepted:
        for inp, kind, n, o, m in done:
            if o.outcome == "accepted":
                print(f"{inp.name}/{kind}/{n}: accepted: {m.note[:300]}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
