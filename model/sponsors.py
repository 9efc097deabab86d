"""Family-reunion sponsors: the permit holders in reception whom arriving family members join.

The reunion rule (`rulebook.reunite`) draws each family's sponsor uniformly from the permit
holders in a bed who are not family members themselves. Built from scratch that set costs every
permit holder in reception, every day; kept up to date, it costs every day's changes (beds taken,
lost or left, links), while a day brings one or two reunions.

`SponsorPool` draws by rejection instead. It keeps a list of households that got a permit (each
once, in the order they got it). A family's sponsor is the first of a few candidates, drawn
uniformly from that list (`draw`: `u`, a column of keyed uniforms per family), who can sponsor
*now* (read from the household's stage, track and bed when drawn): uniform over those who can
sponsor, whatever else is on the list. When none of a family's candidates can, the list is
compacted to the permit holders who still may some day (housed, departed and family members
dropped) and the sponsor is drawn from those who can, counted exactly. So a draw costs the few
candidates, not the day's changes nor the pool's size; the list stays mostly live, as each
compaction drops those who left.
"""

from __future__ import annotations

import numpy as np

from agents.applicants import Stage, Track
from agents.columns import grown

# by stage and track: a permit holder who is not a family member (who can sponsor while in a bed)
_MAY_SPONSOR = np.zeros((len(Stage), len(Track)), bool)
_MAY_SPONSOR[Stage.PERMIT] = True
_MAY_SPONSOR[Stage.PERMIT, Track.FAMILY] = False
_MAY_SPONSOR.flags.writeable = False
_NOBODY = np.zeros(0, np.int64)
_NOBODY.flags.writeable = False
_FEW = 8      # at most this many families: the first candidate who can sponsor found on Python numbers


class SponsorPool:
    """Who can sponsor a family reunion: drawn by rejection from the households given a permit
    (see the module text)."""

    def __init__(self) -> None:
        self.household = np.zeros(0, np.int32)   # the households given a permit (those not yet dropped)
        self.n = 0                               # how many of `household` are in use

    def permits(self, ids: np.ndarray) -> None:
        """Households that got a permit (a household gets one permit: it never joins twice)."""
        k = len(ids)
        if k == 0:
            return
        if self.n + k > len(self.household):
            self.household = np.concatenate([self.household[:self.n],
                                             np.zeros(grown(len(self.household), self.n + k) - self.n, np.int32)])
        self.household[self.n:self.n + k] = ids
        self.n += k

    def __setstate__(self, state: dict) -> None:
        """A saved pool; one saved as a kept list (positions, parts and block counts) keeps its
        households given a permit."""
        if "part" in state:
            state = {"household": state["household"], "n": state["n"]}
        self.__dict__.update(state)

    def draw(self, s, u: np.ndarray) -> np.ndarray:
        """One sponsor per family, uniform over those who can sponsor now; `u`: uniforms in [0, 1)
        (rows: candidates, columns: families; the first row also picks among those who can when no
        candidate can). Empty when nobody can."""
        n = self.n
        if n == 0:
            return _NOBODY
        h = s.people.cols
        cand = self.household[(u * n).astype(np.int64)]          # (candidates, families)
        ok = _MAY_SPONSOR[h["stage"][cand], h["track"][cand]]
        ok &= h["location"][cand] >= 0
        if cand.shape[1] <= _FEW:
            return self._first_few(s, u, cand, ok)
        first = ok.argmax(axis=0)                                 # the first who can (0 when none can)
        cols = np.arange(cand.shape[1])
        out = cand[first, cols].astype(np.int64)
        found = ok[first, cols]
        if found.all():
            return out
        can = self.can_sponsor(s)
        if len(can) == 0:
            return _NOBODY
        out[~found] = can[(u[0][~found] * len(can)).astype(np.int64)]
        return out

    def _first_few(self, s, u: np.ndarray, cand: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """`draw`'s sponsors for a few families, on Python numbers: of each family's candidates
        (`cand`, a column) the first who can (`ok`), else one drawn among those who can."""
        out = []
        can = None
        for f, (column, yes) in enumerate(zip(cand.T.tolist(), ok.T.tolist())):
            if True in yes:
                out.append(column[yes.index(True)])
                continue
            if can is None:             # (the list compacted once, as `draw` does)
                can = self.can_sponsor(s).tolist()
                if not can:
                    return _NOBODY
            out.append(can[int(float(u[0, f]) * len(can))])   # what `draw`'s arrays give
        return np.array(out, np.int64)

    def can_sponsor(self, s) -> np.ndarray:
        """Those who can sponsor now, in list order, counted exactly; the list is compacted to the
        permit holders who still may some day (in reception, not a family member) on the way."""
        h = s.people.cols
        listed = self.household[:self.n]
        keep = listed[_MAY_SPONSOR[h["stage"][listed], h["track"][listed]]]
        self.household[:len(keep)] = keep
        self.n = len(keep)
        return keep[h["location"][keep] >= 0].astype(np.int64)

    def size(self, s) -> int:
        """How many can sponsor now."""
        return len(self.can_sponsor(s))
