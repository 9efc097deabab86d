"""`Results.save` is whole or absent on its own (model/atomic.py), like the command line's `run --out`."""

import functools
import os

import pytest

import model.atomic
import model.results
from model.results import SAVED_FILES
from model.scenario import ScenarioError
from model.simulate import simulate


@functools.cache
def _two_runs():
    return simulate("baseline", seed=1, days=5), simulate("baseline", seed=2, days=5)


def _contents(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _leftovers(*folders):
    return [p.name for f in folders if f.is_dir() for p in f.iterdir() if ".partial-" in p.name]


def test_save_into_an_absent_folder_makes_it_whole_with_its_parents(tmp_path):
    a, _ = _two_runs()
    out = tmp_path / "new" / "run"
    paths = a.save(out)
    assert sorted(p.name for p in out.iterdir()) == sorted(SAVED_FILES) == sorted(paths)
    assert (out / "daily.csv").read_text() == a.daily_frame().to_csv(index=False)
    assert not _leftovers(tmp_path / "new", out)


def test_save_over_an_older_run_replaces_its_four_files_and_leaves_other_files_alone(tmp_path):
    a, b = _two_runs()
    a.save(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    b.save(tmp_path)
    assert (tmp_path / "daily.csv").read_text() == b.daily_frame().to_csv(index=False) != \
        a.daily_frame().to_csv(index=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*SAVED_FILES, "notes.txt"])
    assert not _leftovers(tmp_path, tmp_path.parent)


@pytest.mark.parametrize("existing", [False, True])
def test_a_writer_failing_midway_leaves_the_target_as_it_was_and_no_temporary_folder(tmp_path, monkeypatch, existing):
    a, b = _two_runs()
    out = tmp_path / "out"
    if existing:
        a.save(out)
        (out / "notes.txt").write_text("mine")
    before = _contents(out) if existing else None

    def disk_full(ds, path):
        assert (path.parent / "daily.csv").is_file()          # daily.csv is written by then: midway
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model.results, "write_netcdf", disk_full)
    with pytest.raises(OSError, match="No space left"):
        b.save(out)
    assert (_contents(out) if existing else out.exists()) == (before if existing else False)
    assert not _leftovers(tmp_path, out)


def test_a_rename_failing_while_the_files_go_in_puts_the_old_ones_back(tmp_path, monkeypatch):
    a, b = _two_runs()
    a.save(tmp_path)
    before = _contents(tmp_path)
    renames, real = [], os.rename

    def rename(src, dst):
        renames.append(os.path.basename(dst))
        if len(renames) == 5:     # daily.csv, daily.nc of the new run in place; moving moves.csv's old one aside fails
            raise OSError(5, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(model.atomic.os, "rename", rename)
    with pytest.raises(OSError, match="Input/output"):
        b.save(tmp_path)
    monkeypatch.undo()
    assert renames[:5] == ["daily.csv", "daily.csv", "daily.nc", "daily.nc", "moves.csv"]
    assert len(renames) == 5 + 2 + 2      # then the two new files taken out, the two old ones put back
    assert _contents(tmp_path) == before
    assert not _leftovers(tmp_path, tmp_path.parent)


def test_save_refuses_a_file_or_a_folder_where_its_files_go_in_one_line(tmp_path):
    a, _ = _two_runs()
    (tmp_path / "f").write_text("x")
    with pytest.raises(ScenarioError, match="is a file, not a folder"):
        a.save(tmp_path / "f")
    (tmp_path / "d" / "daily.csv").mkdir(parents=True)
    with pytest.raises(ScenarioError, match=r"daily\.csv is a folder"):
        a.save(tmp_path / "d")
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["daily.csv"]
    assert not _leftovers(tmp_path, tmp_path / "d")
