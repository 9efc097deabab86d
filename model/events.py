"""Scheduled events: changes on a given date, written in the scenario (and exercise injects).

* `set` / `scale` — a parameter (dotted path into the scenario) gets a new value or is multiplied;
  the yearly inflow levels (`inflow.first_applications_per_year`, `…family_reunification_per_year`)
  re-plan this run's expected arrivals from that day on (`_replan_inflow`);
* `close` — open locations of a kind (optionally in one province) close until the given places
  are gone (largest first; force majeure, a lost location, a contract cliff); a closure with an
  `id` is kept (`State.closures`) so that
* `reopen` — a later event naming that id opens the same locations again, with their places
  (the flooded locations usable again);
* `open`  — new places of a kind open after a lead time (in the province's largest municipality,
  or spread by population over all provinces when none is named);
* `raise` — open locations of a kind (optionally in one province) take up to `value` x their normal
  places (raised occupancy, the ladder's first rung, as a decision);
* `request_regime` — the Netherlands asks for one of the scenario's EU 2024/1359 regimes now
  (authorisation follows after the regime's delay, `model.regimes`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from agents.locations import Kind, Life
from agents.moves import Reason
from model.placement import close_locations
from model.scenario import KIND_KEYS, Event, ScenarioError, did_you_mean, get_path
from model.state import Closure


def set_path(obj, path: str, value) -> None:
    """Set the parameter at a dotted path; whole numbers keep the field's type (int or bool)."""
    *parents, last = path.split(".")
    target = get_path(obj, ".".join(parents)) if parents else obj
    current = target[last] if isinstance(target, dict) else getattr(target, last)
    if isinstance(current, int) and float(value).is_integer():
        value = type(current)(value)
    if isinstance(target, dict):
        target[last] = value
    else:
        setattr(target, last, value)


def apply_events(s, day: int) -> None:
    for e in s.scheduled.get(day, ()):
        apply_event(s, e, day)


def apply_event(s, e: Event, day: int) -> None:
    if e.action in ("set", "scale"):
        assert e.parameter is not None and e.value is not None   # checked at load (Event)
        old = get_path(s.params, e.parameter)
        set_path(s.params, e.parameter, e.value if e.action == "set" else old * e.value)
        if e.parameter in _INFLOW_LEVELS:
            _replan_inflow(s, _INFLOW_LEVELS[e.parameter], old, get_path(s.params, e.parameter), day)
    elif e.action == "close":
        assert e.places is not None   # checked at load (Event)
        idx = _matching(s, e)
        idx = idx[np.argsort(-s.locs.capacity[idx], kind="stable")]
        n = int(np.searchsorted(np.cumsum(s.locs.capacity[idx]), e.places, side="left")) + 1
        closed = int(s.locs.capacity[idx[:n]].sum())
        if e.id is not None:
            assert e.kind is not None   # checked at load (Event)
            s.closures[e.id] = Closure(day, e.kind, e.province, idx[:n].copy(), closed)
        close_locations(s, idx[:n], day, Reason.LOCATION_CLOSING)
        detail = _closed(e, closed, len(idx[:n]))
    elif e.action == "reopen":
        assert e.closure is not None   # checked at load (Event, check_closures) or by check_reopen
        detail = reopen(s, e, day)
    elif e.action == "open":
        assert e.kind is not None and e.places is not None   # checked at load (Event)
        open_places(s, Kind[e.kind.upper()], e.places, day + e.lead_time_days,
                    e.duration_days, e.province, e.label or f"{e.kind} (event)")
    elif e.action == "raise":
        assert e.kind is not None and e.value is not None   # checked at load (Event)
        detail = raise_occupancy(s, _matching(s, e), e.value)
    elif e.action == "request_regime":
        # checked at load: one of the scenario's regimes, so the run has a regime runtime
        assert e.regime is not None and s.regimes is not None
        detail = s.regimes.request(e.regime, day)
    if e.action not in ("raise", "request_regime", "close", "reopen"):
        detail = _detail(e)
    if e.label and e.action not in ("close", "reopen"):     # (their detail names the label and what they did)
        detail = e.label
    province, what = e.province, e.parameter or e.kind or e.regime
    if e.action == "reopen":
        c = s.closures[e.closure]
        province, what = c.province, c.kind
    s.event_log.append({"day": day, "date": str(s.world.dates[day]), "source": "event",
                        "where": province or "national", "what": f"{e.action} {what}", "detail": detail})


def reopen(s, e: Event, day: int) -> str:
    """Open again the locations the closure `e.closure` closed, with their places; returns what
    reopened, in words. Their residents moved elsewhere when they closed and stay there; the places
    fill as placement uses them. A location whose contract ended while it was closed is renewed by
    the kind's usual chance (the keyed draw of a contract end, `LocationRules.renew`); one not
    renewed stays closed (its places were lost with the closure already: no replacement site)."""
    c: Closure = s.closures[e.closure]
    L = s.locs
    idx = c.locations[L.life[c.locations] == Life.CLOSED]    # (nothing else opens a closed location)
    ended = idx[L.contract_end[idx] <= day]
    lapsed = ended[:0]
    if len(ended):
        pf = s.params.portfolio
        renew_p = np.array([pf.renewal_probability[k] for k in KIND_KEYS])
        lapsed = ended[~s.actors.locations.renew(L, ended, renew_p, pf.seed)]
        idx = idx[~np.isin(idx, lapsed)]
    L.life[idx] = Life.OPEN
    c.reopened = day
    places = int(L.capacity[idx].sum())
    what = (f"{places:,} {c.kind} places in {len(idx)} location{'s' if len(idx) != 1 else ''} reopened "
            f"(closed on {s.world.dates[c.day]} by '{e.closure}')")
    if len(lapsed):
        what += (f"; {len(lapsed)} location{'s' if len(lapsed) != 1 else ''} with {int(L.capacity[lapsed].sum()):,} "
                 f"places stay{'s' if len(lapsed) == 1 else ''} closed: the contract ended while closed and was "
                 f"not renewed")
    return f"{e.label}: {what}" if e.label else what


def check_reopen(s, e: Event) -> None:
    """A decision taken during a run (`ReceptionModel.apply`) against the run's closures: a `reopen`
    names a closure the run has made and not reopened yet; a `close` with an id does not take an id
    the run or the scenario's events use already. Raises ScenarioError (one line)."""
    if e.action == "close" and e.id is not None:
        scheduled = [i for i, x in enumerate(s.sc.events) if x.action == "close" and x.id == e.id]
        if e.id in s.closures or scheduled:
            whose = f"the scenario's events.{scheduled[0]}" if scheduled else "an earlier decision"
            raise ScenarioError(f"decision: id: {e.id!r} already names a closure of this run ({whose}); "
                                f"give this closure its own id")
    if e.action != "reopen":
        return
    assert e.closure is not None   # (Event._complete)
    c = s.closures.get(e.closure)
    if c is None:
        known = list(s.closures)
        hint = did_you_mean(e.closure, known) or (f" (closures so far: {', '.join(map(repr, known))})" if known
                                                  else " (none so far)")
        raise ScenarioError(f"decision: closure: no closure with the id {e.closure!r} has happened in this run{hint}")
    if c.reopened >= 0:
        raise ScenarioError(f"decision: closure: {e.closure!r} was reopened already on {s.world.dates[c.reopened]}; "
                            f"a closure reopens once")


def raise_occupancy(s, idx: np.ndarray, factor: float) -> str:
    """Let the locations `idx` take up to `factor` x their normal places (capped at their maximum);
    places already raised further stay. Returns what changed, in words."""
    L = s.locs
    before = int(L.extra[idx].sum())
    raised = (np.minimum(L.max_capacity[idx], np.floor(L.capacity[idx] * factor).astype(np.int64))
              - L.capacity[idx])
    L.extra[idx] = np.maximum(L.extra[idx], raised)
    return f"+{int(L.extra[idx].sum()) - before:,} places at {len(idx)} locations (x {factor:g})"


# yearly inflow levels -> the InflowPlan array they drive
_INFLOW_LEVELS = {"inflow.first_applications_per_year": "first", "inflow.family_reunification_per_year": "family"}


def _replan_inflow(s, name: str, old: float, new: float, day: int) -> None:
    """Expected arrivals are planned once per world (`model.inflow`), so a new yearly level only
    acts through this: this run's plan from `day` on is multiplied by new ÷ old (seasonality,
    monthly series and shocks keep their shape; from a level of 0 the new level is spread evenly).
    The world is shared by runs, so the run gets its own copy of the world with its own plan, which
    names the world built from the scenario (`World.built`: a snapshot refers to it and keeps the plan)."""
    plan = s.world.inflow
    series = getattr(plan, name).copy()
    if old > 0:
        series[day:] *= new / old
    else:
        series[day:] = new / 365.25
    s.world = dataclasses.replace(s.world, inflow=dataclasses.replace(plan, **{name: series}),
                                  built=s.world.built or s.world)


def _closed(e: Event, places: int, locations: int) -> str:
    """What a `close` did, in the event log: the places and locations closed, and why they differ from
    the places asked (whole locations close, largest first; a kind or province may hold fewer)."""
    assert e.places is not None
    what = f"{places:,} {e.kind} places in {locations} location{'s' if locations != 1 else ''} closed"
    if places < e.places:
        what += f" ({e.places:,} asked: no more were open{' in ' + e.province if e.province else ''})"
    elif places > e.places:
        what += f" ({e.places:,} asked: whole locations close)"
    return f"{e.label}: {what}" if e.label else what


def _detail(e: Event) -> str:
    if e.action in ("set", "scale"):
        return f"{'=' if e.action == 'set' else 'x'} {e.value:g}"
    return f"{e.places:,} places" + (f" after {e.lead_time_days} days" if e.lead_time_days else "")


def _matching(s, e: Event) -> np.ndarray:
    assert e.kind is not None   # checked at load (Event)
    sel = (s.locs.life == Life.OPEN) & (s.locs.kind == Kind[e.kind.upper()])
    if e.province:
        sel &= s.munis.province[s.locs.municipality] == s.world.provinces.index(e.province)
    return np.flatnonzero(sel)


def by_largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to `weights` that sum to `total`: each rounded down, and the
    places left over one each to the largest fractions (ties: the first in order). Every part is
    within one of its exact share (the national opens here, the plan's national requests)."""
    raw = total * weights / weights.sum()
    split = np.floor(raw).astype(np.int64)
    split[np.argsort(-(raw - split), kind="stable")[: total - int(split.sum())]] += 1
    return split


def open_places(s, kind: int, places: int, open_day: int, duration_days: int | None,
                province: str | None, label: str, host: int | None = None) -> np.ndarray:
    """Add locations with `places` places opening on `open_day`; returns their indexes.

    The host is `host` when given, else the province's largest municipality, else places are
    spread over all provinces by population (one location in each province's largest; the places
    left by rounding down go to the provinces with the largest fractions, not all to the first).
    """
    m = s.munis
    if host is not None:
        hosts, split = [host], [places]
    elif province:
        members = np.flatnonzero(m.province == s.world.provinces.index(province))
        hosts = [int(members[np.argmax(m.population[members])])]
        split = [places]
    else:
        hosts = [int(np.flatnonzero(m.province == p)[np.argmax(m.population[m.province == p])])
                 for p in range(len(s.world.provinces))]
        share = np.array([m.population[m.province == p].sum() for p in range(len(s.world.provinces))], float)
        split = by_largest_remainder(places, share).tolist()
    pf, costs = s.params.portfolio, s.params.costs
    name = KIND_KEYS[kind]
    term = duration_days or pf.contract_term_days[name]
    rows = [(f"{label} {m.names[h]}", h, int(n)) for h, n in zip(hosts, split) if n > 0]
    return s.locs.append(
        [r[0] for r in rows], kind=np.full(len(rows), int(kind)), municipality=[r[1] for r in rows],
        capacity=[r[2] for r in rows],
        max_capacity=[int(r[2] * pf.max_occupancy_factor) for r in rows],
        life=np.full(len(rows), Life.PLANNED if open_day > s.day else Life.OPEN),
        open_day=np.full(len(rows), open_day), contract_end=np.full(len(rows), open_day + term),
        term_days=np.full(len(rows), term),
        cost_person_night=np.full(len(rows), costs.per_resident_per_year[name] / 365.0
                                  + (costs.crisis_per_person_night if kind == Kind.CRISIS else 0.0)),
        cost_place_night=np.full(len(rows), costs.per_resident_per_year[name] / 365.0),
        synthetic=np.ones(len(rows), bool))
