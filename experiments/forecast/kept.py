"""The finished origins of a rolling backtest, kept beside its `--out` so an interrupted command resumes.

    OUT.origins/
      manifest.json       what every origin here was computed with: the backtest's options, the base
                          scenario's hash, the horizon, the code's version and a hash of its files,
                          the packages' versions (`settings`), and the command
      2016-01-01.json     one finished origin each (pairs, notes, daily bands), written whole
                          (`experiments.outputs.write_text`) as soon as it is finished

`noodplan backtest --rolling` keeps each origin here as it finishes; run again (after Ctrl+C, a
killed job, a full disk) the same command reads the origins kept and computes only the others, and
the results it publishes into `--out` are those of one run whole, byte for byte (the numbers go
through JSON exactly). Origins made with other settings are never mixed in: the command is refused
in one line before it computes anything, or -- with `--force` -- says in one line that it starts
over, and removes them. Once the results are in `--out` the folder is removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from experiments import outputs
from experiments.outputs import code_sha256
from model import atomic
from model.inputfile import parse_json, read_bytes

FORMAT = "noodplan-rolling-origins/1"
SUFFIX = ".origins"
MAX_BYTES = 64 << 20           # one origin's file (some 100 kB with its daily bands)


def folder_for(out: str | Path) -> Path:
    """Where the origins of a backtest into `out` are kept: `OUT.origins`, beside it -- beside the
    folder the results go to, so beside the folder `out` links to when it is a symbolic link
    (`outputs.through_link`: the results are written through it, their temporary folder beside that
    folder). Before, they were kept beside the link, on the disk the link was made to avoid."""
    path = outputs.through_link(Path(os.path.expanduser(out)))
    return path.with_name(path.name + SUFFIX)


def _plain(x: Any) -> Any:
    """NumPy scalars and arrays as JSON's own types (floats exactly: JSON keeps a float's repr)."""
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, dt.date):
        return x.isoformat()
    raise TypeError(f"{type(x).__name__} is not kept")


def encode(result: dict) -> dict:
    """One origin's result (`rolling.run_origin`) as plain JSON data; `decode` gives it back exactly."""
    return {**result, "origin": result["origin"].isoformat(), "start": result["start"].isoformat(),
            "paths": {q: {"dates": [d.isoformat() for d in dates], "band": np.asarray(band, float).tolist()}
                      for q, (dates, band) in result["paths"].items()}}


def decode(data: dict) -> dict:
    return {**data, "origin": dt.date.fromisoformat(data["origin"]), "start": dt.date.fromisoformat(data["start"]),
            "paths": {q: ([dt.date.fromisoformat(d) for d in p["dates"]], np.array(p["band"], dtype=float))
                      for q, p in data["paths"].items()}}


class KeptOrigins:
    """The origins kept for a backtest into `out` (see the module text). `check(options)` first,
    before anything is computed; then `load`, `keep` each origin as it finishes, `remove` once the
    results are in place."""

    def __init__(self, out: str | Path, force: bool = False, option: str = "--out", command: str = "") -> None:
        self.folder = folder_for(out)
        self.force, self.option, self.command = force, option, command
        self.settings: dict[str, Any] = {}
        self.digest = ""
        self.bound = False                      # checked and read back: keeping origins of these settings
        self.resumed: list[dt.date] = []        # the origins `load` read back

    # ---- before computing ------------------------------------------------------------------------

    def check(self, options: dict[str, Any]) -> None:
        """Bind to the backtest's `options` (with the code's and packages' versions): origins kept
        with other settings are refused in one line (`OutputError`), or with `--force` removed after
        one line saying so; a folder that is not one of these is refused either way."""
        settings = {**options, "code_version": outputs.code_version(), "code_sha256": code_sha256(),
                    "packages": outputs.package_versions()}
        self.settings = json.loads(json.dumps(settings, default=str))    # as the manifest will hold them
        self.digest = hashlib.sha256(json.dumps(self.settings, sort_keys=True, default=str).encode()).hexdigest()
        self._check()

    def _check(self) -> None:
        f = self.folder
        outputs.check_not_code(f, self.option)
        if not os.path.lexists(f):
            return
        if not f.is_dir():
            raise outputs.OutputError(f"{self.option}: {f} is a file; the finished origins of this backtest are "
                                      f"kept there: remove it or choose another {self.option}")
        for p in f.iterdir():
            if p.name.startswith(".") and atomic.PARTIAL in p.name and p.is_file():
                p.unlink(missing_ok=True)       # a file whose writing was killed (never renamed into place)
        held = sorted(p.name for p in f.iterdir())
        if not held:
            return
        manifest = self._manifest()
        if manifest is None or any(not (n == outputs.MANIFEST or _origin_file(n)) for n in held):
            raise outputs.OutputError(f"{self.option}: {f} holds files noodplan did not write; the finished origins "
                                      f"of this backtest are kept there: empty it or choose another {self.option}")
        if manifest.get("settings_sha256") == self.digest:
            return
        kept = len([n for n in held if _origin_file(n)])
        before = manifest.get("settings")
        why = _difference(before if isinstance(before, dict) else {}, self.settings)
        if not self.force:
            raise outputs.OutputError(
                f"{self.option}: {f} keeps {kept} finished origin{'s' * (kept != 1)} of a rolling backtest with "
                f"other settings ({why}); run that command again to finish it, or add --force to start over "
                f"(they are removed)")
        print(f"noodplan: --force: removing {kept} origin{'s' * (kept != 1)} kept in {f} with other settings "
              f"({why}); starting over", file=sys.stderr, flush=True)
        self._remove()

    def _manifest(self) -> dict | None:
        path = self.folder / outputs.MANIFEST
        if not path.is_file():
            return None
        raw = read_bytes(path, str(path), "a manifest", MAX_BYTES, outputs.OutputError)
        m = parse_json(raw, str(path), "JSON (damaged)", outputs.OutputError)
        return m if isinstance(m, dict) and m.get("format") == FORMAT else None

    # ---- the origins -------------------------------------------------------------------------------

    def _path(self, origin: dt.date) -> Path:
        return self.folder / f"{origin.isoformat()}.json"

    def kept(self, origins: list[dt.date]) -> list[dt.date]:
        """Those of `origins` kept here."""
        return [o for o in origins if self._path(o).is_file()]

    def load(self, origins: list[dt.date]) -> dict[dt.date, dict]:
        """The results of those of `origins` kept here (a file damaged or of other settings: one line)."""
        out = {}
        for o in self.kept(origins):
            path = self._path(o)
            data = parse_json(read_bytes(path, str(path), "a kept origin", MAX_BYTES, outputs.OutputError),
                              str(path), "JSON (damaged)", outputs.OutputError)
            if not (isinstance(data, dict) and data.get("format") == FORMAT and data.get("settings_sha256") ==
                    self.digest and isinstance(data.get("result"), dict) and data["result"].get("origin") ==
                    o.isoformat()):
                raise outputs.OutputError(f"{self.option}: {path} is damaged or of other settings; remove it and run "
                                          f"the same command (it computes that origin again)")
            try:
                out[o] = decode(data["result"])
            except (KeyError, TypeError, ValueError, AttributeError):
                raise outputs.OutputError(f"{self.option}: {path} is damaged; remove it and run the same command "
                                          f"(it computes that origin again)") from None
        self.resumed, self.bound = sorted(out), True
        if out:
            left = len(origins) - len(out)
            print(f"noodplan: resuming: {len(out)} of {len(origins)} origins are kept in {self.folder}; computing the "
                  f"{left} other{'s' * (left != 1)}" if left else f"noodplan: resuming: all {len(out)} origins are "
                  f"kept in {self.folder}", file=sys.stderr, flush=True)
        return out

    def keep(self, result: dict) -> None:
        """Write one finished origin whole (and the folder's manifest with the first)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / outputs.MANIFEST).is_file():
            manifest = {"format": FORMAT, "command": self.command, "settings_sha256": self.digest,
                        "settings": self.settings, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            outputs.write_text(self.folder / outputs.MANIFEST, json.dumps(manifest, indent=1, default=str) + "\n",
                               ".json", self.option)
        text = json.dumps({"format": FORMAT, "settings_sha256": self.digest, "result": encode(result)},
                          default=_plain, allow_nan=True)
        outputs.write_text(self._path(result["origin"]), text + "\n", ".json", self.option)

    def remove(self) -> None:
        """Let go of the kept origins (their results are in `--out`)."""
        if self.folder.is_dir():
            self._remove()

    def _remove(self) -> None:
        gone = self.folder.with_name(f".{self.folder.name}{atomic.PARTIAL}removed-{os.getpid()}")
        with atomic.signals_held():         # renamed away whole first: never half a folder of kept origins
            os.rename(self.folder, gone)
        shutil.rmtree(gone, ignore_errors=True)


def _origin_file(name: str) -> bool:
    try:
        return name.endswith(".json") and dt.date.fromisoformat(name[:-5]).isoformat() == name[:-5]
    except ValueError:
        return False


def _difference(old: dict, new: dict) -> str:
    """What differs between the settings kept and these, in a few words."""
    said = []
    for k, v in new.items():
        was = old.get(k)
        if was == v:
            continue
        if k == "code_sha256":
            if old.get("code_version") == new.get("code_version"):
                said.append(f"the code's files changed since (same version {new.get('code_version')})")
        elif k == "packages" and isinstance(was, dict):
            name = next(n for n in v if was.get(n) != v[n])
            said.append(f"{name} {was.get(name)}, now {v[name]}")
        else:
            said.append(f"{k.replace('_', ' ')} {was}, now {v}")
    return "; ".join(said[:2]) or "another format"
