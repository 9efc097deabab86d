"""`noodplan backtest --rolling` keeps each finished origin beside --out and resumes from them
(experiments/forecast/kept.py): interrupted after the first origin, the same command computes only the
others and writes the bytes of one uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments.cli import main
from experiments.forecast import kept, rolling

ROOT = Path(__file__).resolve().parents[2]
ORIGINS = ["--origins", "2019-07-01..2020-01-01"]       # two origins, one member each: some 6 s an origin
ARGV = ["backtest", "--rolling", "--members", "1", *ORIGINS]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "manifest.json"}


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """One uninterrupted run (on two processes: the origins are kept in the order they finish)."""
    out = tmp_path_factory.mktemp("whole") / "out"
    assert main([*ARGV, "--jobs", "2", "--out", str(out)]) == 0
    assert not kept.folder_for(out).exists()        # nothing kept once the results are in --out
    return out


def _counting(monkeypatch, stop_at: int | None = None) -> list:
    """Count the origins computed; raise KeyboardInterrupt (Ctrl+C) when the `stop_at`-th one starts."""
    computed, run = [], rolling.run_origin

    def run_origin(origin, *args, **kwargs):
        computed.append(origin)
        if len(computed) == stop_at:
            raise KeyboardInterrupt
        return run(origin, *args, **kwargs)

    monkeypatch.setattr(rolling, "run_origin", run_origin)
    return computed


def test_interrupted_after_the_first_origin_the_same_command_computes_only_the_other(whole, tmp_path, monkeypatch,
                                                                                      capsys):
    out = tmp_path / "out"
    argv = [*ARGV, "--jobs", "1", "--out", str(out)]
    computed = _counting(monkeypatch, stop_at=2)
    assert main(argv) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"noodplan: interrupted; 1 of 2 origins are kept in {out}.origins; run the same command to "
                   f"resume (it computes only the 1 other)"]
    assert not out.exists()
    assert sorted(p.name for p in kept.folder_for(out).iterdir()) == ["2019-07-01.json", "manifest.json"]

    computed = _counting(monkeypatch)
    assert main(argv) == 0
    assert [o.isoformat() for o in computed] == ["2020-01-01"]
    assert capsys.readouterr().err.strip().splitlines() == [
        f"noodplan: resuming: 1 of 2 origins are kept in {out}.origins; computing the 1 other"]
    assert _files(out) == _files(whole)                                  # the bytes of one run whole
    m, w = (json.loads((f / "manifest.json").read_text()) for f in (out, whole))
    assert m["files"] == w["files"]
    assert m["resumed"] == {"origins_kept_before": 1, "from": str(kept.folder_for(out))} and "resumed" not in w
    assert not kept.folder_for(out).exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_ctrl_c_while_the_results_are_written_keeps_every_origin_and_the_same_command_writes_them(
        whole, tmp_path, monkeypatch, capsys):
    """Ctrl+C after the last origin, while the results are being written into their temporary folder:
    --out is as it was (absent), every origin is kept, and the same command computes nothing and
    writes the bytes of one run whole."""
    out = tmp_path / "out"
    argv = [*ARGV, "--jobs", "1", "--out", str(out)]
    write = rolling.RollingBacktest.write

    def interrupted(self, folder):
        write(self, folder)                 # the files are there, in the temporary folder, when Ctrl+C comes
        raise KeyboardInterrupt

    monkeypatch.setattr(rolling.RollingBacktest, "write", interrupted)
    assert main(argv) == 130
    assert capsys.readouterr().err.strip().splitlines() == [
        f"noodplan: interrupted; all 2 origins are kept in {out}.origins; run the same command to write the results "
        f"from them"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.origins"]       # no out, no temporary folder
    monkeypatch.setattr(rolling.RollingBacktest, "write", write)
    computed = _counting(monkeypatch)
    assert main(argv) == 0 and computed == []
    assert _files(out) == _files(whole)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_out_that_links_to_a_folder_keeps_its_origins_beside_that_folder(whole, tmp_path, monkeypatch, capsys):
    """--out a symbolic link to a folder on another disk: the results are written through the link
    (`outputs.through_link`), and the finished origins are kept beside the folder it points to, not
    beside the link (before, `link.origins/` was made beside the link, on the disk the link avoids)."""
    disk, here = tmp_path / "disk", tmp_path / "here"
    (disk / "runs").mkdir(parents=True)
    here.mkdir()
    (here / "out").symlink_to(disk / "runs")
    argv = [*ARGV, "--jobs", "1", "--out", str(here / "out")]
    _counting(monkeypatch, stop_at=2)
    assert main(argv) == 130
    assert capsys.readouterr().err.strip().splitlines() == [
        f"noodplan: interrupted; 1 of 2 origins are kept in {disk}/runs.origins; run the same command to resume "
        f"(it computes only the 1 other)"]
    assert sorted(p.name for p in here.iterdir()) == ["out"]            # nothing beside the link
    assert sorted(p.name for p in (disk / "runs.origins").iterdir()) == ["2019-07-01.json", "manifest.json"]

    computed = _counting(monkeypatch)
    assert main(argv) == 0
    assert [o.isoformat() for o in computed] == ["2020-01-01"]           # resumed from beside the folder
    assert _files(disk / "runs") == _files(whole)
    assert (here / "out").is_symlink() and sorted(p.name for p in disk.iterdir()) == ["runs"]   # kept ones removed


def test_origins_kept_with_other_settings_or_code_are_refused_in_one_line_or_removed_with_force(tmp_path,
                                                                                                monkeypatch, capsys):
    out = tmp_path / "out"
    _counting(monkeypatch, stop_at=2)
    assert main([*ARGV, "--jobs", "1", "--out", str(out)]) == 130
    capsys.readouterr()
    computed = _counting(monkeypatch)
    assert main([*ARGV[:-4], "--members", "2", *ORIGINS, "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"noodplan: --out: {out}.origins keeps 1 finished origin of a rolling backtest with other settings (members "
        f"1, now 2); run that command again to finish it, or add --force to start over (they are removed)"]
    monkeypatch.setattr(kept, "code_sha256", lambda: "edited")
    assert main([*ARGV, "--out", str(out)]) == 2
    assert "(the code's files changed since (same version" in capsys.readouterr().err
    assert computed == [] and not out.exists()
    assert sorted(p.name for p in kept.folder_for(out).iterdir()) == ["2019-07-01.json", "manifest.json"]

    monkeypatch.undo()
    _counting(monkeypatch, stop_at=1)       # --force: starts over (and is stopped at once here)
    assert main([*ARGV[:-4], "--members", "2", *ORIGINS, "--out", str(out), "--force"]) == 130
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"noodplan: --force: removing 1 origin kept in {out}.origins with other settings "
                             f"(members 1, now 2)")
    assert err[1:] == ["noodplan: interrupted; none of the 2 origins is kept (none was finished and written); --out "
                       "is as it was"]
    assert not kept.folder_for(out).exists() and not out.exists()


def test_a_damaged_kept_origin_or_a_folder_of_someone_elses_is_one_line(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    folder = kept.folder_for(out)
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert main([*ARGV, "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"noodplan: --out: {folder} holds files noodplan did not write; the finished origins of this backtest are "
        f"kept there: empty it or choose another --out"]
    (folder / "notes.txt").unlink()
    store = kept.KeptOrigins(out)
    store.check({"members": 1})
    store.keep({"origin": rolling.FIRST_ORIGIN, "start": rolling.FIRST_ORIGIN, "rows": [], "paths": {}})
    path = folder / f"{rolling.FIRST_ORIGIN}.json"
    path.write_text(path.read_text()[:-20])
    with pytest.raises(kept.outputs.OutputError, match="damaged"):
        store.load([rolling.FIRST_ORIGIN])


def test_a_disk_full_while_an_origin_is_kept_is_one_line_saying_what_is_kept(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setattr(rolling, "run_origin", lambda origin, *args: {"origin": origin, "start": origin, "rows": [],
                                                                      "paths": {}})
    write = kept.outputs.write_text

    def write_text(target, text, suffix, option):
        if Path(target).name == "2020-01-01.json":
            raise kept.outputs.OutputError(f"{option}: could not write {target} (No space left on device); it is as "
                                           f"it was, and no temporary file is left")
        return write(target, text, suffix, option)

    monkeypatch.setattr(kept.outputs, "write_text", write_text)
    assert main([*ARGV, "--jobs", "1", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"noodplan: --out: could not write {out}.origins/2020-01-01.json (No space left on device); it is as it was, "
        f"and no temporary file is left; 1 of 2 origins are kept in {out}.origins; run the same command to resume "
        f"(it computes only the 1 other)"]


def test_ctrl_c_in_a_real_command_keeps_the_finished_origin_and_says_so_in_one_line(tmp_path):
    """A real SIGINT to the command line, once the first origin is kept (the other is being computed)."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "import sys; from viz.entry import main; sys.exit(main())", *ARGV, "--jobs", "1",
           "--out", str(out)]
    p = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = kept.folder_for(out) / "2019-07-01.json"
    deadline = time.monotonic() + 300
    while not first.exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert first.exists(), p.communicate()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert err.strip().splitlines()[-1] == (f"noodplan: interrupted; 1 of 2 origins are kept in {out}.origins; run "
                                            f"the same command to resume (it computes only the 1 other)")
    assert "Traceback" not in err and not out.exists()
    assert sorted(p.name for p in kept.folder_for(out).iterdir()) == ["2019-07-01.json", "manifest.json"]
