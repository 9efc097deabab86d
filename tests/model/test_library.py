"""Each library scenario shows its signature (full runs, cached per session)."""

import numpy as np
import pytest

from model.lines import ramp_factor
from model.scenario import builtin_names, load_scenario
from model.simulate import simulate

pytestmark = pytest.mark.slow        # full runs of the library scenarios


def test_library_is_complete_and_documented():
    names = set(builtin_names())
    assert {"baseline", "mass-arrival", "mass-arrival-x2", "instrumentalisation", "force-majeure",
            "housing-stall", "contract-cliff", "pact-2026", "stable-stock", "flex-only"} <= names
    for n in names:
        assert len(load_scenario(n).description) > 60, n


def test_baseline_shows_structural_use_of_emergency_locations(builtin_run):
    d = builtin_run("baseline").daily
    share = d["occupancy_by_kind"].sel(kind=["emergency", "crisis"]).sum("kind") / d["population"]
    assert float(share.min()) > 0.25                 # a quarter or more in emergency all along
    assert int(d["phase"].max()) <= 2                 # without reaching emergency scale-up


def test_mass_arrival_reaches_emergency_reception_and_x2_goes_further(builtin_run):
    one, two = builtin_run("mass-arrival").daily, builtin_run("mass-arrival-x2").daily
    assert int(one["phase"].max()) >= 3
    assert float(two["unsheltered"].sum()) > float(one["unsheltered"].sum())
    assert "crisis" in set(one["regime"].values)


def test_instrumentalisation_loads_the_entry_region_first_and_declares_its_regime(builtin_run):
    d = builtin_run("instrumentalisation").daily
    before, days, week = 91, 94, 98                   # 30 Sep, 3 Oct and 7 Oct 2025: the surge's first days and week
    occ, cap = d["occupancy_by_province"], d["capacity_by_province"]
    rise = (occ.isel(day=days) - occ.isel(day=before)).to_series().clip(lower=0)
    places = cap.isel(day=before).to_series()
    over = (rise / rise.sum()) / (places / places.sum())   # share of the rise in persons over share of the places
    # Enschede's province takes the surge's first days, far beyond its share of places (seed 20250701: 6.1 times;
    # 9.4 before the stock's accelerated cases past their time became regular cases and the chain started the
    # surge fuller, 6 December 2026; measured on the rise in rate its week's rise was the largest then, now
    # Friesland's, a neighbour's, as Overijssel was at 0.91 already) ...
    assert over.idxmax() == "Overijssel" and over["Overijssel"] > 4
    rate = occ / cap
    assert float(rate.sel(province="Overijssel").isel(day=week)) > 0.95   # ... then its neighbours take the rest
    assert "instrumentalisation" in set(d["regime"].values)


def test_housing_stall_fills_reception_with_permit_holders(builtin_run):
    base, stall = builtin_run("baseline").daily, builtin_run("housing-stall").daily
    assert stall["permit_holders_waiting"].values[-1] > 1.4 * base["permit_holders_waiting"].values[-1]


def test_contract_cliff_moves_people_on_the_day_agreements_expire(builtin_run):
    r = builtin_run("contract-cliff")
    moves = r.moves_frame()
    cliff = (r.scenario.events[0].date - r.scenario.start_date).days
    on_day = moves[(moves.day == cliff) & (moves.reason == "location_closing")]
    assert len(on_day) > 1000


def test_pact_ends_dublin_reception_only_for_new_cases(builtin_run):
    r = builtin_run("pact-2026")
    d = r.daily
    start = (r.scenario.pact.start - r.scenario.start_date).days
    ended = d["dublin_reception_ended"].values
    assert ended[:start].sum() == 0 and ended[start:].sum() > 0


def test_force_majeure_halves_decisions_and_declares_its_regime(builtin_run):
    r = builtin_run("force-majeure")
    d = r.daily
    # Paired against the same scenario without the halvings (same seed, same arrivals), both without
    # Dublin claimants (a Dublin claim sent is no decision; with none the Dublin team's capacity all goes
    # to the other lines): by hand, the IND's whole capacity halves, all four tracks (50 + 15 + 3 + 10 =
    # 78 a day); the regular line has a backlog throughout and takes what the other tracks leave idle
    # (`idle_capacity_shift` 1), so all capacity is used in both runs, and from 1 Oct to 31 Dec 2025
    # (days 92-183) the IND decides 39 a day fewer, times its productivity ramp (+25 % from 1 Jan 2025 to
    # 31 Dec 2028, linear: about 1.055 over days 100-180). (Halving only regular and accelerated cut
    # 32.5 a day: the border and Dublin teams' capacity went to the halved lines.) Before: no difference,
    # after: the same pace (households are decided whole, so the days differ when other households are next).
    sc = r.scenario.model_copy(deep=True)
    sc.chain.dublin_share = 0.0
    halved = simulate(sc, seed=r.seed).daily
    dec = halved["decisions"].values
    full = simulate(sc.model_copy(update={"events": [e for e in sc.events if e.action != "scale"]}),
                    seed=r.seed).daily["decisions"].values
    ramp = np.mean([ramp_factor(sc.chain.decision_capacity_ramp, sc.start_date, x) for x in range(100, 180)])
    assert (halved["ind_backlog_by_track"].sel(track="regular").values[20:260] > 1000).all()
    assert (full[100:180] - dec[100:180]).mean() == pytest.approx(39 * ramp, rel=0.02)
    assert (full[20:90] == dec[20:90]).all()
    assert (full[190:260] - dec[190:260]).mean() == pytest.approx(0, abs=0.5)   # other households, same pace
    assert "force_majeure" in set(d["regime"].values)


def test_flex_only_moves_people_more_often_than_stable_stock(builtin_run):
    flex, stable = builtin_run("flex-only").churn(), builtin_run("stable-stock").churn()
    # moved by COA (all moves but those on the household's own request, which need a regular place)
    moved = lambda ch: ch["moves_per_person_year"] - ch["moves_per_person_year_own_request"]  # noqa: E731
    assert moved(flex) > moved(stable)
    # not asserted: a larger share moved three times or more. It held on the default seed only; over seeds
    # 1-6 flex-only's share is below stable-stock's in five (3.6-4.6 % against 3.9-4.3 %): the contract ends
    # spread over many households rather than moving the same ones again
    assert flex["moves_per_person_year_contract_end"] > stable["moves_per_person_year_contract_end"]


@pytest.mark.parametrize("name", ["baseline", "mass-arrival", "mass-arrival-x2", "contract-cliff", "housing-stall",
                                  "instrumentalisation", "force-majeure"])
def test_every_location_holds_the_persons_whose_bed_is_there(builtin_run, name):
    """A location's occupancy is the persons of the households whose bed is there, at the end of
    every library run: a household moved twice in one call (it was in the line for moving up twice,
    after a move between temporary places) left 5 persons counted in an azc while their bed said an
    emergency location (`mass-arrival`, day 266, found by the fidelity pass)."""
    r = builtin_run(name)
    p = r.people
    at = p.cols["location"][:p.n].astype(np.int64)
    size = p.cols["size"][:p.n].astype(np.int64)
    counted = np.bincount(at[at >= 0], weights=size[at >= 0], minlength=r.locations.n).astype(np.int64)
    np.testing.assert_array_equal(counted, r.locations.occupancy.astype(np.int64))
