"""The Mesa face: both faces identical, the DataCollector, batch_run, applicants on demand, and
the municipalities' and locations' rules run through their agent classes."""

import copy
import gc
import pickle

import mesa
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from agents.applicants import Stage, Track
from agents.keyed import round_key
from agents.locations import Kind, Life, LocationRules, Locations
from agents.municipalities import Municipalities, MunicipalityRules
from agents.views import ApplicantAgent, ApplicantSet, LocationAgent, MunicipalityAgent
from model.mesa_model import ReceptionModel
from model.metrics import DAILY_COLUMNS
from model.scenario import MAX_SEED, ScenarioError, builtin_names
from model.simulate import simulate
from tests.model.same import same_results


def _run(m: ReceptionModel) -> ReceptionModel:
    while m.running:
        m.step()
    return m


@pytest.mark.parametrize("name", ["mass-arrival", "instrumentalisation"])
def test_faces_identical_while_the_plan_escalates_and_under_a_regime(name):
    m = _run(ReceptionModel(name, days=200))
    headless = simulate(name, days=200)
    mesa_face = m.results()
    assert mesa_face.daily.identical(headless.daily)
    pd.testing.assert_frame_equal(mesa_face.moves_frame(), headless.moves_frame(), check_exact=True)
    assert mesa_face.events == headless.events
    daily = headless.daily_frame()
    assert (daily["phase"].max() == 4) if name == "mass-arrival" else (daily["regime"] == "instrumentalisation").any()
    # the plan's new locations got agents too, reading their rows
    assert len(m.location_agents) == m.state.locs.n > 267
    assert [a.places for a in m.location_agents] == [int(v) for v in np.where(
        m.state.locs.life == Life.OPEN, m.state.locs.capacity + m.state.locs.extra, 0)]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "eu-scale" else n
                                  for n in builtin_names() if n not in ("mass-arrival", "instrumentalisation")])
def test_faces_identical_on_every_built_in_scenario(name):
    m = _run(ReceptionModel(name, days=120))
    headless = simulate(name, days=120)
    assert m.results().daily.identical(headless.daily)
    pd.testing.assert_frame_equal(m.results().moves_frame(), headless.moves_frame(), check_exact=True)
    assert m.results().events == headless.events
    frame = m.datacollector.get_model_vars_dataframe()                          # the reporters, too
    pd.testing.assert_frame_equal(frame, headless.daily_frame(), check_exact=True)


def test_datacollector_rows_are_daily_csv(tmp_path):
    m = _run(ReceptionModel("instrumentalisation", days=120))
    frame = m.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(DAILY_COLUMNS) and len(frame) == 120
    m.results().save(tmp_path)
    assert frame.to_csv(index=False) == (tmp_path / "daily.csv").read_text()    # every row, every column
    pd.testing.assert_frame_equal(frame, m.results().daily_frame(), check_exact=True)
    assert (frame["regime"] == "instrumentalisation").any()                     # the text columns too


def test_collecting_before_the_first_day_is_refused_and_the_rows_stay_the_days():
    """A Mesa habit, `self.datacollector.collect(self)` in `__init__`, made a row of zeros dated the
    horizon's last day (the recorder's row -1) ahead of the days' rows."""
    m = ReceptionModel("stable-stock", rng=1, days=2)
    with pytest.raises(ScenarioError, match=r"^datacollector: collect\(\) on day 0, before any day is simulated"):
        m.datacollector.collect(m)
    m.run_model()
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df["date"]) == ["2025-07-01", "2025-07-02"]
    assert list(df["population"]) == [int(x) for x in simulate("stable-stock", 1, 2).daily["population"]]


def test_agent_level_collection_reads_the_rows_when_switched_on():
    m = ReceptionModel("baseline", days=8)
    assert not m.datacollector.agenttype_reporters                              # off by default (speed)
    m = _run(ReceptionModel("baseline", days=8, collect_agents=True))
    munis = m.datacollector.get_agenttype_vars_dataframe(MunicipalityAgent)
    last = munis.xs(munis.index.get_level_values("Step").max(), level="Step")
    assert len(last) == 342
    M = m.state.munis
    assert list(last["housed_total"]) == list(M.housed_total)
    assert list(last["backlog"]) == list(M.target - M.housed)
    assert list(last["waiting"]) == list(M.waiting) and last["willingness"].tolist() == M.willingness.tolist()
    locs = m.datacollector.get_agenttype_vars_dataframe(LocationAgent)
    last = locs.xs(locs.index.get_level_values("Step").max(), level="Step")
    assert list(last["occupancy"]) == list(m.state.locs.occupancy)
    assert set(last["life"]) <= {life.name.lower() for life in Life}


def test_batch_run_over_scenarios_seeds_and_a_scenario_parameter():
    # 7 days: the runs start on Tuesday 2025-07-01, so day 6 is the first Monday, a housing day
    rows = mesa.batch_run(ReceptionModel, parameters={"scenario": ["baseline", "stable-stock"], "days": 7,
                                                      "housing.supply_persons_per_year": [15000, 60000]},
                          rng=[1, 2], max_steps=10, data_collection_period=1, display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 2 * 2 * 2 * 7                    # scenarios x seeds x supply x days
    sc = ReceptionModel("stable-stock", days=7, **{"housing.supply_persons_per_year": 15000}).config
    for seed in (1, 2):                                # each seed's rows are simulate()'s daily.csv
        one = df[(df["scenario"] == "stable-stock") & (df["rng"] == seed)
                 & (df["housing.supply_persons_per_year"] == 15000)]
        expected = simulate(sc, seed=seed, days=7).daily_frame()
        got = one[list(DAILY_COLUMNS)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)
    base = df[df["scenario"] == "baseline"]
    assert base.groupby("rng")["arrivals"].sum().nunique() == 2                     # the seed matters
    monday = base[base["date"] == "2025-07-07"].groupby("housing.supply_persons_per_year")["exits_housed"].sum()
    assert monday[60000] > monday[15000] > 0                                        # and so does the parameter


def test_batch_run_on_two_processes_gives_the_rows_of_one():
    """Mesa's own process pool (number_processes=2: each run in a worker, its world built there)
    gives the same rows, value for value, as the runs in this process."""
    kwargs = dict(parameters={"scenario": "baseline", "days": 4, "chain.decisions_per_day.regular": [50, 70]},
                  rng=[1, 2], max_steps=4, data_collection_period=2, display_progress=False)
    one = pd.DataFrame(mesa.batch_run(ReceptionModel, number_processes=1, **kwargs))
    two = pd.DataFrame(mesa.batch_run(ReceptionModel, number_processes=2, **kwargs))
    key = ["rng", "chain.decisions_per_day.regular", "Step"]
    pd.testing.assert_frame_equal(two.drop(columns="RunId").sort_values(key).reset_index(drop=True),
                                  one.drop(columns="RunId").sort_values(key).reset_index(drop=True), check_exact=True)
    assert len(one) == 2 * 2 * 2 and one.groupby(key[:2])["decisions"].sum().nunique() > 1


def test_rng_a_numpy_generator_draws_the_seed_once():
    """Mesa's Model(rng=…) takes a numpy Generator: ReceptionModel draws its (keyed) run's seed from
    it once, so the same generator state gives the same run, and one generator passed to one model
    after another gives each a seed of its own, as Mesa's own models do."""
    a = ReceptionModel("stable-stock", rng=np.random.default_rng(3), days=2)
    b = ReceptionModel("stable-stock", rng=np.random.default_rng(3), days=2)
    expected = int(np.random.default_rng(3).integers(0, MAX_SEED, endpoint=True))
    assert a.state.seed == b.state.seed == expected == a.scenario.rng
    _run(a), _run(b)
    pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(),
                                  b.datacollector.get_model_vars_dataframe())
    gen = np.random.default_rng(3)
    first, second = (ReceptionModel("stable-stock", rng=gen, days=1).state.seed for _ in range(2))
    assert first == expected and second != first                      # the generator moved on by one draw
    seq = np.random.SeedSequence(3)
    assert (ReceptionModel("stable-stock", rng=seq, days=1).state.seed
            == ReceptionModel("stable-stock", rng=np.random.SeedSequence(3), days=1).state.seed)
    assert ReceptionModel("stable-stock", rng=np.random.PCG64(3), days=1).state.seed == expected
    with pytest.raises(ScenarioError, match="give rng or seed, not both"):
        ReceptionModel("stable-stock", rng=np.random.default_rng(3), seed=3, days=1)


def test_simulate_draws_the_seed_from_a_generator_as_the_mesa_face_does():
    """`simulate(seed=np.random.default_rng(3))` was refused ("seed: must be a whole number …")
    while `ReceptionModel(rng=…)` took the same generator: the same generator state now gives the
    same run on both faces, and the generator moves on by one draw."""
    expected = int(np.random.default_rng(3).integers(0, MAX_SEED, endpoint=True))
    gen = np.random.default_rng(3)
    res = simulate("stable-stock", seed=gen, days=3)
    assert res.seed == expected and simulate("stable-stock", seed=gen, days=1).seed != expected
    m = _run(ReceptionModel("stable-stock", rng=np.random.default_rng(3), days=3))
    assert m.state.seed == expected
    same_results(m.results(), res)
    assert simulate("stable-stock", seed=np.random.SeedSequence(3), days=1).seed == ReceptionModel(
        "stable-stock", rng=np.random.SeedSequence(3), days=1).state.seed


@pytest.mark.parametrize("scenario, text", [
    (3, "a Scenario, a built-in name or a file path, not int"),
    (None, "a Scenario, a built-in name or a file path, not NoneType"),
    ("basline", "basline: no such scenario file or built-in name (did you mean 'baseline'?)"),
])
def test_a_scenario_argument_the_model_cannot_use_is_named(scenario, text):
    """ReceptionModel(3) said "ReceptionModel: changes are made to a Scenario, not int", and a
    misspelt name did not say which argument (in a batch_run of many parameters)."""
    with pytest.raises(ScenarioError) as err:
        ReceptionModel(scenario, days=1)
    assert str(err.value) == f"ReceptionModel: scenario: {text}"


def test_agents_by_type_names_a_class_it_holds_no_agents_of():
    """`m.agents_by_type[ApplicantAgent]` was a bare `KeyError: <class 'agents.views.ApplicantAgent'>`:
    applicants are made on demand, not registered. Still a KeyError (and `get`, `in` as a dict's)."""

    class Slow(MunicipalityAgent):
        pass

    m = ReceptionModel("stable-stock", rng=1, days=2, municipality_agent=Slow)
    with pytest.raises(KeyError) as err:
        m.agents_by_type[ApplicantAgent]
    assert isinstance(err.value, ScenarioError) and str(err.value) == (
        "agents_by_type: ApplicantAgent: applicants are not registered agents (a run holds 100,000+ people); "
        "m.applicants(...) makes them on demand, m.applicant(person) one")
    with pytest.raises(ScenarioError, match=r"^agents_by_type: MunicipalityAgent: no agents of this class \(Mesa keys "
                                            r"them by their exact class: Slow, LocationAgent\)$"):
        m.agents_by_type[MunicipalityAgent]
    assert len(m.agents_by_type[Slow]) == 342 and m.agents_by_type.get(ApplicantAgent) is None
    assert ApplicantAgent not in m.agents_by_type and set(m.agents_by_type) == {Slow, LocationAgent}


def test_model_arguments_mesa_style_and_one_line_errors():
    a = ReceptionModel("baseline", rng=7, days=3)
    b = ReceptionModel("baseline", seed=7, days=3)                # the older name
    assert a.state.seed == b.state.seed == 7 and a.rng.integers(1 << 30) == b.rng.integers(1 << 30)
    m = ReceptionModel("baseline", days=3, overrides={"chain.screening_days": 5}, **{"plan.enabled": False})
    assert m.config.chain.screening_days == 5 and not m.config.plan.enabled
    for kwargs, text in [({"colect_agents": True}, r"colect_agents: neither a keyword of ReceptionModel nor a "
                                                    r"scenario field \(did you mean the keyword 'collect_agents'\?\)"),
                         ({"overrides": {"housing.supply": 1}}, r"housing.supply: unknown field \(no 'supply' in "
                                                                r"housing"),
                         ({"overrides": {"chain.screening_days": -1}}, "chain.screening_days:"),
                         ({"rng": 1.5}, "rng: a whole number .* a numpy Generator or SeedSequence"),
                         ({"rng": "abc"}, "rng: a whole number"),
                         ({"rng": 1, "seed": 2}, "not both")]:
        with pytest.raises(ScenarioError, match=text) as err:
            ReceptionModel("baseline", days=3, **kwargs)
        assert "\n" not in str(err.value)
    m = _run(ReceptionModel("baseline", days=3))
    assert not m.running and m.steps == 3 and m.day == 3
    m.step()                                                      # at the horizon: nothing happens
    assert m.day == 3 and not m.running


@pytest.mark.parametrize("copy_of", [lambda m: pickle.loads(pickle.dumps(m)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_a_model_pickled_or_copied_mid_run_goes_on_as_the_unbroken_run(copy_of):
    """A Mesa user pickles a model (to disk, to a worker process) or deep-copies it to try a branch:
    the copy goes on exactly as the original. (Pickle and deepcopy copied the recorder's figures
    apart from the table a day writes into: a copy's daily figures after the copy were zero.)"""
    m = ReceptionModel("instrumentalisation", rng=2, days=30)
    m.run_for(12)
    c = copy_of(m)
    assert (c.day, c.steps, c.time) == (12, 12, 12)
    m.run_model()
    c.run_model()
    same_results(c.results(), m.results())
    pd.testing.assert_frame_equal(c.datacollector.get_model_vars_dataframe(),
                                  m.datacollector.get_model_vars_dataframe(), check_exact=True)
    assert c.datacollector.get_model_vars_dataframe()["arrivals"].iloc[12:].sum() > 0


def test_a_restored_model_s_clock_is_its_day():
    """Mesa's `time` of a model restored at day d is d, so `run_until(t)` stops at day t and
    `run_for(n)` runs n days, as on the model that was never stopped (it ran t days from d)."""
    m = ReceptionModel("baseline", rng=3, days=20)
    m.run_for(5)
    r = ReceptionModel.restore(m.snapshot())
    assert (r.time, r.steps, r.day) == (5, 5, 5)
    r.run_until(9)
    assert (r.time, r.steps, r.day) == (9, 9, 9)
    r.run_for(3)
    m.run_until(12)
    assert (r.day, m.day) == (12, 12)
    assert r.results().daily.identical(m.results().daily)


def test_applicant_selection_matches_the_arrays():
    m = ReceptionModel("baseline", days=40)
    for _ in range(40):
        m.step()
    p = m.state.people
    h = {k: p._h[k][: p.n] for k in ("stage", "municipality", "track", "size")}
    k = int(np.bincount(h["municipality"][h["municipality"] >= 0]).argmax())   # the busiest linked municipality
    chosen = m.applicants(stage="permit", municipality=m.state.munis.names[k])
    households = np.flatnonzero((h["stage"] == Stage.PERMIT) & (h["municipality"] == k))
    assert isinstance(chosen, ApplicantSet) and len(chosen) == h["size"][households].sum() > 0
    assert sorted(a.person for a in chosen) == p.members(households).tolist()
    assert {a.stage for a in chosen} == {"permit"} and {a.municipality for a in chosen} == {k}
    assert len(m.agents) == 342 + m.state.locs.n                             # views are not registered
    # Mesa's AgentSet API on the views (they stay alive while the set holds them)
    gc.collect()
    assert chosen.agg("household_size", len) == len(chosen)
    minors = chosen.select(lambda a: a.minor)
    gc.collect()
    assert isinstance(minors, ApplicantSet) and len(minors) == int(p.is_minor(p.members(households)).sum())
    both = m.applicants(stage=["procedure", "permit"])
    counts = both.groupby("track").count()
    in_both = np.isin(h["stage"], [Stage.PROCEDURE, Stage.PERMIT])
    by_track = np.bincount(h["track"][in_both], weights=h["size"][in_both], minlength=len(Track))
    assert counts == {t.name.lower(): int(by_track[t]) for t in Track if by_track[t] > 0}
    assert len(m.applicants(stage="waiting", at_most=5)) <= 5
    with pytest.raises(ScenarioError, match="stage: unknown 'housedd'"):
        m.applicants(stage="housedd")
    with pytest.raises(ScenarioError, match="municipality: unknown 'Atlantis'"):
        m.applicants(municipality="Atlantis")
    one = m.applicant(int(p.members(households[:1])[0]))
    assert isinstance(one, ApplicantAgent) and one.household == households[0] and one.stage == "permit"


# --- the municipalities' and locations' own rules, by hand -------------------------------------

class _Homes:
    """An rng whose first uniforms give fixed homes (persons per municipality this week) at the
    week's Poisson rates `lam` (each the midpoint of its count's step of the Poisson CDF), and
    whose second are `straddle`, the uniforms that decide the household straddling the end of
    the homes."""

    def __init__(self, homes, lam, straddle):
        from scipy import special
        homes, lam = np.array(homes), np.asarray(lam, np.float64)
        self.u = [(special.pdtr(homes - 1, lam) * (homes > 0) + special.pdtr(homes, lam)) / 2,
                  np.asarray(straddle, np.float64)]

    def random(self, n):
        u = self.u.pop(0)
        assert n == len(u)
        return u


@pytest.mark.parametrize("rules", [MunicipalityRules, MunicipalityAgent])
def test_municipalities_house_and_link_by_hand(rules):
    m = Municipalities(["A", "B"], ["A", "B"], np.array([100, 300]), np.zeros(2), np.zeros(2), np.zeros(2),
                       np.zeros(2), np.ones(2))
    m.waiting[:] = [5, 4]
    # linked households in order: municipality 0, 1, 0, 1, 0 with 2, 1, 2, 3, 1 persons; homes 3 and 1.
    # In 0: the first fits (3 left), the second finds 1 left for its 2 persons: it straddles the end
    # and is housed as its municipality's uniform 0.4 * 2 < 1; none left for the third. In 1: the
    # first fits (1 left), none left for the second.
    homes = _Homes([3, 1], 1000.0 / 52 * m.share * m.supply_factor, [0.4, 0.9])
    housed = rules.house_week(m, homes, 1000.0, np.array([0, 1, 0, 1, 0]), np.array([2, 1, 2, 3, 1]))
    assert housed.tolist() == [True, True, True, False, False]
    assert m.housed.tolist() == [4, 1] and m.housed_total.tolist() == [4, 1] and m.waiting.tolist() == [1, 3]
    # open quota only in municipality 1, one person: households of 1 and 2 persons start at persons
    # 0 and 1, so only the first fits (and goes to 1, the only one with room)
    m.target[:] = [4, 6]
    quota = rules.open_quota(m)                       # target - housed - waiting = [4-4-1, 6-1-3]
    assert quota.tolist() == [0, 2]
    quota = np.array([0, 1])
    mun = rules.link_permit_holders(m, np.array([11, 12], np.uint64), np.array([1, 2]), quota)
    assert mun.tolist() == [1, -1] and m.linked.tolist() == [0, 1] and m.waiting.tolist() == [1, 4]


@pytest.mark.parametrize("rules", [LocationRules, LocationAgent])
def test_locations_open_end_and_renew_by_hand(rules):
    L = Locations.from_columns(["a", "b", "c", "d"], kind=[Kind.EMERGENCY, Kind.REGULAR, Kind.EMERGENCY, Kind.REGULAR],
                               life=[Life.PLANNED, Life.PLANNED, Life.OPEN, Life.CLOSING],
                               open_day=[5, 9, 0, 0], contract_end=[400, 400, 5, 4], term_days=[180, 180, 180, 365])
    assert rules.open_planned(L, 5).tolist() == [0]                          # b opens on day 9
    assert L.life.tolist() == [Life.OPEN, Life.PLANNED, Life.OPEN, Life.CLOSING]
    ending = rules.contracts_ending(L, 5)
    assert ending.tolist() == [2, 3]                                         # open c and closing d
    chance = np.zeros(len(Kind))
    chance[Kind.REGULAR] = 1.0                                               # regular always, emergency never
    assert rules.renew(L, ending, chance, seed=0).tolist() == [False, True]
    assert L.contract_end.tolist() == [400, 400, 5, 4 + 365]
    # closing locations with nobody left close, or go back to reserve when the plan took them from it
    L = Locations.from_columns(["a", "b", "c"], life=[Life.CLOSING] * 3, occupancy=[0, 5, 0])
    assert rules.close_when_empty(L, np.array([0, 1, 2]), {2}).tolist() == [0, 2]
    assert L.life.tolist() == [Life.CLOSED, Life.CLOSING, Life.RESERVE]


@pytest.mark.parametrize("rules", [MunicipalityRules, MunicipalityAgent])
def test_municipalities_reconsider_and_answer_by_hand(rules):
    m = Municipalities(["A", "B"], ["A", "B"], np.array([100, 300]), np.zeros(2), np.zeros(2), np.zeros(2),
                       np.zeros(2), np.ones(2), willingness=np.array([0.5, 0.5]))
    m.willingness[:] = [0.0, 1.0]
    # a year at recovery 0.5/year: halfway back to base 0.5 -> [0.25, 0.75]; then each moves half
    # way to its one neighbour: 0.25 + 0.5 * (0.75 - 0.25) = 0.5 and 0.75 + 0.5 * (0.25 - 0.75) = 0.5
    rules.reconsider(m, 365, 0.5, sparse.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]])), 0.5)
    assert m.willingness.tolist() == [0.5, 0.5]
    # chance 1 accepts and 0 refuses whatever the keyed draw (uniform in [0, 1))
    assert rules.answer_requests(np.array([0, 1]), np.array([1.0, 0.0]), round_key(7, 3, 1)).tolist() == [True, False]
    # after the round (both asked, A accepted): A's one asked neighbour refused -> 0.5 + 0.2 * (0 - 0.5)
    # = 0.4, then A tires by 0.2 -> 0.2; B's accepted -> 0.5 + 0.2 * (1 - 0.5) = 0.6; answers counted
    net = sparse.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    rules.react(m, np.array([True, True]), np.array([True, False]), 0.2, net, 0.2)
    assert m.willingness == pytest.approx([0.2, 0.6], abs=1e-12)
    assert m.accepted.tolist() == [1, 0] and m.refused.tolist() == [0, 1]
    rules.react(m, np.array([True, False]), np.array([False, False]), 0.2, None, 0.2)    # off the network
    assert m.willingness == pytest.approx([0.2, 0.6], abs=1e-12) and m.refused.tolist() == [1, 1]


def test_the_mesa_face_runs_the_rules_of_its_agent_classes():
    class NoHomes(MunicipalityAgent):
        weeks = 0

        @classmethod
        def house_week(cls, m, rng, persons_per_year, municipality, sizes):
            cls.weeks += 1
            return np.zeros(len(municipality), bool)

    m = _run(ReceptionModel("baseline", days=15, municipality_agent=NoHomes))
    assert NoHomes.weeks == 2                                  # 2025-07-07 and 07-14 are Mondays
    assert m.state.actors.municipalities is NoHomes and len(m.agents_by_type[NoHomes]) == 342
    d = m.datacollector.get_model_vars_dataframe()   # only family members who moved in with their sponsor
    assert (d["exits_housed"] - d["family_moved_in"]).sum() == 0 and d["family_moved_in"].sum() > 0
    assert simulate("baseline", days=15).daily_frame()["exits_housed"].sum() > 0


def test_the_summary_before_the_first_step_says_no_day_was_simulated():
    """A Mesa user (and the dashboard's export) may ask a fresh model for its summary: it says that no day was
    simulated, when the run starts and how many are in reception, instead of an IndexError; one day is '1 day'."""
    m = ReceptionModel("baseline", days=3)
    assert m.results().summary() == ("Scenario 'baseline', seed 20250701: no day simulated yet (the run starts on "
                                     "2025-07-01; in reception at the start 70,000)")
    m.step()
    first = m.results().summary().splitlines()[0]
    assert first == "Scenario 'baseline', seed 20250701: 2025-07-01 to 2025-07-01 (1 day)"
