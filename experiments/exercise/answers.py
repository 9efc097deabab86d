"""The model's own answer to a request for places that no player answers (a role nobody plays, or
no answer within a turn): the municipal response the contingency plan's requests get (`model.plan`).

* to the municipalities of a province: the provincial coordination table asks its municipalities,
  furthest below their Spreidingswet key first, one location of the kind's typical size each; each
  accepts with its chance (willingness less the pressure of places it already hosts); with
  coordination on, the table offers what was refused once more to its next municipalities
  (`agents.municipalities.ask_table`). Answers are counted and tire the accepting municipalities,
  as the plan's requests do;
* to a safety region: each safety region of the province hosts an equal part in its largest
  municipality with the success rate of the plan's safety-region requests (1 when the plan has none).

Draws are keyed on municipality, the run's answer stream and the exercise's own request number
(`agents.keyed.round_key` at `SITE_EXERCISE`: never the plan's rounds), so an exercise replays
identically.
"""

from __future__ import annotations

import numpy as np

from agents.locations import Kind
from agents.keyed import SITE_EXERCISE, round_key
from agents.municipalities import acceptance_chance, answer_requests, ask_table
from model.events import open_places
from model.plan import PlanRuntime


def answer(s, kind: str, places: int, province: str, to_type: str, number: int, lead_time_days: int,
           label: str) -> tuple[int, str]:
    """Answer a request for `places` places of `kind` in `province` as the model would; opens what
    is accepted after `lead_time_days`. Returns the places accepted and the answer in words."""
    m, mb = s.munis, s.params.municipalities
    p = s.world.provinces.index(province)
    members = np.flatnonzero(m.province == p)
    key = round_key(s.answer_key, SITE_EXERCISE, number)
    hosts: list[tuple[int, int]] = []
    if to_type == "municipality":
        load = PlanRuntime._load(s)
        chance = acceptance_chance(m.willingness, load, mb.load_weight)
        order = members[np.argsort(load[members], kind="stable")]
        coordinated = mb.network and mb.coordination != "none"
        who, yes, per, _ = ask_table(order, places, s.params.portfolio.mean_location_places[kind], chance, key,
                                     coordinated)
        hosts = list(zip(who[yes].tolist(), per[yes].tolist()))
        m.accepted[who[yes]] += 1
        m.refused[who[~yes]] += 1
        m.willingness[who[yes]] = np.maximum(m.willingness[who[yes]] - mb.fatigue_per_request, 0)
        how = f"{len(who)} municipalities asked, {int(yes.sum())} accepted"
    else:
        rates = [a.success_rate for ph in s.params.plan.phases for a in ph.actions
                 if a.type == "request_places" and a.via == "safety_regions"]
        rate = rates[0] if rates else 1.0
        regions = sorted({int(r) for r in m.region[members]})
        part = places // max(len(regions), 1)
        for k, r in enumerate(regions):
            inside = members[m.region[members] == r]
            host = int(inside[np.argmax(m.population[inside])])
            share = part + (places - part * len(regions) if k == 0 else 0)
            if answer_requests(np.array([host]), np.full(m.n, rate), key)[0] and share > 0:
                hosts.append((host, share))
        how = f"{len(regions)} safety region(s) asked, {len(hosts)} accepted (success rate {rate:.0%})"
    for host, n in hosts:
        if n > 0:
            open_places(s, Kind[kind.upper()], int(n), s.day + lead_time_days, None, province,
                        f"{label} {m.names[host]}", host=int(host))
    return sum(n for _, n in hosts), how
