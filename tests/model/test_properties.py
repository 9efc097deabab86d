"""Properties every run must have, on scenarios Hypothesis makes up (hypothesis.readthedocs.io).

Generated: small worlds (one to three provinces), short horizons, any start date, the initial
stock, inflow levels and household mixes, shocks (with entry points in the world), groups, the
chain's capacities and times, housing, the portfolio, the plan on or off, placement policy,
a regime with derogations, scheduled events (set, scale, close, open) and the Pact. Every such
scenario is valid by construction (the loader accepts it) and every run must keep

* the mass balance exact every day: population[t] = population[t-1] + arrivals - exits;
* no negative figure, no NaN or infinity anywhere in the daily Dataset;
* beds within places: persons in a bed never exceed usable places, in total, per kind and per
  province, every day; at the end no location holds more than its places and only open or
  closing locations hold anyone;
* determinism: the same scenario and seed give identical results.

The loader's fuzz test feeds mangled scenarios (any field replaced by a hostile value, removed,
or an unknown one added; mangled YAML bytes) to `from_dict`/`from_yaml_text`: the only outcomes
allowed are a ScenarioError of one line or a scenario that then runs.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agents.locations import Life
from model import data
from model.scenario import RUNTIME_PREFIXES, ScenarioError, from_dict, from_yaml_text, load_scenario
from model.simulate import simulate

KINDS = ["central", "border", "process", "regular", "minors", "accelerated", "emergency", "crisis"]
GENERATED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def _base() -> dict:
    return load_scenario("baseline").model_dump()


@functools.cache
def _municipalities() -> dict[str, list[str]]:
    t = data.municipalities("nl")
    out: dict[str, list[str]] = {}
    for name, province in zip(t.names, t.province, strict=True):
        out.setdefault(province, []).append(name)
    return out


def shares(n_min: int = 1, n_max: int = 5):
    """A list of non-negative shares summing to one."""
    return st.lists(st.integers(0, 20), min_size=n_min, max_size=n_max).filter(lambda w: sum(w) > 0).map(
        lambda w: [x / sum(w) for x in w[:-1]] + [1 - sum(x / sum(w) for x in w[:-1])])


unit = st.floats(0, 1)
# run-time parameters events and derogations may set, with values inside their schema ranges
RUNTIME_VALUES = {
    "chain.registration_capacity_per_day": st.floats(0, 2000),
    "chain.screening_days": st.integers(1, 30),
    "chain.registration_deadline_days": st.integers(1, 40),
    "chain.decisions_per_day.regular": st.floats(0, 300),
    "chain.decisions_per_day.dublin": st.floats(0, 50),
    "chain.dublin_share": unit,
    "chain.dublin_transfer_success": st.floats(0, 0.5),   # with absconding (<= 0.5 here) at most 1
    "chain.moves_up_per_day": st.floats(0, 500),
    "chain.registration_priority": st.sampled_from([0, 1]),
    "housing.supply_persons_per_year": st.floats(0, 100_000),
    "inflow.vulnerable_share": unit,
    "municipalities.fatigue_per_request": unit,
    "plan.closing_moves_per_day": st.floats(0, 500),
    "costs.reserve_per_place_per_night": st.floats(0, 200),
    "costs.vacant_place_share": unit,
}
assert all(p.startswith(RUNTIME_PREFIXES) for p in RUNTIME_VALUES)


@st.composite
def scenarios(draw) -> dict:
    d = copy.deepcopy(_base())
    provinces = draw(st.lists(st.sampled_from(sorted(_municipalities())), min_size=1, max_size=3, unique=True))
    munis = [m for p in provinces for m in _municipalities()[p]]
    start = draw(st.dates(dt.date(2014, 1, 1), dt.date(2030, 12, 31)))
    days = draw(st.integers(5, 60))
    d.update(name="generated", provinces=provinces, start_date=start, horizon_days=days,
             seed=draw(st.integers(0, 2**32 - 1)))
    entitled = draw(st.integers(0, 20_000))
    d["initial"] = {"entitled_persons": entitled, "permit_holder_share": draw(unit),
                    "at_registration_persons": draw(st.integers(0, min(entitled, 3000))),
                    "stock_age_days": draw(st.integers(1, 1000))}
    f = d["inflow"]
    f.update(first_applications_per_year=draw(st.floats(0, 150_000)),
             family_reunification_per_year=draw(st.floats(0, 40_000)),
             seasonality_amplitude=draw(unit), seasonality_peak_day_of_year=draw(st.integers(1, 366)),
             border_entry_share=draw(unit), household_size_shares=draw(shares(1, 7)),
             family_household_size_shares=draw(shares(1, 7)),
             unaccompanied_minor_share_of_singles=draw(unit), vulnerable_share=draw(unit),
             monthly_series=draw(st.sampled_from([None, "inflow_monthly_nl_derived"])))
    f["shocks"] = []
    for _ in range(draw(st.integers(0, 2))):
        a = start + dt.timedelta(days=draw(st.integers(0, days)))
        f["shocks"].append({"start": a, "end": a + dt.timedelta(days=draw(st.integers(0, 30))),
                            "extra_persons_per_day": draw(st.floats(0, 400)),
                            "border_entry_share": draw(st.none() | unit),
                            "low_recognition_share": draw(st.none() | unit),
                            "entry_municipality": draw(st.none() | st.sampled_from(munis))})
    gs = draw(shares(1, 4))
    d["groups"] = [{"name": f"g{i}", "share": s, "recognition": draw(unit)} for i, s in enumerate(gs)]
    dep = draw(shares(3, 3))
    d["chain"].update(registration_capacity_per_day=draw(st.floats(0, 1500)),
                      registration_deadline_days=draw(st.integers(1, 30)), screening_days=draw(st.integers(1, 30)),
                      accelerated_recognition_max=draw(unit), dublin_share=draw(unit),
                      decisions_per_day={t: draw(st.floats(0, 200))
                                         for t in ("regular", "accelerated", "border", "dublin")},
                      border_procedure_max_days=draw(st.integers(1, 200)),
                      departure_period_days=draw(st.integers(1, 60)),
                      departure_shares=dict(zip(("independent", "forced", "unsupervised"), dep, strict=True)),
                      dublin_transfer_days=draw(st.integers(1, 120)), dublin_transfer_success=draw(st.floats(0, 0.5)),
                      dublin_absconding_share=draw(st.floats(0, 0.5)),
                      moves_up_per_day=draw(st.floats(0, 400)), registration_priority=draw(st.booleans()),
                      family_sponsor_in_reception_share=draw(unit))
    d["housing"].update(supply_persons_per_year=draw(st.floats(0, 80_000)), supply_spread=draw(st.floats(0, 1)),
                        default_target_per_half_year=draw(st.floats(0, 30_000)))
    pf = d["portfolio"]
    scale = draw(st.floats(0.01, 2))
    pf.update(seed=draw(st.integers(0, 1000)), max_occupancy_factor=draw(st.floats(1, 2)),
              reserve_places=draw(st.integers(0, 5000)), include_named_locations=draw(st.booleans()),
              places={k: int(v * scale) for k, v in pf["places"].items()})
    pf["places"]["crisis"] = draw(st.integers(0, 3000))
    d["plan"]["enabled"] = draw(st.booleans())
    d["plan"]["scope"] = draw(st.sampled_from(["national", "province"]))
    d["placement"]["policy"] = draw(st.sampled_from(["standard", "min_moves"]))
    d["regimes"] = []
    if draw(st.booleans()):
        paths = draw(st.lists(st.sampled_from(sorted(RUNTIME_VALUES)), min_size=0, max_size=3, unique=True))
        d["regimes"].append({"type": draw(st.sampled_from(["crisis", "instrumentalisation", "force_majeure"])),
                             "requested": draw(st.none() | st.just(start + dt.timedelta(days=2))),
                             "request_at_phase": draw(st.sampled_from([1, 2, 3, 4])),
                             "authorisation_delay_days": draw(st.integers(0, 10)),
                             "duration_days": draw(st.integers(1, 30)),
                             "derogations": {p: float(draw(RUNTIME_VALUES[p])) for p in paths}})
    d["events"] = []
    for _ in range(draw(st.integers(0, 4))):
        when = start + dt.timedelta(days=draw(st.integers(0, days - 1)))
        action = draw(st.sampled_from(["set", "close", "open"]))
        if action == "set":
            path = draw(st.sampled_from(sorted(RUNTIME_VALUES)))
            if any(e.get("parameter") == path and e["date"] == when for e in d["events"]):
                continue     # one value a parameter a day (two on one day are refused: check_same_day_sets)
            d["events"].append({"date": when, "action": "set", "parameter": path,
                                "value": float(draw(RUNTIME_VALUES[path]))})
        else:
            event = {"date": when, "action": action, "kind": draw(st.sampled_from(KINDS)),
                     # (at least 1 place: a close of 0 is refused, it closed a location)
                     "places": draw(st.integers(1, 3000)), "province": draw(st.none() | st.sampled_from(provinces))}
            if action == "open":     # a close has no lead time or contract length (refused: it would ignore them)
                event.update(lead_time_days=draw(st.integers(0, 20)),
                             duration_days=draw(st.none() | st.integers(1, 400)))
            d["events"].append(event)
    d["pact"] = None if draw(st.booleans()) else {
        "start": start + dt.timedelta(days=draw(st.integers(-100, days))),
        "dublin_reception_ends_at_decision": draw(st.booleans()), "new_procedure_share": draw(unit),
        "priority_for_minors": draw(st.booleans())}
    return d


def _check_run(sc) -> None:
    res = simulate(sc)
    d = res.daily
    pop = d["population"].values
    flows = d["arrivals"].values - d["exits_housed"].values - d["exits_departed"].values - d["exits_transferred"].values
    np.testing.assert_array_equal(np.diff(np.concatenate([[d.attrs["initial_population"]], pop])), flows)
    for name, var in d.data_vars.items():
        if np.issubdtype(var.dtype, np.number):
            values = var.values.astype(float)
            no_places = d["capacity"].values == 0 if name == "occupancy_rate" else False   # NaN: 0 / 0
            if name.startswith("decision_days_"):
                # empty (NaN) on days nobody on that track was decided; always empty without decisions
                assert np.isnan(values[d["decisions"].values == 0]).all(), name
                values = values[~np.isnan(values)]
                no_places = False
            assert (np.isfinite(values) | no_places).all(), name
            assert (values[np.isfinite(values)] >= 0).all(), name
    assert (d["in_bed"].values <= d["capacity"].values).all()
    assert (d["occupancy_by_kind"].values <= d["capacity_by_kind"].values).all()
    assert (d["occupancy_by_province"].values <= d["capacity_by_province"].values).all()
    L = res.locations
    assert (L.occupancy <= L.places()).all()
    assert (L.occupancy[(L.life != Life.OPEN) & (L.life != Life.CLOSING)] == 0).all()
    again = simulate(sc)
    assert again.daily.identical(d)
    np.testing.assert_array_equal(again.moves_frame().to_numpy(), res.moves_frame().to_numpy())


@pytest.mark.slow
@GENERATED
@given(scenarios())
def test_generated_scenarios_keep_balance_bounds_capacity_and_determinism(d):
    _check_run(from_dict(d, "generated"))


# --- the loader under fuzzing ---------------------------------------------------------------

hostile = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["yes", "no", "on", "1e400", "-0", "2026-02-30", "", "baseline", "../x"]),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(obj, prefix=()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


@functools.cache
def _fuzz_base() -> tuple[dict, list[tuple]]:
    d = load_scenario("mass-arrival").model_dump()      # regimes, derogations, events and shocks to mangle
    d["provinces"] = ["Utrecht"]
    d["horizon_days"] = 3
    return d, _paths(d)


@st.composite
def mangled(draw) -> dict:
    d, paths = _fuzz_base()
    d = copy.deepcopy(d)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        try:
            parent = functools.reduce(lambda o, k: o[k], path[:-1], d)
            how = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
            if how == "replace":
                parent[path[-1]] = draw(hostile)
            elif how == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(hostile)
        except (KeyError, IndexError, TypeError):
            pass                                   # an earlier change removed the path
    return d


def _accepted_runs(sc) -> None:
    res = simulate(sc, days=2)
    assert len(res.daily_frame()) == 2


@FUZZ
@given(mangled())
def test_fuzzed_mappings_give_a_scenario_error_or_a_runnable_scenario(d):
    _refused_in_one_line_or_runs(lambda: from_dict(d, "fuzz.yaml"))


def _refused_in_one_line_or_runs(load) -> None:
    """The loader's contract on a fuzzed input: one line naming the file, or a scenario that runs."""
    try:
        sc = load()
    except ScenarioError as e:
        assert "\n" not in str(e) and str(e).startswith("fuzz.yaml")
        event("refused")
        return
    event("accepted")
    _accepted_runs(sc)


@functools.cache
def _yaml_bytes() -> bytes:
    d, _ = _fuzz_base()
    return yaml.safe_dump(d, sort_keys=False).encode()


@FUZZ
@given(st.data())
def test_fuzzed_yaml_bytes_give_a_scenario_error_or_a_runnable_scenario(data_):
    raw = bytearray(_yaml_bytes())
    for _ in range(data_.draw(st.integers(1, 4))):
        i = data_.draw(st.integers(0, len(raw)))
        op = data_.draw(st.sampled_from(["insert", "delete", "flip"]))
        chunk = data_.draw(st.binary(min_size=1, max_size=4) | st.sampled_from([b": ", b"\n", b"- ", b"{", b"&a", b"*a",
                                                                               b"\t", b"yes", b"'", b"\xef\xbb\xbf"]))
        if op == "insert":
            raw[i:i] = chunk
        elif op == "delete":
            del raw[i:i + len(chunk)]
        elif i < len(raw):
            raw[i] ^= chunk[0] or 1
    _refused_in_one_line_or_runs(lambda: from_yaml_text(bytes(raw), "fuzz.yaml"))


def test_a_known_hostile_mapping_is_refused_not_crashed():
    d, _ = _fuzz_base()
    d = copy.deepcopy(d)
    d["regimes"][0]["derogations"]["chain.registration_deadline_days"] = math.inf
    with pytest.raises(ScenarioError, match="finite"):
        from_dict(d, "x.yaml")
