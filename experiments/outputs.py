"""Results are whole or absent: how every command writes what it computed.

A command checks its targets before it computes anything (`check_folder`, `check_file`), then
writes into a temporary folder or file beside the target (`folder`, `file`) and renames it into
place only when everything is written. A folder gets a `manifest.json` (what was run, on which
code, and the SHA-256 of every file). So a target holds one complete set of results or its old
content, never a mix: a kill, Ctrl+C or a full disk while writing leaves the target untouched and
no temporary folder behind.

A target is held by the command from its check to its end (`hold`: a lock per target, kept outside
the user's folders), so a second command writing to the same place is refused at its start instead
of computing for nothing or replacing the first one's results. A write that fails (a full disk, a
folder made read-only meanwhile) is one line naming the option, the target and the reason
(`OutputError`), the target as it was; `report_kept` prints what the command computed anyway.

No target is, holds or lies inside what the same command reads (`check_input`: `--out run --force`
replaced the run a forecast was made from), and a target that is a symbolic link to a folder or
file is written through it, the link kept (`through_link`).

A target folder that holds anything is refused unless `force` (`--force`), which replaces it
entirely, and even then only when all it holds looks like noodplan's own results (the files
this module's users write, or a folder with a noodplan manifest), so `--force` never deletes a
folder of someone's own files. A single file (a CSV, a JSON, a PNG) that exists is refused likewise
unless `force` (a caller that has no `--force`, `force=None`, replaces it whole).

`interruptible()` turns SIGTERM into KeyboardInterrupt for the command line (and remembers Ctrl+C
and SIGTERM, so one a library swallowed still stops the command before anything is put in
place), which ends with one line and exit code 130; `ignore_interrupts` is the initializer for
worker processes, so Ctrl+C reaches the main process only (and is reported once). Later commands
(sweeps, forecasts) reuse all of this. The file-system steps themselves (a temporary folder beside
the target, the renames, signals held meanwhile) are `model.atomic`'s, which `Results.save` uses too.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import fcntl
import fnmatch
import functools
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext, ForkServerContext
from pathlib import Path
from types import FrameType
from typing import Any

from model import atomic
from model.inputfile import windows_path

MANIFEST = "manifest.json"
# what noodplan writes into result folders (a folder holding only these may be replaced with --force)
RESULT_FILES = ("daily.csv", "daily.nc", "moves.csv", "events.csv", MANIFEST,
                "backtest-*.csv", "backtest-*.png", "calibration-*.csv", "calibration-*.png",
                "assumptions.txt", "forecast.csv", "forecast.nc", "fan.png", "rolling-*.csv", "rolling-*.md",
                "rolling-*.png",
                # noodplan analyze (experiments/sweep/analyze.py)
                "report.txt", "sensitivity.csv", "sensitivity.png", "prim_*.csv", "prim_*.png", "scatter_*.png")
PACKAGES = ("numpy", "pandas", "xarray", "scipy", "pydantic", "pyyaml", "mesa", "h5netcdf", "h5py", "networkx")
_PARTIAL = atomic.PARTIAL


class OutputError(ValueError):
    """A target that cannot take the results (one line; exit code 2 on the command line)."""


# --- before computing ---------------------------------------------------------------------------

def _not_a_windows_path(target: str | Path, option: str) -> None:
    """A target written as Windows writes paths: `C:\\out` or `out\\run1` was taken as one name with
    backslashes in it (results written to a folder called `C:\\out` beside the working folder), and
    `D:/results` as a folder `D:` of the working folder (`model.inputfile.windows_path`)."""
    text = str(target)
    hint = windows_path(text)
    if hint:
        shown = f"'{text}'" if text.isprintable() else repr(text)      # (a backslash shown once)
        raise OutputError(f"{option}: {shown}: {hint}")


def check_folder(target: str | Path, force: bool = False, option: str = "--out") -> Path:
    """The folder results will go to, checked before anything is computed: it must be empty,
    absent (its parent is created), or -- with `force` -- hold only noodplan's results."""
    if str(target).strip() == "":
        raise OutputError(f"{option}: give a folder name")
    _not_a_windows_path(target, option)
    path = Path(os.path.expanduser(target))
    check_not_code(path, option)
    _reachable(path, option)
    _one_place_each(path.resolve(), target, option, "folder")
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option}: {path} is a file, not a folder")
    if path.is_symlink() and not path.exists():     # (the run computed, then "could not write: Not a directory")
        raise OutputError(f"{option}: {path} is a symbolic link to {os.readlink(path)}, which is not there; give a "
                          f"folder, or remove the link")
    place = through_link(path)
    _check_parent(place.parent if str(place.parent) else Path("."), option, path)
    if path.is_dir():
        here = Path.cwd().resolve()
        if path.resolve() in (here, *here.parents):
            raise OutputError(f"{option}: {path} is the working folder or one above it; give a folder of its own")
        held = sorted(p.name for p in path.iterdir())
        if held and not force:
            raise OutputError(f"{option}: {path} already holds {_listing(held)}; use --force to replace it "
                              f"entirely, or choose another folder")
        foreign = [name for name in held if not _ours(path, name)]
        if foreign:
            raise OutputError(f"{option}: {path} holds files noodplan did not write ({_listing(foreign)}); "
                              f"not replacing it even with --force: empty it or choose another folder")
        _check_inside(place, option, path)
    hold(path, option, "folder")
    return path


def through_link(path: Path) -> Path:
    """Where results go: `path` itself, or -- when `path` is a symbolic link to a folder (out/ linked
    to a larger disk) or to a file that exists -- what it points to, whose parent takes the temporary
    folder or file, so the link is kept and the results are written through it. (Before, the link
    was replaced by a folder or file of its own, and the one it pointed to left behind.)"""
    return Path(os.path.realpath(path)) if path.is_symlink() and path.exists() else path


def check_file(target: str | Path, suffix: str, option: str = "--out", in_code: bool = False,
               force: bool | None = None) -> Path:
    """A file results will go to, checked before anything is computed: the right suffix (so a
    slip never overwrites a scenario or a document), a writable folder that exists, not a folder;
    not inside noodplan's code unless `in_code` (`calibrate --into`: packaged scenario files);
    with `force` False (a command with `--force`, not given it) not a file that exists: a file of
    earlier results is replaced only with `--force`, as a folder of them is (`check_folder`)."""
    if str(target).strip() == "":
        raise OutputError(f"{option}: give a file name")
    _not_a_windows_path(target, option)
    path = Path(os.path.expanduser(target))
    if not in_code:
        check_not_code(path, option)
    _reachable(path, option)
    _one_place_each(path.resolve(), target, option, "file")
    if path.suffix.lower() != suffix:
        raise OutputError(f"{option}: {path} must be a {suffix} file (name it *{suffix})")
    if path.is_dir():
        raise OutputError(f"{option}: {path} is a folder, not a file")
    if force is False and (path.exists() or path.is_symlink()):
        raise OutputError(f"{option}: {path} already exists; use --force to replace it, or choose another file name")
    place = through_link(path)
    parent = place.parent if str(place.parent) else Path(".")
    if not parent.is_dir():
        above = next((p for p in (parent, *parent.parents) if p.exists()), None)   # a file where a folder is named
        raise OutputError(f"{option}: {above} is a file, not a folder, so {path} cannot be written"
                          if above is not None and not above.is_dir() else f"{option}: folder {parent} does not exist")
    _check_parent(parent, option, path)
    hold(path, option, "file")
    return path


CODE_FOLDERS = ("agents", "model", "experiments", "viz")   # noodplan's packages, beside this one


def check_not_code(path: Path, option: str = "--out") -> None:
    """A target inside noodplan's own packages (`model/`, …) or inside the virtual environment it
    runs in (`.venv/`) is refused in one line: results there are mixed with the program (and lost
    when it is reinstalled)."""
    here = Path(os.path.expanduser(path)).resolve()       # (a path that does not exist yet resolves too)
    root = Path(__file__).resolve().parents[1]
    places = [(root / name, "code") for name in CODE_FOLDERS]
    if sys.prefix != sys.base_prefix:
        places.append((Path(sys.prefix).resolve(), "Python environment"))
    for place, what in places:
        if here == place or place in here.parents:
            raise OutputError(f"{option}: {path} is inside noodplan's own {what} ({place}); write results "
                              f"elsewhere (e.g. out/)")


def _reachable(path: Path, option: str) -> None:
    """A target behind a folder this user may not open (no x permission) is one line naming the
    option: the checks' first look at it said "noodplan: secret/out: Permission denied"."""
    try:
        os.stat(path)
    except PermissionError as exc:
        raise OutputError(f"{option}: cannot reach {path} ({exc.strerror}): a folder on its way may not be "
                          f"opened; choose another place") from None
    except (OSError, ValueError):
        pass                    # absent, or a name the later checks refuse in their own words


def _check_parent(parent: Path, option: str, target: Path) -> None:
    """The nearest existing ancestor must be a folder one can write in (missing folders are
    created): tried by making and removing an empty folder there, which also works for root and
    for file systems that refuse writes whatever the permissions say (/proc, read-only mounts).
    The try touches that folder's modification time (as the results' own rename does after); a
    cheaper `os.access` does not give the same answers: as root it says /proc and /sys are
    writable (mkdir there: "No such file or directory", "Operation not permitted"; the catalogue's
    `/proc/…` targets), and it looks at permissions only, not at a full disk (round 21)."""
    p = parent
    while not p.exists():
        p = p.parent
    if not p.is_dir():
        raise OutputError(f"{option}: {p} is a file, not a folder, so {target} cannot be made")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f".noodplan{_PARTIAL}probe-", dir=p))
    except OSError as exc:
        raise OutputError(f"{option}: cannot write in {p} ({exc.strerror})") from None


def _check_inside(folder: Path, option: str, target: Path) -> None:
    """A target folder that exists must take writing in it too: the results replace it by renaming it
    aside whole, which writes its `..` entry (`--out ro`, an empty folder the user may not write in,
    was found out after the run: "could not write ro"). Tried as `_check_parent` does, the folder's
    times put back after (its owner may; it is the user's folder, and "refused" means untouched)."""
    st = folder.stat()
    _check_parent(folder, option, target)
    with contextlib.suppress(OSError):
        os.utime(folder, ns=(st.st_atime_ns, st.st_mtime_ns))


def check_writable(target: str | Path, option: str = "--out") -> Path:
    """A folder a command writes into and keeps (a sweep's result store: made, or resumed), checked
    before the work as `check_folder` checks a folder of results: reachable, not noodplan's code,
    not a file, a place to make it in, and -- when it exists -- writing in it allowed. (`sweep --out
    ro`, an empty folder the user may not write in, was removed and made again writable by the store.)"""
    _not_a_windows_path(target, option)
    path = Path(os.path.expanduser(target))
    check_not_code(path, option)
    _reachable(path, option)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option}: {path} is a file, not a folder")
    place = through_link(path)
    _check_parent(place.parent if str(place.parent) else Path("."), option, path)
    if place.is_dir():
        _check_inside(place, option, path)
    return path


def _ours(folder: Path, name: str) -> bool:
    path = folder / name
    if path.is_file():
        return any(fnmatch.fnmatch(name, pattern) for pattern in RESULT_FILES)
    return path.is_dir() and (path / MANIFEST).is_file()


def _listing(names: list[str], most: int = 4) -> str:
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


# --- one command a target ---------------------------------------------------------------------

_held: dict[Path, tuple[int, Path]] = {}     # targets this process holds: the lock's descriptor and file
_targets: dict[Path, tuple[str, str, str]] = {}   # the same targets: the option, the target as given, folder or file


def _lock_folder() -> Path:
    """Where the targets' locks are: a folder of this user's own in the temporary folder (not beside
    the target, so a command refused for another reason leaves the user's folders as they were)."""
    return Path(tempfile.gettempdir()) / f"noodplan-targets-{os.getuid()}"


def hold(target: str | Path, option: str = "--out", what: str = "folder") -> None:
    """Hold `target` for this command, until it is written (`folder`, `file`) or the command ends
    (`interruptible`, `release`): a second noodplan command asking for it meanwhile is refused in one
    line, before it computes anything. Without this, two commands into one new folder both computed,
    and the later one either lost its results at the end ("already holds …") or, writing at the same
    moment, replaced the first one's without --force. The lock is an advisory `flock` on a file
    named by the target's absolute path; it goes with the process (a killed command holds nothing)."""
    key = Path(os.path.expanduser(target)).resolve()
    _one_place_each(key, target, option, what)
    if key in _targets:
        return
    _targets[key] = (option, str(target), what)
    folder = _lock_folder()
    name = folder / (hashlib.sha256(str(key).encode()).hexdigest()[:32] + ".lock")
    while True:
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(name, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            return              # no place for locks: go on without (the commit checks the target again)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            raise OutputError(f"{option}: {target} is being written by another noodplan command "
                              f"({holder or 'still running'}); wait for it to end, or choose another {what}") from None
        except OSError:
            os.close(fd)
            return              # a file system without locks
        try:
            same = os.fstat(fd).st_ino == os.stat(name).st_ino   # not a lock file its holder removed meanwhile
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"process {os.getpid()}, since {dt.datetime.now():%Y-%m-%d %H:%M}".encode(), 0)
    _held[key] = (fd, name)


def _one_place_each(key: Path, target: str | Path, option: str, what: str) -> None:
    """A command's targets are distinct and none is inside another's folder: `bench --json b.json
    --history b.json` ran the whole benchmark, wrote b.json and then refused it as a history;
    `forecast --out f --save-snapshot f/o.snapshot` (f empty) ran the forecast, wrote the snapshot
    into f and then refused f as "already holds o.snapshot", the forecast lost. Refused when the
    second target is checked, before anything is computed; the same target held again by its own
    option (checked, then written) is fine."""
    for source, (in_option, in_given, in_what, rewriter, inside_ok) in _inputs.items():
        if rewriter != option:
            _refuse_over_input(key, target, option, what, source, in_given, in_option, in_what, inside_ok)
    for other, (other_option, other_target, other_what) in _targets.items():
        if other == key and other_option != option:
            raise OutputError(f"{option}: {target} is also the {other_option} {other_what}; give each its own {what}")
        if other_what == "folder" and other in key.parents:
            raise OutputError(f"{option}: {target} is inside the {other_option} folder {other_target}, which takes "
                              f"only the command's results (whole, at the end); choose a place outside it")
        if what == "folder" and key in other.parents:
            raise OutputError(f"{option}: {target} holds the {other_option} {other_what} {other_target}, and takes "
                              f"only the command's results (whole, at the end); choose another folder")


# what the command reads: option, as given, what, the option that rewrites it on purpose (or None), results inside it
_inputs: dict[Path, tuple[str, str, str, str | None, bool]] = {}


def check_input(source: str | Path, option: str, what: str, rewritten_by: str | None = None,
                inside_ok: bool = False) -> None:
    """Note that the command reads `source` (a file or folder that exists; anything else -- a
    built-in scenario's name -- is not a place and is ignored), so that no target of the same
    command is it, holds it or lies inside it (`_refuse_over_input`, checked whichever of the two is
    named first, before anything is computed). `forecast --from-run run --out run --force` read the
    run, wrote the forecast and replaced the run's folder with it: the run was lost. `rewritten_by`:
    the option that rewrites this input on purpose (`calibrate SCENARIO --into SCENARIO`);
    `inside_ok`: results may go inside this input folder (a sweep store's own `analysis/`)."""
    path = Path(os.path.expanduser(source))
    if str(source).strip() == "" or not (path.exists() or path.is_symlink()):
        return
    key = path.resolve()
    for other, (out_option, out_given, out_what) in _targets.items():
        if out_option != rewritten_by:
            _refuse_over_input(other, out_given, out_option, out_what, key, str(source), option, what, inside_ok)
    _inputs.setdefault(key, (option, str(source), what, rewritten_by, inside_ok))


def check_scenario_input(source: str | Path, option: str = "scenario", what: str = "file",
                         rewritten_by: str | None = None) -> None:
    """A scenario the command reads, as `check_input` does for one file, and every file its `extends`
    chain reads (`model.scenario.scenario_files`): `run s.yaml --out DIR --force`, s.yaml extending
    DIR/parent.yaml, read the parent and replaced it with the run's folder (only the file named was an
    input). `rewritten_by` holds for every file of the chain (`calibrate --scenario S --into P` writes
    the fitted values into S's parent P on purpose, the default `--into hindcast-2015` included). A
    built-in scenario's name is no place (its files are noodplan's code, refused as targets anyway)."""
    from model.scenario import scenario_files

    if not Path(os.path.expanduser(source)).is_file():
        return
    named, *parents = scenario_files(source)
    check_input(source, option, what, rewritten_by)
    for parent in parents:
        check_input(parent, option, f"{what}'s parent (extends: in {named.name})", rewritten_by)


def _refuse_over_input(key: Path, target: str | Path, option: str, what: str,
                       source: Path, given: str, in_option: str, in_what: str, inside_ok: bool = False) -> None:
    """A target that is an input of the same command, holds one, or lies inside an input folder is
    refused in one line: writing the results there would replace or change what the command reads."""
    reads = f"the {in_option} {in_what} {given}, which the command reads"
    if key == source:
        raise OutputError(f"{option}: {target} is {reads}; the results would replace it: choose another {what}")
    if key in source.parents:
        raise OutputError(f"{option}: {target} holds {reads}; the results would replace it with the folder: "
                          f"choose another folder")
    if source in key.parents and not inside_ok:
        raise OutputError(f"{option}: {target} is inside {reads}; write the results outside it")


def release(target: str | Path | None = None) -> None:
    """Let go of `target` (or of every target this process holds, and forget its inputs)."""
    if target is None:
        _inputs.clear()
    keys = list(_targets) if target is None else [Path(os.path.expanduser(target)).resolve()]
    for key in keys:
        _targets.pop(key, None)
        entry = _held.pop(key, None)
        if entry is not None:
            fd, name = entry
            with contextlib.suppress(OSError):
                os.unlink(name)         # while still locked: one who opened it meanwhile sees it gone
            os.close(fd)


# --- writing ------------------------------------------------------------------------------------

@contextlib.contextmanager
def folder(target: str | Path, force: bool = False, manifest: dict[str, Any] | None = None,
           option: str = "--out") -> Iterator[Path]:
    """Yield an empty temporary folder beside `target`; when the block ends normally, write
    `manifest.json` (with `manifest`'s fields and every file's SHA-256) and rename the folder to
    `target` (replacing what `check_folder` allowed). On any exception, Ctrl+C included, the
    temporary folder is removed and `target` is left as it was."""
    path = check_folder(target, force, option)
    place = through_link(path)          # a link to a folder: its target, the link kept
    try:
        with _write_errors(option, path):
            place.parent.mkdir(parents=True, exist_ok=True)
            with atomic.staging(place.parent, place.name) as tmp:     # removed unless renamed into place
                yield tmp
                write_manifest(tmp, manifest or {})
                with atomic.signals_held():
                    _stop_if_interrupted()
                    check_folder(target, force, option)   # again: another program may have written there meanwhile
                    atomic.commit_folder(tmp, through_link(path))
                    written.append(str(target))
    finally:
        release(path)


@contextlib.contextmanager
def file(target: str | Path, suffix: str, option: str = "--out", force: bool | None = None) -> Iterator[Path]:
    """Yield a temporary file name beside `target` (same suffix, so writers that go by the
    suffix still work); it replaces `target` when the block ends normally, else it is removed.
    `force`: as `check_file`'s (the command's `--force`; None: replaced without one)."""
    path = check_file(target, suffix, option, force=force)
    place = through_link(path)          # a link to a file: that file, the link kept
    tmp = None
    try:
        with _write_errors(option, path):
            fd, name = tempfile.mkstemp(prefix=f".{place.stem}{_PARTIAL}", suffix=place.suffix,
                                        dir=place.parent or ".")
            os.close(fd)
            tmp = Path(name)
            tmp.chmod(0o666 & ~atomic.umask())
            yield tmp
            with atomic.signals_held():
                _stop_if_interrupted()
                if path.is_dir():             # made meanwhile: os.replace would put the file inside it
                    raise OutputError(f"{option}: {path} is a folder, not a file")
                if force is False and (path.exists() or path.is_symlink()):     # written meanwhile, by another program
                    raise OutputError(f"{option}: {path} was written meanwhile by another program; use --force to "
                                      f"replace it, or choose another file name")
                os.replace(tmp, through_link(path))
                written.append(str(target))
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        release(path)


def write_text(target: str | Path, text: str, suffix: str, option: str = "--out", force: bool | None = None) -> Path:
    """Write one text file whole (UTF-8); `force` as `check_file`'s."""
    with file(target, suffix, option, force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def replace_text(path: Path, text: str, option: str = "--into") -> None:
    """Rewrite an existing file whole (a temporary file beside it, then a rename; a symbolic link
    is followed and kept)."""
    path = through_link(path)
    name = None
    try:
        with _write_errors(option, path):
            fd, name = tempfile.mkstemp(prefix=f".{path.stem}{_PARTIAL}", suffix=path.suffix, dir=path.parent)
            os.chmod(name, path.stat().st_mode & 0o777)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            with atomic.signals_held():
                os.replace(name, path)
    finally:
        if name is not None:
            Path(name).unlink(missing_ok=True)


@contextlib.contextmanager
def _write_errors(option: str, path: Path) -> Iterator[None]:
    """An OSError while results are written (a full disk, a folder made read-only or removed
    meanwhile, a quota) becomes one line naming the option, the target and the reason: before, it
    was "noodplan: : No space left on device" (the library's error names no file) or named a
    temporary file."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"{option}: could not write {path} ({reason(exc)}); it is as it was, and no "
                          f"temporary file is left") from None


def reason(exc: OSError) -> str:
    """An OSError's reason in a few words (h5py's and Arrow's messages carry more; their first line)."""
    text = exc.strerror or (str(exc).splitlines() or [type(exc).__name__])[0]
    return " ".join(text.split())[:160]


@contextlib.contextmanager
def report_kept(report: Callable[[], object]) -> Iterator[None]:
    """Around writing what a command computed: when the results cannot be written (`OutputError`: a
    full disk, a folder made read-only or filled by another program meanwhile), `report()` -- what
    the command prints when it is done -- is printed before the one line, which says so: the
    minutes or hours computed are not lost with the files."""
    try:
        yield
    except OutputError as exc:
        report()
        sys.stdout.flush()
        raise OutputError(f"{exc}; what was computed is printed above") from None


# --- the manifest -------------------------------------------------------------------------------

def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def scenario_hash(scenario: Any) -> str:
    """SHA-256 of a scenario's validated content (JSON), the same for the same scenario however
    it was written (file, extends chain, mapping)."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def code_version() -> str:
    """`git describe` of the code's checkout when it is one, else the installed package version."""
    root = Path(__file__).resolve().parents[1]
    if (root / ".git").exists():
        try:
            out = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty", "--tags"],
                                 capture_output=True, text=True, timeout=10, check=True)
            return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return _version("noodplan")


CODE_PACKAGES = ("agents", "model", "experiments")     # the packages whose files make a result (viz shows them)


def code_sha256(root: str | Path | None = None) -> str:
    """SHA-256 of the code's files -- `CODE_PACKAGES` under `root` (default: where this noodplan is
    imported from, a checkout or site-packages), names and contents, caches and hidden files left
    out. Unlike `git describe --dirty` it ties a result to its code from a checkout with uncommitted
    changes (each edit changes it) and from an installed package without git; every manifest
    records it beside `code_version`. Computed once per process for this noodplan's own files."""
    if root is None:
        return _own_code_sha256()
    base = Path(root)
    h = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((base / package).rglob("*")):
            rel = path.relative_to(base)
            if path.is_file() and "__pycache__" not in rel.parts and not any(p.startswith(".") for p in rel.parts):
                h.update(f"{rel.as_posix()}\0{path.stat().st_size}\0".encode())
                h.update(path.read_bytes())
    return h.hexdigest()


@functools.cache
def _own_code_sha256() -> str:
    return code_sha256(Path(__file__).resolve().parents[1])


def noodplan_version() -> str:
    """The installed noodplan package's version ("unknown" when it is run from a folder uninstalled)."""
    return _version("noodplan")


def package_versions() -> dict[str, str]:
    """The versions of the packages results depend on (`PACKAGES`), as a manifest records them."""
    return {name: _version(name) for name in PACKAGES}


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def command_line(args: Any) -> str:
    """The command as typed, for a manifest's `command`: `noodplan` and the arguments the parser
    read (`args.argv`, set by `experiments.cli.parse`), each quoted for a POSIX shell where it
    needs it (`shlex.join`), so that `shlex.split` gives the arguments back and the line pastes
    back into a shell as it was run (a path with a space, a quote or a `$` included)."""
    return shlex.join(["noodplan", *getattr(args, "argv", [])])


def write_manifest(folder: Path, fields: dict[str, Any]) -> Path:
    """`manifest.json` in `folder`: the given fields, the code and package versions, and the
    size and SHA-256 of every other file in the folder."""
    files = {p.name: {"bytes": p.stat().st_size, "sha256": sha256(p)}
             for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    manifest = {**fields, "code_version": code_version(), "code_sha256": code_sha256(),
                "python": platform.python_version(),
                "packages": package_versions(),
                "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "files": files}
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return path


# --- signals ------------------------------------------------------------------------------------

_interrupts: list[int] = []      # signals that arrived inside `interruptible()`
written: list[str] = []          # targets put in place (`folder`, `file`) by the command inside `interruptible()`


def kept() -> str:
    """What an interrupted command says it leaves: the targets it wrote whole before the signal."""
    if not written:
        return "unfinished results were not written (their targets are as they were)"
    names = ", ".join(dict.fromkeys(written))
    verb = "was" if len(set(written)) == 1 else "were"
    return f"{names} {verb} written whole before it and kept; nothing else was written"


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """While inside, Ctrl+C and SIGTERM raise KeyboardInterrupt, so both unwind through the
    `folder`/`file` blocks (which clean up) to the command line's one-line exit. Each is also
    remembered: one swallowed on its way (Python reports a KeyboardInterrupt raised in a weakref
    callback or a `__del__`, e.g. while a module is imported, as "ignored" and goes on) still
    stops the command at its next commit (`folder`, `file`) or at its end, so nothing is put in
    place after Ctrl+C."""
    home = os.getpid()

    def stop(signum: int, _frame: Any) -> None:
        if os.getpid() != home:         # a worker forked from the command, before `ignore_interrupts` ran
            _die_of(signum)
        _interrupts.append(signum)
        if _deferred:                   # a worker process being started: answered once it has started whole
            return
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    written.clear()
    try:
        _stop_if_interrupted()          # held while the command started (`hold_interrupts`)
        yield
        _stop_if_interrupted()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _interrupts.clear()
        release()


def hold_interrupts(noted: list[int] | tuple[int, ...] = ()) -> None:
    """Note Ctrl+C and SIGTERM without raising, until a command's `interruptible()` answers them
    (a command's start-up: `experiments.entry`, which passes those it `noted` itself before)."""
    _interrupts.extend(noted)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: _interrupts.append(signum))


def interrupts_held() -> bool:
    """Whether a Ctrl+C or SIGTERM came since the command started and has not been answered (for a command
    that answers it itself, such as `noodplan ui` before its server starts)."""
    return bool(_interrupts)


def interrupt_answered() -> None:
    """The command answered the Ctrl+C itself (a sweep says how far it got and exits 130): the
    remembered one is not raised again at the end of `interruptible()` (a second 'interrupted' line)."""
    _interrupts.clear()


_deferred: list[bool] = []       # not empty while the main thread starts a worker process (`interruptions_deferred`)


@contextlib.contextmanager
def interruptions_deferred() -> Iterator[None]:
    """Inside `interruptible()`, a Ctrl+C or SIGTERM arriving while the main thread is inside this
    block is answered at its end (KeyboardInterrupt), not in its middle. For starting a worker
    process (`_Pool`): the forkserver's child reads the worker's pickled description from a pipe
    the command writes, and a KeyboardInterrupt between connecting and writing left it half-sent:
    the child printed `_pickle.UnpicklingError: pickle data was truncated` (or `EOFError: Ran out
    of input`) with its traceback after the command's one line (`forecast --jobs 2`, SIGTERM a few
    seconds in: 1 time in 6). A signal cannot simply be blocked for the while: it goes to another
    thread of the command (the pool's manager), and Python runs its handler in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield                   # (signal handlers run in the main thread only: nothing to defer here)
        return
    _deferred.append(True)
    try:
        yield
    finally:
        _deferred.pop()
    if not _deferred:
        _stop_if_interrupted()


def _stop_if_interrupted() -> None:
    """Raise KeyboardInterrupt for a Ctrl+C or SIGTERM that arrived (and was swallowed) earlier."""
    if _interrupts:
        raise KeyboardInterrupt


def ignore_interrupts() -> None:
    """Initializer for worker processes: Ctrl+C goes to the whole process group, but only the main
    process should answer it (the workers are stopped with the pool); SIGTERM ends a worker at once
    and quietly. A forked worker inherits the command's handlers (`interruptible`), under which a
    SIGTERM -- the pool's own `terminate()`, or one sent to the process group -- raised
    KeyboardInterrupt in the worker and printed its traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _die_of(signum: int) -> None:
    """End this process by `signum` as if it had no handler (no traceback, no clean-up)."""
    signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)


def _start_worker(setup: Callable[..., None] | None, args: tuple) -> None:
    ignore_interrupts()
    if setup is not None:
        setup(*args)


# --- worker pools --------------------------------------------------------------------------------

def check_main_guard(option: str, what: str, method: str, instead: str | None = None,
                     again: str | None = None, doc: str = "") -> None:
    """Refuse to start worker processes by `method` from a script's top level. Under 'spawn' and
    'forkserver' (macOS, and Python 3.14's default on Linux; the sweep's `processes` executor and a
    Dask LocalCluster always) each worker starts by running the main script again as
    `__mp_main__`: a call at its top level, outside `if __name__ == "__main__":`, starts again in
    every worker, which dies of it, and the pool fails with an obscure BrokenProcessPool. So every
    pool noodplan starts (`process_pool`; the sweep's executors before the store is made) asks here
    first, and such a call is one ScenarioError line naming `option`, the script's file:line and the
    way out (`instead`, default `option`=1). 'fork' reruns nothing; a command, an interactive
    session and a guarded call pass."""
    if method == "fork":
        return
    where = unguarded_main_call()
    if where is None:
        return
    from model.scenario import ScenarioError

    raise ScenarioError(f"{option}: {what} starts worker processes, and each runs the main script again on start "
                        f"({method}): {where} calls this outside `if __name__ == \"__main__\":`, so every worker "
                        f"would start {again or what} again; put the script's calls under it"
                        f"{f' ({doc})' if doc else ''}, or use {instead or f'{option}=1'}")


def unguarded_main_call() -> str | None:
    """"file:line" where the main script, at its top level and outside an `if __name__ ==
    "__main__":` block, led to this call; None when it did not (a command, an interactive session,
    a guarded call, a script that cannot be read)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path:
        return None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and not (frame.f_code.co_name == "<module>" and frame.f_globals is vars(main)):
        frame = frame.f_back
    if frame is None:
        return None
    try:
        tree = ast.parse(Path(frame.f_code.co_filename).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    line = frame.f_lineno
    for node in ast.walk(tree):
        if (isinstance(node, ast.If) and _tests_main(node.test)
                and node.body[0].lineno <= line <= (node.body[-1].end_lineno or node.body[-1].lineno)):
            return None
    return f"{Path(path).name}:{line}"


def _tests_main(test: ast.expr) -> bool:
    """Does an `if` test compare `__name__` with "__main__" (`__name__ == "__main__"`, either way round,
    alone or in a larger condition)?"""
    for node in ast.walk(test):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if (any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides)
                    and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides)):
                return True
    return False


# imported once in the forkserver, inherited by every worker it forks: what the runs of every pool need
# (compare, backtest, forecast and calibrate run `model.simulate`; the sweep's workers its runner and KPIs)
PRELOAD = ["experiments.sweep.runner", "experiments.sweep.kpis", "model.simulate", "model.world"]


def _start_forkserver(ctx: ForkServerContext) -> None:
    """Start the forkserver (when it is not running) and wait until it has imported its preload,
    quiet to Ctrl-C. CPython's forkserver ignores SIGINT only after its preload (about a second):
    a Ctrl-C to the process group meanwhile printed a KeyboardInterrupt traceback from that
    import, and a worker it started afterwards for a pool already stopped printed another. So the
    server starts with SIGINT ignored (kept through exec: Python does not install its handler over
    an ignored signal; its workers ignore it too, `_install`), and the command holds a Ctrl-C or
    SIGTERM until the server has started one process (its preload done): the interruption is then
    answered here, before any worker of the pool is asked for."""
    from multiprocessing import forkserver as server

    if threading.current_thread() is not threading.main_thread():   # (signal handlers and masks are the main
        with _server_environment():                                  # thread's: only the server's environment)
            server.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _server_environment():
            server.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        with interruptions_deferred():      # (a signal that reaches another thread of the command)
            ready = ctx.Process(target=os.getpid)
            ready.start()
            ready.join()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)   # a signal held meanwhile is answered now


# The forkserver forks every worker, so it must hold no thread but its own: Python 3.12 warns of a fork()
# in a multi-threaded process (a thread holding a lock at the fork leaves it locked in the child for
# ever). Its preload imports pyarrow (through pandas), whose jemalloc starts a background thread that
# returns freed pages to the system ("jemalloc_bg_thd"); set before the server starts, this keeps it
# from starting there (the workers then return pages on their own allocations instead, as jemalloc
# does without one). Results do not depend on the allocator.
SERVER_ENVIRONMENT = {"JE_ARROW_MALLOC_CONF": "background_thread:false"}


@contextlib.contextmanager
def _server_environment() -> Iterator[None]:
    """`SERVER_ENVIRONMENT` in os.environ while the forkserver starts (it inherits it), then as it was. A
    jemalloc configuration of the user's own is kept, with the setting appended (the last one counts)."""
    before = {k: os.environ.get(k) for k in SERVER_ENVIRONMENT}
    for k, v in SERVER_ENVIRONMENT.items():
        os.environ[k] = f"{before[k]},{v}" if before[k] else v
    try:
        yield
    finally:
        for k, old in before.items():
            if old is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = old


def forkserver() -> ForkServerContext:
    """The forkserver context, its server running (started once per process, with `PRELOAD`,
    SIGINT ignored and no thread but its own: `_start_forkserver`). Every pool noodplan starts
    from a command, a guarded script, a notebook or a test forks its workers from it
    (`pool_context`); so does a local Dask cluster."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)       # (only read when the server starts)
    _start_forkserver(ctx)
    return ctx


def pool_context() -> BaseContext:
    """How a pool starts its workers when its caller does not say (`process_pool`):

    * 'spawn' set by the user (`multiprocessing.set_start_method`): spawn ('forkserver' set so: this
      forkserver, started as below);
    * a call from a script's top level outside `if __name__ == "__main__":`: 'fork' where it is
      multiprocessing's default (Linux before Python 3.14), which does not run the script again
      (the forkserver, like spawn, runs it again in every worker: such a script is refused,
      `check_main_guard`); elsewhere the default, which refuses it;
    * otherwise (a command, a guarded script, an interactive session, a test run): the
      forkserver (`forkserver`). A fork() of the calling process copied it whatever threads it
      held (pyarrow's jemalloc thread, a notebook's, a web app's): Python 3.12 warned "This
      process ... is multi-threaded, use of fork() may lead to deadlocks in the child" (a lock
      another thread held at the fork stays locked in the child for ever). Results do not depend
      on it: a worker computes from what it is sent (tested).

    'fork' as the current method is taken as the default, not as a choice: any
    `multiprocessing.Lock()` fixes the default (tqdm's progress bar makes one), so a command that
    had shown a progress bar forked its workers from a multi-threaded process."""
    chosen = multiprocessing.get_start_method(allow_none=True)
    if chosen not in (None, "fork", "forkserver"):
        return multiprocessing.get_context(chosen)              # spawn, set by the user
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods or unguarded_main_call() is not None:
        return multiprocessing.get_context(chosen or methods[0])
    return forkserver()


def process_pool(workers: int, option: str, what: str, initializer: Callable[..., None] | None = None,
                 initargs: tuple = (), context: BaseContext | None = None) -> ProcessPoolExecutor:
    """Every process pool noodplan starts: `check_main_guard` first (`option` and `what` name the
    argument and the call in its line), then a `ProcessPoolExecutor` of `workers` on `context`
    (None: `pool_context()`, the forkserver unless the caller's script needs fork)."""
    context = context or pool_context()
    check_main_guard(option, what, context.get_start_method())
    return _Pool(workers, mp_context=context, initializer=initializer, initargs=initargs)


class _Pool(ProcessPoolExecutor):
    """A `ProcessPoolExecutor` that starts each worker whole before it answers a Ctrl+C or SIGTERM
    (`interruptions_deferred`): the pool starts its workers one by one as tasks are submitted
    (`_adjust_process_count`, from the main thread), each from the forkserver over a pipe."""

    def _adjust_process_count(self) -> None:
        with interruptions_deferred():
            super()._adjust_process_count()


@contextlib.contextmanager
def worker_pool(workers: int, setup: Callable[..., None] | None = None,
                setup_args: tuple = (), *, option: str = "jobs", what: str = "this") -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers leave Ctrl+C to the main process; on any exception (Ctrl+C
    included) its workers are stopped at once instead of finishing their runs. `setup(*setup_args)`
    runs once in each worker as it starts (e.g. to hold what every task shares, sent once a worker
    instead of once a task). `option`, `what`: the argument that asked for workers and the call, as
    a refused start from a script's top level names them (`check_main_guard`)."""
    pool = process_pool(workers, option, what, _start_worker, (setup, setup_args))
    try:
        yield pool
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown()


def stop_workers(pool: ProcessPoolExecutor, wait: float = 5.0) -> None:
    """Cancel a pool's waiting tasks and end its running ones now, then wait (up to `wait` seconds
    each) for the workers and for the pool's manager thread to end. Without that wait, Python 3.12's
    exit handler for process pools races the manager thread closing its wake-up pipe and prints an
    `OSError: Bad file descriptor` traceback after the command's one line (seen under load)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())   # no public way to end a running task
    manager = getattr(pool, "_executor_manager_thread", None)   # the thread that owns the wake-up pipe (private;
    pool.shutdown(wait=False, cancel_futures=True)              # shutdown forgets it)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(wait)
    if manager is not None:
        manager.join(wait)


def quiet_broken_pipe() -> None:
    """After stdout's reader went away (`noodplan run | head`): send what is still buffered
    nowhere, so Python's exit does not report the broken pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
