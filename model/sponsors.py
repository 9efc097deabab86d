"""Family-reunion sponsors: the permit holders in reception whom arriving family members join.

The reunion rule (`rulebook.reunite`) draws each family's sponsor uniformly from one list: the
permit holders in a bed who are not family members themselves, those not yet linked to a
municipality first, then those linked and waiting for a home, each part in the order they got
their permit (the order of the linking line). Built from scratch that list costs every permit
holder in reception, every day.

`SponsorPool` keeps it instead. Each household that gets a permit takes the next *position*; a
position is in part 1 (unlinked), part 2 (linked) or out, and a count per part and block of
positions says where the k-th sponsor is (changes from and to out are counted too, in a scratch
row the draw never reads, so that a change of part is one subtraction and one addition, without
masks). Before a draw the pool looks again only at households whose answer may have changed since
it last looked: those given a permit, those linked, and those in the move log's new rows (a bed
taken, lost or left; leaving reception is logged too), each once. A draw then costs the day's
changes and a pass over the block counts, not the pool's size.
"""

from __future__ import annotations

import numpy as np

from agents.applicants import Stage, Track
from agents.columns import grown
from agents.sorting import distinct

_BLOCK_BITS = 8                 # 256 positions per block
_BLOCK = 1 << _BLOCK_BITS
_OUT, _UNLINKED, _LINKED = 0, 1, 2
# by stage, track, bed and link: the household's part (a permit holder who is not a family member
# may sponsor while in a bed: unlinked or linked; anyone else is out). Bed and link are indexed by
# the sign of location and municipality (`x >> (bits - 1)`): 0 when one is set, -1 when none (-1).
_PART_OF = np.zeros((len(Stage), len(Track), 2, 2), np.int8)
_PART_OF[Stage.PERMIT, :, 0, -1] = _UNLINKED
_PART_OF[Stage.PERMIT, :, 0, 0] = _LINKED
_PART_OF[Stage.PERMIT, Track.FAMILY] = _OUT
_PART_OF.flags.writeable = False
_ROW_OF = (2, 0, 1)   # the row of `tally` per part (_OUT, _UNLINKED, _LINKED): out last


class SponsorPool:
    """Who can sponsor a family reunion, in the reunion rule's order (see the module text)."""

    def __init__(self) -> None:
        self.position = np.zeros(0, np.int32)    # per household: 1 + its position, 0 = none
        self.household = np.zeros(0, np.int32)   # per position: the household
        self.part = np.zeros(0, np.int8)         # per position: _OUT, _UNLINKED or _LINKED
        # per part (unlinked, linked) and block: positions in it; a third row takes the changes from
        # and to no part (a scratch row: never read, it may go below zero)
        self.tally = np.zeros(0, np.int64)       # those rows one after another (`counts` is the table)
        self.width = 0                           # blocks (the length of a row)
        self._row_start = np.zeros(3, np.int64)  # per part: where its row starts in `tally`
        self.n = 0                               # positions given so far
        self._changed: list[np.ndarray] = []     # households to look at again
        self._log_seen = 0                       # move-log rows looked at

    def permits(self, ids: np.ndarray) -> None:
        """Households that got a permit, in the order they join the linking line (a household gets
        one permit: it never joins twice)."""
        k = len(ids)
        if k == 0:
            return
        if self.n + k > len(self.household):
            cap = grown(len(self.household), self.n + k)
            cap = -(-cap // _BLOCK) * _BLOCK           # whole blocks
            self.household = np.concatenate([self.household, np.zeros(cap - len(self.household), np.int32)])
            self.part = np.concatenate([self.part, np.zeros(cap - len(self.part), np.int8)])
            grow = np.zeros((3, cap // _BLOCK - self.width), np.int64)
            self.tally = np.concatenate([self.counts, grow], 1).reshape(-1)
            self.width = cap // _BLOCK
            self._row_start = np.array(_ROW_OF, np.int64) * self.width
        self._cover(int(ids.max()) + 1)
        self.household[self.n:self.n + k] = ids
        self.position[ids] = np.arange(self.n + 1, self.n + k + 1, dtype=np.int32)
        self.n += k
        self._changed.append(ids)

    def __setstate__(self, state: dict) -> None:
        """A saved pool; one saved with `counts` as a table of two rows (and a scratch column per
        position) gets the table of three rows as `tally`."""
        self.__dict__.update(state)
        if "tally" not in state:
            counts = self.__dict__.pop("counts")
            self.__dict__.pop("_slot", None)
            self.width = counts.shape[1]
            self.tally = np.concatenate([counts, np.zeros((1, self.width), np.int64)]).reshape(-1)
            self._row_start = np.array(_ROW_OF, np.int64) * self.width

    @property
    def counts(self) -> np.ndarray:
        """Positions per part (rows: unlinked, linked, then the scratch row) and block (a view)."""
        return self.tally.reshape(3, self.width)

    def _cover(self, n: int) -> None:
        """Make `position` long enough for households 0 … n-1."""
        if n > len(self.position):
            extra = grown(len(self.position), n) - len(self.position)
            self.position = np.concatenate([self.position, np.zeros(extra, np.int32)])

    def changed(self, ids: np.ndarray) -> None:
        """Households whose link to a municipality changed."""
        if len(ids):
            self._changed.append(ids)

    def draw(self, s, u: np.ndarray) -> np.ndarray:
        """The sponsors at `floor(u * size)` in the list (u in [0, 1)); empty when nobody can."""
        self._look_again(s)
        width = self.width
        flat = self.tally[: 2 * width]             # unlinked blocks, then linked ones: list order
        cum = flat.cumsum()
        total = int(cum[-1]) if width else 0       # (the size: no sum of its own)
        if total == 0:
            return np.zeros(0, np.int64)
        k = (u * total).astype(np.int64)
        i = cum.searchsorted(k, side="right")      # the block (of a part) holding the k-th
        rank = k - (cum - flat)[i]                 # its rank within that block
        part, block = np.divmod(i + width, width)  # (the part is its row + 1)
        inside = self.part.reshape(-1, _BLOCK)[block] == part[:, None]
        within = (inside.cumsum(axis=1) > rank[:, None]).argmax(axis=1)
        return self.household.reshape(-1, _BLOCK)[block, within].astype(np.int64)

    def size(self, s) -> int:
        """How many can sponsor now."""
        self._look_again(s)
        return int(self.tally[: 2 * self.width].sum())

    def _look_again(self, s) -> None:
        """Bring the parts up to date with the households that may have changed."""
        log = s.log
        if log.n > self._log_seen:
            self._changed.append(log.since("household", self._log_seen))
            self._log_seen = log.n
        if self._changed:
            ids = np.concatenate(self._changed) if len(self._changed) > 1 else self._changed[0]
            self._changed = []
            self._cover(s.people.n)                 # households added since have no position
            pos = self.position[ids]
            pos = distinct(pos[pos > 0]) - 1        # each position once (a household may be listed twice)
            if len(pos):
                self._update(s, pos)

    def _update(self, s, pos: np.ndarray) -> None:
        """Put the households at positions `pos` (distinct) in the part they belong to now."""
        ids = self.household[pos]
        h = s.people.cols
        loc, mun = h["location"][ids], h["municipality"][ids]
        new = _PART_OF[h["stage"][ids], h["track"][ids], loc >> (8 * loc.itemsize - 1), mun >> (8 * mun.itemsize - 1)]
        old = self.part[pos]
        self.part[pos] = new
        # out of the old part's block count, into the new one's (the same count when the part is
        # unchanged: integer counts, so the sum is exact in any order)
        block = pos >> _BLOCK_BITS
        np.subtract.at(self.tally, self._row_start[old] + block, 1)
        np.add.at(self.tally, self._row_start[new] + block, 1)
