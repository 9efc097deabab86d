"""Daily key figures, recorded at the end of every day, and their xarray form.

The recorder reads counters the rules keep exact (stage counts, location occupancy, today's
tally), so recording a day costs a few dozen small array operations, whatever the population.
"""

from __future__ import annotations

import math
from itertools import accumulate
from operator import itemgetter

import numpy as np
import pandas as pd
import xarray as xr

from agents.applicants import N_STAGES, Stage
from agents.locations import KIND_NAMES, N_KINDS, TEMPORARY_KINDS, Kind, Life
from agents.moves import Reason
from agents.products import dot
from model.state import PROCEDURE_TRACKS, TRACK_KEYS, State

# Daily scalar figures: name -> (unit, meaning). `daily.csv` has these columns, in this order.
SCALARS: dict[str, tuple[str, str]] = {
    "arrivals": ("persons", "arrived in reception today"),
    "population": ("persons", "entitled to reception at the end of the day, in a bed or not"),
    "in_bed": ("persons", "with a bed in a reception location"),
    "unsheltered": ("persons", "entitled but without a bed tonight"),
    "permit_holders_waiting": ("persons", "permit holders in reception waiting for a home"),
    "exits_housed": ("persons", "left reception for a home in a municipality"),
    "exits_departed": ("persons", "left reception without a home or a transfer: departed after rejection "
                                  "(independent, forced, unsupervised), Dublin claimants who absconded, and (Pact) "
                                  "reception ended at the Dublin transfer decision"),
    "exits_transferred": ("persons", "transferred to another member state (Dublin)"),
    "capacity": ("places", "usable places in open locations (raised occupancy included), plus the beds still in "
                           "use in closing locations"),
    "occupancy_rate": ("1", "in_bed / capacity"),
    "moves": ("persons", "moved between locations today"),
    "cost_eur": ("EUR", "reception cost of the day: residents times their location's cost per resident a night, "
                        "free places of open locations at costs.vacant_place_share of it (not crisis or relief "
                        "places, paid per person), reserve places kept empty, the plan's extra staff"),
    "registered": ("persons", "registered today"),
    "registration_backlog": ("persons", "arrived, not yet registered"),
    "registration_late": ("persons", "registered after the registration deadline today"),
    "decisions": ("persons", "IND decisions today"),
    "permits": ("persons", "permits granted today"),
    "rejections": ("persons", "rejections today"),
    "ind_backlog": ("persons", "in procedure, waiting for an IND decision"),
    "border_late": ("persons", "border procedures past their 12-week deadline today, moved to the regular procedure"),
    "departed_independent": ("persons", "independent departures today"),
    "departed_forced": ("persons", "forced returns today"),
    "departed_unsupervised": ("persons", "left without supervision today"),
    "dublin_reception_ended": ("persons", "Pact: reception ended at the Dublin transfer decision (in exits_departed)"),
    "permit_holders_unlinked": ("persons", "permit holders not yet linked to a municipality"),
    "central_occupancy": ("persons", "persons at registration locations (Ter Apel, relief places, a second site)"),
    "children_in_emergency": ("persons", "minors in emergency or crisis emergency reception"),
    "moves_km": ("km", "person-km moved between locations today"),
    "moves_own_request": ("persons", "moved between locations today on their own request (in moves)"),
    "moves_contract_end": ("persons", "moved today because their location's contract ended (in moves)"),
    "moves_capacity_balancing": ("persons", "moved today for capacity balancing: consolidation, reserve released "
                                            "(in moves)"),
    "moves_family_location": ("persons", "moved today to a family location (gezinslocatie) after a final rejection "
                                         "(in moves)"),
    "appeals": ("persons", "suspensive appeals lodged today (against a rejection or a transfer decision)"),
    "appeal_permits": ("persons", "permits granted on appeal today (not in permits)"),
    "vulnerability_assessed": ("persons", "assessed for special reception needs today"),
    "vulnerability_late": ("persons", "assessed after the 30-day deadline today"),
    "border_procedure_persons": ("persons", "in the border procedure at the end of the day "
                                 "(capacity: 211 at once)"),
    "border_diverted": ("persons", "eligible for the border procedure but beyond its capacity today: "
                        "accelerated instead"),
    "dublin_absconded": ("persons", "Dublin claimants who left without supervision before the transfer today "
                         "(in departed_unsupervised)"),
    "dublin_deadline_passed": ("persons", "Dublin claims past the final transfer date today: handled in the "
                               "regular procedure"),
    "family_moved_in": ("persons", "family members (nareizigers) who moved in with their sponsor at home straight "
                        "after registration today (in exits_housed)"),
    **{f"decision_days_{stat}_{track}": ("days", f"{label} days from arrival to the first decision, "
                                         f"persons decided today on the {track} track (empty: none)")
       for track in ("regular", "accelerated", "border", "dublin")
       for stat, label in (("median", "median"), ("p90", "90th percentile of"))},
    "registration_capacity": ("persons/day", "registrations a day in force at the end of the day: the chain's own "
                              "plus the plan's (model.front)"),
    "registration_places": ("places", "usable places at registration locations (Ter Apel, second site, relief)"),
    "front_phase": ("1", "rung of the plan's front ladder in force (0: none; registration and screening)"),
}
# figures read from today's tally as they are
_TALLIED = ("arrivals", "exits_housed", "exits_departed", "exits_transferred", "moves", "registered",
            "registration_late", "decisions", "permits", "rejections", "border_late", "departed_independent",
            "departed_forced", "departed_unsupervised", "dublin_reception_ended", "appeals", "appeal_permits",
            "vulnerability_assessed", "vulnerability_late", "border_diverted", "dublin_absconded",
            "dublin_deadline_passed", "family_moved_in")


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | tuple[float, ...]):
    """The q-quantile(s) of `values` where each value counts `weights` times (persons): the
    smallest value whose cumulative weight reaches q of the total (inverted CDF, no
    interpolation); NaN when the total weight is zero. A tuple of q gives a tuple, one sort."""
    qs = q if isinstance(q, tuple) else (q,)
    values = values if isinstance(values, np.ndarray) else np.asarray(values)
    weights = weights if isinstance(weights, np.ndarray) else np.asarray(weights)
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order], dtype=np.float64)   # exact: whole persons, far below 2**53
    total = float(cum[-1]) if len(cum) else 0.0
    if total <= 0:
        out = tuple(float("nan") for _ in qs)
    else:
        at = np.searchsorted(cum, [x * total for x in qs], side="left")
        out = tuple(float(v) for v in values[order[at]].tolist())
    return out if isinstance(q, tuple) else out[0]


# figures that `daily.csv` writes as whole numbers (the other figures as decimals), and its columns
WHOLE_NUMBERS = ("arrivals", "population", "in_bed", "unsheltered", "permit_holders_waiting", "exits_housed",
                 "exits_departed", "exits_transferred", "capacity", "moves")
DAILY_COLUMNS = ("date", *SCALARS, "phase", "regime")

# daily person-moves by reason, read from the move log (scalar name -> Reason)
_BY_REASON = {"moves_own_request": Reason.OWN_REQUEST, "moves_contract_end": Reason.CONTRACT_END,
              "moves_capacity_balancing": Reason.CAPACITY_BALANCING, "moves_family_location": Reason.FAMILY_LOCATION}


# the scalars `Recorder.record` writes, in the order it gathers them (the others: decision times,
# written for the tracks with decisions; front_phase, by the plan)
_RECORDED = (*_TALLIED, "border_procedure_persons", "moves_km", *_BY_REASON, "population", "in_bed", "unsheltered",
             "permit_holders_waiting", "capacity", "occupancy_rate", "cost_eur", "registration_backlog",
             "ind_backlog", "permit_holders_unlinked", "central_occupancy", "children_in_emergency",
             "registration_capacity", "registration_places")
_INDEX = {name: i for i, name in enumerate(SCALARS)}   # a daily scalar's row
_ROWS = [_INDEX[name] for name in _RECORDED]
_ROWS_WITH: dict[tuple[int, ...], np.ndarray] = {}


def _rows_with(decision_rows: list[int]) -> np.ndarray:
    """The rows `Recorder.record` writes (`_ROWS`, then the decision times' `decision_rows`), as an
    index array kept per set of decision rows (a few sets: the tracks with decisions that day), so
    a day's store converts no list of rows. Read only."""
    key = tuple(decision_rows)
    got = _ROWS_WITH.get(key)
    if got is None:
        got = _ROWS_WITH[key] = np.array(_ROWS + decision_rows, np.intp)
        got.flags.writeable = False
    return got

# a plain int for comparisons with `life` (NumPy converts an IntEnum member on every call: `model.rulebook`)
_RESERVE = int(Life.RESERVE)

# a day with at most this many households decided has its decision times worked out in Python lists
# (faster than the arrays' pass up to about this many)
_FEW_DECIDED = 48


def _track_runs(waits: list) -> list[tuple[int, int]]:
    """The (track, households) runs of a day's decided batches (`Tally.decision_waits`), in order,
    runs of no households left out: a batch of one track is one run; a batch of several tracks
    (`rulebook.decide`'s) gives its own runs in place of the track."""
    runs: list[tuple[int, int]] = []
    for tracks, d, _ in waits:
        if isinstance(tracks, int | np.integer):
            runs.append((int(tracks), len(d)))
        else:
            runs += [(int(t), n) for t, n in tracks]
    return [(t, n) for t, n in runs if n]


# per track: the rows of its median and 90th percentile decision time
_DECISION_ROWS = {track: [list(SCALARS).index(f"decision_days_{stat}_{track}") for stat in ("median", "p90")]
                  for track in TRACK_KEYS.values()}


# the location columns the recorder sums by group each day (`Recorder.record`, `Recorder._groups`)
_SUMMED = 4       # occupancy, usable places, minors, reserve places


def _blank(scalar: str) -> float:
    """A daily scalar's value on a day not (yet) recorded: NaN for decision times (no decision that
    day), else 0."""
    return np.nan if scalar.startswith("decision_days_") else 0.0


class Recorder:
    """Preallocated daily arrays for one run."""

    # the per-day counts (day × figure; columns of one table, `_set_counts`)
    stage: np.ndarray                 # persons by stage
    kind_occupancy: np.ndarray        # persons by location kind
    kind_capacity: np.ndarray         # usable places by location kind
    province_occupancy: np.ndarray    # persons by province
    province_capacity: np.ndarray     # usable places by province
    track_backlog: np.ndarray         # persons waiting for an IND decision by procedure track

    def __init__(self, s: State, days: int) -> None:
        self.days = days
        self.n_prov = len(s.world.provinces)
        self._set_table(np.array([np.full(days, _blank(k)) for k in SCALARS]))
        self._set_counts(np.zeros((days, sum(self._count_widths().values())), np.int64))
        self.wait_persons = np.zeros((len(PROCEDURE_TRACKS), 1024), np.int64)  # persons decided by days waited
        self.initial_population = s.people.entitled()
        # figures written by the plan and the regimes (zero / empty when they are not in use)
        self.extra: dict[str, np.ndarray] = {"phase": np.zeros(days, np.int64),
                                             "regime": np.full(days, "", dtype="<U40")}
        self.province_phase = np.zeros((days, self.n_prov), np.int64)
        self._log_seen = 0                        # move-log rows already counted
        self._tracks = np.array(PROCEDURE_TRACKS, np.int64)
        self._group_index = np.zeros(0, np.int64)          # see _groups
        self._groups_of: np.ndarray | None = None
        self._groups_n = -1

    def __setstate__(self, state: dict) -> None:
        """Restore (a snapshot): a recorder saved by a version with other daily figures gets its
        table rebuilt in today's `SCALARS` order by name, a figure it did not have blank — so each
        figure stays in its own row (the day's store writes rows by position)."""
        self.__dict__.update(state)
        if "_group_index" not in state:          # saved when the groups were a 0/1 matrix: made anew at the next day
            self.__dict__.pop("_group_matrix", None)
            self._group_index, self._groups_n = np.zeros(0, np.int64), -1
        saved = state.get("scalars", {})
        if list(saved) != list(SCALARS) or "_table" not in state:
            self._set_table(np.array([saved[k] if k in saved else np.full(self.days, _blank(k)) for k in SCALARS]))
        else:     # views of the table again: pickle and deepcopy make `scalars` copies, which the day's store misses
            self._set_table(self._table)
        if "_counts" in state:
            self._set_counts(self._counts)       # (the snapshot keeps the views; made again all the same)
        else:                                    # saved before the counts shared one table
            self._set_counts(np.concatenate([state[name] for name in self._count_widths()], axis=1))

    def _set_table(self, table: np.ndarray) -> None:
        """The daily scalars live in one table (a row per scalar in `SCALARS` order, a column per
        day), so a day's figures are written with one store; `scalars[name]` is its row (a view)."""
        self._table = table
        self.scalars = dict(zip(SCALARS, table))

    def _count_widths(self) -> dict[str, int]:
        """The per-day counts (day × figure, whole numbers) and how many figures each has a day."""
        return {"stage": N_STAGES, "kind_occupancy": N_KINDS, "kind_capacity": N_KINDS,
                "province_occupancy": self.n_prov, "province_capacity": self.n_prov,
                "track_backlog": len(PROCEDURE_TRACKS)}

    def _set_counts(self, counts: np.ndarray) -> None:
        """The per-day counts live side by side in one table (a row per day), so a day's counts are
        written with one store; `stage`, `kind_occupancy`, … are its columns (views), in
        `_count_widths` order."""
        self._counts = counts
        at = 0
        for name, width in self._count_widths().items():
            setattr(self, name, counts[:, at:at + width])
            at += width

    def extend(self, days: int) -> None:
        """Room for `days` days in all, the days recorded so far kept (a restored run that goes on
        beyond its horizon). Per-day arrays are the public arrays, and those in `scalars` and
        `extra`, whose first axis is the day."""
        if days <= self.days:
            return

        def longer(a: np.ndarray, blank=0) -> np.ndarray:
            b = np.full((days, *a.shape[1:]), blank, a.dtype)
            b[: self.days] = a
            return b

        counts = self._count_widths()
        for name, a in list(vars(self).items()):
            if (not name.startswith("_") and name not in counts and isinstance(a, np.ndarray) and a.ndim >= 1
                    and len(a) == self.days):
                setattr(self, name, longer(a))
        self._set_counts(longer(self._counts))
        self._set_table(np.array([longer(self.scalars[k], _blank(k)) for k in SCALARS]))
        for name, a in self.extra.items():
            self.extra[name] = longer(a, "" if a.dtype.kind == "U" else 0)
        self.days = days

    def record(self, s: State, day: int) -> None:
        L, t = s.locs, s.today
        places = L.places()
        occ = L.occupancy
        stage_persons = s.people.persons_by_stage()
        population = sum(stage_persons[: Stage.HOUSED])          # `Applicants.entitled()`
        # the location table's sums by kind and by province of occupancy, places, minors and reserve
        # places, in one pass over the locations (`_groups`): each column twice, once summed by kind, once
        # by province. `bincount` adds in float64, exact for whole numbers below 2**53 (persons and places
        # are far fewer), and never calls BLAS
        reserve_places = L.capacity * (L.life == _RESERVE)
        width = N_KINDS + self.n_prov
        sums = np.bincount(self._groups(s), np.concatenate((occ, places, L.children, reserve_places) * 2),
                           _SUMMED * width).tolist()
        by_occ, by_places, by_children, by_reserve = (list(map(int, sums[at:at + width]))
                                                      for at in range(0, _SUMMED * width, width))
        in_bed, capacity, reserve = sum(by_occ[:N_KINDS]), sum(by_places[:N_KINDS]), sum(by_reserve[:N_KINDS])
        children_temporary = sum(by_children[kind] for kind in TEMPORARY_KINDS)
        # the day's figures, gathered in `_ROWS` order and written with one store
        row = [getattr(t, name) for name in _TALLIED]
        row.append(s.border_persons)
        decision_rows, decision_values = self._decision_figures(t.decision_waits)
        log, seen = s.log, self._log_seen
        if log.n > seen:
            size = s.people.cols["size"][log.since("household", seen)]
            row.append(dot(log.km_of(slice(seen, log.n)), size))
            # from a bed to another bed: both ends at a bed (the log holds changes only: `agents.moves.move`
            # logs no row whose origin is its destination); the persons of the other rows weigh 0
            at_beds = np.minimum(log.since("origin", seen), log.since("destination", seen)) >= 0
            by_reason = np.bincount(log.since("reason", seen), weights=size * at_beds,
                                    minlength=len(Reason)).tolist()
            row += [by_reason[r] for r in _BY_REASON.values()]
            self._log_seen = log.n
        else:
            row += [0.0] * (1 + len(_BY_REASON))
        backlog = s.procedure_persons.tolist()
        nk, npv = N_KINDS, self.n_prov
        row += [population, in_bed, population - in_bed, stage_persons[Stage.PERMIT], capacity,
                in_bed / capacity if capacity else np.nan,
                self._reception_cost(s, occ, reserve) + s.front.cost_per_day_eur(day),
                stage_persons[Stage.WAITING], sum(backlog),
                stage_persons[Stage.PERMIT] - int(s.munis.waiting.sum()),
                by_occ[Kind.CENTRAL], children_temporary,
                s.front.registration_per_day(s, day), by_places[Kind.CENTRAL]]
        row += decision_values
        self._table[_rows_with(decision_rows), day] = row
        # the day's counts, in `_count_widths` order, with one store (the group sums: whole numbers)
        self._counts[day] = (stage_persons + by_occ[:nk] + by_places[:nk] + by_occ[nk:nk + npv]
                             + by_places[nk:nk + npv] + [backlog[track] for track in PROCEDURE_TRACKS])

    @staticmethod
    def _reception_cost(s: State, occ: np.ndarray, reserve: int) -> float:
        """The day's cost of the beds, EUR: each resident at their location's cost a night; each
        free normal place of an open location at `costs.vacant_place_share` of its kind's cost a
        place (`Locations.vacant_normal`, `cost_place_night`); each reserve place kept empty at
        `costs.reserve_per_place_per_night`. Two dot products over the locations (`agents.products.dot`: no BLAS)."""
        L, costs = s.locs, s.params.costs
        share = costs.vacant_place_share
        vacant = share * dot(L.vacant_normal(), L.cost_place_night) if share else 0.0
        return dot(occ, L.cost_person_night) + vacant + reserve * costs.reserve_per_place_per_night

    def window_sums(self, names: tuple[str, ...], lo: int, hi: int) -> list[float]:
        """Each daily scalar of `names` summed over the days `lo` … `hi` - 1 (exact for whole numbers)."""
        return self._table[[_INDEX[name] for name in names], lo:hi].sum(axis=1).tolist()

    def _decision_times(self, waits: list, day: int) -> None:
        """Today's decision times per track, written to the table (`_decision_figures`)."""
        rows, values = self._decision_figures(waits)
        if rows:
            self._table[rows, day] = values

    def _decision_figures(self, waits: list) -> tuple[list[int], list[float]]:
        """Today's decision times per track (median, p90 over persons; NaN for a track whose
        households weigh no persons): the table's rows and their values, for the tracks with
        decisions today; and the run's tally of persons decided by days waited (for the run's own
        median and p90, `Results.decision_times`), updated.

        A day's few households (at most `_FEW_DECIDED`) are worked out in Python lists
        (`_few_decision_figures`). More go in arrays, all tracks in one pass: each household's days
        waited are keyed by its track's row of `wait_persons` (`row * width + days`), so one stable
        sort orders them by track and then by days waited (a track's households in the order they
        came: what a sort per track gives) and one count adds them to the tally. The quantiles are
        searched in the cumulative persons of the whole sort: whole numbers, so a track's
        q-quantile — its first entry whose cumulative persons reach q × its total — is the first
        entry whose cumulative persons reach the track's start plus ceil(q × total), exactly
        (`weighted_quantile`'s answer, track by track)."""
        waits = [b for b in waits if len(b[1])]
        if not waits:
            return [], []
        if sum(len(b[1]) for b in waits) <= _FEW_DECIDED:
            return self._few_decision_figures(waits)
        runs = _track_runs(waits)
        d = waits[0][1] if len(waits) == 1 else np.concatenate([b[1] for b in waits])
        w = waits[0][2] if len(waits) == 1 else np.concatenate([b[2] for b in waits])
        if int(d.max()) + 1 > self.wait_persons.shape[1]:      # (rare)
            top: dict[int, int] = {}
            for (track, n), at in zip(runs, accumulate((n for _, n in runs), initial=0)):
                top[track] = max(top.get(track, 0), int(d[at:at + n].max()))
            self._grow_waits(top)
        width = self.wait_persons.shape[1]
        offsets = [PROCEDURE_TRACKS.index(track) * width for track, _ in runs]
        # (int64 keys: the days waited may be int32)
        key = (d + np.int64(offsets[0]) if len(runs) == 1
               else np.repeat(offsets, [n for _, n in runs]) + d)
        counts = np.bincount(key, weights=w, minlength=self.wait_persons.size)   # whole persons
        np.add(self.wait_persons, counts.reshape(self.wait_persons.shape), out=self.wait_persons, casting="unsafe")
        # the tracks in the order of their rows, each with its households' count
        present: dict[int, int] = {}
        for track, n in sorted(runs, key=lambda r: PROCEDURE_TRACKS.index(r[0])):
            present[track] = present.get(track, 0) + n
        ends = list(accumulate(present.values()))
        order = np.argsort(key, kind="stable")
        cum = np.cumsum(w[order], dtype=np.float64)      # exact: whole persons, far below 2**53
        reach = cum[[end - 1 for end in ends]].tolist()
        rows: list[int] = []
        targets: list[float] = []
        empty: list[int] = []
        base = 0.0
        for track, total_to in zip(present, reach):
            total = total_to - base
            if total <= 0:
                empty += _DECISION_ROWS[TRACK_KEYS[track]]
            else:
                rows += _DECISION_ROWS[TRACK_KEYS[track]]
                targets += [base + math.ceil(q * total) for q in (0.5, 0.9)]   # median, p90
            base = total_to
        values: list[float] = d[order[np.searchsorted(cum, targets, side="left")]].tolist() if targets else []
        return rows + empty, values + [np.nan] * len(empty)

    def _few_decision_figures(self, waits: list) -> tuple[list[int], list[float]]:
        """`_decision_figures` of a day's few households in Python lists: the same figures (whole
        persons: exact sums), the same tally, from a `tolist` of each batch's days and persons and one
        `np.add.at`."""
        days: list[int] = []
        persons: list[int] = []
        for _, dd, ww in waits:
            days += dd.tolist()
            persons += ww.tolist()
        by_track: dict[int, list[tuple[int, int]]] = {}     # (days waited, persons), in the order they came
        top: dict[int, int] = {}                             # the most days waited, tracks in the order they came
        rows: list[int] = []                                 # each household's row of the tally
        at = 0
        for track, n in _track_runs(waits):
            by_track.setdefault(track, []).extend(zip(days[at:at + n], persons[at:at + n]))
            top[track] = max(top.get(track, 0), max(days[at:at + n]))
            rows += [PROCEDURE_TRACKS.index(track)] * n
            at += n
        if max(top.values()) + 1 > self.wait_persons.shape[1]:     # (rare)
            self._grow_waits(top)
        np.add.at(self.wait_persons, (rows, days), persons)        # whole persons
        # per track (in the order of their rows), its households by days waited (a stable sort: ties
        # in the order they came); a quantile is the first whose cumulative persons reach ceil(q × total)
        out_rows: list[int] = []
        values: list[float] = []
        for track in sorted(by_track, key=PROCEDURE_TRACKS.index):
            entries = sorted(by_track[track], key=itemgetter(0))
            out_rows += _DECISION_ROWS[TRACK_KEYS[track]]
            total = sum(w for _, w in entries)
            if total <= 0:
                values += [np.nan, np.nan]
                continue
            median, p90 = math.ceil(0.5 * total), math.ceil(0.9 * total)   # (the median's not above the p90's)
            cum, median_at = 0, -1
            for d, w in entries:
                cum += w
                if median_at < 0 and cum >= median:
                    median_at = d
                if cum >= p90:
                    values += [median_at, d]
                    break
        return out_rows, values

    def _grow_waits(self, top: dict[int, int]) -> None:
        """Room in the tally for `top[track]` days waited, grown track by track in the order of `top`
        (each time to at least twice the width)."""
        for track in top:
            need = top[track] + 1
            if need > self.wait_persons.shape[1]:
                grown = np.zeros((len(PROCEDURE_TRACKS), max(need, 2 * self.wait_persons.shape[1])), np.int64)
                grown[:, : self.wait_persons.shape[1]] = self.wait_persons
                self.wait_persons = grown

    def _groups(self, s: State) -> np.ndarray:
        """Where `record` adds each location's figures: for `_SUMMED` columns laid end to end, twice
        (`n` locations each), the column's row (`N_KINDS` kinds then the provinces, per column) plus
        the location's kind the first time and `N_KINDS` plus its province the second. Made again only
        when the location table changed (locations added)."""
        L = s.locs
        if (self._groups_of is not L.municipality or self._groups_n != L.n
                or len(self._group_index) != 2 * _SUMMED * L.n):
            width = N_KINDS + self.n_prov
            row_starts = np.arange(_SUMMED, dtype=np.int64)[:, None] * width
            by_kind = (row_starts + L.kind).ravel()
            by_province = (row_starts + N_KINDS + s.munis.province[L.municipality]).ravel()
            self._group_index = np.concatenate((by_kind, by_province))
            self._groups_of, self._groups_n = L.municipality, L.n
        return self._group_index

    def to_dataset(self, s: State, days: int) -> xr.Dataset:
        dates = pd.to_datetime(s.world.dates[:days])
        coords = {"day": np.arange(days), "date": ("day", dates)}
        ds = xr.Dataset(coords=coords)
        for name, (unit, meaning) in SCALARS.items():
            ds[name] = ("day", self.scalars[name][:days], {"units": unit, "long_name": meaning})
        ds = ds.assign_coords(stage=[st.name.lower() for st in Stage], kind=KIND_NAMES,
                              province=list(s.world.provinces),
                              track=[TRACK_KEYS[t] for t in PROCEDURE_TRACKS])
        ds["persons_by_stage"] = (("day", "stage"), self.stage[:days], {"units": "persons"})
        ds["occupancy_by_kind"] = (("day", "kind"), self.kind_occupancy[:days], {"units": "persons"})
        ds["capacity_by_kind"] = (("day", "kind"), self.kind_capacity[:days], {"units": "places"})
        ds["occupancy_by_province"] = (("day", "province"), self.province_occupancy[:days], {"units": "persons"})
        ds["capacity_by_province"] = (("day", "province"), self.province_capacity[:days], {"units": "places"})
        ds["ind_backlog_by_track"] = (("day", "track"), self.track_backlog[:days], {"units": "persons"})
        ds["decided_by_wait"] = (("track", "wait_days"), self.wait_persons,
                                 {"units": "persons", "long_name": "persons decided in the run by days from arrival to "
                                  "the first decision (transfer decision for Dublin)"})
        ds["phase"] = ("day", self.extra["phase"][:days],
                       {"units": "1",
                        "long_name": "highest plan phase in force (0 normal … 4 crisis emergency reception)"})
        ds["regime"] = ("day", self.extra["regime"][:days],
                        {"long_name": "EU 2024/1359 regime(s) in force, empty if none"})
        ds["phase_by_province"] = (("day", "province"), self.province_phase[:days], {"units": "1"})
        ds.attrs.update(scenario=s.sc.name, initial_population=self.initial_population,
                        start_date=str(s.world.dates[0]), portfolio="synthetic (model/portfolio.py)")
        return ds
