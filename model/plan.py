"""The contingency plan (noodplan verhoogde instroom): a ladder of phases read from the scenario.

    0 normal → 1 raised occupancy → 2 reserve capacity → 3 emergency reception (noodopvang)
             → 4 crisis emergency reception (crisisnoodopvang, by the 25 safety regions)

Alongside it the *front ladder* (`plan.front`) acts on registration and screening (aanmeldketen):
onward placement and extra registration staff, extra staff for COA's vulnerability assessment,
relief places near the registration centre, a second registration site (`model.front` holds what
is in force; the rules read it).

Each phase activates when ANY of its triggers has held for its number of days, and deactivates
when ALL of its deactivation triggers have held (hysteresis), it has been active for its
minimum dwell time, and none of its own activation triggers has held over the deactivation
window (the longest of its deactivation triggers' days): a phase is not stepped down while a
reason to be in it is still there. Without that, a phase whose deactivation set does not
exclude its activation set steps down and straight back up (crisis reception down on "nobody
without a bed" while every bed is full). A ladder moves one rung a day; scale-down undoes each
phase's actions in reverse order. With `scope: province` every province climbs its own ladder on its own
occupancy and asks its key share of the national amounts; the front ladder stays national.

Municipalities answer requests for places on the regional network (`municipalities.network`):
coordination tables re-offer refused places and pass what is left to neighbouring tables, and
neighbours' answers move a municipality's willingness.

`Ladder` is the pure state machine (testable on hand-made indicator series); `PlanRuntime` reads
the indicators from the state each day, runs the ladders and carries out the actions.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from itertools import accumulate
from dataclasses import dataclass, field

import numpy as np

from agents.applicants import Stage
from agents.locations import Kind, Life
from agents.products import whole_sums
from agents.keyed import (SITE_COA_CONTRACT, SITE_MUNICIPALITIES, SITE_REGISTRATION, SITE_RELIEF,
                          SITE_SAFETY_REGION, round_key)
from agents.municipalities import answer_requests, ask_table
from model import data
from model.events import by_largest_remainder, open_places, raise_occupancy
from model.front import FrontMeasure
from model.placement import MIN_MOVES_REGULAR_PROC, PREFERENCE
from model.scenario import Action, ActionType, Phase, Plan, ScenarioError
from model.state import State

INDICATORS = ("occupancy", "occupancy_normal", "central_occupancy", "unsheltered", "registration_backlog",
              "registration_load", "assessment_backlog", "forecast_shortfall", "prognosis_shortfall")
LADDERS = ("phases", "front")   # the plan's ladders: the COA/VNG phases, and the front of the chain
_NOT_HOUSING = (Kind.CENTRAL, Kind.BORDER)
# the housing kinds every household may be placed in (in every class's preference): the room a closing
# location's residents can move to (not the minors' locations, nor the sober ones for low-chance applicants)
_FOR_EVERYONE = sorted(set.intersection(*(set(kinds) for kinds in (*PREFERENCE.values(), MIN_MOVES_REGULAR_PROC))))
_KIND_INDEX = {k.name.lower(): int(k) for k in Kind}
# by `Life`: open, closing, planned, and any (the columns of the location sums in `PlanRuntime.indicators`)
_OPEN, _CLOSING, _PLANNED, _ANY = range(4)
_LIFE_COLUMNS = np.zeros((len(Life), 4), bool)
_LIFE_COLUMNS[[Life.OPEN, Life.CLOSING, Life.PLANNED], [_OPEN, _CLOSING, _PLANNED]] = True
_LIFE_COLUMNS[:, _ANY] = True
_LIFE_COLUMNS.flags.writeable = False
_FLOWS = ("arrivals", "exits_housed", "exits_departed", "exits_transferred")   # read over the forecast window
# by stage: waiting for the vulnerability assessment when in its line (the stages after screening, in
# reception: whom `rulebook.assess_vulnerability` serves; the others in its line have left)
_AWAITS_ASSESSMENT = np.zeros(len(Stage), bool)
_AWAITS_ASSESSMENT[Stage.PROCEDURE:Stage.HOUSED] = True
_AWAITS_ASSESSMENT.flags.writeable = False


def _ratios(a: list[float], b: list[float]) -> list[float]:
    """a / b per unit, 9.99 where b is not positive (what `np.divide(a, b, where=b > 0)` into 9.99 gives)."""
    return [x / y if y > 0 else 9.99 for x, y in zip(a, b)]


@dataclass
class Change:
    """One phase change of one unit."""

    unit: int
    old: int
    new: int
    trigger: str       # which trigger(s) made it happen


class Ladder:
    """Phase per unit (nation or province), moved by indicator values day by day."""

    indicators: frozenset[str] = frozenset()     # the indicators some trigger reads (set per ladder; the class
                                                 # default serves snapshots taken before it existed)
    _clear: list[list[int]] | np.ndarray | None = None   # days in a row each trigger has NOT held (None: a
                                                 # snapshot taken before it existed; counts start on its next day)
    _tests: list[tuple[str, float | None, float | None]] | None = None   # see _index (None: an older snapshot)
    now: list[int]                               # `phase` as a list, set by `update` (after its changes)

    def __init__(self, phases: list[Phase], n_units: int) -> None:
        self.phases = phases
        self.phase = np.zeros(n_units, np.int64)
        self.since = np.zeros(n_units, np.int64)   # day the current phase began
        # Every trigger of every phase (activation and deactivation) is a row: a phase's activation
        # triggers, then its deactivation triggers (`_up_index[phase]`, `_down_index[phase]`: their
        # rows). `_held[row][unit]` counts the consecutive days the trigger has held, `_clear` those
        # it has not: Python ints, as a day's update is a few comparisons per trigger and unit.
        triggers = [t for p in phases for t in (*p.activate, *p.deactivate)]
        self.indicators = frozenset(t.indicator for t in triggers)   # the indicators some trigger reads
        self._held: list[list[int]] | np.ndarray = [[0] * n_units for _ in triggers]
        self._clear = [[0] * n_units for _ in triggers]
        self._index()

    def _index(self) -> None:
        """Each trigger row's test (indicator, above, below), each phase's activation and deactivation
        rows, and its deactivation window in days."""
        self._tests = [(t.indicator, t.above, t.below) for p in self.phases for t in (*p.activate, *p.deactivate)]
        starts = list(accumulate([0] + [len(p.activate) + len(p.deactivate) for p in self.phases]))
        self._up_index = [list(range(a, a + len(p.activate))) for a, p in zip(starts, self.phases)]
        self._down_index = [list(range(a + len(p.activate), a + len(p.activate) + len(p.deactivate)))
                            for a, p in zip(starts, self.phases)]
        self._window = [max((t.days for t in p.deactivate), default=1) for p in self.phases]

    @staticmethod
    def _holds_at(trigger, values: Mapping[str, np.ndarray | list[float]], unit: int) -> bool:
        """Does `trigger` hold for `unit` on today's `values`?"""
        v = values[trigger.indicator][unit]
        return bool(v >= trigger.above if trigger.above is not None else v < trigger.below)

    def update(self, day: int, values: Mapping[str, np.ndarray | list[float]]) -> list[Change]:
        """Advance one day given each indicator's value per unit (an array, or a list of floats);
        returns the changes."""
        if self._tests is None:              # (a ladder saved before the counts were Python ints)
            self._index()
        if isinstance(self._held, np.ndarray):
            self._held = self._held.tolist()
            self._clear = [[0] * len(self.phase) for _ in self._held] if self._clear is None else (
                self._clear.tolist() if isinstance(self._clear, np.ndarray) else self._clear)
        held, clear = self._held, self._clear
        assert clear is not None and self._tests is not None
        columns: dict[str, list[float]] = {}
        for row, (name, above, below) in enumerate(self._tests):
            v = columns.get(name)
            if v is None:
                given = values[name]
                v = columns[name] = (given.astype(float).tolist() if isinstance(given, np.ndarray)
                                     else [float(x) for x in given])
            h, c = held[row], clear[row]
            for u, x in enumerate(v):
                if (x >= above) if above is not None else (x < below):   # (NaN holds neither)
                    h[u] += 1                  # count up while it holds, else 0
                    c[u] = 0
                else:
                    h[u] = 0
                    c[u] += 1                  # count up while it does not, else 0
        changes = []
        now = self.phase.tolist()
        for u, c in enumerate(now):
            if c < len(self.phases):
                nxt = self.phases[c]
                fired = [t for t, r in zip(nxt.activate, self._up_index[c]) if held[r][u] >= t.days]
                if fired:
                    changes.append(Change(u, c, c + 1, "; ".join(_describe(t) for t in fired)))
                    continue
            if c > 0:
                cur = self.phases[c - 1]
                if (all(held[r][u] >= t.days for t, r in zip(cur.deactivate, self._down_index[c - 1]))
                        and day - int(self.since[u]) >= cur.min_dwell_days
                        and self._reasons_gone(c - 1, u)):
                    changes.append(Change(u, c, c - 1, "; ".join(_describe(t) for t in cur.deactivate)))
        for ch in changes:
            self.phase[ch.unit] = ch.new
            self.since[ch.unit] = day
            now[ch.unit] = ch.new
        self.now = now
        return changes

    def _reasons_gone(self, phase: int, unit: int) -> bool:
        """True when none of the phase's activation triggers has held over its deactivation window."""
        clear = self._clear
        assert clear is not None
        return all(clear[r][unit] >= self._window[phase] for r in self._up_index[phase])


def _describe(t) -> str:
    bound = f">= {t.above:g}" if t.above is not None else f"< {t.below:g}"
    return f"{t.indicator} {bound} for {t.days} day{'s' if t.days > 1 else ''}"


@dataclass
class _Done:
    """What an activated action did, so scale-down can undo exactly that."""

    action: Action
    unit: int                          # province the action served, -1: national
    locations: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    previous_extra: np.ndarray | None = None
    opened_day: int = 0
    measures: list[FrontMeasure] = field(default_factory=list)   # front of the chain: measures in force
    asked: int = 0                     # places asked (requests, reserve, relief, sites)


# the front's staff measures in the event log: what they raise, its unit, where
_FRONT_STAFF = {"registration": ("registration capacity", "registrations a day", " at the registration centre"),
                "assessment": ("vulnerability assessment capacity", "assessments a day", "")}


class PlanRuntime:
    """Installs the plan into a state: indicators, ladders, actions, and the plan's log."""

    prognosis_day = -1                           # day of the last prognosis (prognosis_shortfall), -1: none yet
    _sums: np.ndarray | None = None              # see _location_sums (None: not made yet)
    _sums_of = b""                               # the locations' life stages it was made for
    prognosis_persons = 0.0                      # persons in reception it expects `forecast_weeks` ahead

    def __init__(self, s, plan: Plan) -> None:
        self.plan = plan
        self.provinces = s.world.provinces
        self.by_province = plan.scope == "province"
        self.n_units = len(self.provinces) if self.by_province else 1
        self.ladder = Ladder(plan.phases, self.n_units)
        self.front = Ladder(plan.front, 1)
        self.done: dict[tuple[str, int, int], list[_Done]] = {}   # (ladder, unit of the ladder, phase)
        self.round_no = 0
        self._draining = np.empty(0, np.int64)   # locations whose raised places shrink as residents leave
        self._opened = np.empty(0, np.int64)     # locations the plan opened (no one is put out at their end)
        self._today: dict[str, np.ndarray] | dict[str, list[float]] = {}  # today's indicator values, per unit
        self._national: dict[str, np.ndarray] | dict[str, list[float]] = {}  # and nationally (the front ladder)
        self.last_willingness_day = 0
        targets = data.provincial_targets(s.sc.country)
        self.key = np.array([targets.get(p, 0) for p in self.provinces], float)
        if self.key.sum() == 0:
            self.key = np.ones(len(self.provinces))
        for name in LADDERS:
            for i, ph in enumerate(self.rungs(name)):
                for j, a in enumerate(ph.actions):
                    if a.province is not None and a.province not in self.provinces:
                        raise ScenarioError(f"plan.{name}.{i}.actions.{j}.province: {a.province!r} is not in this "
                                            f"world (provinces: {', '.join(self.provinces)})")

    def rungs(self, ladder: str) -> list[Phase]:
        return self.plan.phases if ladder == "phases" else self.plan.front

    # --- indicators --------------------------------------------------------------------
    def indicators(self, s, day: int) -> dict[str, np.ndarray]:
        """Today's indicator values per unit (nation, or province with `scope: province`); the
        national values are kept in `_national` for the front ladder."""
        values, national = self._values(s, day)
        arrays = {name: np.array(v, float) for name, v in values.items()}
        self._national = arrays if national is values else {name: np.array(v, float) for name, v in national.items()}
        return arrays

    def _values(self, s, day: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        """`indicators` as Python floats: the values per unit, and nationally (the same dict when the
        plan is national).

        The location table is summed in one product (`_location_sums`): per unit's housing
        locations, the central (registration) locations and all locations, the occupancy, normal
        places and extra places of the open, closing and planned locations and of all. The sums
        are of whole numbers, exact (`agents.products.whole_sums`: no BLAS); the rest is arithmetic
        on those few numbers (Python floats: the same IEEE operations as NumPy's float64)."""
        L = s.locs
        amounts = np.array((L.occupancy, L.capacity, L.extra), np.int64)
        occ, cap, extra = whole_sums(amounts, self._location_sums(s)).reshape(3, self.n_units + 2, 4).tolist()
        n = self.n_units
        central, every = n, n + 1                        # the rows after the units'
        in_closing = [occ[u][_CLOSING] for u in range(n)]
        normal = [cap[u][_OPEN] + in_closing[u] for u in range(n)]
        usable = [normal[u] + extra[u][_OPEN] for u in range(n)]
        in_bed = [occ[u][_ANY] for u in range(n)]
        cap_c = cap[central][_OPEN]
        central_occ = occ[central][_ANY] / cap_c if cap_c else 9.99
        stage_persons = s.people.persons_by_stage()
        population = sum(stage_persons[: Stage.HOUSED])          # `Applicants.entitled()`
        unsheltered = population - int(occ[every][_ANY])
        lo = max(0, day - self.plan.forecast_window_days)
        if day > lo:
            arrived, housed, departed, transferred = s.recorder.window_sums(_FLOWS, lo, day)
            inflow = arrived / (day - lo)
            outflow = (housed + departed + transferred) / (day - lo)
        else:
            inflow = outflow = 0.0
        pipeline = int(cap[every][_PLANNED])
        # `L.places().sum()`: normal and extra places of open locations, beds in use in closing ones
        places = int(cap[every][_OPEN] + extra[every][_OPEN]) + int(occ[every][_CLOSING]) + pipeline
        projected = population + 7 * self.plan.forecast_weeks * (inflow - outflow)
        shortfall = projected - places
        # arrivals a day (all arrivals register) over the window, as a multiple of what the registration
        # centre registers a day without the plan's measures: a rung at the front steps down only when
        # the rung below it would keep up (a backlog of 0 with the rung's extra staff says nothing of that)
        own = s.params.chain.registration_capacity_per_day
        load = inflow / own if own > 0 else (9.99 if inflow > 0 else 0.0)
        common = {"central_occupancy": central_occ, "unsheltered": unsheltered,
                  "registration_backlog": stage_persons[0], "registration_load": load,
                  "assessment_backlog": self._assessment_backlog(s), "forecast_shortfall": shortfall}
        if "prognosis_shortfall" in self.ladder.indicators or "prognosis_shortfall" in self.front.indicators:
            common["prognosis_shortfall"] = self._prognosis(s, day, population) - places
        names = ("occupancy", "occupancy_normal", *common)
        # per indicator its value per unit (a common value in every unit); floats, as in an array of float64
        values = dict(zip(names, [_ratios(in_bed, usable), _ratios(in_bed, normal),
                                  *([float(v)] * n for v in common.values())]))
        if not self.by_province:
            return values, values
        total_bed = sum(in_bed)
        return values, dict(zip(names, [_ratios([total_bed], [sum(usable)]), _ratios([total_bed], [sum(normal)]),
                                        *([float(v)] for v in common.values())]))

    @staticmethod
    def _assessment_backlog(s) -> int:
        """Persons waiting for COA's vulnerability assessment: the households in its line that are
        still in reception after screening (those who left meanwhile are dropped when the line
        reaches them)."""
        waiting = s.assessment.peek()
        if len(waiting) == 0:
            return 0
        h = s.people.cols
        return int(h["size"][waiting[_AWAITS_ASSESSMENT[h["stage"][waiting]]]].sum())

    def _prognosis(self, s, day: int, population: int) -> float:
        """Persons in reception `forecast_weeks` ahead by the model's own ensemble
        (`prognosis.persons_ahead`), made every `prognosis_every_days` days and read in between;
        where the world ends sooner, as far as it goes (today's population on its last day)."""
        p = self.plan
        if self.prognosis_day < 0 or day - self.prognosis_day >= p.prognosis_every_days:
            from model.prognosis import persons_ahead     # prognosis runs the rulebook, which runs the plan

            days = min(7 * p.forecast_weeks, len(s.world.dates) - day - 1)
            self.prognosis_persons = float(population) if days < 1 else persons_ahead(
                s, day, days, p.prognosis_members, p.forecast_window_days, p.prognosis_quantile)
            self.prognosis_day = day
        return self.prognosis_persons

    def _location_sums(self, s) -> np.ndarray:
        """0/1 matrix (location x (row, life column)) that sums the location table for `_values`: rows
        the housing locations (not central, not border) of each unit, then the central locations,
        then all locations; life columns open, closing, planned and any (`_LIFE_COLUMNS`). Kept
        while the locations' life stages are as they were (they change on one day in four or five
        in the baseline; a location added changes them too: kind and municipality of a location
        never change), so most days cost one product."""
        L = s.locs
        life = L.life.tobytes()
        if self._sums is None or life != self._sums_of:
            unit = s.munis.province[L.municipality] if self.by_province else np.zeros(L.n, np.int64)
            groups = np.zeros((self.n_units + 2, L.n), np.int64)
            groups[unit, np.arange(L.n)] = ~L.kind_in(_NOT_HOUSING, no_bed=False)
            groups[-2] = L.kind == Kind.CENTRAL
            groups[-1] = 1
            self._sums = (groups.T[:, :, None] * _LIFE_COLUMNS[L.life][:, None, :]).reshape(L.n, -1)
            self._sums_of = life
        return self._sums

    def __getstate__(self) -> dict:
        """The runtime without the kept sums matrix (made again when first used)."""
        state = dict(self.__dict__)
        state.pop("_sums", None)
        state.pop("_sums_of", None)
        return state

    # --- the daily step ----------------------------------------------------------------
    def __call__(self, s, day: int) -> None:
        self._today, self._national = self._values(s, day)
        for name, ladder, values in (("phases", self.ladder, self._today), ("front", self.front, self._national)):
            for ch in ladder.update(day, values):
                rungs = self.rungs(name)
                national = name == "front" or not self.by_province
                where = "national" if national else self.provinces[ch.unit]
                label = "phase" if name == "phases" else "front rung"
                rung = max(ch.new, ch.old)
                verb = "scale-up to" if ch.new > ch.old else "scale-down from"
                s.event_log.append(_entry(s, day, "plan", where, f"{verb} {label} {rung} ({rungs[rung - 1].name})",
                                          f"trigger: {ch.trigger}; {label} {ch.old} -> {ch.new}"))
                unit = -1 if national else ch.unit
                if ch.new > ch.old:
                    self.done[(name, ch.unit, ch.new)] = [ACTIONS[a.type].do(self, s, day, unit, a)
                                                          for a in rungs[ch.new - 1].actions]
                else:
                    for d in reversed(self.done.pop((name, ch.unit, ch.old), [])):
                        ACTIONS[d.action.type].undo(self, s, day, d)
        self._reissue_expired(s, day)
        self._keep_residents_housed(s, day)
        self._drain_raised(s)
        phase = self.ladder.now                     # (the ladders' phases after today's update, as lists)
        s.recorder.extra["phase"][day] = max(phase)
        s.recorder.province_phase[day] = phase if self.by_province else phase[0]
        s.recorder.scalars["front_phase"][day] = self.front.now[0]

    # --- actions on beds -----------------------------------------------------------------
    def _provinces(self, unit: int) -> list[int]:
        return list(range(len(self.provinces))) if unit < 0 else [unit]

    def _unit_mask(self, s, unit: int) -> np.ndarray:
        if unit < 0:
            return np.ones(s.locs.n, bool)
        return s.munis.province[s.locs.municipality] == unit

    def _share(self, places: int, unit: int) -> np.ndarray:
        """Places asked of each province of `unit`: a national request is split over all
        provinces by the distribution key, by largest remainder (each province within one place
        of its exact share; the places left by rounding down go one each to the largest fractions,
        not all to one province); a province's own ladder asks its key share of the national
        amount, rounded down, so the provinces together never ask more than the national plan
        would."""
        if unit >= 0:
            return np.floor(places * (self.key / self.key.sum())[[unit]]).astype(np.int64)
        return by_largest_remainder(places, self.key)

    def _do_raise_occupancy(self, s: State, day: int, unit: int, a: Action) -> _Done:
        L = s.locs
        kinds = [_KIND_INDEX[k] for k in a.kinds]
        sel = np.flatnonzero(self._unit_mask(s, unit) & (L.life == Life.OPEN) & np.isin(L.kind, kinds))
        previous = L.extra[sel].copy()
        detail = raise_occupancy(s, sel, a.factor)
        s.event_log.append(_entry(s, day, "plan", self._where(unit), "raise occupancy", detail.split(" (x ")[0]))
        return _Done(a, unit, sel, previous, day)

    def _undo_raise_occupancy(self, s: State, day: int, d: _Done) -> None:
        # no one is evicted: extra places shrink as residents leave (see _drain_raised)
        L = s.locs
        assert d.previous_extra is not None   # set by _do_raise_occupancy
        over = L.occupancy[d.locations] - L.capacity[d.locations]
        L.extra[d.locations] = np.minimum(L.extra[d.locations], np.maximum(over, d.previous_extra))
        self._draining = np.union1d(self._draining, d.locations)
        s.event_log.append(_entry(s, day, "plan", self._where(d.unit), "lower occupancy norm",
                                  f"{len(d.locations)} locations back to normal places as residents leave"))

    def _drain_raised(self, s) -> None:
        draining = self._draining
        if len(draining) == 0:
            return
        L = s.locs
        active = set()
        for dones in self.done.values():
            for d in dones:
                if d.action.type == "raise_occupancy":
                    active.update(d.locations.tolist())
        keep = ~np.isin(draining, list(active)) if active else np.ones(len(draining), bool)
        draining = draining[keep]
        L.extra[draining] = np.minimum(L.extra[draining], np.maximum(L.occupancy[draining] - L.capacity[draining], 0))
        self._draining = draining[L.extra[draining] > 0]

    def _do_activate_reserve(self, s: State, day: int, unit: int, a: Action) -> _Done:
        L = s.locs
        cand = np.flatnonzero(self._unit_mask(s, unit) & (L.life == Life.RESERVE))
        asked = int(self._share(a.places, unit).sum())
        deliver = int(asked * a.success_rate)
        n = int(np.searchsorted(np.cumsum(L.capacity[cand]), deliver, side="left")) + 1 if deliver > 0 else 0
        chosen = cand[:n]
        L.life[chosen] = Life.PLANNED
        L.open_day[chosen] = day + a.lead_time_days
        s.event_log.append(_entry(s, day, "plan", self._where(unit), "activate reserve places",
                                  f"asked {asked:,}, delivered {int(L.capacity[chosen].sum()):,} "
                                  f"opening in {a.lead_time_days} days"))
        return _Done(a, unit, chosen, None, day, asked=asked)

    def _undo_activate_reserve(self, s: State, day: int, d: _Done) -> None:
        L = s.locs
        planned = d.locations[L.life[d.locations] == Life.PLANNED]
        L.life[planned] = Life.RESERVE
        opened = d.locations[L.life[d.locations] == Life.OPEN]
        L.life[opened] = Life.CLOSING
        s.closing_to_reserve.update(opened.tolist())
        s.event_log.append(_entry(s, day, "plan", self._where(d.unit), "release reserve places",
                                  f"{int(L.capacity[opened].sum()):,} places back to reserve after residents move"))

    def _do_request_places(self, s: State, day: int, unit: int, a: Action) -> _Done:
        self.round_no += 1
        assert a.kind is not None   # checked at load (Action)
        kind = Kind[a.kind.upper()]
        provinces = self._provinces(unit)
        m = s.munis
        if a.via == "coa":
            # COA contracts places itself (hotels, ships, event halls), spread over provinces by key
            opened, asked_total, delivered = [], 0, 0
            for p, places in zip(provinces, self._share(a.places, unit)):
                asked_total += int(places)
                ok = answer_requests(np.array([p]), np.full(max(m.n, len(self.provinces)), a.success_rate),
                                     self._round_key(s, SITE_COA_CONTRACT))[0]
                if ok and places > 0:
                    opened.append(open_places(s, kind, int(places), day + a.lead_time_days, a.duration_days,
                                              self.provinces[p], f"{kind.name.capitalize()} (COA contract)"))
                    delivered += int(places)
        elif a.via == "safety_regions":
            # each safety region is asked the same part of the national amount (2022: 225 each)
            opened, asked_total, delivered = [], 0, 0
            regions = sorted({int(r) for r in m.region[np.isin(m.province, provinces)]})
            share = round(a.places / max(len(s.world.regions), 1))
            for r in regions:
                members = np.flatnonzero(m.region == r)
                host = int(members[np.argmax(m.population[members])])
                asked_total += share
                ok = answer_requests(np.array([host]), np.full(m.n, a.success_rate),
                                     self._round_key(s, SITE_SAFETY_REGION))[0]
                if ok and share >= 1:
                    opened.append(open_places(s, kind, share, day + a.lead_time_days, a.duration_days,
                                              self.provinces[int(m.province[host])],
                                              f"Crisisnoodopvang {s.world.regions[r]}", host=host))
                    delivered += share
        else:
            opened, asked_total, delivered = self._ask_municipalities(s, day, unit, a, kind)
        locs = np.concatenate(opened) if opened else np.empty(0, np.int64)
        self._opened = np.concatenate([self._opened, locs])
        s.event_log.append(_entry(s, day, "plan", self._where(unit),
                                  f"request {a.kind} places via {a.via.replace('_', ' ')}",
                                  f"asked {asked_total:,}, delivered {delivered:,} "
                                  f"({delivered / max(asked_total, 1):.0%}), opening in {a.lead_time_days} days"))
        return _Done(a, unit, locs, None, day, asked=asked_total)

    def _ask_municipalities(self, s, day: int, unit: int, a: Action, kind: int) -> tuple[list, int, int]:
        """Provinces pass their share (by key) to their municipalities, furthest below their
        Spreidingswet key first. On the regional network, with coordination tables (per
        province or safety region), a table re-offers what its first asked refused to its other
        municipalities and passes what is still left to its neighbouring tables (in national
        scope; a province's own ladder stays in the province); every answer moves the
        neighbours' willingness. Without the network each asked municipality answers alone."""
        m, mb = s.munis, s.params.municipalities
        municipalities = s.actors.municipalities          # the municipalities answer (their own rules)
        network = s.world.network.neighbour_mean if mb.network else None
        municipalities.reconsider(m, day - self.last_willingness_day, mb.recovery_per_year, network,
                                  mb.neighbour_weight)
        self.last_willingness_day = day
        load = self._load(s)
        chance = municipalities.acceptance_chance(m.willingness, load, mb.load_weight)
        size = s.params.portfolio.mean_location_places[a.kind]
        coordinated = mb.network and mb.coordination != "none"
        table_of = m.region if (coordinated and mb.coordination == "safety_region") else m.province
        asked = np.zeros(m.n, bool)
        accepted = np.zeros(m.n, bool)
        hosts: list[tuple[int, int]] = []         # (municipality, places)
        left: dict[int, int] = {}                 # table -> places still unplaced

        round_key = self._round_key(s, SITE_MUNICIPALITIES)

        def ask(table: int, places: int, re_offer: bool) -> int:
            members = np.flatnonzero(table_of == table)
            members = members[np.argsort(load[members], kind="stable")]
            members = members[~asked[members]]
            who, yes, per, unplaced = ask_table(members, int(places), size, chance, round_key, re_offer,
                                                municipalities.answer_requests)
            asked[who] = True
            accepted[who[yes]] = True
            hosts.extend(zip(who[yes].tolist(), per[yes].tolist()))
            return int(unplaced)

        asked_total = 0
        for p, q in zip(self._provinces(unit), self._share(a.places, unit)):
            asked_total += int(q)
            for table, part in self._tables_of_province(s, p, int(q), table_of):
                left[table] = left.get(table, 0) + ask(table, part, coordinated)
        if coordinated:
            neighbours = s.world.network.neighbouring_tables(table_of)
            table_province = np.zeros(int(table_of.max()) + 1, np.int64)
            table_province[table_of] = m.province
            for table in sorted(left):
                rest = left[table]
                targets = [u for u in neighbours[table] if unit < 0 or table_province[u] == unit]
                if rest <= 0 or not targets:
                    continue
                parts = np.full(len(targets), rest // len(targets), np.int64)
                parts[: rest - int(parts.sum())] += 1
                before = sum(n for _, n in hosts)
                for u, passed in zip(targets, parts):
                    left[table] -= int(passed) - ask(u, int(passed), False)
                names = self.provinces if table_of is m.province else s.world.regions
                s.event_log.append(_entry(s, day, "plan", names[table], "pass unplaced places to neighbouring tables",
                                          f"{rest:,} {a.kind} places refused in {names[table]} offered to "
                                          f"{', '.join(names[u] for u in targets)}: "
                                          f"{sum(n for _, n in hosts) - before:,} accepted"))
        municipalities.react(m, asked, accepted, mb.fatigue_per_request, network, mb.neighbour_weight)
        opened, delivered = [], 0
        for host, places in hosts:
            if places > 0:
                opened.append(open_places(s, kind, int(places), day + a.lead_time_days, a.duration_days,
                                          self.provinces[int(m.province[host])],
                                          f"{Kind(kind).name.capitalize()} (plan)", host=int(host)))
                delivered += int(places)
        return opened, asked_total, delivered

    @staticmethod
    def _tables_of_province(s, province: int, places: int, table_of: np.ndarray) -> list[tuple[int, int]]:
        """The coordination tables a province's share goes to, with their parts: the province
        itself, or its safety regions by population (the remainder to the largest)."""
        m = s.munis
        if table_of is m.province:
            return [(province, places)]
        members = np.flatnonzero(m.province == province)
        tables = np.unique(table_of[members])
        weight = np.array([m.population[members][table_of[members] == t].sum() for t in tables], float)
        parts = np.floor(places * weight / weight.sum()).astype(np.int64)
        parts[np.argmax(weight)] += places - parts.sum()
        return [(int(t), int(q)) for t, q in zip(tables, parts)]

    def _undo_request_places(self, s: State, day: int, d: _Done) -> None:
        """Cancel what has not opened; close opened places only as far as their residents fit
        in the vacancy elsewhere (the rest stay until their contracts end, and longer while
        their residents have no bed elsewhere)."""
        L = s.locs
        planned = d.locations[L.life[d.locations] == Life.PLANNED]
        L.life[planned] = Life.CLOSED
        opened = d.locations[L.life[d.locations] == Life.OPEN]
        closing, kept = self._closable(s, opened)
        L.life[closing] = Life.CLOSING
        s.event_log.append(_entry(s, day, "plan", self._where(d.unit), f"close {d.action.kind} places",
                                  f"{int(L.capacity[closing].sum()):,} places closing, {int(L.capacity[kept].sum()):,} "
                                  f"kept until their contracts end, {int(L.capacity[planned].sum()):,} planned "
                                  "places cancelled"))

    @staticmethod
    def _closable(s, locations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of `locations` can close now: in the placement policy's order (costliest first
        under `standard`, emptiest first under `min_moves`), as long as their residents fit in
        half the room of the other open locations of the same use (registration locations for
        registration locations, housing for housing). Returns (closable, to keep).

        Room is the free places that the residents can use and that no one else has a claim on:
        the vacancy of the open locations of a kind every household may be placed in
        (`_FOR_EVERYONE`: not the unaccompanied minors' locations, nor the sober ones for low-chance
        applicants), less the persons in the other closing locations of the same use, who move
        into it (`rulebook.drain_closing`) or need it when their contract ends."""
        L = s.locs
        if s.params.placement.policy == "min_moves":
            locations = locations[np.argsort(L.occupancy[locations], kind="stable")]
        else:
            cost = L.cost_person_night[locations]
            locations = locations[np.argsort(-cost, kind="stable")]
        closable = np.zeros(len(locations), bool)
        vacancy = L.vacancy()
        for registration in (True, False):
            use = (L.kind == Kind.CENTRAL) if registration else ~np.isin(L.kind, _NOT_HOUSING)
            usable = (L.kind == Kind.CENTRAL) if registration else np.isin(L.kind, _FOR_EVERYONE)
            sel = use[locations]
            elsewhere = ~np.isin(np.arange(L.n), locations)
            free = int(vacancy[usable & elsewhere & (L.life == Life.OPEN)].sum())
            claimed = int(L.occupancy[use & elsewhere & (L.life == Life.CLOSING)].sum())
            room = int(0.5 * max(free - claimed, 0))
            n = int(np.searchsorted(np.cumsum(L.occupancy[locations[sel]]), room, side="right"))
            closable[np.flatnonzero(sel)[:n]] = True
        return locations[closable], locations[~closable]

    def _keep_residents_housed(self, s, day: int) -> None:
        """No one is put out when a plan-opened location's contract ends: one whose residents
        would not find a bed elsewhere (see `_closable`) is extended by another term."""
        L = s.locs
        opened = self._opened
        if len(opened) == 0:
            return
        ending = opened[L.contract_end[opened] <= day + 1]      # (the rest asked only of these: the usual day, none)
        if len(ending):
            ending = ending[np.isin(L.life[ending], (Life.OPEN, Life.CLOSING)) & (L.occupancy[ending] > 0)]
        if len(ending):
            _, extend = self._closable(s, ending)
            L.contract_end[extend] += L.term_days[extend]
            if len(extend):
                s.event_log.append(_entry(s, day, "plan", "national", "extend contracts",
                                          f"{len(extend)} plan locations ({int(L.capacity[extend].sum()):,} places) "
                                          f"kept another term: their {int(L.occupancy[extend].sum()):,} residents "
                                          "have no bed elsewhere"))
        if day % 28 == 0:
            self._opened = opened[L.life[opened] != Life.CLOSED]

    def _reissue_expired(self, s, day: int) -> None:
        """While a phase is active its requests are made again: at most every `repeat_days`, on the
        first day after them that the phase is still needed (one of its activation triggers holds),
        and when all the places a request delivered have closed (crisis places last a limited time)."""
        L = s.locs
        for (ladder, lunit, phase), dones in list(self.done.items()):
            for i, d in enumerate(list(dones)):
                if d.action.type not in _REISSUED or day <= d.opened_day:
                    continue
                due = d.action.repeat_days is not None and day - d.opened_day >= d.action.repeat_days
                if due and not self._still_needed(ladder, lunit, phase):
                    continue                      # not needed today: look again tomorrow
                expired = len(d.locations) > 0 and np.all(np.isin(L.life[d.locations], (Life.CLOSED, Life.CLOSING)))
                if expired or due:
                    again = ACTIONS[d.action.type].do(self, s, day, d.unit, d.action)
                    if due and not expired:   # keep the earlier places: scale-down must close them too
                        again.locations = np.concatenate([d.locations, again.locations])
                        again.measures = d.measures + again.measures
                    dones[i] = again

    def _still_needed(self, ladder: str, unit: int, phase: int) -> bool:
        """Is any activation trigger of the phase true today (regardless of its day count)?"""
        values = self._today if ladder == "phases" else self._national
        return any(Ladder._holds_at(t, values, unit) for t in self.rungs(ladder)[phase - 1].activate)

    def _round_key(self, s: State, site: int) -> int:
        """The key of this request round's answers at `site` (`agents.keyed.round_key`): unrelated
        across runs (the run's `answer_key`), sites and rounds."""
        return round_key(s.answer_key, site, self.round_no)

    @staticmethod
    def _load(s) -> np.ndarray:
        """Places hosted per Spreidingswet place, per municipality."""
        L, m = s.locs, s.munis
        live = np.isin(L.life, (Life.OPEN, Life.PLANNED, Life.CLOSING))
        hosted = np.bincount(L.municipality[live], weights=L.capacity[live], minlength=m.n)
        return np.divide(hosted, m.reception_target, out=np.zeros(m.n), where=m.reception_target > 0)

    # --- actions at the front of the chain (model.front) ---------------------------------
    @staticmethod
    def _centre_municipality(s) -> int:
        """Municipality of the registration centre: that of the first registration location (Ter
        Apel); in a world without one (no Groningen), the municipality with the largest
        Spreidingswet target, where a registration site would be set up."""
        central = s.locs.of_kind(Kind.CENTRAL)
        if len(central):
            return int(s.locs.municipality[central[0]])
        return int(np.argmax(s.munis.reception_target))

    def _do_raise_registration(self, s: State, day: int, unit: int, a: Action) -> _Done:
        return self._add_front_staff(s, day, unit, a, "registration")

    def _undo_raise_registration(self, s: State, day: int, d: _Done) -> None:
        self._end_front_staff(s, day, d, "registration")

    def _do_raise_assessment(self, s: State, day: int, unit: int, a: Action) -> _Done:
        """Extra COA staff for the vulnerability assessment (kwetsbaarheidstoets), at the
        registration centre or a process location (seed 001)."""
        return self._add_front_staff(s, day, unit, a, "assessment")

    def _undo_raise_assessment(self, s: State, day: int, d: _Done) -> None:
        self._end_front_staff(s, day, d, "assessment")

    def _add_front_staff(self, s: State, day: int, unit: int, a: Action, work: str) -> _Done:
        """Staff at the front of the chain for `work` (registration or assessment): `per_day` ×
        `success_rate` more of it a day after the lead time, at a cost per day while in force."""
        per_day = a.per_day * a.success_rate
        registration = work == "registration"
        measure = s.front.add(FrontMeasure(day + a.lead_time_days, per_day=per_day if registration else 0.0,
                                           assessments=0.0 if registration else per_day,
                                           cost_per_day_eur=a.cost_per_day_eur))
        capacity, unit_name, where = _FRONT_STAFF[work]
        s.event_log.append(_entry(s, day, "plan", "national", f"raise {capacity}",
                                  f"+{per_day:,.0f} {unit_name}{where} in {a.lead_time_days} days "
                                  f"(EUR {a.cost_per_day_eur:,.0f} a day)"))
        return _Done(a, unit, opened_day=day, measures=[measure])

    def _end_front_staff(self, s: State, day: int, d: _Done, work: str) -> None:
        self._end_measures(s, d)
        capacity, unit_name, _ = _FRONT_STAFF[work]
        removed = sum(m.per_day if work == "registration" else m.assessments for m in d.measures)
        s.event_log.append(_entry(s, day, "plan", "national", f"lower {capacity}", f"-{removed:,.0f} {unit_name}"))

    def _do_onward_placement(self, s: State, day: int, unit: int, a: Action) -> _Done:
        measure = s.front.add(FrontMeasure(day + a.lead_time_days, after_days=a.after_days,
                                           cost_per_day_eur=a.cost_per_day_eur))
        s.event_log.append(_entry(s, day, "plan", "national", "onward placement from registration",
                                  f"after {a.after_days} days at the registration location screening continues at a "
                                  f"process location, from day {day + a.lead_time_days}"))
        return _Done(a, unit, opened_day=day, measures=[measure])

    def _undo_onward_placement(self, s: State, day: int, d: _Done) -> None:
        self._end_measures(s, d)
        s.event_log.append(_entry(s, day, "plan", "national", "end onward placement",
                                  "screening stays at the registration location"))

    def _do_relief_places(self, s: State, day: int, unit: int, a: Action) -> _Done:
        """Beds near the registration centre where people waiting to register or in screening
        sleep (2022: sports halls in Stadskanaal and Veendam, bused from Ter Apel at night):
        locations of the crisis location size in the municipalities nearest to the centre (not
        its own: Ter Apel's agreement caps it), each realised with `success_rate`, paid per
        person-night like crisis emergency reception."""
        self.round_no += 1
        L, m = s.locs, s.munis
        centre = self._centre_municipality(s)
        near = np.argsort(s.world.network.distance_km[centre], kind="stable")
        near = near[near != centre]
        n = min(max(1, round(a.places / s.params.portfolio.mean_location_places["crisis"])), len(near))
        hosts = near[:n]
        per = np.full(n, a.places // n, np.int64)
        per[: a.places - int(per.sum())] += 1
        ok = answer_requests(hosts, np.full(m.n, a.success_rate), self._round_key(s, SITE_RELIEF))
        opened = [open_places(s, Kind.CENTRAL, int(q), day + a.lead_time_days, a.duration_days,
                              self.provinces[int(m.province[h])], "Relief places (registration)", host=int(h))
                  for h, q in zip(hosts[ok], per[ok])]
        locs = np.concatenate(opened) if opened else np.empty(0, np.int64)
        L.cost_person_night[locs] = s.params.costs.crisis_per_person_night
        L.cost_place_night[locs] = 0.0        # paid per person-night only: an empty relief bed costs nothing
        self._opened = np.concatenate([self._opened, locs])
        s.event_log.append(_entry(s, day, "plan", "national", "relief places near the registration centre",
                                  f"asked {a.places:,} in {n} municipalities, delivered {int(per[ok].sum()):,} "
                                  f"opening in {a.lead_time_days} days"))
        return _Done(a, unit, locs, None, day, asked=a.places)

    def _undo_relief_places(self, s: State, day: int, d: _Done) -> None:
        self._wind_down(s, day, d, "close relief places")

    def _do_open_registration_site(self, s: State, day: int, unit: int, a: Action) -> _Done:
        """A second registration location (aanmeldcentrum; 2022: Budel, and Bant planned) with its
        own beds and registrations per day, counted while it is open. It is realised with
        `success_rate` (Bant was dropped for want of local support)."""
        self.round_no += 1
        province = a.province or self._site_province(s)
        p = self.provinces.index(province)
        ok = answer_requests(np.array([p]), np.full(len(self.provinces), a.success_rate),
                             self._round_key(s, SITE_REGISTRATION))[0]
        locs, measures = np.empty(0, np.int64), []
        if ok:
            locs = open_places(s, Kind.CENTRAL, a.places, day + a.lead_time_days, a.duration_days, province,
                               "Registration site (plan)")
            measures = [s.front.add(FrontMeasure(day + a.lead_time_days, per_day=a.per_day, site=int(locs[0]),
                                                 cost_per_day_eur=a.cost_per_day_eur))]
            self._opened = np.concatenate([self._opened, locs])
        where = s.munis.names[int(s.locs.municipality[locs[0]])] if ok else ""
        s.event_log.append(_entry(s, day, "plan", province, "open a registration site",
                                  f"{a.places:,} places and {a.per_day:,.0f} registrations a day in {where}, opening "
                                  f"in {a.lead_time_days} days" if ok else "not realised (no local agreement)"))
        return _Done(a, unit, locs, None, day, measures=measures, asked=a.places)

    def _undo_open_registration_site(self, s: State, day: int, d: _Done) -> None:
        self._end_measures(s, d)
        self._wind_down(s, day, d, "close the registration site")

    @staticmethod
    def _end_measures(s, d: _Done) -> None:
        for measure in d.measures:
            s.front.remove(measure)

    def _site_province(self, s) -> str:
        """Default province of a second registration site: the largest by distribution key,
        other than the registration centre's (the same when the world has one province)."""
        centre = int(s.munis.province[self._centre_municipality(s)])
        key = self.key.copy()
        if len(key) > 1:
            key[centre] = -1
        return self.provinces[int(np.argmax(key))]

    def _wind_down(self, s, day, d: _Done, what: str) -> None:
        """Scale-down of registration locations: cancel what has not opened; the open ones take
        nobody new and close once their residents have registered and moved on."""
        L = s.locs
        planned = d.locations[L.life[d.locations] == Life.PLANNED]
        L.life[planned] = Life.CLOSED
        opened = d.locations[L.life[d.locations] == Life.OPEN]
        L.life[opened] = Life.CLOSING
        s.event_log.append(_entry(s, day, "plan", "national", what,
                                  f"{int(L.capacity[opened].sum()):,} places closing as residents move on, "
                                  f"{int(L.capacity[planned].sum()):,} planned places cancelled"))

    # --- where -----------------------------------------------------------------------------
    def _where(self, unit: int) -> str:
        return "national" if unit < 0 else self.provinces[unit]


_REISSUED = ("request_places", "relief_places", "open_registration_site")


@dataclass(frozen=True)
class ActionRule:
    """What a plan action does when its rung is reached (`do`: returns what it did) and how
    scale-down takes exactly that back (`undo`)."""

    do: Callable[[PlanRuntime, State, int, int, Action], _Done]      # (runtime, state, day, unit, action)
    undo: Callable[[PlanRuntime, State, int, _Done], None]           # (runtime, state, day, what was done)


# The registry of plan actions: one entry per ActionType of the scenario (checked below).
ACTIONS: dict[ActionType, ActionRule] = {
    "raise_occupancy": ActionRule(PlanRuntime._do_raise_occupancy, PlanRuntime._undo_raise_occupancy),
    "activate_reserve": ActionRule(PlanRuntime._do_activate_reserve, PlanRuntime._undo_activate_reserve),
    "request_places": ActionRule(PlanRuntime._do_request_places, PlanRuntime._undo_request_places),
    "raise_registration": ActionRule(PlanRuntime._do_raise_registration, PlanRuntime._undo_raise_registration),
    "raise_assessment": ActionRule(PlanRuntime._do_raise_assessment, PlanRuntime._undo_raise_assessment),
    "open_registration_site": ActionRule(PlanRuntime._do_open_registration_site,
                                         PlanRuntime._undo_open_registration_site),
    "relief_places": ActionRule(PlanRuntime._do_relief_places, PlanRuntime._undo_relief_places),
    "onward_placement": ActionRule(PlanRuntime._do_onward_placement, PlanRuntime._undo_onward_placement),
}
if set(ACTIONS) != set(typing.get_args(ActionType)):
    raise ImportError(f"model.plan.ACTIONS and scenario.ActionType differ: "
                      f"{sorted(set(ACTIONS) ^ set(typing.get_args(ActionType)))}")


def _entry(s, day: int, source: str, where: str, what: str, detail: str) -> dict:
    return {"day": day, "date": str(s.world.dates[day]), "source": source, "where": where,
            "what": what, "detail": detail}


def install(s) -> None:
    """Hook the plan into the day when the scenario enables it."""
    if s.params.plan.enabled:
        runtime = PlanRuntime(s, s.params.plan)
        s.plan = runtime
        s.extensions.append(runtime)
