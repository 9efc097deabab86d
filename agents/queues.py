"""Small queue structures that let a day touch only the households whose state changes.

* `FifoQueue`  — first come, first served waiting lines (registration, IND tracks, moves up).
* `Calendar`   — timed transitions: households due on a given day (end of screening, end of the
  departure period, Dublin transfer). Popping a day costs the number of households due.
* `BucketCalendar` — the same for households filed under many different days at once (each
  household's next own-request day): days are grouped in buckets, so filing costs one entry per
  bucket touched, and popping a day costs the households filed in its bucket.

Entries are household ids. Entries can go stale (the household left by another route); callers
filter what they pop with the household's current state, so nothing has to be removed eagerly.
"""

from __future__ import annotations

import numpy as np

from agents.columns import GENTLE_FROM, filled

_EMPTY = np.empty(0, dtype=np.int64)
_EMPTY32 = np.empty(0, dtype=np.int32)
LAST_DAY = int(np.iinfo(np.int32).max)    # a BucketCalendar's days are int32: later days are kept as this one


class FifoQueue:
    """A first-in-first-out line of household ids backed by one growable array.

    What is dropped from the head is never written again (`keep` and `keep_head` close up towards
    the tail, `push` writes after the tail or into a new array), so ids that `peek` gave and `drop`
    then removed stay as they were: a line can hand out what it served as a view, without a copy."""

    def __init__(self, capacity: int = 1024) -> None:
        self._items = np.empty(capacity, dtype=np.int64)
        self._head = 0
        self._tail = 0

    def __len__(self) -> int:
        return self._tail - self._head

    def push(self, ids: np.ndarray) -> None:
        n = len(ids)
        if n == 0:
            return
        if self._tail + n > len(self._items):
            live = self._items[self._head : self._tail]
            need = len(live) + n    # room for twice that; a long line for a quarter more (agents.columns)
            size = max(need + (need if need < GENTLE_FROM else need // 4), 1024)
            items = np.empty(size, dtype=np.int64)
            items[: len(live)] = live
            self._items, self._head, self._tail = items, 0, len(live)
        self._items[self._tail : self._tail + n] = ids
        self._tail += n

    def peek(self, n: int | None = None) -> np.ndarray:
        """The first `n` ids (all when None) without removing them."""
        end = self._tail if n is None else min(self._tail, self._head + n)
        return self._items[self._head : end]

    def drop(self, n: int) -> None:
        """Remove the first `n` ids."""
        self._head = min(self._tail, self._head + n)

    def keep_head(self, n: int, mask: np.ndarray) -> None:
        """Of the first `n` ids keep those where `mask` is true (order preserved); the rest stay."""
        kept = self._items[self._head : self._head + n][mask]
        new_head = self._head + n - len(kept)
        self._items[new_head : self._head + n] = kept
        self._head = new_head

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the ids where `mask` is true (mask over `peek()`), order preserved."""
        live = self._items[self._head : self._tail][mask]
        self._head = self._tail - len(live)
        self._items[self._head : self._tail] = live


class Calendar:
    """Household ids filed under the day they are due."""

    def __init__(self) -> None:
        self._days: dict[int, list[np.ndarray]] = {}

    def schedule(self, ids: np.ndarray, day: int | np.ndarray) -> None:
        if len(ids) == 0:
            return
        if isinstance(day, (int, np.integer)) or np.ndim(day) == 0:
            if not (isinstance(ids, np.ndarray) and ids.dtype == np.int64):
                ids = np.asarray(ids, dtype=np.int64)
            self._days.setdefault(int(day), []).append(ids)
            return
        day = np.asarray(day)
        if int(day.min()) == int(day.max()):       # all due the same day: one chunk (a copy), in order
            self._days.setdefault(int(day[0]), []).append(np.asarray(ids).astype(np.int64))
            return
        order = np.argsort(day, kind="stable")
        days, starts = np.unique(day[order], return_index=True)
        for d, chunk in zip(days, np.split(np.asarray(ids)[order], starts[1:])):
            self._days.setdefault(int(d), []).append(chunk.astype(np.int64))

    def pop(self, day: int) -> np.ndarray:
        """All ids filed under `day` (and removes them)."""
        chunks = self._days.pop(day, None)
        if not chunks:
            return _EMPTY
        return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)

    def pending(self) -> int:
        return sum(len(c) for chunks in self._days.values() for c in chunks)


class BucketCalendar:
    """Household ids filed under the day they are due, for many different days at once.

    Filing appends to an in-tray without sorting. The days are grouped in buckets of `width`
    days; when popping reaches a new bucket, the in-tray is sorted once into that bucket's entries
    and the rest (a pass over what is pending, once every `width` days), and popping a day then
    looks at its bucket only. `pop(day)` gives the ids filed under `day` in the order they were
    filed, like `Calendar`. Days must be filed after the last day popped."""

    def __init__(self, width: int = 32) -> None:
        self.width = width
        self._tray: list[tuple[np.ndarray, np.ndarray]] = []   # (ids, days) not yet in a bucket
        self._bucket = -1                                      # the bucket being popped
        self._ids, self._days = _EMPTY32, _EMPTY32             # its entries, in filing order
        self._popped: set[int] = set()   # days of the bucket popped: their entries stay in `_ids` until
        self._n_popped = 0               # the next bucket (no days are filed under them again); how many

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "_popped" not in state:     # (saved when popping removed the entries at once)
            self._popped, self._n_popped = set(), 0

    def schedule(self, ids: np.ndarray, day: int | np.ndarray) -> None:
        """File `ids` under `day` (each its own, or one for all). Ids and days are kept as int32:
        a day past 2**31 - 1 (no run reaches it) is kept as that day."""
        if len(ids) == 0:
            return
        ids = np.array(ids, dtype=np.int32)          # a copy: the tray keeps it
        if isinstance(day, (int, np.integer)) or (isinstance(day, np.ndarray) and day.ndim == 0):   # one for all
            one = min(int(day), LAST_DAY)
            days = filled(len(ids), one, np.int32)
            if one // self.width == self._bucket:
                self._ids = np.concatenate([self._ids, ids])
                self._days = np.concatenate([self._days, days])
            else:
                self._tray.append((ids, days))
            return
        days = np.minimum(day, LAST_DAY).astype(np.int32)   # a copy too
        if days.shape != ids.shape:
            days = np.broadcast_to(days, ids.shape).copy()
        now = days < (self._bucket + 1) * self.width   # in the bucket being popped (none is filed before it)
        n_now = int(np.count_nonzero(now))
        if n_now == len(ids):                        # all due in the bucket being popped
            self._ids = np.concatenate([self._ids, ids])
            self._days = np.concatenate([self._days, days])
            return
        if n_now:
            self._ids = np.concatenate([self._ids, ids[now]])
            self._days = np.concatenate([self._days, days[now]])
            later = ~now
            ids, days = ids[later], days[later]
        self._tray.append((ids, days))

    def pop(self, day: int) -> np.ndarray:
        """All ids filed under `day`, in the order filed (and removes them; int32). The entries of a
        day popped stay in the bucket, as popped, until the next bucket is reached."""
        bucket = day // self.width
        if bucket != self._bucket:
            self._bucket = bucket
            ids, days = self._ids, self._days
            if self._n_popped:     # the entries popped go now
                if self._n_popped == len(ids):
                    ids, days = _EMPTY32, _EMPTY32
                else:
                    left = ~np.isin(days, list(self._popped))
                    ids, days = ids[left], days[left]
            self._popped, self._n_popped = set(), 0
            ids = np.concatenate([ids] + [c[0] for c in self._tray])
            days = np.concatenate([days] + [c[1] for c in self._tray])
            self._tray, self._ids, self._days = [], _EMPTY32, _EMPTY32   # freed before the split
            now = days // self.width == bucket
            self._ids, self._days = ids[now], days[now]
            self._tray = [(ids[~now], days[~now])] if not now.all() else []
        if day in self._popped or len(self._days) == 0:
            return _EMPTY32
        self._popped.add(day)
        out = self._ids[self._days == day]
        if len(out) == 0:
            return _EMPTY32
        self._n_popped += len(out)
        return out

    def pending(self) -> int:
        return len(self._ids) - self._n_popped + sum(len(c[0]) for c in self._tray)
