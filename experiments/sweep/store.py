"""The result store of a sweep: a folder that survives the cluster and resumes.

    STORE/
      manifest.json        the design (and the base scenarios it resolved to), code version,
                           package versions, the plan's size, one entry per sweep session
      plan.parquet         one row per (sample point, replicate): seed, run id, parameter values
                           and the sampler's unit coordinates (`u.<name>`)
      parts/<id>/          one completed batch, renamed into place whole:
        runs.parquet       one row per run: run id, seed, inputs, status, error, KPIs
        daily.zarr         the kept daily figures, dims run x day (when the design asks)
      runs.parquet         all parts in one table (rebuilt at the end of every sweep command)
      daily.zarr           all parts' daily figures in one Zarr store (idem)

A run's id is a hash of its parameter values, its seed and the base scenarios, so the same
command finds what is done and computes only what is missing. A batch is written to a temporary
folder and renamed into `parts/` in one step: an interruption at any moment leaves whole
batches or nothing, never half a run. A batch written twice (a task a cluster ran twice) has the
same id and the same contents; only one copy is kept. `parts/` is the record; the two files at
the top are views for other tools, rebuilt from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import platform
import shutil
import uuid
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from experiments import outputs
from experiments.sweep.design import MAX_SWEEP_RUNS, UNIT_PREFIX, Design, Value, longest_days, reason, shown_value
from experiments.sweep.runner import Outcome, RunSpec
from model import atomic
from model.inputfile import parse_json, read_bytes
from model.scenario import MAX_DAYS, ScenarioError, closest_name

FORMAT = "noodplan-sweep/1"
MAX_PLAN_ROWS = MAX_SWEEP_RUNS   # a plan's rows (sample points x replicates), as a design may ask
# the fields a sweep writes into a store's manifest.json
_MANIFEST_FIELDS = ("format", "name", "created", "fingerprint", "design", "design_file", "design_text", "bases", "kpis",
                    "planned", "days", "code_version", "code_sha256", "python", "packages", "sessions", "consolidated",
                    "grown")
MAX_MANIFEST_BYTES = 256 << 20        # a store's manifest.json (it holds the base scenarios and the sessions)
# the packages of every result folder's manifest (experiments/outputs.py), and the sweep's own
PACKAGES = tuple(dict.fromkeys(("noodplan", *outputs.PACKAGES, "pyarrow", "zarr", "SALib", "dask", "distributed",
                                "ema_workbench")))


class StoreError(ScenarioError):
    """A store that cannot be used for this command (one line; exit code 2 on the command line)."""


def run_id(base_hash: str, values: dict[str, Value], seed: int) -> str:
    """A run's identity: hash of the base scenarios, the parameter values and the seed."""
    text = json.dumps({"base": base_hash, "values": values, "seed": seed}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def code_version() -> str:
    """The code's version as every result folder records it (`git describe`, or the package's)."""
    return outputs.code_version()


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _write_json(path: Path, obj: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(json.dumps(obj, indent=1, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:                    # gone unless renamed (a full disk, Ctrl+C)
        tmp.unlink(missing_ok=True)


def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """`frame` as the Parquet file `path`, replaced whole (written beside it, then renamed)."""
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.parquet")
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:                    # gone unless renamed (a full disk, Ctrl+C)
        tmp.unlink(missing_ok=True)


# what to do about a file of the store that is a link to nothing (a store copied with its links, a disk not mounted)
_LINK_REMEDY = {
    "manifest.json": "put back the file it points to (a store is read from its manifest)",
    "plan.parquet": "put back the file it points to, or remove the link and run the same sweep command: it writes "
                    "plan.parquet again from the design",
    "runs.parquet": "put back the file it points to, or remove the link and run the same sweep command: it rebuilds "
                    "runs.parquet from the parts",
    "daily.zarr": "put back the folder it points to, or remove the link and run the same sweep command: it rebuilds "
                  "daily.zarr from the parts",
    "parts": "put back the folder it points to (the record of the store's runs)",
}


def _no_link_to_nothing(path: Path, remedy: str = "") -> None:
    """Raise StoreError when `path` is a symbolic link whose target does not exist: read as absent, a
    dangling runs.parquet made `analyze` rebuild the table from the parts (or, in a copy of the views,
    say that no run had finished) without a word about the file it was given."""
    if path.is_symlink() and not path.exists():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        remedy = remedy or _LINK_REMEDY.get(path.name, "put back what it points to")
        raise StoreError(f"{path}: a link to nothing (it points to {target}, which does not exist); {remedy}")


def _parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A table of the store; a file damaged or missing (a disk filled, a copy cut short, an edit)
    raises StoreError naming it and what to do."""
    import pyarrow

    remedy = {"parts": f"remove {path.parent} and run the same sweep command to compute its runs again",
              "runs.parquet": "run the same sweep command: it rebuilds runs.parquet from the parts",
              "plan.parquet": "run the same sweep command: it writes plan.parquet again from the design"}.get(
        path.parent.parent.name if path.parent.parent.name == "parts" else path.name, "run the sweep into a new --out")
    _no_link_to_nothing(path, remedy if path.parent.parent.name == "parts" else "")
    if path.is_dir():       # pandas reads a folder as a dataset of its .parquet files: none, no runs done
        raise StoreError(f"{path}: a folder, where the store keeps a table file; {remedy}")
    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, LookupError, TypeError, pyarrow.ArrowException) as exc:   # (pandas' metadata in
        # the footer, JSON, read by pyarrow: a key lost or a value of another type)
        what = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise StoreError(f"{path}: damaged store file ({what}); {remedy}") from None


def _zarr(path: Path, figures: list[str], days: int):
    """The daily figures of the store at `path` (dims run x day), loaded; a store damaged or
    incomplete (a disk filled, a copy cut short, an edit, a figure removed) raises StoreError naming
    it and what to do. A chunk file removed would read as NaN, like a failed run's row: stores written
    with every chunk (`_write_zarr`, marked `ALL_CHUNKS`) are checked for missing chunk files."""
    import xarray as xr

    try:
        ds = xr.open_zarr(path, consolidated=False).load()
        lost = _missing_chunks(path, figures) if ds.attrs.get(ALL_CHUNKS) else []
    except (OSError, ValueError, RuntimeError, LookupError, TypeError) as exc:   # zarr (ValueErrors), numcodecs, json
        what = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
    else:
        missing = sorted(set(figures) - set(ds.data_vars))
        arrays = [ds[k] for k in figures if k in ds.data_vars]
        if missing:
            what = f"no {', '.join(missing)}"
        elif any(a.dims != ("run", "day") or a.sizes["day"] != days for a in arrays):
            what = f"not {days} days a run"
        elif lost:
            what = f"chunk files missing in {', '.join(lost)}"
        else:
            return ds
    remedy = (f"remove {path.parent} and run the same sweep command to compute its runs again"
              if path.parent.parent.name == "parts" else
              f"remove {path} and run the same sweep command: it rebuilds daily.zarr from the parts")
    raise StoreError(f"{path}: damaged store file ({what}); {remedy}")


ALL_CHUNKS = "noodplan_all_chunks_written"   # attribute of a daily.zarr written by `_write_zarr`


def _write_zarr(daily, path: Path, consolidated: bool = False) -> None:
    """Write the daily figures with every chunk, also those all NaN or all zero that Zarr would skip,
    so that a chunk file missing later is damage, not an empty chunk (`_missing_chunks`). The chunks
    are those of `daily` as given: the encoding read with the parts (their batch's chunks) is dropped,
    else the view kept the first batch's chunks, and a batch size that does not divide the view's
    dask chunks made xarray refuse the write ("would overlap multiple Dask chunks").

    `consolidated`: also write the consolidated metadata (inline in the group's zarr.json), for the
    store's view that analysts open themselves: `xr.open_zarr(STORE/"daily.zarr")` looks for it
    first, and without it printed a RuntimeWarning ("Failed to open Zarr store with consolidated
    metadata …") to the analyst on every opening. Zarr 3 warns when writing it that it is not yet
    in the format 3 specification; it is marked optional there (`must_understand: false`: a reader
    that does not know it reads the arrays' own metadata), so that warning is not passed on. noodplan
    reads its stores without it (`_zarr`: consolidated=False), from each array's own metadata."""
    import warnings

    daily = daily.drop_encoding().copy()
    daily.attrs[ALL_CHUNKS] = True
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        daily.to_zarr(path, mode="w-", consolidated=consolidated, write_empty_chunks=True)


def _missing_chunks(path: Path, figures: list[str]) -> list[str]:
    """The figures of the Zarr store at `path` with fewer chunk files than chunks."""
    import zarr

    group = zarr.open_group(path, mode="r")
    arrays = [(k, group[k]) for k in figures if k in group]
    return [k for k, a in arrays if isinstance(a, zarr.Array) and a.nchunks_initialized < a.nchunks]


class Store:
    """A sweep's result store at `path` (see the module docstring for the layout)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.parts = self.path / "parts"

    # ---- creating and opening ------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """An existing store (read-only use); raises StoreError."""
        s = cls(path)
        if s.path.is_dir():         # a file of the store that is a link to nothing is named, not read as absent
            for name in ("manifest.json", "plan.parquet", "runs.parquet", "daily.zarr", "parts"):
                _no_link_to_nothing(s.path / name)
        if not s.path.exists():     # ("not a sweep store (no manifest.json)" of a path misspelt)
            raise StoreError(f"{path}: no such folder (a sweep store is the folder `noodplan sweep DESIGN --out STORE` "
                             f"writes)")
        if s.path.is_file():        # (a design or a scenario given for its store: "no manifest.json" misled)
            raise StoreError(f"{path}: is a file, not a sweep store (the folder `noodplan sweep DESIGN --out STORE` "
                             f"writes); give the store's folder")
        if not (s.path / "manifest.json").exists():
            raise StoreError(f"{path}: not a sweep store (no manifest.json); run `noodplan sweep` first")
        where = f"{path}: manifest.json"
        raw = read_bytes(s.path / "manifest.json", where, "a store's manifest", MAX_MANIFEST_BYTES, StoreError)
        m = parse_json(raw, where, "JSON (damaged)", StoreError)
        if not isinstance(m, dict) or m.get("format") != FORMAT:
            found = m.get("format") if isinstance(m, dict) else type(m).__name__
            raise StoreError(f"{where}: store format {found!r}, this noodplan reads {FORMAT!r}")
        missing = [k for k in ("fingerprint", "design", "bases", "kpis", "planned", "days", "sessions") if k not in m]
        if missing:         # a field misspelt is named as such (`finerprint`), not only as missing
            misspelt = next(((k, closest_name(k, missing)) for k in m
                             if k not in _MANIFEST_FIELDS and closest_name(k, missing)), None)
            also = f"; {misspelt[0]!r} is not a field of it: did you mean {misspelt[1]!r}?" if misspelt else ""
            raise StoreError(f"{where}: damaged (no {', '.join(missing)}{also}); {_MANIFEST_REMEDY}")
        try:
            Design.model_validate(m["design"])
        except ValidationError as exc:      # its first problem, named by field (not pydantic's whole report)
            raise StoreError(f"{where}: damaged design ({' '.join(reason(exc).split())[:200]})") from None
        except ValueError as exc:
            raise StoreError(f"{where}: damaged design ({' '.join(str(exc).split())[:200]})") from None
        _check_manifest(m, where)
        s._plan_agrees()
        if s.parts.exists() and not s.parts.is_dir():
            raise StoreError(f"{s.parts}: not a folder (a store keeps its runs there); give the sweep a new --out")
        return s

    def _plan_agrees(self) -> None:
        """plan.parquet has a column for each of the manifest's design's parameters and its unit
        coordinate (a design edited in the manifest, a parameter's path or name changed, ended `analyze`
        in a KeyError where its plots read the column). Only the schema is read; a plan missing or
        damaged is left to the command (a sweep writes it again, `analyze` names it)."""
        import pyarrow
        import pyarrow.parquet as pq

        try:
            columns = pq.read_schema(self.path / "plan.parquet").names
        except (OSError, ValueError, pyarrow.ArrowException):
            return
        for i, p in enumerate(self.design().parameters):
            lost = next((c for c in (p.label, f"{UNIT_PREFIX}{p.label}") if c not in columns), None)
            if lost is not None:
                inputs = [c for c in columns if c not in ("sample", "replicate", "seed", "run_id")
                          and not c.startswith(UNIT_PREFIX)]
                field = "name" if p.name else "scenarios" if p.scenarios is not None else "path"
                raise StoreError(f"{self.path}: manifest.json and plan.parquet do not agree: design.parameters.{i}."
                                 f"{field} {_short(p.label)!r} has no column {_short(lost)!r} in plan.parquet (its "
                                 f"inputs: {', '.join(inputs) or 'none'}); put back the manifest.json and plan.parquet "
                                 f"the sweep wrote, or run the sweep into a new --out")

    @classmethod
    def create_or_open(cls, path: str | Path, design: Design, plan: pd.DataFrame, kpis: list[str],
                       design_text: str = "", design_file: str = "") -> Store:
        """The store of this design at `path`: created if new, checked if it exists (resume)."""
        s = cls(path)
        outputs.check_not_code(s.path, "--out")
        if (s.path / "manifest.json").exists():
            s = cls.open(path)
            s.growth(design, plan)          # another sweep is refused here, before anything is made
            return s
        if s.path.exists() and not s.path.is_dir():
            raise StoreError(f"--out: {path} is a file, not a folder")
        if s.path.exists() and any(s.path.iterdir()):
            raise StoreError(f"--out: {path} exists and is not a sweep store; give a new or empty folder")
        # made in a temporary folder and renamed into place: a store exists whole or not at all
        s.path.parent.mkdir(parents=True, exist_ok=True)
        new = s.path.parent / f".{s.path.name}.new-{uuid.uuid4().hex[:8]}"
        (new / "parts").mkdir(parents=True)
        plan.to_parquet(new / "plan.parquet", index=False)
        _write_json(new / "manifest.json", {
            "format": FORMAT,
            "name": design.name,
            "created": _now(),
            "fingerprint": design.fingerprint(),
            "design": design.model_dump(mode="json"),
            "design_file": design_file,
            "design_text": design_text,
            "bases": design.bases,
            "kpis": list(kpis),
            "planned": _planned(design, plan),
            "days": design.longest_days,
            "code_version": code_version(),
            "code_sha256": outputs.code_sha256(),
            "python": platform.python_version(),
            "packages": package_versions(),
            "sessions": [],
        })
        try:
            if s.path.exists():
                s.path.rmdir()              # empty (checked above)
            os.rename(new, s.path)
        except OSError:
            shutil.rmtree(new, ignore_errors=True)
            if (s.path / "manifest.json").exists():      # another sweep made it meanwhile: resume that one
                return cls.create_or_open(path, design, plan, kpis, design_text, design_file)
            raise
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        return s

    @property
    def manifest(self) -> dict:
        """The manifest as `open` read and checked it (through the same reader: a byte-order mark a
        text editor added is read as `open` reads it, not met as a JSONDecodeError)."""
        where = f"{self.path}: manifest.json"
        raw = read_bytes(self.path / "manifest.json", where, "a store's manifest", MAX_MANIFEST_BYTES, StoreError)
        return parse_json(raw, where, "JSON (damaged)", StoreError)

    def design(self) -> Design:
        """The design the store was made with, with the base scenarios it resolved to (its
        scenario files are not needed)."""
        m = self.manifest
        d = Design.model_validate(m["design"])
        d.__dict__["bases"] = m["bases"]          # the cached property, as recorded
        return d

    @property
    def kpis(self) -> list[str]:
        """The KPIs each run's row holds."""
        return list(self.manifest["kpis"])

    @contextlib.contextmanager
    def writing(self) -> Iterator[Store]:
        """Hold the store for one sweep command: one writer at a time; leftovers of an
        interrupted write (temporary folders) are removed first."""
        if self.views_only:
            raise StoreError(f"--out: {self.path} is a copy of a store's views without its parts folder (the record "
                             f"of its runs); noodplan analyze reads it, but a sweep resumes or grows only the store "
                             f"itself: copy its parts folder too, or give a new --out")
        fd = os.open(self.path / ".lock", os.O_CREAT | os.O_RDWR)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"--out: {self.path} is in use by another sweep; wait for it or use "
                                 f"another --out") from None
            self.parts.mkdir(exist_ok=True)     # (a store stopped before its first batch: no run to lose)
            for leftover in [*self.parts.glob(".tmp-*"), *self.path.glob(".daily.zarr.*")]:
                shutil.rmtree(leftover, ignore_errors=True)
            for leftover in [*self.path.glob(".runs.*.parquet"), *self.path.glob(".plan.*.parquet"),
                             *self.path.glob(".manifest.json.*")]:
                leftover.unlink(missing_ok=True)
            yield self
        finally:
            os.close(fd)

    def follow_labels(self, design: Design, design_text: str = "", design_file: str = "") -> list[str]:
        """Take the design's name, description and analysis section as they are now (what does not
        decide the runs: a store is resumed with them changed), so that `analyze` reads the
        conditions the analyst gave last, not the first ones; returns the fields that changed."""
        m = self.manifest
        now = design.model_dump(mode="json")
        changed = [k for k in ("name", "description", "analysis") if m["design"].get(k) != now[k]]
        if changed:
            m["design"].update({k: now[k] for k in changed})
            m["name"] = design.name
            if design_text:                 # the file's text as it is now (its runs' part unchanged)
                m["design_text"], m["design_file"] = design_text, design_file
            _write_json(self.path / "manifest.json", m)
        return changed

    def growth(self, design: Design, plan: pd.DataFrame) -> dict[str, tuple[int, int]]:
        """What `design` adds to the store's: {} for the same runs; {"replicates": (2, 3)} and/or
        {"sampler.samples": (8, 16)} for the same design with more replicate seeds or more sample
        points, when every run the store planned is planned again, at the same point and replicate
        (more seeds always; more samples where the sampler's first points do not depend on their number:
        sobol, saltelli and morris, not lhs -- checked on the plans themselves). Anything else raises
        StoreError naming what differs."""
        m = self.manifest
        if m["fingerprint"] == design.fingerprint():
            return {}
        labels = ("name", "description", "analysis")
        before = {k: v for k, v in m["design"].items() if k not in labels}
        now = {k: v for k, v in design.model_dump(mode="json").items() if k not in labels}
        grown: dict[str, tuple[int, int]] = {}
        fewer: list[tuple[str, int, int]] = []
        other: list[str] = []
        for where, was, is_ in _differences(before, now):
            if where in _GROWS and isinstance(was, int) and isinstance(is_, int):
                if is_ > was:
                    grown[where] = (was, is_)
                else:
                    fewer.append((where, was, is_))
            else:
                other.append(f"{where} ({shown_value(is_)} here, {shown_value(was)} in the store)" if where else where)
        if fewer and not other:         # the design file as it was before the store grew: not another sweep
            held = " and ".join(f"{where} {was:,} (here {is_:,})" for where, was, is_ in fewer)
            raise StoreError(f"--out: {self.path} holds more of this design than it asks: {held}; a store is not "
                             f"made smaller: give the design as the store holds it (noodplan analyze {self.path} "
                             f"reads every run), or a new --out")
        other += [f"{where} ({is_:,} here, {was:,} in the store)" for where, was, is_ in fewer]
        if not other and _digest(m["bases"]) != _digest(design.bases):
            other.append("the base scenario (a scenario file, or a built-in one in another noodplan version)")
        if not other and "sampler.samples" in grown:
            stored = self.plan()
            keys = ["sample", "replicate"]
            same = stored[[*keys, "run_id"]].merge(plan[[*keys, "run_id"]], on=keys, how="left",
                                                   suffixes=("", "_now"))
            if not (same["run_id"] == same["run_id_now"]).all():
                was, is_ = grown["sampler.samples"]
                other.append(f"sampler.samples ({is_} here, {was} in the store: {design.sampler.method}'s first {was} "
                             f"points out of {is_} are not the {was} it drew; a Latin hypercube is drawn for its "
                             f"size, so only sobol, saltelli and morris samples can be added)")
        if other:
            shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
            raise StoreError(f"--out: {self.path} holds another sweep ({m['design'].get('name')!r}); the design "
                             f"differs in {shown}; a store takes only more replicates or more samples of its own "
                             f"design: use a new --out")
        return grown

    def grow(self, design: Design, plan: pd.DataFrame, design_text: str = "",
             design_file: str = "") -> dict[str, tuple[int, int]]:
        """Make the store the store of `design` when it only adds replicates or samples to the
        store's design (`growth`): the manifest describes the larger design and plan.parquet plans its
        runs; the runs in the store are kept. Under the store's lock (`writing`); the plan is
        replaced first and then the manifest, each whole, with Ctrl+C and SIGTERM held for both
        renames (a power cut between them is mended by the next command, `_mend_plan`). Returns what
        grew ({} when nothing did)."""
        grown = self.growth(design, plan)
        if not grown:
            self._mend_plan(plan)
            return grown
        m = self.manifest
        m["design"] = design.model_dump(mode="json")
        m["fingerprint"] = design.fingerprint()
        m["planned"] = _planned(design, plan)
        m["name"] = design.name
        if design_text:
            m["design_text"], m["design_file"] = design_text, design_file
        m.setdefault("grown", []).append({"when": _now(), **{k: {"from": a, "to": b} for k, (a, b) in grown.items()}})
        with atomic.signals_held():         # (a plan of a few thousand rows: written in milliseconds)
            _write_parquet(self.path / "plan.parquet", plan)
            _write_json(self.path / "manifest.json", m)
        return grown

    def _mend_plan(self, plan: pd.DataFrame) -> None:
        """plan.parquet as the manifest's design plans it: a growth cut between its two renames (a
        power cut) left the larger plan beside the smaller design; a plan missing or damaged (a copy
        cut short) is written again: it is the design's, which this command has just planned."""
        import pyarrow
        import pyarrow.parquet as pq

        try:
            rows = pq.ParquetFile(self.path / "plan.parquet").metadata.num_rows
        except (OSError, ValueError, pyarrow.ArrowException):
            rows = -1
        if rows != len(plan):
            _write_parquet(self.path / "plan.parquet", plan)

    def log_session(self, session: dict) -> None:
        m = self.manifest
        m["sessions"].append(session)
        _write_json(self.path / "manifest.json", m)

    # ---- writing -------------------------------------------------------------------------------

    def write_batch(self, runs: list[RunSpec], outcomes: list[Outcome], labels: list[str], kpis: list[str]) -> Path:
        """Write one batch whole (rename into place); returns its folder."""
        ids = sorted(o.run_id for o in outcomes)
        name = hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]
        final = self.parts / name
        tmp = self.parts / f".tmp-{name}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        tmp.mkdir()
        try:
            frame = batch_frame(runs, outcomes, labels, kpis)
            frame.to_parquet(tmp / "runs.parquet", index=False)
            daily = batch_daily(outcomes, self.manifest_days)
            if daily is not None:
                _write_zarr(daily, tmp / "daily.zarr")
            os.rename(tmp, final)
        except OSError:        # the same batch is already in place (a task run twice): same contents
            if not final.is_dir():
                raise
        finally:               # gone unless renamed: Ctrl+C while writing leaves no temporary folder
            shutil.rmtree(tmp, ignore_errors=True)
        return final

    @property
    def manifest_days(self) -> int:
        if not hasattr(self, "_days"):
            self._days = int(self.manifest["days"])
        return self._days

    # ---- reading -------------------------------------------------------------------------------

    def part_dirs(self) -> list[Path]:
        return sorted(p for p in self.parts.iterdir() if not p.name.startswith(".")) if self.parts.exists() else []

    def done_ids(self) -> set[str]:
        """Ids of the runs in the store (done or failed)."""
        if self.views_only and self._views_current():
            return set(_parquet(self.path / "runs.parquet", ["run_id"])["run_id"])    # a copy of the views
        done: set[str] = set()
        for p in self.part_dirs():
            done.update(_parquet(p / "runs.parquet", ["run_id"])["run_id"].tolist())
        return done

    def plan(self) -> pd.DataFrame:
        return _parquet(self.path / "plan.parquet")

    @property
    def views_only(self) -> bool:
        """Is this a copy of a store's views (runs.parquet, daily.zarr) without its parts folder, as
        docs/sweeps.md offers for sharing a finished store?"""
        return not self.parts.exists() and (self.path / "runs.parquet").exists()

    def _views_current(self) -> bool:
        """Are runs.parquet and daily.zarr the parts' (rebuilt since the last batch), or -- in a copy of a
        finished store without its parts folder, as docs/sweeps.md offers for sharing -- complete?"""
        parts = self.manifest.get("consolidated", {}).get("parts")
        return parts == len(self.part_dirs()) or (not self.parts.exists() and isinstance(parts, int) and parts > 0)

    def runs(self) -> pd.DataFrame:
        """One row per run in the store, in plan order: run id, seed, inputs, status, error, KPIs."""
        consolidated = self.path / "runs.parquet"
        if consolidated.exists() and self._views_current():
            return _parquet(consolidated)
        return self._runs_from_parts()

    def _runs_from_parts(self) -> pd.DataFrame:
        frames = [_parquet(p / "runs.parquet") for p in self.part_dirs()]
        if not frames:
            return pd.DataFrame(columns=["run_id", "seed", "status", "error"])
        df = pd.concat(frames, ignore_index=True)
        return df.iloc[np.argsort(self._plan_order(df["run_id"]), kind="stable")].reset_index(drop=True)

    def _plan_order(self, ids: pd.Series) -> np.ndarray:
        plan = self.plan()
        first = plan.drop_duplicates("run_id").reset_index(drop=True)
        pos = pd.Series(np.arange(len(first)), index=first["run_id"])
        return pos.reindex(ids).fillna(len(first)).to_numpy()

    def table(self) -> pd.DataFrame:
        """One row per (sample point, replicate) of the plan, with its run's status, error and
        KPIs (NaN where the run is missing or failed): the table the analysis works on."""
        plan = self.plan()
        runs = self.runs()
        inputs = [c for c in plan.columns if c not in ("sample", "replicate", "seed", "run_id")]
        out = runs.drop(columns=[c for c in runs.columns if c in inputs or c == "seed"])
        merged = plan.merge(out, on="run_id", how="left")
        merged["status"] = merged["status"].fillna("missing")
        merged["error"] = merged["error"].fillna("")
        return merged

    def daily(self):
        """The kept daily figures as an xarray Dataset (dims run x day), or None."""
        import xarray as xr

        figures, days = list(self.design().outputs.daily), self.manifest_days
        consolidated = self.path / "daily.zarr"
        if consolidated.exists() and self._views_current():
            return _zarr(consolidated, figures, days)
        for p in self.part_dirs():          # (a link to nothing would read as a part without daily figures)
            _no_link_to_nothing(p / "daily.zarr", f"remove {p} and run the same sweep command to compute its runs "
                                                  f"again, or put back the folder it points to")
        parts = [p / "daily.zarr" for p in self.part_dirs() if (p / "daily.zarr").exists()]
        if not parts:
            return None
        for p in self.part_dirs():          # a batch keeps no daily figures only when all its runs failed
            if not (p / "daily.zarr").exists() and (_parquet(p / "runs.parquet", ["status"])["status"] == "ok").any():
                raise StoreError(f"{p / 'daily.zarr'}: damaged store file (missing: the part holds runs that "
                                 f"finished, a copy cut short?); remove {p} and run the same sweep command to "
                                 f"compute its runs again")
        ds = xr.concat([_zarr(p, figures, days) for p in parts], dim="run")
        return ds.isel(run=np.argsort(self._plan_order(pd.Series(ds["run"].values)), kind="stable"))

    # ---- the views for other tools -----------------------------------------------------------

    def consolidate(self) -> None:
        """Rebuild runs.parquet and daily.zarr from the parts (each replaced whole)."""
        n = len(self.part_dirs())
        runs = self._runs_from_parts()
        _write_parquet(self.path / "runs.parquet", runs)
        m = self.manifest
        m["consolidated"] = {}          # stale until both views are in place
        _write_json(self.path / "manifest.json", m)
        daily = self.daily()
        final = self.path / "daily.zarr"
        if daily is not None:
            tmp = self.path / f".daily.zarr.{uuid.uuid4().hex[:8]}"
            old = self.path / f".daily.zarr.old-{uuid.uuid4().hex[:8]}"
            try:
                _write_zarr(daily.chunk({"run": min(256, daily.sizes["run"])}), tmp, consolidated=True)
                if final.exists():
                    os.rename(final, old)
                os.rename(tmp, final)
            except BaseException:
                if old.exists() and not final.exists():
                    os.rename(old, final)       # the view as it was (marked stale above; rebuilt next time)
                raise
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(old, ignore_errors=True)
        m["consolidated"] = {"parts": n, "when": _now()}
        _write_json(self.path / "manifest.json", m)


def _short(text: str, at_most: int = 60) -> str:
    """`text` cut to `at_most` characters (an edited manifest's value may be any length)."""
    return text if len(text) <= at_most else text[:at_most - 1] + "…"


_MANIFEST_REMEDY = "put back the manifest.json the sweep wrote, or run the sweep into a new --out"


def _check_manifest(m: dict, where: str) -> None:
    """The fields of a store's manifest a sweep or `analyze` reads, each of its type and range (a
    manifest edited by hand or cut short: a KeyError, a TypeError or a run length of "20" days deep in
    the sweep otherwise); raises StoreError naming the first field that is not."""
    def damaged(field: str, wants: str, got: object) -> StoreError:
        return StoreError(f"{where}: damaged ({field}: {wants}, got {shown_value(got)}); {_MANIFEST_REMEDY}")

    def whole(x: object, lo: int, hi: int) -> bool:
        return isinstance(x, int) and not isinstance(x, bool) and lo <= x <= hi

    if not isinstance(m["fingerprint"], str) or not m["fingerprint"]:
        raise damaged("fingerprint", "the design's fingerprint (text)", m["fingerprint"])
    bases = m["bases"]
    if not isinstance(bases, dict) or not bases or not all(isinstance(b, dict) for b in bases.values()):
        raise damaged("bases", "the base scenarios, a mapping of each name to its scenario", bases)
    for name, b in bases.items():
        if not whole(b.get("horizon_days"), 1, MAX_DAYS):
            raise damaged(f"bases.{name}.horizon_days", f"a whole number of days from 1 to {MAX_DAYS:,}",
                          b.get("horizon_days"))
    longest = max(b["horizon_days"] for b in bases.values())
    parameters = m["design"].get("parameters") if isinstance(m["design"], dict) else None
    runs = longest_days(bases, parameters if isinstance(parameters, list) else [])
    # a store made before a varied horizon_days counted records the base scenarios' longest horizon
    if m["days"] not in (longest, runs) or isinstance(m["days"], bool):
        raise damaged("days", f"the longest run's days, {runs:,} (a varied horizon_days' highest value, else the "
                              f"base scenarios' longest horizon)", m["days"])
    kpis = m["kpis"]
    if (not isinstance(kpis, list) or not kpis or not all(isinstance(k, str) and k for k in kpis)
            or len(set(kpis)) != len(kpis)):
        raise damaged("kpis", "a list of the key figures each run keeps, each once", kpis)
    planned = m["planned"]
    if not isinstance(planned, dict) or not all(whole(planned.get(k), 1, MAX_PLAN_ROWS)
                                                 for k in ("samples", "replicates", "rows", "runs")):
        raise damaged("planned", "the plan's samples, replicates, rows and runs (whole numbers)", planned)
    if not isinstance(m["sessions"], list) or not all(isinstance(x, dict) for x in m["sessions"]):
        raise damaged("sessions", "a list of the sweep sessions", m["sessions"])
    if "grown" in m and (not isinstance(m["grown"], list) or not all(isinstance(x, dict) for x in m["grown"])):
        raise damaged("grown", "a list of the store's growths", m["grown"])
    done = m.get("consolidated", {})
    if not isinstance(done, dict) or ("parts" in done and not whole(done["parts"], 0, MAX_PLAN_ROWS)):
        raise damaged("consolidated", "when the views were last rebuilt, and from how many parts", done)
    for field in ("name", "design_text", "design_file"):
        if field in m and not isinstance(m[field], str):
            raise damaged(field, "text", m[field])


def _planned(design: Design, plan: pd.DataFrame) -> dict[str, int]:
    return {"samples": int(plan["sample"].nunique()), "replicates": design.replicates, "rows": len(plan),
            "runs": int(plan["run_id"].nunique())}


_GROWS = ("replicates", "sampler.samples")     # what a store may be given more of (`Store.growth`)


def _differences(a: object, b: object, where: str = "") -> Iterator[tuple[str, object, object]]:
    """The dotted paths at which two JSON values differ, with the values there (a list of another
    length, or a value of another kind, at its own path)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*a, *(k for k in b if k not in a)]:
            yield from _differences(a.get(k), b.get(k), f"{where}.{k}" if where else str(k))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _differences(x, y, f"{where}.{i}")
    elif json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True):
        yield where, a, b


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def batch_frame(runs: list[RunSpec], outcomes: list[Outcome], labels: list[str], kpis: list[str]) -> pd.DataFrame:
    """The rows of one batch: run id, seed, inputs, status, error, KPIs (NaN for a failed run)."""
    by_id = {o.run_id: o for o in outcomes}
    rows = []
    for r in runs:
        o = by_id[r.run_id]
        rows.append({"run_id": r.run_id, "seed": r.seed, **{k: r.values[k] for k in labels},
                     "status": "ok" if o.ok else "error", "error": o.error,
                     **{k: o.kpis.get(k, np.nan) if o.ok else np.nan for k in kpis}})
    df = pd.DataFrame(rows)
    df["seed"] = df["seed"].astype(np.int64)
    for k in kpis:
        df[k] = df[k].astype(np.float64)
    return df


def batch_daily(outcomes: list[Outcome], days: int):
    """The daily figures of one batch (dims run x day; NaN rows for failed runs), or None."""
    import xarray as xr

    names = next((list(o.daily) for o in outcomes if o.daily), None)
    if not names:
        return None
    data = {k: np.full((len(outcomes), days), np.nan) for k in names}
    for i, o in enumerate(outcomes):
        for k, v in (o.daily or {}).items():
            data[k][i, :len(v)] = v
    return xr.Dataset({k: (("run", "day"), v) for k, v in data.items()},
                      coords={"run": np.array([o.run_id for o in outcomes]), "day": np.arange(days)})
