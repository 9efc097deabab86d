"""The contingency plan (noodplan verhoogde instroom): a ladder of phases read from the scenario.

    0 normal → 1 raised occupancy → 2 reserve capacity → 3 emergency reception (noodopvang)
             → 4 crisis emergency reception (crisisnoodopvang, by the 25 safety regions)

Each phase activates when ANY of its triggers has held for its number of days, and deactivates
when ALL of its deactivation triggers have held (hysteresis) and it has been active for its
minimum dwell time. The ladder moves one rung a day; scale-down undoes each phase's actions in
reverse order. With `scope: province` every province climbs its own ladder on its own
occupancy, and its actions stay in the province.

`Ladder` is the pure state machine (testable on hand-made indicator series); `PlanRuntime` reads
the indicators from the state each day, runs the ladder and carries out the actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.columns import filled
from agents.locations import Kind, Life
from agents.municipalities import acceptance_chance, answer_requests, pull_to_neighbours, recover
from model import data
from model.events import open_places, raise_occupancy
from model.scenario import Action, Phase, Plan

INDICATORS = ("occupancy", "occupancy_normal", "central_occupancy", "unsheltered", "registration_backlog", "forecast_shortfall")
_NOT_HOUSING = (Kind.CENTRAL, Kind.BORDER)
_KIND_INDEX = {k.name.lower(): int(k) for k in Kind}


@dataclass
class Change:
    """One phase change of one unit."""

    unit: int
    old: int
    new: int
    trigger: str       # which trigger(s) made it happen


class Ladder:
    """Phase per unit (nation or province), moved by indicator values day by day."""

    def __init__(self, phases: list[Phase], n_units: int) -> None:
        self.phases = phases
        self.phase = np.zeros(n_units, np.int64)
        self.since = np.zeros(n_units, np.int64)   # day the current phase began
        # Every trigger of every phase (activation and deactivation) is a row of one table, so a
        # day updates all their counts at once. `_held[row]` counts the consecutive days the
        # trigger has held, per unit; `_up[phase][i]` and `_down[phase][i]` are views of its rows.
        triggers = [t for p in phases for t in (*p.activate, *p.deactivate)]
        self._indicators = sorted({t.indicator for t in triggers})
        self._row_indicator = np.array([self._indicators.index(t.indicator) for t in triggers], np.int64)
        self._above = np.array([t.above is not None for t in triggers])[:, None]
        self._bound = np.array([t.above if t.above is not None else t.below for t in triggers], float)[:, None]
        self._held = np.zeros((len(triggers), n_units), np.int64)
        self._values = np.zeros((len(self._indicators), n_units))   # today's values, per indicator
        self._up, self._down = [], []
        rows = iter(self._held)
        for p in phases:
            self._up.append([next(rows) for _ in p.activate])
            self._down.append([next(rows) for _ in p.deactivate])

    @staticmethod
    def _holds(trigger, values: dict[str, np.ndarray]) -> np.ndarray:
        v = values[trigger.indicator]
        return v >= trigger.above if trigger.above is not None else v < trigger.below

    def update(self, day: int, values: dict[str, np.ndarray]) -> list[Change]:
        """Advance one day given each indicator's value per unit; returns the changes."""
        if len(self._held):
            for i, name in enumerate(self._indicators):
                self._values[i] = values[name]
            v = self._values[self._row_indicator]   # per trigger and unit
            holds = np.where(self._above, v >= self._bound, v < self._bound)
            np.multiply(self._held + 1, holds, out=self._held)   # count up while it holds, else 0
        changes = []
        for u in range(len(self.phase)):
            c = int(self.phase[u])
            if c < len(self.phases):
                nxt = self.phases[c]
                fired = [t for t, n in zip(nxt.activate, self._up[c]) if n[u] >= t.days]
                if fired:
                    changes.append(Change(u, c, c + 1, "; ".join(_describe(t) for t in fired)))
                    continue
            if c > 0:
                cur = self.phases[c - 1]
                if (day - self.since[u] >= cur.min_dwell_days
                        and all(n[u] >= t.days for t, n in zip(cur.deactivate, self._down[c - 1]))):
                    changes.append(Change(u, c, c - 1, "; ".join(_describe(t) for t in cur.deactivate)))
        for ch in changes:
            self.phase[ch.unit] = ch.new
            self.since[ch.unit] = day
        return changes


def _describe(t) -> str:
    bound = f">= {t.above:g}" if t.above is not None else f"< {t.below:g}"
    return f"{t.indicator} {bound} for {t.days} day{'s' if t.days > 1 else ''}"


@dataclass
class _Done:
    """What an activated action did, so scale-down can undo exactly that."""

    action: Action
    locations: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    previous_extra: np.ndarray | None = None
    opened_day: int = 0


class PlanRuntime:
    """Installs the plan into a state: indicators, ladder, actions, and the plan's log."""

    def __init__(self, s, plan: Plan) -> None:
        self.plan = plan
        self.provinces = s.world.provinces
        self.by_province = plan.scope == "province"
        self.n_units = len(self.provinces) if self.by_province else 1
        self.ladder = Ladder(plan.phases, self.n_units)
        self.done: dict[tuple[int, int], list[_Done]] = {}
        self.round_no = 0
        self._draining = np.empty(0, np.int64)   # locations whose raised places shrink as residents leave
        self._today: dict[str, np.ndarray] = {}  # today's indicator values
        self._groups_n = -1                      # locations covered by the cached unit groups
        self.last_willingness_day = 0
        targets = data.provincial_targets(s.sc.country)
        self.key = np.array([targets.get(p, 0) for p in self.provinces], float)
        if self.key.sum() == 0:
            self.key = np.ones(len(self.provinces))

    # --- indicators --------------------------------------------------------------------
    def indicators(self, s, day: int) -> dict[str, np.ndarray]:
        L = s.locs
        housing, central = self._location_groups(s)
        open_ = L.life == Life.OPEN
        in_closing = housing @ (L.occupancy * (L.life == Life.CLOSING))
        normal = housing @ (L.capacity * open_) + in_closing
        usable = normal + housing @ (L.extra * open_)
        in_bed = housing @ L.occupancy
        occupancy = np.divide(in_bed, usable, out=filled(self.n_units, 9.99), where=usable > 0)
        occupancy_normal = np.divide(in_bed, normal, out=filled(self.n_units, 9.99), where=normal > 0)
        cap_c = L.capacity[central & open_].sum()
        central_occ = L.occupancy[central].sum() / cap_c if cap_c else 9.99
        population = s.people.entitled()
        unsheltered = population - int(L.occupancy.sum())
        x = s.recorder.scalars
        lo = max(0, day - self.plan.forecast_window_days)
        if day > lo:
            inflow = (x["arrivals"][lo:day].sum()) / (day - lo)
            outflow = (x["exits_housed"][lo:day] + x["exits_departed"][lo:day] + x["exits_transferred"][lo:day]).sum() / (day - lo)
        else:
            inflow = outflow = 0.0
        pipeline = L.capacity[L.life == Life.PLANNED].sum()
        projected = population + 7 * self.plan.forecast_weeks * (inflow - outflow)
        shortfall = projected - (int(L.places().sum()) + pipeline)
        ones = np.ones(self.n_units)
        return {"occupancy": occupancy, "occupancy_normal": occupancy_normal, "central_occupancy": central_occ * ones,
                "unsheltered": unsheltered * ones, "registration_backlog": s.people.stage_persons[0] * ones,
                "forecast_shortfall": shortfall * ones}

    def _location_groups(self, s) -> tuple[np.ndarray, np.ndarray]:
        """0/1 matrix (unit x location) of the housing locations (not central, not border) of
        each unit, and the central-location mask; rebuilt only when locations were added.
        Sums by matrix product are exact (integer sums far below 2**53)."""
        L = s.locs
        if self._groups_n != L.n:
            unit = s.munis.province[L.municipality] if self.by_province else np.zeros(L.n, np.int64)
            housing = np.zeros((self.n_units, L.n))
            housing[unit, np.arange(L.n)] = ~np.isin(L.kind, _NOT_HOUSING)
            self._groups = housing, L.kind == Kind.CENTRAL
            self._groups_n = L.n
        return self._groups

    # --- the daily step ----------------------------------------------------------------
    def __call__(self, s, day: int) -> None:
        values = self.indicators(s, day)
        self._today = values
        for ch in self.ladder.update(day, values):
            where = self.provinces[ch.unit] if self.by_province else "national"
            name = self.plan.phases[max(ch.new, ch.old) - 1].name
            verb = "scale-up to" if ch.new > ch.old else "scale-down from"
            s.event_log.append(_entry(s, day, "plan", where, f"{verb} phase {max(ch.new, ch.old)} ({name})",
                                      f"trigger: {ch.trigger}; phase {ch.old} -> {ch.new}"))
            if ch.new > ch.old:
                self._activate(s, day, ch.unit, ch.new)
            else:
                self._deactivate(s, day, ch.unit, ch.old)
        self._reissue_expired(s, day)
        self._drain_raised(s)
        s.recorder.extra["phase"][day] = int(self.ladder.phase.max())
        s.recorder.province_phase[day] = (self.ladder.phase if self.by_province else self.ladder.phase[0])

    # --- actions -----------------------------------------------------------------------
    def _unit_mask(self, s, unit: int) -> np.ndarray:
        if not self.by_province:
            return np.ones(s.locs.n, bool)
        return s.munis.province[s.locs.municipality] == unit

    def _activate(self, s, day: int, unit: int, phase: int) -> None:
        done = []
        for action in self.plan.phases[phase - 1].actions:
            done.append(getattr(self, f"_do_{action.type}")(s, day, unit, action))
        self.done[(unit, phase)] = done

    def _deactivate(self, s, day: int, unit: int, phase: int) -> None:
        for d in reversed(self.done.pop((unit, phase), [])):
            getattr(self, f"_undo_{d.action.type}")(s, day, d)

    def _do_raise_occupancy(self, s, day, unit, a: Action) -> _Done:
        L = s.locs
        kinds = [_KIND_INDEX[k] for k in a.kinds]
        sel = np.flatnonzero(self._unit_mask(s, unit) & (L.life == Life.OPEN) & np.isin(L.kind, kinds))
        previous = L.extra[sel].copy()
        detail = raise_occupancy(s, sel, a.factor)
        s.event_log.append(_entry(s, day, "plan", self._where(unit), "raise occupancy", detail.split(" (x ")[0]))
        return _Done(a, sel, previous, day)

    def _undo_raise_occupancy(self, s, day, d: _Done) -> None:
        # no one is evicted: extra places shrink as residents leave (see _drain_raised)
        L = s.locs
        L.extra[d.locations] = np.minimum(L.extra[d.locations],
                                          np.maximum(L.occupancy[d.locations] - L.capacity[d.locations], d.previous_extra))
        self._draining = np.union1d(self._draining, d.locations)
        s.event_log.append(_entry(s, day, "plan", self._where_loc(s, d), "lower occupancy norm",
                                  f"{len(d.locations)} locations back to normal places as residents leave"))

    def _drain_raised(self, s) -> None:
        draining = self._draining
        if len(draining) == 0:
            return
        L = s.locs
        active = set()
        for (u, p), dones in self.done.items():
            for d in dones:
                if d.action.type == "raise_occupancy":
                    active.update(d.locations.tolist())
        keep = ~np.isin(draining, list(active)) if active else np.ones(len(draining), bool)
        draining = draining[keep]
        L.extra[draining] = np.minimum(L.extra[draining], np.maximum(L.occupancy[draining] - L.capacity[draining], 0))
        self._draining = draining[L.extra[draining] > 0]

    def _do_activate_reserve(self, s, day, unit, a: Action) -> _Done:
        L = s.locs
        cand = np.flatnonzero(self._unit_mask(s, unit) & (L.life == Life.RESERVE))
        deliver = int(round(a.places * a.success_rate))
        n = int(np.searchsorted(np.cumsum(L.capacity[cand]), deliver, side="left")) + 1 if deliver > 0 else 0
        chosen = cand[:n]
        L.life[chosen] = Life.PLANNED
        L.open_day[chosen] = day + a.lead_time_days
        s.event_log.append(_entry(s, day, "plan", self._where(unit), "activate reserve places",
                                  f"asked {a.places:,}, delivered {int(L.capacity[chosen].sum()):,} "
                                  f"opening in {a.lead_time_days} days"))
        return _Done(a, chosen, None, day)

    def _undo_activate_reserve(self, s, day, d: _Done) -> None:
        L = s.locs
        planned = d.locations[L.life[d.locations] == Life.PLANNED]
        L.life[planned] = Life.RESERVE
        opened = d.locations[L.life[d.locations] == Life.OPEN]
        L.life[opened] = Life.CLOSING
        s.closing_to_reserve.update(opened.tolist())
        s.event_log.append(_entry(s, day, "plan", self._where_loc(s, d), "release reserve places",
                                  f"{int(L.capacity[opened].sum()):,} places back to reserve after residents move"))

    def _do_request_places(self, s, day, unit, a: Action) -> _Done:
        self.round_no += 1
        kind = Kind[a.kind.upper()]
        provinces = [unit] if self.by_province else list(range(len(self.provinces)))
        opened = []
        asked_total = delivered = 0
        m = s.munis
        if a.via == "coa":
            # COA contracts places itself (hotels, ships, event halls), spread over provinces by key
            key = self.key[provinces] / self.key[provinces].sum()
            split = np.floor(a.places * key).astype(np.int64)
            split[np.argmax(key)] += a.places - split.sum()
            for p, places in zip(provinces, split):
                asked_total += int(places)
                ok = answer_requests(np.array([p]), np.full(max(m.n, len(self.provinces)), a.success_rate),
                                     self.round_no * 131 + p)[0]
                if ok and places > 0:
                    opened.append(open_places(s, kind, int(places), day + a.lead_time_days, a.duration_days,
                                              self.provinces[p], f"{kind.name.capitalize()} (COA contract)"))
                    delivered += int(places)
        elif a.via == "safety_regions":
            regions = sorted({int(r) for r in m.region[np.isin(m.province, provinces)]})
            share = a.places / max(len(regions), 1)
            for r in regions:
                members = np.flatnonzero(m.region == r)
                host = int(members[np.argmax(m.population[members])])
                asked_total += int(round(share))
                ok = answer_requests(np.array([host]), np.full(m.n, a.success_rate), self.round_no * 97 + r)[0]
                if ok and share >= 1:
                    opened.append(open_places(s, kind, int(round(share)), day + a.lead_time_days, a.duration_days,
                                              self.provinces[int(m.province[host])], f"Crisisnoodopvang {s.world.regions[r]}",
                                              host=host))
                    delivered += int(round(share))
        else:
            self._update_willingness(s, day)
            key = self.key[provinces] / self.key[provinces].sum()
            asked_prov = np.floor(a.places * key).astype(np.int64)
            asked_prov[np.argmax(key)] += a.places - asked_prov.sum()
            load = self._load(s)
            chance = acceptance_chance(m.willingness, load, s.sc.municipalities.load_weight)
            for p, asked in zip(provinces, asked_prov):
                members = np.flatnonzero(m.province == p)
                size = s.sc.portfolio.mean_location_places[a.kind]
                n_ask = max(1, int(round(asked / size)))
                ask = members[np.argsort(load[members], kind="stable")][: n_ask]   # furthest below their key first
                per = np.full(len(ask), asked // len(ask))
                per[: asked - per.sum()] += 1
                asked_total += int(asked)
                yes = answer_requests(ask, chance, self.round_no)
                m.accepted[ask[yes]] += 1
                m.refused[ask[~yes]] += 1
                m.willingness[ask[yes]] = np.maximum(m.willingness[ask[yes]] - s.sc.municipalities.fatigue_per_request, 0)
                for host, places in zip(ask[yes], per[yes]):
                    if places > 0:
                        opened.append(open_places(s, kind, int(places), day + a.lead_time_days, a.duration_days,
                                                  self.provinces[p], f"{kind.name.capitalize()} (plan)", host=int(host)))
                        delivered += int(places)
        locs = np.concatenate(opened) if opened else np.empty(0, np.int64)
        s.event_log.append(_entry(s, day, "plan", self._where(self._unit_of(provinces)),
                                  f"request {a.kind} places via {a.via.replace('_', ' ')}",
                                  f"asked {asked_total:,}, delivered {delivered:,} "
                                  f"({delivered / max(asked_total, 1):.0%}), opening in {a.lead_time_days} days"))
        return _Done(a, locs, None, day)

    def _undo_request_places(self, s, day, d: _Done) -> None:
        """Cancel what has not opened; close opened places only as far as their residents fit
        in the vacancy elsewhere (the rest run off when their contracts end). The order follows
        the placement policy: costliest first (standard) or emptiest first (min_moves)."""
        L = s.locs
        planned = d.locations[L.life[d.locations] == Life.PLANNED]
        L.life[planned] = Life.CLOSED
        opened = d.locations[L.life[d.locations] == Life.OPEN]
        if s.sc.placement.policy == "min_moves":
            opened = opened[np.argsort(L.occupancy[opened], kind="stable")]
        else:
            opened = opened[np.argsort(-(L.cost_place_day[opened] + L.cost_person_night[opened]), kind="stable")]
        others = np.setdiff1d(np.flatnonzero(L.life == Life.OPEN), opened)
        room = int(0.5 * L.vacancy()[others].sum())
        n = int(np.searchsorted(np.cumsum(L.occupancy[opened]), room, side="right"))
        closing, kept = opened[:n], opened[n:]
        L.life[closing] = Life.CLOSING
        s.event_log.append(_entry(s, day, "plan", self._where_loc(s, d), f"close {d.action.kind} places",
                                  f"{int(L.capacity[closing].sum()):,} places closing, {int(L.capacity[kept].sum()):,} "
                                  f"kept until their contracts end, {int(L.capacity[planned].sum()):,} planned places cancelled"))

    def _reissue_expired(self, s, day: int) -> None:
        """While a phase is active its requests are made again: every `repeat_days`, and when
        all the places a request delivered have closed (crisis places last a limited time)."""
        L = s.locs
        for (unit, phase), dones in list(self.done.items()):
            for i, d in enumerate(list(dones)):
                if d.action.type != "request_places" or day <= d.opened_day:
                    continue
                expired = len(d.locations) > 0 and np.all(np.isin(L.life[d.locations], (Life.CLOSED, Life.CLOSING)))
                due = d.action.repeat_days is not None and day - d.opened_day >= d.action.repeat_days
                if due and not self._still_needed(unit, phase):
                    d.opened_day = day            # look again after another `repeat_days`
                    continue
                if expired or due:
                    again = self._do_request_places(s, day, unit, d.action)
                    if due and not expired:   # keep the earlier places: scale-down must close them too
                        again.locations = np.concatenate([d.locations, again.locations])
                    dones[i] = again

    def _still_needed(self, unit: int, phase: int) -> bool:
        """Is any activation trigger of the phase true today (regardless of its day count)?"""
        return any(bool(Ladder._holds(t, self._today)[unit]) for t in self.plan.phases[phase - 1].activate)

    def _update_willingness(self, s, day: int) -> None:
        m, mb = s.munis, s.sc.municipalities
        m.willingness = recover(m.willingness, m.base_willingness, day - self.last_willingness_day, mb.recovery_per_year)
        m.willingness = pull_to_neighbours(m.willingness, s.world.network.neighbour_mean, mb.neighbour_weight)
        self.last_willingness_day = day

    @staticmethod
    def _load(s) -> np.ndarray:
        """Places hosted per Spreidingswet place, per municipality."""
        L, m = s.locs, s.munis
        live = np.isin(L.life, (Life.OPEN, Life.PLANNED, Life.CLOSING))
        hosted = np.bincount(L.municipality[live], weights=L.capacity[live], minlength=m.n)
        return np.divide(hosted, m.reception_target, out=np.zeros(m.n), where=m.reception_target > 0)

    def _where(self, unit: int) -> str:
        return self.provinces[unit] if self.by_province else "national"

    def _unit_of(self, provinces: list[int]) -> int:
        return provinces[0] if self.by_province else 0

    def _where_loc(self, s, d: _Done) -> str:
        if not self.by_province or len(d.locations) == 0:
            return "national"
        return self.provinces[int(s.munis.province[s.locs.municipality[d.locations[0]]])]


def _entry(s, day: int, source: str, where: str, what: str, detail: str) -> dict:
    return {"day": day, "date": str(s.world.dates[day]), "source": source, "where": where,
            "what": what, "detail": detail}


def install(s) -> None:
    """Hook the plan into the day when the scenario enables it."""
    if s.sc.plan.enabled:
        runtime = PlanRuntime(s, s.sc.plan)
        s.plan = runtime
        s.extensions.append(runtime)
