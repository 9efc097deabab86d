"""Snapshots: the whole state of a run, saved and restored bit-identically.

A snapshot holds everything in a `State`: the populations, the lines and calendars, the plan's
and the regimes' runtimes, the recorder, the random streams with their positions. A run restored
from a snapshot continues exactly as the run that never stopped. The world (network, portfolio
template, inflow plan) is not stored: it is rebuilt from the scenario in the header, or shared when
given, and the state's references into it are stored as paths into the world. A run that changed a
yearly inflow level runs on its own copy of the world (`World.built` names the world it copies): the
copy's new inflow plan is stored, the rest still as paths into the built world.

The walk over the state is generic: dataclasses and plain objects of noodplan's own modules
(their `__getstate__`), pydantic models (the scenario), lists, tuples, dicts, sets, NumPy arrays
(views of another array stay views of it), NumPy scalars and dtypes, random generators and seed
sequences, dates, enums, and top-level functions of noodplan's own modules. Fields added to any
of these later are saved without a change here. Anything else stops `capture` with one line that
names where it sits (e.g. ``State.extensions[2]``), rather than being dropped.

File (format version 2): a ZIP archive with

    header.json    format, format_version, code_version, scenario (the world's, JSON), horizon_days,
                   day, date, seed, world_checks (shape, dtype and CRC-32 of each world array the
                   state refers to: a world rebuilt from changed data is refused, naming the array),
                   state_sha256 (the SHA-256 of state.json and the arrays' files in order: a state
                   changed after it was saved is refused; files saved before it are read as before),
                   header_sha256 (the SHA-256 of the other header fields as canonical JSON: a header
                   edited into another valid one is refused; files saved before it are read as before)
    state.json     the object tree: JSON, with tagged objects {"$": tag, ...} where JSON has no type
    arrays/N.npy   the tree's NumPy arrays (NumPy's .npy format, read without pickle)

Loading never runs code from the file: classes and functions are looked up by name only among
noodplan's own modules (`agents`, `model`), bit generators among NumPy's, arrays are read with
``allow_pickle=False``, and anything else is refused with one line (`SnapshotError`).

Versions: 1 (header keys `version` and `code`, no world checks), 2 (the arrivals and homes
streams as generators, not keys), 3 and 4 (scenarios without fields added since: their runs go on
under the rule they were saved with, e.g. 4: free places of open locations not charged) are read
through `MIGRATIONS`, one step per version, so a file of any earlier version reaches today's layout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from functools import cached_property
import hashlib
import importlib
import io
import json
import math
import os
import re
import tempfile
import types
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.inputfile import parse_json, regular_file

FORMAT = "noodplan-snapshot"
FORMAT_VERSION = 5
MAX_SNAPSHOT_BYTES = 4 << 30              # a snapshot file, packed or unpacked (eu-scale's is far smaller)
PACKAGES = ("agents", "model")            # whose classes and functions a snapshot may name
BIT_GENERATORS = {name: getattr(np.random, name) for name in ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class SnapshotError(ValueError):
    """A state that cannot be saved, or a file that cannot be restored; one line saying why."""


def code_version() -> str:
    """The installed noodplan version (and the git commit when run from a checkout)."""
    from importlib import metadata

    try:
        version = metadata.version("noodplan")
    except metadata.PackageNotFoundError:
        version = "unknown"
    head = Path(__file__).resolve().parent.parent / ".git"
    commit = _git_commit(head)
    return f"noodplan {version}" + (f" ({commit[:12]})" if commit else "")


def _git_commit(git: Path) -> str | None:
    """The checked-out commit, read from the .git files (no subprocess); None outside a checkout."""
    try:
        if git.is_file():                                  # a worktree: "gitdir: PATH"
            git = Path(git.read_text().split(":", 1)[1].strip())
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head
        ref = head[4:].strip()
        for base in (git, Path((git / "commondir").read_text().strip()) if (git / "commondir").exists() else git):
            base = base if base.is_absolute() else git / base
            if (base / ref).exists():
                return (base / ref).read_text().strip()
            packed = base / "packed-refs"
            if packed.exists():
                for line in packed.read_text().splitlines():
                    if line.endswith(" " + ref):
                        return line.split()[0]
    except OSError:
        return None
    return None


# --- the world: what a state refers to but does not own ---------------------------------------

def _world_index(world) -> tuple[dict[int, str], dict[str, Any]]:
    """id -> path and path -> object of every container, array and object reachable in the world
    ('' is the world itself).

    The walk is deterministic (fields and dict entries in order, lists by index), so the same
    path names the same part of a world rebuilt from the same scenario. Objects of other packages
    (a networkx graph, a scipy matrix) are named but not entered."""
    out: dict[int, str] = {}
    objects: dict[str, Any] = {}
    stack = [(world, "")]
    while stack:
        x, path = stack.pop()
        if _is_atom(x) or id(x) in out:
            continue
        out[id(x)] = path
        objects[path] = x
        children: list[tuple[Any, str]] = []
        if isinstance(x, (list, tuple)):
            children = [(v, f"{path}[{i}]") for i, v in enumerate(x)]
        elif isinstance(x, dict):
            children = [(v, f"{path}[{k!r}]") for k, v in x.items() if isinstance(k, (str, int))]
        elif _own_class(type(x)) and hasattr(x, "__dict__"):
            children = [(v, f"{path}.{k}" if path else k) for k, v in vars(x).items()]
        stack.extend(reversed(children))
    return out, objects


def _is_atom(x) -> bool:
    return x is None or type(x) in (bool, int, float, str, dt.date, dt.datetime)


def _own_class(cls: type) -> bool:
    return cls.__module__.split(".")[0] in PACKAGES


# --- encoding ----------------------------------------------------------------------------------

class _Encoder:
    """The state as a JSON tree plus a list of arrays (copied: the run goes on)."""

    def __init__(self, world_paths: dict[int, str], world_objects: dict[str, Any]) -> None:
        self.world = world_paths
        self.world_objects = world_objects
        self.world_checks: dict[str, dict] = {}
        self.memo: dict[int, int] = {}
        self.alive: list = []                # memoised objects, so no id is reused while encoding
        self.arrays: list[np.ndarray] = []

    def _id(self, x) -> int:
        n = self.memo[id(x)] = len(self.memo)
        self.alive.append(x)
        return n

    def _array(self, a: np.ndarray) -> int:
        self.arrays.append(np.array(a, copy=True, order="K"))
        return len(self.arrays) - 1

    def encode(self, x, path: str):
        t = type(x)
        if x is None or t in (bool, str, int):
            return x
        if t is float:
            return x if math.isfinite(x) else {"$": "float", "v": repr(x)}
        if t is dt.date:
            return {"$": "date", "v": x.isoformat()}
        if t is dt.datetime:
            return {"$": "datetime", "v": x.isoformat()}
        where = self.world.get(id(x))
        if where is not None:
            if isinstance(x, np.ndarray):
                self.world_checks[where] = _check(x)
            return {"$": "world", "path": where}
        seen = self.memo.get(id(x))
        if seen is not None:
            return {"$": "ref", "id": seen}
        if t is list:
            n = self._id(x)
            return {"$": "list", "id": n, "v": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(x)]}
        if t is tuple:
            n = self._id(x)
            return {"$": "tuple", "id": n, "v": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(x)]}
        if t is dict:
            return self._dict(x, path)
        if t in (set, frozenset):
            n = self._id(x)
            items = sorted(x, key=repr)          # a stable file; set order never matters to the rules
            return {"$": t.__name__, "id": n, "v": [self.encode(v, f"{path} (member {v!r})") for v in items]}
        if t is bytes:
            return {"$": "bytes", "a": self._array(np.frombuffer(x, np.uint8))}
        if isinstance(x, np.ndarray):
            return self._ndarray(x, path)
        if isinstance(x, np.generic):
            if x.dtype.hasobject:
                raise SnapshotError(f"snapshot: cannot save {path}: a NumPy object scalar")
            return {"$": "np", "a": self._array(np.asarray(x))}
        if isinstance(x, np.dtype):
            return {"$": "dtype", "d": np.lib.format.dtype_to_descr(x)}
        if isinstance(x, np.random.Generator):
            return self._generator(x, path)
        if isinstance(x, np.random.SeedSequence):
            return self._seed_sequence(x)
        if isinstance(x, enum.Enum) and _own_class(t):
            return {"$": "enum", "cls": _qualified(t), "v": self.encode(x.value, path)}
        if isinstance(x, (types.FunctionType, type)):
            return {"$": "func", "name": self._named(x, path)}
        if isinstance(x, types.MethodType):
            return {"$": "method", "self": self.encode(x.__self__, f"{path}.__self__"),
                    "name": self._method_name(x, path)}
        if _own_class(t) and not isinstance(x, enum.Enum):
            return self._object(x, path)
        raise SnapshotError(f"snapshot: cannot save {path}: {t.__module__}.{t.__qualname__} is not a type a "
                            f"snapshot knows (add it to model/snapshot.py, or keep it out of the state)")

    def _ndarray(self, a: np.ndarray, path: str):
        if a.dtype.hasobject:
            raise SnapshotError(f"snapshot: cannot save {path}: a NumPy array of Python objects (dtype object)")
        base = a.base
        while isinstance(base, np.ndarray) and base.base is not None and isinstance(base.base, np.ndarray):
            base = base.base
        if isinstance(base, np.ndarray) and base.flags.owndata:
            offset = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
            base_tree = self.encode(base, f"{path}.base")
            n = self._id(a)
            return {"$": "view", "id": n, "base": base_tree, "offset": int(offset), "shape": list(a.shape),
                    "strides": list(a.strides), "dtype": np.lib.format.dtype_to_descr(a.dtype),
                    "ro": not a.flags.writeable}
        n = self._id(a)
        return {"$": "nd", "id": n, "a": self._array(a), "ro": not a.flags.writeable}

    def _generator(self, g: np.random.Generator, path: str):
        bg = g.bit_generator
        name = type(bg).__name__
        if BIT_GENERATORS.get(name) is not type(bg):
            raise SnapshotError(f"snapshot: cannot save {path}: bit generator {name} "
                                f"(known: {', '.join(BIT_GENERATORS)})")
        n = self._id(g)
        seq = getattr(bg, "seed_seq", None)
        return {"$": "rng", "id": n, "bg": name, "state": self.encode(bg.state, f"{path}.state"),
                "seq": self._seed_sequence(seq) if isinstance(seq, np.random.SeedSequence) else None}

    @staticmethod
    def _seed_sequence(q: np.random.SeedSequence):
        entropy = q.entropy
        return {"$": "seedseq", "entropy": [int(e) for e in entropy] if isinstance(entropy, (list, tuple, np.ndarray))
                else (None if entropy is None else int(entropy)),  # type: ignore[arg-type]
                "spawn_key": [int(k) for k in q.spawn_key], "pool_size": int(q.pool_size),
                "n_children_spawned": int(q.n_children_spawned)}

    def _named(self, f, path: str) -> str:
        name = _qualified(f)
        if f.__module__.split(".")[0] not in PACKAGES or "<" in name:
            raise SnapshotError(f"snapshot: cannot save {path}: {name} is not a top-level class or function of "
                                f"noodplan's own modules ({', '.join(PACKAGES)})")
        return name

    def _method_name(self, m: types.MethodType, path: str) -> str:
        name = m.__func__.__name__
        if getattr(type(m.__self__), name, None) is not m.__func__:
            raise SnapshotError(f"snapshot: cannot save {path}: a method that is not its object's own {name!r}")
        return name

    def _dict(self, x: dict, path: str, attributes: bool = False):
        """A dict; the keys of an object's state are its attributes (named `path.key` in errors)."""
        n = self._id(x)
        items = []
        for k, v in x.items():
            where = (path if k == "__dict__" else f"{path}.{k}") if attributes else f"{path}[{k!r}]"
            items.append([self.encode(k, f"{path} (key {k!r})"), self._dict(v, where, True)
                          if attributes and k == "__dict__" and type(v) is dict and id(v) not in self.memo
                          else self.encode(v, where)])
        return {"$": "dict", "id": n, "v": items}

    def _object(self, x, path: str):
        n = self._id(x)
        state = x.__getstate__()
        if type(state) is dict and id(state) not in self.memo:
            body = self._dict(state, path, attributes=True)
        elif isinstance(state, (dict, tuple)):
            body = self.encode(state, path)
        else:
            raise SnapshotError(f"snapshot: cannot save {path}: its state is a {type(state).__name__}")
        return {"$": "obj", "id": n, "cls": _qualified(type(x)), "state": body}


def _check(a: np.ndarray) -> dict:
    """What a world array must still be for a restored state to be the same (shape, dtype, CRC-32)."""
    return {"shape": list(a.shape), "dtype": a.dtype.str, "crc32": zlib.crc32(np.ascontiguousarray(a).view(np.uint8))}


def _qualified(x) -> str:
    return f"{x.__module__}:{x.__qualname__}"


# --- decoding ----------------------------------------------------------------------------------

class _Decoder:
    """Rebuilds the object graph from the tree; refuses anything it does not know."""

    def __init__(self, arrays, world_lookup: dict[str, Any]) -> None:
        self.arrays = arrays                 # index -> array (read on demand)
        self.world = world_lookup
        self.objs: dict[int, Any] = {}

    def decode(self, x):
        if x is None or type(x) in (bool, int, float, str):
            return x
        if type(x) is not dict:
            raise SnapshotError("damaged snapshot: a bare JSON list in the state tree")
        tag = x.get("$")
        handler = getattr(self, f"_tag_{tag}", None) if isinstance(tag, str) and tag.isidentifier() else None
        if handler is None:
            raise SnapshotError(f"damaged snapshot: unknown tag {tag!r} in the state tree")
        try:
            return handler(x)
        except KeyError as e:
            raise SnapshotError(f"damaged snapshot: tag {tag!r} without {e}") from None

    def _keep(self, x: dict, obj):
        self.objs[int(x["id"])] = obj
        return obj

    def _tag_float(self, x):
        v = float(x["v"])
        if math.isfinite(v):
            raise SnapshotError("damaged snapshot: a tagged float that is finite")
        return v

    def _tag_date(self, x):
        return dt.date.fromisoformat(x["v"])

    def _tag_datetime(self, x):
        return dt.datetime.fromisoformat(x["v"])

    def _tag_world(self, x):
        try:
            return self.world[x["path"]]
        except KeyError:
            raise SnapshotError(f"snapshot: the world has no {x['path'] or 'root'!r}: it does not match the "
                                "world the snapshot was saved with") from None

    def _tag_ref(self, x):
        try:
            return self.objs[int(x["id"])]
        except KeyError:
            raise SnapshotError(f"damaged snapshot: reference to object {x['id']} before it is defined") from None

    def _tag_list(self, x):
        out = self._keep(x, [])
        out.extend(self.decode(v) for v in x["v"])
        return out

    def _tag_tuple(self, x):
        return self._keep(x, tuple(self.decode(v) for v in x["v"]))

    def _tag_dict(self, x):
        out = self._keep(x, {})
        for k, v in x["v"]:
            out[self.decode(k)] = self.decode(v)
        return out

    def _tag_set(self, x):
        out = self._keep(x, set())
        out.update(self.decode(v) for v in x["v"])
        return out

    def _tag_frozenset(self, x):
        return self._keep(x, frozenset(self.decode(v) for v in x["v"]))

    def _tag_bytes(self, x):
        return self._array(x["a"]).tobytes()

    def _array(self, k) -> np.ndarray:
        if type(k) is not int or not 0 <= k < len(self.arrays):
            raise SnapshotError(f"damaged snapshot: no array {k!r}")
        return self.arrays[k]

    def _tag_nd(self, x):
        a = self._array(x["a"]).copy()
        if x.get("ro"):
            a.flags.writeable = False
        return self._keep(x, a)

    def _tag_view(self, x):
        base = self.decode(x["base"])
        if not isinstance(base, np.ndarray) or (not base.flags.c_contiguous and not base.flags.f_contiguous):
            raise SnapshotError("damaged snapshot: a view whose base is not a whole array")
        dtype = np.lib.format.descr_to_dtype(_descr(x["dtype"]))
        shape, strides, offset = tuple(x["shape"]), tuple(x["strides"]), int(x["offset"])
        if dtype.hasobject or not _inside(shape, strides, offset, dtype.itemsize, base.nbytes):
            raise SnapshotError("damaged snapshot: a view that reaches outside its base array")
        flat = base.reshape(-1, order="A").view(np.uint8)
        v = np.ndarray(shape, dtype, buffer=flat, offset=offset, strides=strides)
        if x.get("ro"):
            v.flags.writeable = False
        return self._keep(x, v)

    def _tag_np(self, x):
        a = self._array(x["a"])
        if a.ndim != 0:
            raise SnapshotError("damaged snapshot: a NumPy scalar that is not 0-dimensional")
        return a[()]

    def _tag_dtype(self, x):
        dtype = np.lib.format.descr_to_dtype(_descr(x["d"]))
        if dtype.hasobject:
            raise SnapshotError("damaged snapshot: dtype object")
        return dtype

    def _tag_rng(self, x):
        cls = BIT_GENERATORS.get(x["bg"])
        if cls is None:
            raise SnapshotError(f"snapshot: unknown bit generator {x['bg']!r} (known: {', '.join(BIT_GENERATORS)})")
        seq = self._tag_seedseq(x["seq"]) if x.get("seq") is not None else None
        bg = cls(seq) if seq is not None else cls()
        state = self.decode(x["state"])
        try:
            bg.state = state
        except (TypeError, ValueError, KeyError) as e:
            raise SnapshotError(f"damaged snapshot: state of a {x['bg']} generator ({e})") from None
        return self._keep(x, np.random.Generator(bg))

    def _tag_seedseq(self, x):
        try:
            return np.random.SeedSequence(x["entropy"], spawn_key=tuple(x["spawn_key"]), pool_size=x["pool_size"],
                                          n_children_spawned=x["n_children_spawned"])
        except (TypeError, ValueError) as e:
            raise SnapshotError(f"damaged snapshot: a seed sequence ({e})") from None

    def _tag_enum(self, x):
        cls = _lookup(x["cls"])
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            raise SnapshotError(f"snapshot: {x['cls']} is not an enumeration")
        return cls(self.decode(x["v"]))

    def _tag_func(self, x):
        f = _lookup(x["name"])
        if not isinstance(f, (types.FunctionType, type)):
            raise SnapshotError(f"snapshot: {x['name']} is not a class or function")
        return f

    def _tag_method(self, x):
        owner = self.decode(x["self"])
        name = x["name"]
        func = getattr(type(owner), name, None) if isinstance(name, str) and name.isidentifier() else None
        if not isinstance(func, types.FunctionType) or not _own_class(type(owner)):
            raise SnapshotError(f"snapshot: {type(owner).__qualname__} has no method {name!r}")
        return types.MethodType(func, owner)

    def _tag_obj(self, x):
        cls = _lookup(x["cls"])
        if not isinstance(cls, type) or issubclass(cls, (enum.Enum, BaseException)):
            raise SnapshotError(f"snapshot: {x['cls']} is not a class a snapshot may hold")
        obj = self._keep(x, cls.__new__(cls))
        state = self.decode(x["state"])
        if dataclasses.is_dataclass(cls) and isinstance(state, dict):
            _fill_new_fields(cls, state)
        setstate = getattr(obj, "__setstate__", None)
        if setstate is not None:
            setstate(state)
        elif isinstance(state, dict):
            obj.__dict__.update(state)
        elif isinstance(state, tuple) and len(state) == 2:      # (dict or None, slots)
            if state[0]:
                obj.__dict__.update(state[0])
            for k, v in (state[1] or {}).items():
                object.__setattr__(obj, k, v)
        else:
            raise SnapshotError(f"damaged snapshot: state of a {x['cls']}")
        return obj


def _descr(d):
    """A dtype description from JSON (lists back to the tuples NumPy expects)."""
    if isinstance(d, list):
        return [tuple(_descr(e) if isinstance(e, list) else e for e in field) for field in d]
    return d


def _inside(shape, strides, offset, itemsize, nbytes) -> bool:
    """Does a view with these shape, strides and byte offset stay within a buffer of `nbytes`?"""
    if any(n < 0 for n in shape) or offset < 0:
        return False
    if any(n == 0 for n in shape):
        return offset <= nbytes
    lo = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s < 0)
    hi = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s > 0) + itemsize
    return lo >= 0 and hi <= nbytes


def _fill_new_fields(cls, state: dict) -> None:
    """Fields a dataclass gained after the snapshot was made get their defaults."""
    for f in dataclasses.fields(cls):
        if f.name in state:
            continue
        if f.default is not dataclasses.MISSING:
            state[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            state[f.name] = f.default_factory()
        else:
            raise SnapshotError(f"snapshot: {cls.__qualname__}.{f.name} is not in the snapshot and has no default "
                                "(the snapshot is from an older noodplan)")


def _lookup(name) -> Any:
    """A class, enum or function by its qualified name, only among noodplan's own modules."""
    if not isinstance(name, str) or name.count(":") != 1:
        raise SnapshotError(f"snapshot: {name!r} is not a qualified name")
    module, qual = name.split(":")
    if not (_NAME.match(module) and _NAME.match(qual)) or module.split(".")[0] not in PACKAGES:
        raise SnapshotError(f"snapshot: refuses {name!r}: only noodplan's own modules ({', '.join(PACKAGES)}) "
                            "may be named")
    try:
        obj = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise SnapshotError(f"snapshot: {name} does not exist in this noodplan") from None
    if getattr(obj, "__module__", None) != module or getattr(obj, "__qualname__", None) != qual:
        raise SnapshotError(f"snapshot: refuses {name!r}: not defined there")
    return obj


# --- the snapshot ------------------------------------------------------------------------------

@dataclass
class Snapshot:
    """A captured state: header (what it is), the object tree and its arrays."""

    header: dict
    tree: dict
    arrays: list[np.ndarray]

    @property
    def day(self) -> int:
        """Days simulated before the snapshot (the next day to run)."""
        return int(self.header["day"])

    @property
    def scenario(self):
        """The scenario the world was built from (the run's own copy, changed by events, is in the
        state); a copy of its own for the caller."""
        return self._checked_scenario.model_copy(deep=True)

    @cached_property
    def _checked_scenario(self):
        """The header's scenario, validated once per snapshot (a prognosis restores one snapshot for
        every member; validating it each time was a third of the prognosis trigger's cost)."""
        from model.scenario import Scenario, ScenarioError, validation_message
        from pydantic import ValidationError

        try:
            return Scenario.model_validate(self.header["scenario"])
        except (ValidationError, ScenarioError) as e:
            first = validation_message(e, "scenario") if isinstance(e, ValidationError) else str(e).splitlines()[0]
            raise SnapshotError(f"snapshot: its scenario is not valid in this noodplan ({first})") from None

    def restore(self, world=None, horizon_days: int | None = None):
        """A `State` identical to the captured one, on `world` (shared) or on a world rebuilt from
        the header's scenario. With `horizon_days` the run may go on to that many days in all
        (the world is built for it and the recorder makes room)."""
        from model.world import build_world, serves

        sc = self._checked_scenario          # (not changed here: model_copy below)
        saved = int(self.header["horizon_days"])
        horizon = max(saved, horizon_days or 0)
        wanted = sc.model_copy(update={"horizon_days": horizon})
        if world is None:
            world = build_world(wanted)
        elif not serves(world.scenario, wanted):
            raise SnapshotError(f"snapshot: the world given was built for another scenario than "
                                f"{sc.name!r} or for fewer than {horizon} days")
        objects = _world_index(world.built or world)[1]
        for path, want in self.header.get("world_checks", {}).items():
            got = objects.get(path)
            if not isinstance(got, np.ndarray) or _check(got) != want:
                raise SnapshotError(f"snapshot: the world differs at {path!r} from the one it was saved with "
                                    "(packaged data or code changed since)")
        try:
            s = _Decoder(self.arrays, objects).decode(self.tree)
        except SnapshotError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as e:
            # a field of the state tree of another type or out of range (a damaged or edited state.json
            # whose archive is whole): the decoder's int(), date() or unpacking of it fails
            why = "nested too deeply" if isinstance(e, RecursionError) else \
                " ".join(str(e).split())[:160] or type(e).__name__
            raise SnapshotError(f"damaged snapshot (state.json: {why})") from None
        from model.state import State

        if not isinstance(s, State):
            raise SnapshotError(f"damaged snapshot: its state is a {type(s).__name__}, not a State")
        if len(s.linked_ready) != len(s.linked_h):   # saved before the search time after a link: all may move in
            s.linked_ready = np.zeros(len(s.linked_h), np.int64)
        if horizon > saved:
            s.sc.horizon_days = horizon
            if s.recorder is not None:
                s.recorder.extend(horizon)
        return s

    def save(self, path: str | Path) -> Path:
        """Write the snapshot to `path` (whole or not at all)."""
        if not isinstance(path, str | Path):
            raise SnapshotError(f"path: a snapshot file's path, not {type(path).__name__}")
        path = Path(path)
        if path.is_dir():
            raise SnapshotError(f"{path}: is a folder; give the snapshot file's path")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
                state = json.dumps(self.tree, separators=(",", ":")).encode("utf-8")
                digest = hashlib.sha256(state)
                z.writestr("state.json", state)
                for i, a in enumerate(self.arrays):
                    with z.open(f"arrays/{i}.npy", "w", force_zip64=True) as out:
                        np.lib.format.write_array(_Digesting(out, digest), a, allow_pickle=False)
                # last, with the digest of what came before (the archive's order is not read)
                z.writestr("header.json", json.dumps({**self.header, "state_sha256": digest.hexdigest(),
                                                      "header_sha256": header_digest(self.header)}, indent=1))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


class _Digesting:
    """A file to write to that also feeds what is written to a hash (`Snapshot.save`'s state digest)."""

    def __init__(self, out, digest) -> None:
        self.out, self.digest = out, digest

    def write(self, data) -> int:
        self.digest.update(data)
        return self.out.write(data)


def capture(s) -> Snapshot:
    """The whole state `s` as a snapshot (copied: `s` may go on running)."""
    from model.state import State      # (here: model.state is not needed to read a snapshot)
    if not isinstance(s, State):
        raise SnapshotError(f"s: a run's State (model.state.State, e.g. ReceptionModel.state), "
                            f"not {type(s).__name__}")
    enc = _Encoder(*_world_index(s.world.built or s.world))   # a run's own copy of the world is kept
    tree = enc.encode(s, type(s).__name__)
    date = s.world.dates[0] + dt.timedelta(days=s.day)
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "code_version": code_version(),
              "scenario": s.world.scenario.model_dump(mode="json"), "horizon_days": int(s.sc.horizon_days),
              "day": int(s.day), "date": date.isoformat(), "seed": s.seed, "world_checks": enc.world_checks}
    return Snapshot(header, tree, enc.arrays)


def save(s, path: str | Path) -> Path:
    """Capture the state `s` and write it to `path`."""
    return capture(s).save(path)


def load(path: str | Path) -> Snapshot:
    """Read a snapshot file; refuses (one line) a file that is not a noodplan snapshot."""
    if not isinstance(path, str | Path):
        raise SnapshotError(f"path: a snapshot file's path, not {type(path).__name__}")
    path = Path(path)
    regular_file(path, path.name or str(path), "a snapshot file", MAX_SNAPSHOT_BYTES, SnapshotError)
    try:                # (is_zipfile says False for a file it cannot open: "not a ZIP archive" for no permission)
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise SnapshotError(f"{path.name}: cannot be read ({exc.strerror})") from None
    if not zipfile.is_zipfile(path):
        raise SnapshotError(f"{path.name}: not a noodplan snapshot (not a ZIP archive)")
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
            if unpacked > MAX_SNAPSHOT_BYTES:       # a ZIP bomb: a small file that unpacks to gigabytes
                raise SnapshotError(f"{path.name}: unpacks to {unpacked:,} bytes; a snapshot is at most "
                                    f"{MAX_SNAPSHOT_BYTES:,}")
            names = set(z.namelist())
            if "header.json" not in names or "state.json" not in names:
                raise SnapshotError(f"{path.name}: not a noodplan snapshot (no header.json and state.json)")
            header = parse_json(z.read("header.json"), f"{path.name}: header.json", "a snapshot header", SnapshotError)
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                found = header.get("format") if isinstance(header, dict) else None
                raise SnapshotError(f"{path.name}: not a noodplan snapshot (format {found!r})")
            version = header.get("format_version", header.get("version"))
            if type(version) is not int:        # '4' written as text, 4.0, true: an edited or damaged header
                raise SnapshotError(f"{path.name}: damaged snapshot (header format_version: must be a whole number, "
                                    f"got {version!r:.40})")
            if not 1 <= version <= FORMAT_VERSION:
                raise SnapshotError(f"{path.name}: snapshot format version {version}; this noodplan reads "
                                    f"versions 1 to {FORMAT_VERSION}")
            header_found = header_digest(header)
            state = z.read("state.json")
            digest = hashlib.sha256(state)
            arrays: list[np.ndarray] = []
            while f"arrays/{len(arrays)}.npy" in names:
                with z.open(f"arrays/{len(arrays)}.npy") as f:
                    raw = f.read()
                digest.update(raw)
                arrays.append(np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False))
            _check_digest(header, "state_sha256", digest.hexdigest(), path.name)
            tree = parse_json(state, f"{path.name}: state.json", "a snapshot state", SnapshotError)
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, ValueError, OSError, RecursionError) as e:
        if isinstance(e, SnapshotError):
            raise
        why = "nested too deeply" if isinstance(e, RecursionError) else \
            str(e).splitlines()[0] if str(e) else type(e).__name__
        raise SnapshotError(f"{path.name}: damaged snapshot ({why})") from None
    if not isinstance(tree, dict):
        raise SnapshotError(f"{path.name}: damaged snapshot (state.json is not an object)")
    try:
        header, tree = migrate(header, tree)
    except SnapshotError as e:          # the migrations do not know the file's name
        raise SnapshotError(f"{path.name}: {e}") from None
    _check_header(header, path.name)          # a damaged field named first; then one edited into another valid value
    _check_digest(header, "header_sha256", header_found, path.name)
    return Snapshot(header, tree, arrays)


_DIGESTS = ("state_sha256", "header_sha256")
_WHAT = {"state_sha256": "state.json or its arrays differ from what was saved: their SHA-256 is not the header's "
                         "state_sha256",
         "header_sha256": "header.json differs from what was saved: its SHA-256 is not its header_sha256"}


def header_digest(header: dict) -> str:
    """The SHA-256 of a header's fields but the digests themselves, as canonical JSON (keys sorted,
    no spaces, ASCII): the same for the header saved and the header read back, whatever the
    indentation or key order of header.json."""
    fields = {k: v for k, v in header.items() if k not in _DIGESTS}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _check_digest(header: dict, field: str, found: str, source: str) -> None:
    """A part of the file as saved: its SHA-256 is the header's `field`. `state_sha256` covers
    state.json and the arrays (written by every save since 6 December 2026): the state's thousands of
    fields are the code's, not checked one by one, so a changed one (an edit, a repair by hand, a copy
    mixing two files' parts) ran on with NaN, a misspelt field or a value out of range, or failed deep
    in the restore. `header_sha256` covers the header's other fields (`header_digest`, since round
    21b): `_check_header` checks each field's type, range and consistency, so a header edited into
    another valid one (another scenario, seed or horizon) was restored as if saved so. A file saved
    before a digest is read as before."""
    if field not in header:
        return
    want = header[field]
    if not isinstance(want, str) or not re.fullmatch(r"[0-9a-f]{64}", want):
        raise SnapshotError(f"{source}: damaged snapshot (header {field}: not a SHA-256 digest, got {want!r:.40})")
    if want != found:
        raise SnapshotError(f"{source}: damaged snapshot ({_WHAT[field]}); save the snapshot again")


def _check_header(header: dict, source: str) -> None:
    """The header's fields of the right type and in range, and consistent with each other (the date
    is the scenario's start plus `day`), so a damaged or edited header is refused here in one line,
    not met as a traceback (or a silent nonsense run) when the state is restored."""
    from model.scenario import MAX_DAYS, MAX_SEED, is_whole

    def bad(field: str, why: str) -> SnapshotError:
        return SnapshotError(f"{source}: damaged snapshot (header {field}: {why})")

    sc = header.get("scenario")
    if not isinstance(sc, dict):
        raise bad("scenario", "missing" if sc is None else f"not a mapping (got {type(sc).__name__})")
    horizon, day, seed = header.get("horizon_days"), header.get("day"), header.get("seed")
    if not is_whole(horizon) or not 1 <= horizon <= MAX_DAYS:
        raise bad("horizon_days", f"must be a whole number of days from 1 to {MAX_DAYS:,} (got {horizon!r:.40})")
    if not is_whole(day) or not 0 <= day <= horizon:
        raise bad("day", f"must be a whole number from 0 to horizon_days {horizon} (got {day!r:.40})")
    if seed is not None and (not is_whole(seed) or not 0 <= seed <= MAX_SEED):
        raise bad("seed", f"must be a whole number from 0 to {MAX_SEED:,} (got {seed!r:.40})")
    if not isinstance(header.get("world_checks"), dict):
        raise bad("world_checks", "missing or not a mapping")
    if "start_date" not in sc:          # an emptied scenario is named as such, not blamed on the date
        raise bad("scenario", "has no start_date (the scenario the run was made from is missing or cut short)")
    try:
        date = dt.date.fromisoformat(header.get("date"))      # type: ignore[arg-type]
        start = dt.date.fromisoformat(sc.get("start_date"))   # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise bad("date", f"not a real date, or the scenario's start_date is not (got {header.get('date')!r:.40})") \
            from None
    if date != start + dt.timedelta(days=day):
        raise bad("date", f"{date} is not the scenario's start {start} plus day {day}")


def _v1_to_v2(header: dict, tree: dict) -> tuple[dict, dict]:
    """Version 2 renamed the header's `version` to `format_version` and `code` to `code_version`,
    and added `world_checks` (a version-1 file has none: its world is not checked)."""
    header = dict(header)
    header["format_version"] = 2
    header.pop("version")
    header["code_version"] = header.pop("code")
    header["world_checks"] = {}
    return header, tree


# Version 3 keyed the arrivals and homes streams by (run, day): the state's two generators became
# two integer keys (`model.state.day_rng`)
_STREAMS_V3 = {"rng_arrivals": "arrivals_key", "rng_housing": "homes_key"}


def _v2_to_v3(header: dict, tree: dict) -> tuple[dict, dict]:
    """Version 3 replaced the state's generators `rng_arrivals` and `rng_housing` with the keys
    `arrivals_key` and `homes_key`. A version-2 state gets keys made from its generators' saved
    states (a 64-bit digest of each): the run goes on with other draws of the same distributions,
    the same for every restore of that file. (A version-2 scenario without
    `chain.family_moves_in_share` gets 0 on the next step, `_v3_to_v4`.)"""
    header = dict(header)
    header["format_version"] = 3
    body = tree.get("state") if isinstance(tree, dict) else None
    fields = body.get("v") if isinstance(body, dict) else None
    if isinstance(fields, list):
        for pair in fields:
            if isinstance(pair, list) and len(pair) == 2 and pair[0] in _STREAMS_V3:
                digest = hashlib.sha256(json.dumps(pair[1], sort_keys=True).encode()).digest()
                pair[0], pair[1] = _STREAMS_V3[pair[0]], int.from_bytes(digest[:8], "little")
    return header, tree


def _v3_to_v4(header: dict, tree: dict) -> tuple[dict, dict]:
    """Version 4 added `placement.family_location_after_rejection` (a family rejected for good
    moves to a family location). A version-3 run gets false: it goes on without the rule, as the run
    that was saved. A file saved before `chain.family_moves_in_share` existed (version 2, or an early
    version 3) gets 0: every family member stays in reception, as in the run that was saved."""
    header = dict(header)
    header["format_version"] = 4
    _add_field(header, tree, "chain", "family_moves_in_share", 0.0)
    _add_field(header, tree, "placement", "family_location_after_rejection", False)
    return header, tree


def _v4_to_v5(header: dict, tree: dict) -> tuple[dict, dict]:
    """Version 5 added `costs.vacant_place_share` (a free place of an open location is charged a
    share of a resident's cost) and the locations' `cost_place_night`. A version-4 run gets 0 (and
    zeros, `Locations.__setstate__`): it goes on charging occupied beds only, as the run that was
    saved."""
    header = dict(header)
    header["format_version"] = 5
    _add_field(header, tree, "costs", "vacant_place_share", 0.0)
    return header, tree


# the scenario's parts a saved state holds as objects: part name -> class path in the state tree
_PART_CLASSES = {"chain": "model.scenario:Chain", "placement": "model.scenario:Placement",
                 "costs": "model.scenario:Costs"}


def _add_field(header: dict, tree: dict, part: str, name: str, value: Any) -> None:
    """Give the header's scenario `part` (e.g. `chain`) and every saved object of that part in the
    state tree the field `name` = `value` where it has none."""
    scenario = header.get("scenario")
    section = scenario.get(part) if isinstance(scenario, dict) else None
    if isinstance(section, dict):
        section.setdefault(name, value)
    cls = _PART_CLASSES[part]
    stack: list[Any] = [tree]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, dict):
            if x.get("$") == "obj" and x.get("cls") == cls:
                state = x.get("state")
                pairs = state.get("v") if isinstance(state, dict) else None
                attrs = next((p[1] for p in pairs if isinstance(p, list) and p and p[0] == "__dict__"), None) \
                    if isinstance(pairs, list) else None
                if isinstance(attrs, dict) and isinstance(attrs.get("v"), list) \
                        and not any(isinstance(p, list) and p and p[0] == name for p in attrs["v"]):
                    attrs["v"].append([name, value])
            stack.extend(x.values())


MIGRATIONS = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5}     # version -> step to the next version


def migrate(header: dict, tree: dict) -> tuple[dict, dict]:
    """Bring a snapshot of any earlier format version to today's layout, one step at a time."""
    version = header.get("format_version", header.get("version"))
    if type(version) is not int:
        raise SnapshotError(f"damaged snapshot: format version {version!r}")
    while version < FORMAT_VERSION:
        try:
            header, tree = MIGRATIONS[version](header, tree)
        except KeyError as e:
            raise SnapshotError(f"damaged snapshot: version-{version} header without {e}") from None
        version += 1
    return header, tree
