"""The docs travel with the code: every scenario parameter is documented, and every `noodplan`
example parses, names what exists, and (the README's cheap ones) runs."""

import argparse
import functools
import re
import shlex
from pathlib import Path

import pytest
import yaml

from model.scenario import SCENARIO_DIR
from tests.bad_inputs.cases import with_options     # the README's own options given their short values

ROOT = Path(__file__).resolve().parents[1]


def _paths(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict) and v and k not in ("decisions_per_day", "appeal_share", "appeal_days",
                                                    "appeal_upheld_share", "departure_shares", "places",
                                                    "mean_location_places", "contract_years", "contract_term_days",
                                                    "renewal_probability", "per_resident_per_year", "targets"):
            yield from _paths(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}"


def test_every_baseline_parameter_is_in_the_model_page():
    text = (ROOT / "docs" / "model.md").read_text()
    base = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    missing = [p for p in _paths(base) if f"`{p}`" not in text]
    assert not missing, f"run scripts/param_table.py and update docs/model.md; missing: {missing}"


def test_every_library_scenario_is_in_the_scenarios_page():
    text = (ROOT / "docs" / "scenarios.md").read_text()
    for f in SCENARIO_DIR.glob("*.yaml"):
        if not f.stem.startswith("hindcast") and f.stem != "eu-scale":
            assert f"`{f.stem}`" in text, f.stem


def test_the_readme_first_command_runs_twice(tmp_path, monkeypatch, capsys):
    """The README's first command (shortened to a few days) works on a fresh folder and again on
    its own results."""
    from experiments.cli import main

    line = next(x for x in (ROOT / "README.md").read_text().splitlines() if x.startswith("./scripts/setup && "))
    words = shlex.split(line.split("&&", 1)[1].split("#", 1)[0])
    assert words[0] == ".venv/bin/noodplan"
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main([*words[1:], "--days", "3"]) == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "baseline" / "manifest.json").is_file()


# ---- every `noodplan ...` example in the README and docs/ ------------------------------------------
# A user copies them: those in code blocks must parse with the real parser (`viz.cli.build_parser`,
# the console command's: the experiments' commands plus `ui`) and name only built-in scenarios,
# sweep designs and exercises, files of the repository, their own files (`my-…`) or what another
# example writes; those inline (`noodplan backtest --rolling --stock queue`) may leave out what a
# command requires or hold placeholders (NAME, FILE, [--out DIR]), but every option they name must
# be the command's. The cheap README examples run, with short sizes.

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
USER_FILES = {"later-figures.csv"}   # the user's own recorded figures (docs/validation.md)
# options whose value names something to read: (command, dest) -> kind
READS = {("run", "scenario"): "scenario", ("validate", "file"): "scenario", ("compare", "a"): "scenario",
         ("compare", "b"): "scenario", ("backtest", "scenario"): "scenario", ("backtest", "record"): "file",
         ("calibrate", "scenario"): "scenario", ("forecast", "from_run"): "scenario", ("forecast", "base"): "scenario",
         ("forecast", "from_snapshot"): "file", ("ui", "scenario"): "scenario", ("ui", "sweep"): "file",
         ("sweep", "design"): "design", ("analyze", "store"): "file", ("exercise", "file"): "exercise",
         ("exercise", "saved"): "file"}
WRITES = ("out", "save_snapshot", "save", "json", "plot", "report", "history")


def _commands(text: str):
    """(line number, argv after `noodplan`) of each command in a line of shell: `a && b`, `a | b`,
    `a > file`, `# comment` split off."""
    for n, line in text:
        line = re.sub(r"\s#\s.*$", "", line)
        for part in re.split(r"&&|\|", line):
            part = part.split(" > ")[0].strip()
            if re.match(r"(\.venv/bin/)?noodplan\s", part):
                yield n, shlex.split(part)[1:]


def _doc_commands(fenced: bool):
    """(page:line, argv) of every `noodplan` command in fenced bash blocks (fenced) or inline code
    spans that start with it (not fenced)."""
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        where = f"{page.relative_to(ROOT)}"
        if fenced:
            inside, lang, block = False, "", []
            for n, line in enumerate(lines, 1):
                if line.startswith("```"):
                    inside, lang = not inside, line[3:].strip()
                    continue
                if inside and lang in ("bash", "sh", ""):
                    block.append((n, line))
            for n, argv in _commands(block):
                yield f"{where}:{n}", argv
        else:
            spans = [(n, s) for n, line in enumerate(lines, 1) for s in re.findall(r"`([^`]+)`", line)
                     if re.match(r"(\.venv/bin/)?noodplan \w", s)]
            for n, argv in _commands(spans):
                yield f"{where}:{n}", argv


@functools.cache
def _parser() -> argparse.ArgumentParser:
    from viz.cli import build_parser

    return build_parser()


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def _parse(argv: list[str]) -> argparse.Namespace:
    """The parsed command line, or an AssertionError with the parser's one line."""
    import contextlib
    import io

    from experiments.cli import parse

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        args = parse(_parser(), argv)
    assert not isinstance(args, int), err.getvalue().strip()
    return args


FENCED = list(_doc_commands(fenced=True))
INLINE = list(_doc_commands(fenced=False))


@functools.cache
def _written() -> set[str]:
    """What the examples write (`--out`, `--save-snapshot`, …): later examples may read it."""
    return {getattr(_parse(a), d, None) for _, a in FENCED for d in WRITES} - {None}


def test_the_docs_show_commands():
    assert len(FENCED) > 50 and len(INLINE) > 100      # the extraction finds them
    assert any(w == "README.md:48" for w, _ in FENCED)  # the README's Examples block (sweep && analyze)


@pytest.mark.parametrize(("where", "argv"), FENCED, ids=[f"{w} {' '.join(a[:2])}" for w, a in FENCED])
def test_every_example_parses_and_names_what_exists(where, argv):
    from experiments.exercise.msel import library_names
    from experiments.sweep.design import builtin_designs
    from model.scenario import builtin_names

    args = _parse(argv)
    written = _written()
    known = {"scenario": builtin_names(), "design": builtin_designs(), "exercise": library_names(), "file": []}
    for (command, dest), kind in READS.items():
        value = getattr(args, dest, None) if args.command == command else None
        if value is None:
            continue
        ok = (value in known[kind] or (ROOT / value).exists() or Path(value).name.startswith("my-")
              or value in written or value in USER_FILES)
        assert ok, f"{where}: noodplan {' '.join(argv)}: {value!r} is no built-in {kind}, file or earlier output"
    if args.command == "bench" and args.instructions:
        for item in args.instructions.split(","):
            assert item.split(":")[0] in builtin_names(), f"{where}: {item}"


@pytest.mark.parametrize(("where", "argv"), INLINE, ids=[f"{w} {' '.join(a[:2])}" for w, a in INLINE])
def test_every_inline_command_names_only_its_own_options(where, argv):
    sub = _subparsers(_parser())
    assert argv[0] in sub, f"{where}: no command `noodplan {argv[0]}`"
    parser = sub[argv[0]]
    rest = argv[1:]
    if argv[0] == "exercise" and rest and not rest[0].startswith("-"):
        assert rest[0] in _subparsers(parser), f"{where}: no command `noodplan exercise {rest[0]}`"
        parser, rest = _subparsers(parser)[rest[0]], rest[1:]
    options = {w.strip("[]").split("=")[0] for w in rest if w.strip("[").startswith("--")}
    unknown = options - set(parser._option_string_actions)
    assert not unknown, f"{where}: noodplan {' '.join(argv)}: no option {sorted(unknown)}"


def test_an_unknown_option_in_a_doc_line_is_caught():
    block = [(1, ".venv/bin/noodplan forecast --from-run baseline --member 4   # a typo")]
    [(_, argv)] = _commands(block)
    with pytest.raises(AssertionError, match="unrecognized arguments: --member"):
        _parse(argv)
    with pytest.raises(AssertionError, match="no option"):
        test_every_inline_command_names_only_its_own_options("x", ["backtest", "--rolling", "--stocks", "queue"])


# ---- the README's examples run (short sizes), in order, in a fresh folder ---------------------------

def _readme_examples() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Examples\n\n```bash\n(.*?)```", text, re.S)
    assert block, "README.md: the Examples block"
    return [argv for _, argv in _commands(enumerate(block.group(1).splitlines(), 1))]


SHORT = {"run": ["--days", "30"], "compare": ["--runs", "2", "--days", "30", "--workers", "1"],
         "forecast": ["--members", "2", "--months", "1", "--jobs", "1"]}
# servers, minutes-long searches and sweeps, and one that writes a packaged scenario file are not run here
NOT_RUN = {"ui", "exercise", "calibrate", "sweep", "analyze", "bench"}


def _run_readme_examples(commands: set[str], tmp_path, monkeypatch, capsys) -> list[list[str]]:
    from experiments.cli import main

    monkeypatch.chdir(tmp_path)
    yaml_block = re.search(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    (tmp_path / "my-scenario.yaml").write_text(yaml_block.group(1))   # the README's scenario file
    ran = []
    for argv in _readme_examples():
        if argv[0] in NOT_RUN or argv[0] not in commands:
            continue
        short = SHORT.get(argv[0], [])
        if argv[0] == "backtest":
            short = (["--members", "2", "--origins", "2020-01-01..2020-01-01", "--jobs", "1"] if "--rolling" in argv
                     else ["--seeds", "1", "--jobs", "1"])
        code = main(with_options(tuple(argv), tuple(short)))   # (an option given twice is refused)
        assert code == 0, f"noodplan {' '.join(argv)}: exit code {code}: {capsys.readouterr().err}"
        ran.append(argv)
    return ran


def test_the_readme_examples_run(tmp_path, monkeypatch, capsys):
    ran = _run_readme_examples({"scenarios", "run", "compare", "validate", "schema"}, tmp_path, monkeypatch, capsys)
    assert len(ran) == 6
    for made in ("out/b3/manifest.json", "out/ma/daily.csv", "scenario.schema.json"):
        assert (tmp_path / made).is_file(), made


def test_the_readme_forecasts_and_backtests_run(tmp_path, monkeypatch, capsys):
    """Each writes its own folder: the second forecast is not refused for the first one's results."""
    ran = _run_readme_examples({"forecast", "backtest"}, tmp_path, monkeypatch, capsys)
    assert len(ran) == 4
    for made in ("out/backtest/hindcast-2015/manifest.json", "out/forecast/fan.png",
                 "out/forecast-2020/forecast.csv", "out/backtest-rolling/rolling-skill.csv"):
        assert (tmp_path / made).is_file(), made


@pytest.mark.slow        # ~25 s of CPU
def test_the_forecast_page_examples_run(tmp_path, monkeypatch, capsys):
    """docs/forecast.md's first block, in order, in a fresh folder (2 members, 1 month; the saved run 60
    days; the rolling backtest on one origin): a forecast from a run's end, from a saved run, from a date
    inside a run with its state saved, from that snapshot, from the record, on a planner's band."""
    from experiments.cli import main

    block = re.search(r"```bash\n(.*?)```", (ROOT / "docs" / "forecast.md").read_text(encoding="utf-8"), re.S)
    short = {"run": ["--days", "60"], "forecast": ["--members", "2", "--months", "1", "--jobs", "1"],
             "backtest": ["--members", "2", "--origins", "2020-01-01..2020-01-01", "--jobs", "1"]}
    monkeypatch.chdir(tmp_path)
    ran = []
    for _, argv in _commands(enumerate(block.group(1).splitlines(), 1)):
        code = main(with_options(tuple(argv), tuple(short[argv[0]])))
        assert code == 0, f"noodplan {' '.join(argv)}: exit code {code}: {capsys.readouterr().err}"
        ran.append(argv[0])
    assert ran == ["forecast", "run", "forecast", "forecast", "forecast", "forecast", "forecast", "backtest"]
    for made in ("out/forecast/fan.png", "out/forecast-ma/forecast.csv", "out/oct.snapshot",
                 "out/forecast-snap/manifest.json", "out/forecast-2020-40m/forecast.nc",
                 "out/forecast-band/assumptions.txt", "out/backtest-rolling/rolling-skill.csv"):
        assert (tmp_path / made).is_file(), made


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    code = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert len(scope["res"].daily_frame()) == 730
    assert list(scope["m"].datacollector.get_model_vars_dataframe().columns) == list(scope["res"].daily_frame().columns)
    assert scope["fork"].applicant(70_000).path == scope["m"].applicant(70_000).path


def test_the_mesa_page_python_examples_run_in_order(tmp_path, monkeypatch):
    """docs/mesa.md's Python blocks, one after the other as a reader runs them (shorter horizons):
    the applicants' block once asked a model on day 0 for permit holders linked to Utrecht (none
    are linked before the first day), and `max()` of an empty set failed."""
    text = (ROOT / "docs" / "mesa.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    for long, short in (("days=200", "days=20"), ('"days": 365', '"days": 5'), ("max_steps=365", "max_steps=5")):
        assert long in code, long
        code = code.replace(long, short)
    monkeypatch.chdir(tmp_path)
    scope: dict = {"__name__": "mesa_page"}
    exec(compile(code, "docs/mesa.md", "exec"), scope)
    assert len(scope["df"]) == 20 and len(scope["res"].daily_frame()) == 20
    assert len(scope["rows"]) == 2 * 2 * 3 * 5              # scenarios x supplies x seeds x days
    assert len(scope["permit"]) > 0 and scope["m"].day == 30
    assert scope["a"].path[0].reason == "intake"


def _target(args: argparse.Namespace) -> str | None:
    """The folder a command writes its results into (its default where it has one)."""
    if args.command not in ("run", "forecast", "backtest", "calibrate"):
        return None        # a sweep resumes its store; the others write single files, replaced whole
    if args.out or args.command in ("run", "calibrate"):
        return args.out
    if args.command == "forecast":
        return "out/forecast"
    return "out/backtest-rolling" if args.rolling else f"out/backtest/{Path(args.scenario or '').stem}"


@pytest.mark.parametrize("page", sorted({w.split(":")[0] for w, _ in FENCED}))
def test_no_two_examples_of_a_page_write_one_folder(page):
    """Run in order, a page's examples do not refuse each other ("already holds …; use --force")."""
    seen: dict[str, str] = {}
    for where, argv in FENCED:
        args = _parse(argv)
        target = _target(args)
        if not where.startswith(page + ":") or target is None:
            continue
        assert target not in seen or args.force, f"{where}: {target} holds the results of {seen[target]}; give --out"
        seen[target] = where


def test_no_two_examples_of_the_docs_write_one_folder():
    """A reader who runs the README's examples and then a page's is not refused either: docs/forecast.md's
    `run mass-arrival --seed 3 --out out/ma` met the README's `run mass-arrival --out out/ma` ("already
    holds …; use --force"). The same command again is no conflict (its results are there already)."""
    seen: dict[str, tuple[str, list[str]]] = {}
    bad = []
    for where, argv in FENCED:
        args = _parse(argv)
        target = _target(args)
        if target is None:
            continue
        if target in seen and not args.force and seen[target][1] != argv:
            bad.append(f"{where}: {target} holds the results of {seen[target][0]}; give another --out")
        seen.setdefault(target, (where, argv))
    assert not bad, bad


# ---- the pages' own structure: links, paths, tables, fences, headings --------------------------------
# Pages that grew over many sessions collect leftovers of merges; these checks are cheap and general.

def _prose(page: Path):
    """(line number, line) of a page outside fenced code blocks."""
    inside = False
    for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            inside = not inside
            continue
        if not inside:
            yield n, line


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings (a repeated one gets -1, -2, …)."""
    seen: dict[str, int] = {}
    out = set()
    for _, line in _prose(page):
        if re.match(r"#+\s", line):
            slug = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().replace("`", "").lower()).replace(" ", "-")
            out.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
            seen[slug] = seen.get(slug, -1) + 1
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    bad = []
    for n, line in _prose(page):
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                bad.append(f"{page.name}:{n}: {target}")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
                bad.append(f"{page.name}:{n}: {target} (no such heading)")
    assert not bad, bad


_TOP = "(?:agents|model|experiments|viz|tests|scripts|docs)"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_repository_path_named_exists(page):
    """`model/rulebook.py`, docs/forecast.md, `tests/model/` … : what a page names is there."""
    bad = []
    for n, line in _prose(page):
        named = re.findall(rf"`({_TOP}/[^`\s]*)`", line)
        named += re.findall(rf"\b({_TOP}/[\w/.-]+\.(?:py|md|yaml|csv|png))\b", line)
        for path in dict.fromkeys(named):
            path = path.split("::")[0].rstrip(".,;:")
            if not any(c in path for c in "*{…<") and not (ROOT / path).exists():
                bad.append(f"{page.name}:{n}: {path}")
    assert not bad, bad


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_tables_rows_have_the_header_s_cells_and_fences_close(page):
    text = page.read_text(encoding="utf-8")
    assert sum(line.startswith("```") for line in text.splitlines()) % 2 == 0, f"{page.name}: a code fence left open"
    bad, header = [], None
    for n, line in _prose(page):
        if line.lstrip().startswith("|"):
            cells = len(re.split(r"(?<!\\)\|", re.sub(r"`[^`]*`", "x", line.strip()).strip("|")))
            header = cells if header is None else header
            if cells != header:
                bad.append(f"{page.name}:{n}: {cells} cells, the header {header}")
        else:
            header = None
    assert not bad, bad


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_headings_stand_apart(page):
    """A heading glued to the paragraph before it is usually half of a merge."""
    bad, before, inside = [], "", False
    for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            inside = not inside
        elif not inside and re.match(r"#+\s", line) and before.strip():
            bad.append(f"{page.name}:{n}: {line[:60]}")
        before = line
    assert not bad, bad


def _paragraphs(page: Path):
    """(first line number, text) of a page's paragraphs and list items outside code blocks."""
    lines: list[str] = []
    start = 0
    for n, line in _prose(page):
        item = re.match(r"\s*(?:\d+\.|[-*])\s", line)
        if not line.strip() or item or line.lstrip().startswith(("|", "#")):
            if lines:
                yield start, " ".join(x.strip() for x in lines)
            lines = [line] if item else []
            start = n
        else:
            lines.append(line)
            start = start if len(lines) > 1 else n
    if lines:
        yield start, " ".join(x.strip() for x in lines)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_paragraph_or_list_item_is_there_twice(page):
    """An older and a newer copy of one paragraph side by side is the usual leftover of a merge."""
    seen: dict[str, int] = {}
    bad = []
    for n, text in _paragraphs(page):
        if len(text) >= 60:
            if text in seen:
                bad.append(f"{page.name}:{n}: also line {seen[text]}: {text[:60]}")
            seen.setdefault(text, n)
    assert not bad, bad


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_numbered_lists_count_up_by_one(page):
    """1., 2., 3. … within a list (a list item may run over indented lines and blank lines)."""
    bad, last, before = [], 0, ""
    for n, line in _prose(page):
        m = re.match(r"(\d+)\.\s", line)
        if m and (last or not before.strip()):   # (not a sentence's line that starts with a number)
            k = int(m.group(1))
            if k != 1 and k != last + 1:
                bad.append(f"{page.name}:{n}: {k} after {last}")
            last = k
        elif line.strip() and not line.startswith((" ", "\t")):
            last = 0
        before = line
    assert not bad, bad


# ---- what the pages list is what the code has ----------------------------------------------------

def _module_table() -> dict[str, str]:
    """docs/architecture.md's module table: first cell -> topic."""
    rows = {}
    for _, line in _prose(ROOT / "docs" / "architecture.md"):
        m = re.match(r"\| (.+?) \| (.+) \|$", line)
        if m and m.group(1) != "module":
            rows[m.group(1)] = m.group(2)
    return rows


def _unlisted_modules(rows: dict[str, str]) -> list[str]:
    """Modules of agents/, model/, experiments/ and viz/ the table does not name: a row of their own
    (`model/plan.py`), or by name in their package's row (`experiments/forecast/` … `record.py`) or
    in the dashboard's row (`viz/app.py and friends` … `session`)."""
    missing = []
    for layer in ("agents", "model", "experiments", "viz"):
        for file in sorted((ROOT / layer).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            if file.name == "__init__.py" or any(f"`{path}`" in cell for cell in rows):
                continue
            package = f"`{file.parent.relative_to(ROOT).as_posix()}/`"
            row = next((topic for cell, topic in rows.items() if package in cell), None)
            if row is None and layer == "viz":
                row = next((topic for cell, topic in rows.items() if "friends" in cell), None)
            if row is None or not re.search(rf"`{re.escape(file.stem)}(\.py)?`", row):
                missing.append(path)
    return missing


def test_the_architecture_table_names_every_module():
    """A module added without its line in docs/architecture.md (eight of viz/ had none)."""
    rows = _module_table()
    assert len(rows) > 40
    assert not _unlisted_modules(rows), f"add to docs/architecture.md's module table: {_unlisted_modules(rows)}"
    rows.pop("`model/plan.py`")
    assert _unlisted_modules(rows) == ["model/plan.py"]


def test_the_outputs_page_lists_exactly_daily_csv_s_columns(tmp_path):
    """docs/outputs.md's *Daily figures* table names every column of daily.csv and no other
    (`<track>` stands for the four IND tracks)."""
    from model.simulate import simulate

    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    table = text.split("## Daily figures", 1)[1].split("\n\n", 2)[1]
    named = []
    for line in table.splitlines()[2:]:
        for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
            named += ([name.replace("<track>", t) for t in ("regular", "accelerated", "border", "dublin")]
                      if "<track>" in name else [name])
    simulate("baseline", seed=1, days=2).save(tmp_path)
    columns = (tmp_path / "daily.csv").read_text().splitlines()[0].split(",")
    assert columns[0] == "date" and sorted(named) == sorted(columns[1:])


def test_the_scenario_list_is_one_readable_line_each(capsys):
    """`noodplan scenarios`: name, first day and length in days, and the description cut at a word
    (it once read `+730d` and stopped mid-word)."""
    from experiments.cli import main
    from model.scenario import builtin_names, load_scenario

    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == builtin_names()
    for line in lines:
        sc = load_scenario(line.split()[0])
        assert f" from {sc.start_date}, {sc.horizon_days:,} days  " in re.sub(r" {2,}(?=\d)", " ", line), line
        shown = line.split(" days  ", 1)[1]
        full = " ".join(sc.description.split())
        assert shown == full or (shown.endswith(" …") and full.startswith(shown[:-2])
                                 and re.match(r"[,;:]? ", full[len(shown) - 2:])), line


@pytest.mark.parametrize("page", ["snapshots.md", "performance.md"])
def test_the_page_s_python_example_runs(page, tmp_path, monkeypatch):
    """The Python blocks a reader copies from docs/snapshots.md and docs/performance.md (shorter)."""
    code = "\n".join(re.findall(r"```python\n(.*?)```", (ROOT / "docs" / page).read_text(encoding="utf-8"), re.S))
    code = code.replace("range(100)", "range(5)").replace("horizon_days=1000", "horizon_days=800")
    code = code.replace("days=60", "days=5")
    monkeypatch.chdir(tmp_path)
    scope: dict = {"__name__": "docs_page"}
    exec(compile(code, f"docs/{page}", "exec"), scope)
    if page == "snapshots.md":
        assert scope["r"].day == scope["s"].day == 5 and (tmp_path / "out" / "day100.snapshot").is_file()
        assert scope["fork"].day == scope["m"].day == 1
    else:
        assert [len(r.daily_frame()) for r in scope["runs"]] == [5, 5, 5]


def test_the_architecture_picture_names_every_module_of_the_three_lower_layers():
    """The picture at the top of docs/architecture.md names each module and package of agents/,
    model/ and experiments/ in its layer's lines (experiments' churn_record was missing)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    picture = re.search(r"```\n(viz/.*?)```", text, re.S).group(1)
    layers = re.split(r"^(?=(?:viz|experiments|model|agents)/)", picture, flags=re.M)
    words = {part.split("/", 1)[0]: set(re.findall(r"\w+", part)) for part in layers if part.strip()}
    missing = [f"{layer}/{f.stem}" for layer in ("agents", "model", "experiments")
               for f in sorted((ROOT / layer).iterdir())
               if (f.suffix == ".py" or (f.is_dir() and (f / "__init__.py").exists())) and f.stem != "__init__"
               and f.stem not in words[layer]]
    assert not missing, f"add to the picture in docs/architecture.md: {missing}"


def _resolves(name: str) -> bool:
    """Does a dotted name (`model.world.serves`, `experiments.compare.KEY_FIGURES`) name a module of
    noodplan's, or something in one (a class's attribute, a dataclass's or pydantic model's field)?"""
    import importlib

    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            if not hasattr(obj, part):
                return part in (getattr(obj, "__annotations__", None) or {}) or part in (
                    getattr(obj, "model_fields", None) or {})
            obj = getattr(obj, part)
        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_dotted_name_of_the_code_resolves(page):
    """`model.simulate._same_world` in docs/sweeps.md named a function renamed long before
    (`model.world.serves`): a name in a page's code spans that starts with one of noodplan's
    packages is importable (not `m.agents.do`, an attribute; not `model.x = …`, a variable)."""
    bad = []
    for n, line in _prose(page):
        for span in re.findall(r"`([^`]+)`", line):
            for m in re.finditer(r"(?<![\w./])((?:agents|model|experiments|viz)(?:\.[A-Za-z_]\w*)+)(?![\w/])", span):
                if not re.match(r"\s*=(?!=)", span[m.end():]) and not _resolves(m.group(1)):
                    bad.append(f"{page.name}:{n}: {m.group(1)}")
    assert not bad, bad
