"""Who sleeps at which location, for the rules that empty locations (contracts ending, scale-down).

`ResidentIndex` keeps the households in a bed grouped by location as they were at a *snapshot*,
and reads the move log for what happened since: the residents of some locations now are those
listed there at the snapshot or moved there since, who are still there. A look costs their
number and the log rows since the snapshot. The snapshot is renewed from itself and those rows
(not from everyone ever admitted) once the rows since outnumber half of it, so it costs a pass
over the people in a bed every so often. Locations opened since the snapshot (always added at the
end) had nobody at it: they get empty groups, not a new snapshot (a plan opening a location a day
renewed it daily: `eu-scale` spent a third of its day on it).
"""

from __future__ import annotations

import itertools

import numpy as np

from agents.sorting import distinct, stable_order

_MIN_ROWS = 1 << 15     # renew the snapshot no more often than every this many log rows


class ResidentIndex:
    """Households in a bed by location (see the module text)."""

    def __init__(self) -> None:
        self._order = np.zeros(0, np.int32)    # households in a bed at the snapshot, by location
        self._bounds = np.zeros(1, np.int64)   # location j's households: _order[_bounds[j]:_bounds[j + 1]]
        self._rows = 0                         # move-log rows before the snapshot

    def residents_of(self, s, locations: np.ndarray) -> np.ndarray:
        """Ids of the households in a bed at any of `locations` now, ascending."""
        log, n_loc = s.log, s.locs.n
        if len(self._bounds) > n_loc + 1 or log.n - self._rows > max(len(self._order), _MIN_ROWS) // 2:
            self._renew(s)
        elif len(self._bounds) < n_loc + 1:     # locations added since (at the end): nobody there at the snapshot
            self._bounds = np.concatenate([self._bounds, np.full(n_loc + 1 - len(self._bounds), self._bounds[-1])])
        locations = np.asarray(locations, np.int64)
        rows = slice(self._rows, log.n)
        if len(locations) == 1:               # (the usual case: one location closes) its own slice and tests
            j = int(locations[0])
            listed = self._order[self._bounds[j]:self._bounds[j + 1]]
            moved_in = log.household[rows][log.destination[rows] == j]
            cand = np.concatenate([listed, moved_in])
            return distinct(cand[s.people.cols["location"][cand] == j]).astype(np.int64)
        at = np.zeros(n_loc + 1, bool)        # by location; the last entry (index -1): no bed
        at[locations] = True
        first, last = self._bounds[locations], self._bounds[locations + 1]
        counts = last - first
        listed = self._order[np.repeat(first - (counts.cumsum() - counts), counts) + np.arange(int(counts.sum()))]
        moved_in = log.household[rows][_moved_to(log.destination[rows], locations, at)]
        cand = np.concatenate([listed, moved_in])
        return distinct(cand[at[s.people.cols["location"][cand]]]).astype(np.int64)

    def _renew(self, s) -> None:
        """A new snapshot: those in the old one and those in the log since who are in a bed now,
        under their location now. A household that moved since may be listed twice (the look
        keeps one); its entries stay few, one per move.

        Ordered in `_PARTS` ranges of locations holding about as many entries each: a range's
        entries sorted stably by location and put in place are the stable order of all there.
        A stable sort holds two 8-byte indexes per entry it sorts; sorting all at once was the
        largest passing bulk of an `eu-scale` run (24 bytes an entry at its peak, now 14)."""
        log = s.log
        cand = np.concatenate([self._order, log.household[self._rows:log.n]])
        self._order = _EMPTY
        n_loc = s.locs.n
        small = n_loc < (1 << 15)
        where = s.people.cols["location"][cand]
        if small:
            where = where.astype(np.int16)      # 16-bit keys: less to hold (-1, no bed, too)
        keep = where >= 0
        cand, where = cand[keep], where[keep]
        del keep
        bounds = np.zeros(n_loc + 1, np.int64)
        np.cumsum(np.bincount(where, minlength=n_loc), out=bounds[1:])
        order = np.empty_like(cand)
        cuts = np.unique(np.searchsorted(bounds, np.arange(1, _PARTS) * (len(cand) / _PARTS)))
        for lo, hi in itertools.pairwise([0, *cuts[(cuts > 0) & (cuts < n_loc)].tolist(), n_loc]):
            if bounds[lo] == bounds[hi]:
                continue
            if lo == 0 and hi == n_loc:
                part_where, part = where, cand
            else:
                sel = (where >= lo) & (where < hi)
                part_where, part = where[sel], cand[sel]
                del sel
            np.take(part, stable_order(part_where, small), out=order[bounds[lo]:bounds[hi]], mode="clip")
            del part_where, part
        self._order, self._bounds = order, bounds
        self._rows = log.n


def _moved_to(dest: np.ndarray, locations: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Which of the log rows with destinations `dest` moved a household to one of `locations`
    (`at`: a mask by location, with an entry for -1). A few locations are compared one by one,
    about 0.1 ns a row each, where looking each row's destination up in `at` costs about 2.5 ns
    a row (its index converted to a pointer's size): a 16-fold world's contract ends and drains
    look at some 180,000 rows at a time for 2 to 8 locations, 360 looks a year. A location the
    column's type cannot hold was never a destination."""
    if len(locations) > _COMPARED:
        return at[dest]
    top = int(np.iinfo(dest.dtype).max)
    into = np.zeros(len(dest), bool)
    for j in locations.tolist():
        if j <= top:
            into |= dest == j
    return into


_COMPARED = 12   # at most this many locations are compared one by one (`_moved_to`)
_PARTS = 8    # location ranges ordered one at a time when the snapshot is renewed
_EMPTY = np.zeros(0, np.int32)
