"""Whole or absent on disk: results written into a temporary folder, then renamed into place.

The few file-system steps every writer of results shares, kept here so that `Results.save` (in
`model/`) and the command line's contract (`experiments.outputs`, docs/outputs.md) use one copy:

* `staging(parent, name)`: an empty temporary folder `.NAME.partial-…` in `parent`, removed on
  the way out (an error, Ctrl+C) unless it was renamed into place meanwhile;
* `commit_folder(tmp, path)`: the finished folder in place of `path` (absent, empty, or old
  results: those are removed once the new folder is in place, or put back if it cannot be);
* `replace_files(tmp, folder, names)`: some files into an existing folder, replacing those of the
  same names, all of them or none (the old ones are put back if one rename fails);
* `signals_held()`: Ctrl+C and SIGTERM held for the few renames that put results in place.

Nothing here knows of options, manifests or locks: those are the command line's
(`experiments.outputs`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

PARTIAL = ".partial-"      # in the name of every temporary folder or file results are written into


def umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def staging(parent: Path, name: str) -> Iterator[Path]:
    """Yield an empty temporary folder `.NAME.partial-…` in `parent` (which exists), with the
    permissions of an ordinary folder (mkdtemp makes it private); it is removed when the block ends,
    however it ends, unless it was renamed into place inside the block."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}{PARTIAL}", dir=parent))
    try:
        tmp.chmod(0o777 & ~umask())
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the few renames that put results in place (delivered after)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def commit_folder(tmp: Path, path: Path) -> None:
    """Put the finished folder `tmp` in place of `path` (absent, empty, or old results, which are
    removed once the new folder is in place; put back if it cannot be)."""
    if not path.exists():
        os.rename(tmp, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    os.rename(path, old / path.name)
    try:
        os.rename(tmp, path)
    except OSError:
        os.rename(old / path.name, path)        # put the old results back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def replace_files(tmp: Path, folder: Path, names: Iterable[str]) -> None:
    """Move the files `names` from folder `tmp` into the existing `folder`, replacing the files of
    the same names there, all or none: each old file is first moved aside into `tmp` (so it goes
    with `tmp`), and if a rename fails the new files are taken out again and the old ones put back
    before the error is raised. A folder where a file should go is refused (it would be removed)."""
    names = list(names)
    for name in names:
        there = folder / name
        if there.is_dir() and not there.is_symlink():
            raise IsADirectoryError(21, "Is a directory", str(there))
    old = tmp / f"{PARTIAL}old"
    old.mkdir()
    aside: list[str] = []
    placed: list[str] = []
    try:
        for name in names:
            if os.path.lexists(folder / name):
                os.rename(folder / name, old / name)
                aside.append(name)
            os.rename(tmp / name, folder / name)
            placed.append(name)
    except BaseException:
        for name in placed:
            with contextlib.suppress(OSError):
                os.rename(folder / name, tmp / name)
        for name in aside:
            with contextlib.suppress(OSError):
                os.rename(old / name, folder / name)
        raise
