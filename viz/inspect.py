"""Figures of one municipality, one location or one applicant, read from the public state.

The model keeps no per-household stage history, so an applicant's procedure stages are given as
arrival, track, current stage and the day it began; their moves come from the move log.
"""

from __future__ import annotations

import numpy as np

from agents.applicants import Stage
from agents.locations import KIND_NAMES, Life
from viz.labels import KIND_LABELS, REASON_LABELS, STAGE_LABELS, TRACK_LABELS
from viz.session import Session


def _date(session: Session, day: int) -> str:
    dates = session.state.world.dates
    if 0 <= day < len(dates):
        return str(dates[day])
    import datetime as dt
    return str(dates[0] + dt.timedelta(days=int(day)))


def municipality_facts(session: Session, i: int) -> list[tuple[str, str]]:
    s = session.state
    M, L = s.munis, s.locs
    here = np.flatnonzero(L.municipality == i)
    open_ = here[L.life[here] == Life.OPEN]
    places = int((L.capacity[open_] + L.extra[open_]).sum())
    occ = int(L.occupancy[here].sum())
    fair = M.population[i] / M.population.sum() * max(int(L.occupancy.sum()), 1)
    agent = session.model.municipality_agents[i]          # the model's Mesa agent for row i
    rows = [
        ("Municipality (gemeente)", f"{M.names[i]} ({M.codes[i]})"),
        ("Province", s.world.provinces[int(M.province[i])]),
        ("Safety region (veiligheidsregio)", s.world.regions[int(M.region[i])]),
        ("Inhabitants", f"{int(M.population[i]):,}"),
        ("Reception locations here", f"{len(here)} ({len(open_)} open)"),
        ("Persons in reception here", f"{occ:,} in {places:,} usable places"
         + (f" — occupancy {occ / places:.0%}" if places else "")),
        ("Load vs. distribution key (Spreidingswet)", f"{occ / fair:.2f} × its population share" if fair else "–"),
        ("Housing target this half-year (huisvestingstaakstelling)", f"{agent.housing_target:,} persons"),
        ("Housed this half-year", f"{agent.housed_this_half_year:,} persons"),
        ("Backlog", f"{agent.backlog:,} persons"),
        ("Housed since the start", f"{agent.housed_total:,} persons"),
    ]
    if hasattr(M, "willingness"):
        rows.append(("Willingness to host (0–1)", f"{float(M.willingness[i]):.2f}"))
    return rows


def location_facts(session: Session, j: int) -> list[tuple[str, str]]:
    """Read through the model's Mesa agent (`LocationAgent`, a view over row j)."""
    s = session.state
    L, M = s.locs, s.munis
    agent = session.model.location_agents[j]
    life = agent.life
    places = agent.places
    occ = agent.occupancy
    moves_in = int((s.log.destination == j).sum())
    moves_out = int(((s.log.origin == j) & (s.log.destination >= 0)).sum())
    rows = [
        ("Location", L.names[j] + (" (synthetic)" if L.synthetic[j] else "")),
        ("Kind", KIND_LABELS[KIND_NAMES[int(L.kind[j])]]),
        ("Municipality",
         f"{M.names[int(L.municipality[j])]} ({s.world.provinces[int(M.province[L.municipality[j]])]})"),
        ("State", life),
        ("Persons present", f"{occ:,} (of whom {agent.children:,} minors)"),
        ("Usable places", f"{places:,} (normal {int(L.capacity[j]):,}, raised +{int(L.extra[j]):,}, "
                          f"maximum {int(L.max_capacity[j]):,})"),
        ("Occupancy (bezettingsgraad)", f"{occ / places:.0%}" if places else "–"),
        ("Contract ends (bestuursovereenkomst)", _date(session, int(L.contract_end[j]))),
        ("Households in / out since the start", f"{moves_in:,} / {moves_out:,}"),
    ]
    return rows


def applicant_facts(session: Session, person: int) -> tuple[list[tuple[str, str]], list[dict]]:
    """Facts of one person and their path (one row per bed change, with its reason)."""
    a = session.model.applicant(person)
    s = session.state
    names = s.locs.names

    def where(j: int) -> str:
        if j < 0:
            return "—"
        return f"{names[j]} ({KIND_NAMES[int(s.locs.kind[j])]})"

    facts = [
        ("Person / household", f"{a.person} / {a.household} ({a.household_size} person(s))"),
        ("Minor", "yes" + (" — unaccompanied (amv)" if a.unaccompanied_minor else "") if a.minor else "no"),
        ("Special reception needs", "yes" if a.vulnerable else "no"),
        ("Arrived", f"{_date(session, a.arrival_day)} (day {a.arrival_day})"),
        ("Procedure track", TRACK_LABELS.get(a.track, a.track)),
        ("Current stage", f"{STAGE_LABELS.get(a.stage, a.stage)} since {_date(session, a.stage_since_day)}"),
        ("Now at", where(a.location) if a.stage in _ENTITLED else "left reception"),
        ("Linked municipality (koppeling)", s.munis.names[a.municipality] if a.municipality >= 0 else "—"),
        ("Moves between locations", str(a.moves)),
    ]
    # bed changes logged while the initial stock was placed (before day 0) are where the run found
    # them, not an intake: the model does not know how they got there
    log_rows = np.flatnonzero(s.log.household == a.household)
    initial = int((log_rows < session.initial_log_rows).sum())
    path = []
    for k, st in enumerate(a.path):
        at_start = k < initial
        path.append({"date": "at the start" if at_start else _date(session, st.day), "day": st.day,
                     "from": where(st.origin), "to": where(st.destination),
                     "reason": AT_START if at_start else REASON_LABELS.get(st.reason, st.reason),
                     "km": "–" if at_start or st.origin < 0 or st.destination < 0 else round(st.km, 1)})
    return facts, path


AT_START = "in reception when the run starts (initial stock; earlier moves not modelled)"


_ENTITLED = {Stage(k).name.lower() for k in range(Stage.HOUSED)}


def sample_person(session: Session, rng_seed: int = 0, in_reception: bool = True) -> int:
    """A person to look at: one who is in reception now (deterministic for a seed)."""
    p = session.state.people
    n = p.n_persons
    if n == 0:
        return 0
    rng = np.random.default_rng(rng_seed)
    for _ in range(200):
        k = int(rng.integers(0, n))
        if not in_reception or int(p.location[int(p.household_of(k))]) >= 0:
            return k
    return int(rng.integers(0, n))
