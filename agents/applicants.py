"""Applicants: persons in households, stored as a struct of arrays.

Households are the unit that moves, is decided on and is housed: a family shares one stage, one
location and one track. Persons belong to exactly one household and carry what differs between
members (minor or adult). A household's members occupy the contiguous person rows
``first[h] : first[h] + size[h]``.

Rows are never reused, so a household id names the same household for the whole run (the move
log and the UI's applicant look-up rely on that). Only households are stored (46 bytes each, about
half that per person): a person's household and whether they are a minor follow from `first`,
`size` and `children`, which never change after `add`, and are computed when asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import weakref
from enum import IntEnum

import numpy as np

from agents.columns import reserve


class Stage(IntEnum):
    """Where a household is in the chain. Stages below HOUSED are entitled to reception."""

    WAITING = 0      # arrived, waiting to be registered (aanmelding)
    SCREENING = 1    # registered, in screening at the registration location
    PROCEDURE = 2    # waiting for or in the IND procedure (first instance)
    APPEAL = 3       # rejected, appeal pending at the court; stays in reception (beroep)
    PERMIT = 4       # permit holder (vergunninghouder) waiting for a home
    REJECTED = 5     # rejected for good, in the 4-week departure period (vertrekplichtig)
    DUBLIN = 6       # Dublin claim sent: acceptance, transfer decision, appeal, transfer (overdracht)
    HOUSED = 7       # left reception: housed by a municipality
    DEPARTED = 8     # left reception: independent departure, forced return or unsupervised
    TRANSFERRED = 9  # left reception: transferred to another member state (Dublin)


ENTITLED_STAGES = (Stage.WAITING, Stage.SCREENING, Stage.PROCEDURE, Stage.APPEAL, Stage.PERMIT,
                   Stage.REJECTED, Stage.DUBLIN)
N_STAGES = len(Stage)


class Track(IntEnum):
    """The IND procedure a household follows."""

    REGULAR = 0      # regular asylum procedure
    ACCELERATED = 1  # accelerated procedure (EU-wide recognition rate <= 20 %)
    BORDER = 2       # border procedure (asielgrensprocedure), entered at Schiphol
    DUBLIN = 3       # Dublin claimant
    FAMILY = 4       # family reunification (nareiziger): arrives with a permit


N_TRACKS = len(Track)


class Flag:
    """Bits of `Applicants.flags`."""

    UNACCOMPANIED_MINOR = 1
    VULNERABLE = 2
    AT_BORDER = 4
    AT_ENTRY = 8     # crossed at a shock's entry point (e.g. instrumentalisation at one border)
    PUBLIC_ORDER = 16   # flagged at screening as a risk to public order or national security
    NEEDS_ASSESSED = 32  # the vulnerability assessment established the special reception need


_HOUSEHOLD_FIELDS: dict[str, np.dtype] = {
    "first": np.dtype(np.int32),         # first person row
    "size": np.dtype(np.int16),          # persons in the household
    "children": np.dtype(np.int16),      # minors in the household
    "key": np.dtype(np.uint64),          # random key for keyed draws (agents.keyed)
    "group": np.dtype(np.int8),          # nationality group index
    "track": np.dtype(np.int8),          # Track
    "stage": np.dtype(np.int8),          # Stage
    "flags": np.dtype(np.uint8),         # Flag bits
    "location": np.dtype(np.int32),      # location index, -1 = no bed
    "municipality": np.dtype(np.int16),  # linked municipality (koppeling), -1 = none
    "arrival_day": np.dtype(np.int32),   # day of arrival (negative: before the run)
    "stage_day": np.dtype(np.int32),     # day the current stage began
    "loc_since": np.dtype(np.int32),     # day the current location (or none) began
    "moves": np.dtype(np.int16),         # moves between locations so far
    "nights_emergency": np.dtype(np.int16),   # nights in emergency locations so far (closed spells)
    "nights_crisis": np.dtype(np.int16),      # nights in crisis emergency reception (closed spells)
    "nights_unsheltered": np.dtype(np.int16),  # nights entitled but without a bed (closed spells)
}


_FEW = 48   # `set_stage` counts up to this many households in Python ints, more with NumPy
_SPARE = {"location": -1, "municipality": -1}   # what the rows not in use yet hold (the others: zero)


class Columns(Mapping[str, np.ndarray]):
    """Read-only views of the household columns in use (`Applicants.cols`): `cols["size"][ids]`.
    Live: each look sees the current storage and length (also after `add` grew it). Writes go
    through `Applicants`' methods (and bed changes through `agents.moves.move`), so what the model
    keeps beside the columns (stage counts, the move log and what is built on it) stays right."""

    __slots__ = ("_owner", "_views")

    def __init__(self, owner: Applicants) -> None:
        self._views = owner._views          # the owner's cache of views (cleared, never replaced)
        self._owner = weakref.ref(owner)    # (a strong reference would make a cycle: the whole table
        #                                     freed only by the cycle collector, long after a run)

    def __getitem__(self, name: str) -> np.ndarray:
        view = self._views.get(name)
        if view is None:   # made once per column until `add` changes the length or the storage
            owner = self._owner()
            assert owner is not None, "the views of a household table that no longer exists"
            view = self._views[name] = owner._h[name][: owner.n]
            view.flags.writeable = False
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(_HOUSEHOLD_FIELDS)

    def __len__(self) -> int:
        return len(_HOUSEHOLD_FIELDS)


class Applicants:
    """All households and persons that ever entered reception in one run.

    `stage_persons[s]` is the number of persons in stage `s` at all times, so daily figures never
    need a pass over everyone. The counts are kept as Python ints (`_stage_counts`: a change of a few
    households needs no NumPy work); `stage_persons` is a read-only int64 array of them, made again
    when read after a change.
    """

    def __init__(self, capacity_households: int = 4096) -> None:
        self.n = 0          # households in use
        self.n_persons = 0  # persons in use
        self._h = {k: np.zeros(capacity_households, dt) for k, dt in _HOUSEHOLD_FIELDS.items()}
        for name, value in _SPARE.items():
            self._h[name].fill(value)
        self._stage_counts = [0] * N_STAGES      # persons per stage (see the class text)
        self._stage_array: np.ndarray | None = None   # `stage_persons` until the counts change
        self._views: dict[str, np.ndarray] = {}   # Columns' views, dropped when `add` changes them
        self.cols = Columns(self)   # read-only views of the columns (see Columns)

    def __getstate__(self) -> dict:
        """The state without the cached views (a snapshot would store them as copies)."""
        state = dict(self.__dict__)
        state.pop("_views", None)
        state.pop("cols", None)
        return state

    def __setstate__(self, state: dict) -> None:
        state.pop("cols", None)              # (saved by earlier versions)
        self.__dict__.update(state)
        self._views = {}
        self.cols = Columns(self)
        for name, value in _SPARE.items():   # (saved with zeros there)
            self._h[name][self.n:] = value
        if "_stage_counts" not in state:     # pickled with the counts as an array
            self._stage_counts = self.__dict__.pop("stage_persons").tolist()
            self._stage_array = None

    def persons_by_stage(self) -> list[int]:
        """Persons per stage as Python ints (a copy): what `stage_persons` holds, without an array."""
        return self._stage_counts.copy()

    @property
    def stage_persons(self) -> np.ndarray:
        """Persons per stage (int64, read only; a new array after the counts changed)."""
        a = self._stage_array
        if a is None:
            a = self._stage_array = np.array(self._stage_counts, np.int64)
            a.flags.writeable = False
        return a

    # --- array access -------------------------------------------------------------------
    def __getattr__(self, name: str) -> np.ndarray:
        h = self.__dict__.get("_h")
        if h is not None:
            if name in h:
                return h[name][: self.n]
            if name == "household":     # per person, computed (a new array, int32 as stored before)
                return np.repeat(np.arange(self.n, dtype=np.int32), h["size"][: self.n])
            if name == "minor":
                return np.asarray(self.is_minor(np.arange(self.n_persons)))
        raise AttributeError(name)

    def household_of(self, persons: np.ndarray | int) -> np.ndarray | int:
        """Household of each person row (a binary search in `first`: households are contiguous
        and in order of their first person)."""
        return np.searchsorted(self._h["first"][: self.n], persons, side="right") - 1

    def is_minor(self, persons: np.ndarray | int) -> np.ndarray | bool:
        """Whether each person is a minor: within a household the first ``size - children``
        persons are adults, the rest minors."""
        h = self._h
        hh = self.household_of(persons)
        return persons - h["first"][hh] >= h["size"][hh] - h["children"][hh]

    def nbytes(self) -> int:
        """Bytes held by the arrays (allocated, not only used)."""
        return sum(a.nbytes for a in self._h.values())

    # --- creation -----------------------------------------------------------------------
    def add(self, *, size: np.ndarray, children: np.ndarray, key: np.ndarray, group: np.ndarray,
            track: np.ndarray, flags: np.ndarray, stage: int, day: int,
            arrival_day: np.ndarray | int | None = None) -> np.ndarray:
        """Add households (all in `stage`, without a bed) and their persons; returns their ids.

        Within a household the first ``size - children`` persons are adults, the rest minors.
        """
        k = len(size)
        if k == 0:
            return np.empty(0, dtype=np.int64)
        if not (isinstance(size, np.ndarray) and size.dtype == np.int64):
            size = np.asarray(size, dtype=np.int64)
        total = int(size.sum())
        self._views.clear()    # before growing: a cached view would keep its old column alive
        reserve(self._h, self.n, self.n + k, _SPARE)
        ids = np.arange(self.n, self.n + k)
        new = slice(self.n, self.n + k)     # rows are never reused: new households are a slice
        h = self._h
        offset = size.cumsum() - size        # first person of each household, from 0
        h["first"][new] = offset + self.n_persons
        h["size"][new] = size
        h["children"][new] = children
        h["key"][new] = key
        h["group"][new] = group
        h["track"][new] = track
        h["flags"][new] = flags
        if stage:          # (a zero is there: rows are never reused and arrays are allocated zeroed)
            h["stage"][new] = stage
        h["arrival_day"][new] = day if arrival_day is None else arrival_day
        h["stage_day"][new] = day
        h["loc_since"][new] = day
        # no bed and no municipality yet, moves and nights at zero: rows are never reused and
        # the spare rows hold that already (`_SPARE`, zero)
        self.n += k
        self.n_persons += total
        self._stage_counts[stage] += total
        self._stage_array = None
        return ids

    # --- state changes ------------------------------------------------------------------
    def set_stage(self, ids: np.ndarray, stage: int, day: int, old: int | None = None) -> int:
        """Move households to `stage` from wherever they are, keeping the stage counts; returns
        the persons moved (`persons_in(ids)`, counted on the way). `old`: the stage they are all
        in, when the caller knows it (then their stages are not read)."""
        n = len(ids)
        if n == 0:
            return 0
        h = self._h
        counts = self._stage_counts
        if old is not None:   # all from one stage: only their persons are counted
            persons = int(np.add.reduce(h["size"][ids], dtype=np.int64))
            counts[old] -= persons
        elif n <= _FEW:     # a few households (the usual day): their sizes and stages as Python ints
            persons = 0
            for size, was in zip(h["size"][ids].tolist(), h["stage"][ids].tolist()):
                counts[was] -= size
                persons += size
        else:
            sizes = h["size"][ids].astype(np.int64)   # ufunc.at is fast on matching int64 types
            lost = np.zeros(N_STAGES, np.int64)
            np.add.at(lost, h["stage"][ids], sizes)   # int8 stages index as well
            for was, k in enumerate(lost.tolist()):
                counts[was] -= k
            persons = int(sizes.sum())
        counts[stage] += persons
        self._stage_array = None
        h["stage"][ids] = stage
        h["stage_day"][ids] = day
        return persons

    def set_stages(self, ids: np.ndarray, stages: np.ndarray, day: int, old: int | None = None) -> list[int]:
        """`set_stage` with a stage of its own for each household (`stages`, one per household of
        `ids`), in one pass: the decisions of a day (permit, appeal, departure) change their stages
        together. Returns the persons moved into each stage (a list indexed by `Stage`). `old` as
        for `set_stage`."""
        into = [0] * N_STAGES
        n = len(ids)
        if n == 0:
            return into
        h = self._h
        counts = self._stage_counts
        if n <= _FEW:     # a few households: their sizes and stages as Python ints
            sizes = h["size"][ids].tolist()
            for size, new in zip(sizes, stages.tolist()):
                into[new] += size
            if old is not None:
                counts[old] -= sum(sizes)
            else:
                for size, was in zip(sizes, h["stage"][ids].tolist()):
                    counts[was] -= size
        else:
            sizes = h["size"][ids].astype(np.int64)
            gained = np.zeros(N_STAGES, np.int64)
            np.add.at(gained, stages, sizes)
            into = gained.tolist()
            if old is not None:
                counts[old] -= sum(into)
            else:
                lost = np.zeros(N_STAGES, np.int64)
                np.add.at(lost, h["stage"][ids], sizes)
                for was, k in enumerate(lost.tolist()):
                    counts[was] -= k
        for stage, k in enumerate(into):
            counts[stage] += k
        self._stage_array = None
        h["stage"][ids] = stages
        h["stage_day"][ids] = day
        return into

    def set_track(self, ids: np.ndarray, track: np.ndarray | int) -> None:
        """The households' procedure track (set at the end of screening; the regular procedure when
        a border procedure passes its deadline or a Dublin claim is handled here)."""
        if len(ids):
            self._h["track"][ids] = track

    def add_flags(self, ids: np.ndarray, flags: int | np.integer) -> None:
        """Set `Flag` bits on the households (found at screening or by the assessment)."""
        if len(ids):
            self._h["flags"][ids] |= flags

    def link(self, ids: np.ndarray, municipality: np.ndarray | int) -> None:
        """Link permit holders to the municipality that is to house them (koppeling)."""
        self._h["municipality"][ids] = municipality

    def backdate(self, ids: np.ndarray, day: np.ndarray | int) -> None:
        """Households of the initial stock arrived, and entered their stage, on `day` (before the
        run: negative)."""
        self._h["arrival_day"][ids] = day
        self._h["stage_day"][ids] = day

    def members(self, ids: np.ndarray) -> np.ndarray:
        """Person rows of the given households, household by household."""
        sizes = self._h["size"][ids].astype(np.int64)
        starts = self._h["first"][ids].astype(np.int64)
        offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return np.repeat(starts, sizes) + offsets

    def persons_in(self, ids: np.ndarray) -> int:
        """Persons in the households `ids`."""
        if len(ids) == 0:
            return 0
        return int(np.add.reduce(self._h["size"][ids], dtype=np.int64))

    def entitled(self) -> int:
        """Persons entitled to reception right now (in a bed or not)."""
        return sum(self._stage_counts[: Stage.HOUSED])
