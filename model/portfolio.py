"""The reception-location portfolio: a documented, seeded generator (SYNTHETIC).

No public register of COA locations exists. The generator reproduces what is known:
* the central registration location at Ter Apel (Westerwolde, max 2,000) and the Schiphol border
  location (Haarlemmermeer, 211 places, the border procedure's guaranteed capacity);
* the locations named with their capacity in `coa_locations_partial_from_news.csv` (those still
  open per the record), as long as the kind's total leaves room for them;
* provincial totals in proportion to the provincial reception targets (COA, *Provinciale opgaven
  per 1 januari 2024*: its twelve provincial rows, 77,070 places; the page states a total of 77,100,
  docs/model.md; only the rows' shares are read);
* a mix of kinds with the totals and typical sizes of the scenario's `portfolio` section;
* crisis emergency places spread evenly over the 25 safety regions (as asked in June 2022);
* contract end dates drawn per kind (remaining years at the start), renewed by chance for one
  more term (`contract_term_days`) when they come, or replaced by a new site when still needed
  (`model.relocation.end_contracts`).
Everything it makes is flagged `synthetic`; the same `portfolio.seed` gives the same portfolio.
"""

from __future__ import annotations

import numpy as np

from agents.locations import Kind, Life, Locations
from model import data
from model.scenario import KIND_KEYS, KindName, Scenario


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to `weights` summing exactly to `total` (largest remainder)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), np.int64)
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def build_portfolio(sc: Scenario, names: list[str], province: list[str], region: list[str],
                    population: np.ndarray) -> Locations:
    """Locations for the municipalities given (indexes refer to these lists)."""
    pf = sc.portfolio
    rng = np.random.default_rng(pf.seed)
    by_name = {n: i for i, n in enumerate(names)}
    provinces = sorted(set(province))
    prov_of = np.array([provinces.index(p) for p in province])
    targets = data.provincial_targets(sc.country)
    w_prov = np.array([targets.get(p, 0) for p in provinces], float)
    rows: list[dict] = []

    def add(name: str, kind: KindName, mun: int, places: int, synthetic: bool) -> None:
        rows.append(dict(name=name, kind=Kind[kind.upper()], mun=mun, places=int(places), synthetic=synthetic))

    # 1. the fixed points: Ter Apel and Schiphol, then named locations
    fixed: list[tuple[str, KindName, str]] = [("Aanmeldcentrum Ter Apel", "central", "Westerwolde"),
             ("Grenslocatie Schiphol (asielgrensprocedure)", "border", "Haarlemmermeer")]
    used = {k: 0 for k in KIND_KEYS}
    for name, kind, mun in fixed:
        if pf.places[kind] <= 0:
            continue
        if mun in by_name:
            add(name, kind, by_name[mun], pf.places[kind], False)
        elif kind == "central":
            # a world without Westerwolde (provinces: without Groningen) still has the chain's way in: every
            # arrival registers first, and without a registration centre each waited its days of registration
            # and screening without a bed. It stands in the municipality with the largest Spreidingswet target
            # (largest population: the key is the population share), where the plan also sets up a second site
            host = int(np.argmax(population))
            add(f"Aanmeldcentrum {names[host]} (in place of Ter Apel, synthetic)", kind, host, pf.places[kind], True)
        else:
            continue      # no Schiphol: border applicants register at the registration centre
        used[kind] += pf.places[kind]
    if pf.include_named_locations:
        for loc in data.named_locations(sc.country):
            if loc.kind == "central" or loc.municipality not in by_name or "closed" in loc.note:
                continue
            if used[loc.kind] + loc.places <= pf.places[loc.kind]:
                add(loc.name, loc.kind, by_name[loc.municipality], loc.places, False)
                used[loc.kind] += loc.places

    # 2. generated locations, per kind and province, sized around the typical size
    for kind in KIND_KEYS:
        remaining = pf.places[kind] - used[kind]
        if remaining <= 0 or kind in ("central", "border"):
            continue
        mean = pf.mean_location_places[kind]
        if kind == "crisis":
            regions = sorted(set(region))
            budget = _split(remaining, np.ones(len(regions)))
            for r, b in zip(regions, budget):
                in_region = [i for i, x in enumerate(region) if x == r]
                host = in_region[int(np.argmax(population[in_region]))]
                for j, size in enumerate(_sizes(rng, b, mean)):
                    add(f"Crisisnoodopvang {r} {j + 1} (synthetic)", kind, host, size, True)
            continue
        named_in = np.bincount([prov_of[r["mun"]] for r in rows if KIND_KEYS[r["kind"]] == kind],
                               weights=[r["places"] for r in rows if KIND_KEYS[r["kind"]] == kind],
                               minlength=len(provinces))
        want = np.maximum(_split(pf.places[kind], w_prov if w_prov.sum() else np.ones(len(provinces))) - named_in, 0)
        budget = _split(remaining, want.astype(float))
        for p, b in enumerate(budget):
            members = np.flatnonzero(prov_of == p)
            if b <= 0 or len(members) == 0:
                continue
            sizes = _sizes(rng, b, mean)
            w = population[members].astype(float)
            hosts = rng.choice(members, size=len(sizes), replace=len(sizes) > len(members), p=w / w.sum())
            for j, (size, host) in enumerate(zip(sizes, hosts)):
                add(f"{kind.capitalize()} {names[host]} {j + 1} (synthetic)", kind, int(host), size, True)

    # 3. reserve places: regular locations kept empty, spread like the regular stock
    n_before_reserve = len(rows)
    if pf.reserve_places > 0:
        budget = _split(pf.reserve_places, w_prov if w_prov.sum() else np.ones(len(provinces)))
        for p, b in enumerate(budget):
            members = np.flatnonzero(prov_of == p)
            if b <= 0 or len(members) == 0:
                continue
            for j, size in enumerate(_sizes(rng, b, pf.mean_location_places["regular"])):
                host = int(members[np.argmax(population[members])]) if j == 0 else int(
                    rng.choice(members, p=population[members] / population[members].sum()))
                add(f"Reserve {names[host]} {j + 1} (synthetic)", "regular", host, size, True)
    reserve = np.arange(len(rows)) >= n_before_reserve

    # 4. columns: capacity, contracts, costs
    kinds = np.array([r["kind"] for r in rows], np.int8)
    places = np.array([r["places"] for r in rows], np.int64)
    lo = np.array([pf.contract_years[KIND_KEYS[k]][0] for k in kinds])
    hi = np.array([pf.contract_years[KIND_KEYS[k]][1] for k in kinds])
    contract_end = np.rint(365.0 * (lo + (hi - lo) * rng.random(len(rows)))).astype(np.int64)
    term = np.array([pf.contract_term_days[KIND_KEYS[k]] for k in kinds], np.int64)
    per_year = np.array([sc.costs.per_resident_per_year[KIND_KEYS[k]] for k in kinds])
    return Locations.from_columns(
        [r["name"] for r in rows],
        kind=kinds,
        municipality=np.array([r["mun"] for r in rows]),
        capacity=places,
        max_capacity=np.floor(places * pf.max_occupancy_factor).astype(np.int64),
        life=np.where(reserve, Life.RESERVE, Life.OPEN),
        open_day=np.full(len(rows), -1),
        contract_end=np.maximum(contract_end, 1),
        term_days=term,
        cost_person_night=per_year / 365.0 + np.where(kinds == Kind.CRISIS, sc.costs.crisis_per_person_night, 0.0),
        cost_place_night=per_year / 365.0,      # (the safety regions' crisis charge is per person only)
        synthetic=np.array([r["synthetic"] for r in rows]),
    )


def _sizes(rng: np.random.Generator, total: int, mean: int) -> np.ndarray:
    """Location sizes summing to `total`, lognormal around `mean` (sd of log 0.4)."""
    n = max(1, round(total / mean))
    return _split(int(total), rng.lognormal(0.0, 0.4, n))
