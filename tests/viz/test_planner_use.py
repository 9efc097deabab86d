"""The dashboard used as a crisis planner uses it: odd but valid values, typed numbers, exports."""

from __future__ import annotations

import numpy as np
import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")

from model.scenario import MAX_SEED, ScenarioError  # noqa: E402
from viz import compare  # noqa: E402
from viz.session import Session  # noqa: E402


@pytest.mark.parametrize("typed", ["²", "١٢", "12,5", "1,0000", "3.0", "-1", ""])
def test_a_typed_whole_number_is_ascii_digits_grouped_by_three(typed):
    """'²' passed str.isdigit() and then int() raised ValueError inside the Compare tab's render;
    '١٢' was read as 12; '12,5' (Dutch for 12.5) became 125 days, places or persons a year."""
    with pytest.raises(ScenarioError, match=r"^days: a whole number from 1 to 730 \(got "):
        compare.parse_days(typed, 730)


def test_thousands_separators_still_read():
    assert compare.parse_days("1,000", 3650) == compare.parse_days(" 1_000 ", 3650) == 1000


def test_seeds_are_32_bit_and_each_given_once():
    """Seed 2**32 passed the form and the comparison then stopped in the background; a seed given
    twice counted its runs twice in the means and bands."""
    assert compare.parse_seeds(f"0, {MAX_SEED}") == [0, MAX_SEED]
    with pytest.raises(ScenarioError, match=r"^seeds: give 1 to 20 seeds from 0 to 4,294,967,295"):
        compare.parse_seeds(str(MAX_SEED + 1))
    with pytest.raises(ScenarioError, match=r"^seeds: 1 is given twice"):
        compare.parse_seeds("1, 2, 1")
    with pytest.raises(ScenarioError, match=r"^seeds: whole numbers separated by commas"):
        compare.parse_seeds("1, ²")


def _field(rc, cls):
    return rc.find(v.TextField, class_=cls).widget


def test_the_compare_and_inspect_fields_flag_odd_digits_under_themselves():
    """The Compare tab's render raised ValueError on days '²' (the tab went blank with a
    traceback); the person field the same."""
    from viz.panels import ComparePanel, CompareForm, InspectPanel
    from viz.store import Store

    s = Session("baseline")
    form = CompareForm.new(solara.reactive(None))
    _box, rc = solara.render(ComparePanel(s, Store(), solara.reactive(None), solara.reactive(0), form),
                             handle_error=False)
    try:
        form.days_text.set("²")
        assert _field(rc, "np-compare-days").error_messages == ["days: a whole number from 1 to 730 (got '²')"]
        form.days_text.set("30")
        form.seeds_text.set(str(MAX_SEED + 1))
        (msg,) = _field(rc, "np-compare-seeds").error_messages
        assert msg.startswith("seeds: give 1 to 20 seeds from 0 to 4,294,967,295")
        assert rc.find(v.Btn, class_="np-compare-run").widget.disabled
    finally:
        rc.close()
    _box, rc = solara.render(InspectPanel(s, solara.reactive(None)), handle_error=False)
    try:
        _field(rc, "np-person").v_model = "²"
        (msg,) = _field(rc, "np-person").error_messages
        assert msg.startswith("person: a whole number from 0 to ") and msg.endswith("(got '²')")
    finally:
        rc.close()


def test_a_what_if_of_12_comma_5_places_is_refused_not_read_as_125():
    from viz.scenario_panel import WhatIf

    s = Session("baseline")
    _box, rc = solara.render(WhatIf(s, solara.reactive(0), solara.reactive(0)), handle_error=False)
    try:
        places = rc.find(v.TextField, label="Places").widget
        places.v_model = "12,5"                   # as typed: the field takes it at every key
        rc.find(v.Btn, children=["Open places"]).widget.click()
        assert s.decisions == []
        (err,) = rc.find(v.Alert).widgets
        assert "places: a whole number from 1 to 100,000 (got '12,5')" in str(err.children)
    finally:
        rc.close()


def test_a_30_day_horizon_leaves_the_parameters_usable():
    """Baseline (no shock) with a horizon of 30 days: the next change (family reunification 0)
    could not be applied, flagged on the shock's start day, 'must be from 0 to 29 (got 30)': the
    suggested start of a shock nobody had typed was day 30, checked against the new horizon."""
    from model.scenario import load_scenario
    from viz import params

    sc = load_scenario("baseline")
    short, errors = params.apply(sc, {**params.current_values(sc), "horizon_days": "30"})
    assert errors == {} and short.horizon_days == 30
    again, errors = params.apply(short, {**params.current_values(short),
                                         "inflow.family_reunification_per_year": "0"})
    assert errors == {} and again.inflow.family_reunification_per_year == 0 and again.inflow.shocks == []
    # mass-arrival's own shock (from day 62) stays as it is when only the horizon is cut, as `--days 30` does
    ma = load_scenario("mass-arrival")
    cut, errors = params.apply(ma, {**params.current_values(ma), "horizon_days": "30"})
    assert errors == {} and cut.inflow.shocks == ma.inflow.shocks


def test_a_shock_typed_beside_a_new_horizon_must_start_inside_it():
    """Horizon 30 and a shock from day 40 typed in one go were accepted (checked against the old
    horizon of 730 days): a shock that never comes."""
    from model.scenario import load_scenario
    from viz import params

    sc = load_scenario("baseline")
    values = {**params.current_values(sc), "horizon_days": "30", "shock.extra": "500", "shock.start_day": "40"}
    new, errors = params.apply(sc, values)
    assert new is None
    assert errors == {"shock.start_day": "parameters: shock.start_day: must be from 0 to 29 days after the start "
                                         "(got '40')"}
    one_day, errors = params.apply(sc, {**values, "shock.start_day": "29", "shock.days": "1"})
    assert errors == {} and one_day.inflow.shocks[0].start == one_day.inflow.shocks[0].end


def test_a_run_file_with_its_own_seed_does_not_pin_the_seed_of_later_runs():
    """A run file whose seed is not its scenario's (written by `Session(..., seed=7).record()` or by
    hand) was replayed with the seed kept beside the scenario: the seed field then showed the
    scenario's seed, Apply with seed 99 ran seed 7, and so did every scenario picked afterwards."""
    import json

    from model.scenario import load_scenario
    from viz import params
    from viz.session import RunRecord

    made = Session("baseline", seed=7)
    made.step(3)
    rec = RunRecord.from_json(made.record().to_json())
    s = Session("baseline")
    s.replay(rec)
    assert (s.model.state.seed, s.scenario.seed, s.scenario.name) == (7, 7, "baseline (changed)")
    assert params.current_values(s.scenario)["seed"] == "7"
    assert s.results().daily_frame().equals(made.results().daily_frame())      # the same run
    again = RunRecord.from_json(s.record().to_json())                           # saved again: the same run
    s2 = Session("baseline")
    s2.replay(again)
    assert s2.results().daily_frame().equals(made.results().daily_frame())
    new, errors = params.apply(s.scenario, {**params.current_values(s.scenario), "seed": "99"})
    assert errors == {}
    s.reset(new)
    assert s.model.state.seed == 99
    s.reset(load_scenario("mass-arrival"))
    assert s.model.state.seed == load_scenario("mass-arrival").seed
    s.reset()                                                                   # Reset: the same run again
    assert s.model.state.seed == load_scenario("mass-arrival").seed
    assert json.loads(s.record().to_json())["seed"] is None


def test_the_briefing_time_line_draws_its_decisions_as_a_few_collections():
    """The briefing took seconds to draw, half of it the time line: every decision was an axvline
    on each of its six panels (834 lines for baseline's two years, each with its own ticks and
    transforms). The dotted lines are now one collection per kind and panel, at the same days."""
    from matplotlib.collections import LineCollection
    from matplotlib.dates import date2num

    from viz import briefing, decisions
    from viz.labels import phase_names

    s = Session("mass-arrival")
    s.step(120)
    snap = s.snapshot()
    rows = decisions.rows(s.state.event_log)
    marked = [r for r in rows if r.kind in decisions.MARKED_KINDS and r.day < snap.day]
    assert len(marked) > 10
    fig = briefing.timeline_figure(snap, rows, phase_names(s.scenario))
    axs = fig.axes
    assert all(len(ax.lines) <= 9 for ax in axs), [len(ax.lines) for ax in axs]   # the data, not a line a decision
    kinds = {r.kind for r in marked}
    for ax in axs:
        marks = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert len(marks) == len(kinds)
        xs = sorted(seg[0][0] for c in marks for seg in c.get_segments())
        at = date2num(snap.dates[[r.day for r in marked]].astype("datetime64[s]").astype(object))
        assert xs == pytest.approx(sorted(at))                       # one line on the day of each decision
    numbers: list[int] = []                     # numbered as in the table: one label a day, "12-15" for several
    for t in axs[3].texts:
        first, _, last = t.get_text().partition("-")
        numbers += range(int(first), int(last or first) + 1)
    assert numbers == sorted(numbers) and set(numbers) <= set(range(1, len(marked) + 1)) and numbers[0] == 1


def test_with_a_plan_per_province_a_province_asked_nothing_reads_0_not_national():
    """mass-arrival with `plan: {scope: province}` after 75 days: Flevoland had been asked 134
    places, the eleven other provinces nothing, and their 'places asked' read 'national' (in the
    Regions tab and the briefing), as if a national request stood for them."""
    from model.scenario import from_dict, load_scenario
    from viz import regions

    data = load_scenario("mass-arrival").model_dump(mode="json")
    data["plan"]["scope"] = "province"
    data["horizon_days"] = 75
    s = Session(from_dict(data, "test"))
    s.step(75)
    rows, total = regions.table(s, "provinces")
    assert all(r.asked is not None for r in rows), [r.asked for r in rows]
    cells = {r.name: regions.asked_cell(r, total) for r in rows}
    assert sum(r.asked for r in rows) == total["asked"] > 0
    assert "0" in cells.values() and "national" not in cells.values()
    rows, total = regions.table(s, "safety regions")          # the model asks per province, not per region
    assert {regions.asked_cell(r, total) for r in rows} == {"per province"}
    baseline = Session("mass-arrival")                         # a national plan: asked of the whole country
    baseline.step(10)
    rows, total = regions.table(baseline, "provinces")
    assert {regions.asked_cell(r, total) for r in rows} == {"national"}


def test_the_seed_fields_hint_is_the_seeds_range():
    # every seed is 32-bit (model.scenario.MAX_SEED); the hint said up to 2**31 - 1, so a planner did not
    # type seeds the command line and the run files take
    from viz.params import BASE_PARAMS

    (seed,) = [p for p in BASE_PARAMS if p.key == "seed"]
    assert seed.hint == "0 – 4,294,967,295" and seed.maximum == 4_294_967_295


def test_the_briefing_names_what_if_decisions_as_the_page_said_them():
    # a what-if taken on the page carries its label ("what-if: first applications 30,000 a year from
    # today"); the briefing listed the raw event ("set inflow.first_applications_per_year 30000.0")
    import numpy as np

    from model.scenario import Event
    from viz import briefing

    from model.scenario import load_scenario

    s = Session(load_scenario("baseline").model_copy(update={"horizon_days": 20}))
    s.step(3)
    s.decide(Event(date=s.date, action="set", parameter="inflow.first_applications_per_year", value=30000,
                   label="what-if: first applications 30,000 a year from today"))
    s.decide(Event(date=s.date, action="open", kind="emergency", places=500))      # from a script: no label
    s.step(2)
    page = briefing.briefing_html(s, np.zeros(20), "test")
    assert ("What-if decisions taken during the run: before day 3: first applications 30,000 a year from today; "
            "before day 3: open emergency 500</p>") in page


def test_the_seven_day_mean_of_moves_is_over_the_days_there_are_at_the_start():
    # day 1 of 10 moves is a mean of 10, not 10 / 7 (the page and the briefing divided the first six days by 7)
    from viz.plots import trailing_mean

    got = trailing_mean([10, 4, 7, 7, 7, 7, 7, 14, 0], 7)
    np.testing.assert_allclose(got, [10, 7, 7, 7, 7, 7, 7, 53 / 7, 49 / 7])


def test_the_phase_card_says_when_each_phase_triggered_and_scaled_down():
    """Round 4, a planner's question at a glance: "when did each phase trigger, and when did it scale
    down?" The phase card gave only the phase of today and its name; the days were in the log (one
    row among a hundred) or on the time line's phase panel (hover a marker). It now says the last
    change (▲ up, red; ▼ down, green) with its day and date, and every change so far — the same days
    as the run's own Results: `daily["phase"]` and the plan's scale-up/scale-down lines."""
    from viz import planner

    s = Session("mass-arrival")
    s.step(221)
    res = s.results()
    ph = res.daily["phase"].values
    want = [(d, int(ph[d - 1]) if d else 0, int(ph[d])) for d in range(len(ph)) if ph[d] != (ph[d - 1] if d else 0)]
    steps = ("scale-up to phase", "scale-down from phase")
    logged = [e["day"] for e in res.events if e["source"] == "plan" and e["what"].startswith(steps)]
    snap = s.snapshot()
    assert planner.phase_changes(snap) == want and [d for d, _, _ in want] == logged
    assert want[-1][1] > want[-1][2], "mass-arrival scales down by day 220: the test needs a scale-down"
    trend, worse, story = planner.phase_story(snap)
    d, was, _ = want[-1]
    assert trend == f"▼ down from phase {was} on day {d} ({str(snap.dates[d])[:10]})" and worse is False
    assert story == "changes: " + ", ".join(f"day {d} → {a}" for d, _, a in want)
    # a plan that never left phase 0, and no plan: nothing to tell
    quiet = Session("baseline")
    quiet.step(3)
    assert planner.phase_story(quiet.snapshot()) == ("", None, "")


def _card_texts(rc) -> dict[str, list[str]]:
    import re
    from html import unescape

    (w,) = [w for w in rc.find(solara.widgets.HTML).widgets if "np-cards" in w.attributes.get("class", "").split()]
    cards = re.split(r'(?=<div class="v-card )', w.unsafe_innerHTML)
    return {re.search(r"np-card-(\S+) ", c)[1]: [unescape(t) for t in re.findall(r">([^<>]+)<", c)]
            for c in cards if "np-card-" in c}


def _cards_match_results(rc, decisions=()) -> int:
    """Every figure on the cards against the Results of the same run made apart (the same scenario
    and seed, the same what-if decisions on the same days); returns the day shown."""
    from viz.labels import days_in_position

    day = days_in_position(rc.find(v.Html, class_="np-day").widget.children[0])
    own = Session("baseline")
    for when, event in decisions:
        own.step(when - own.day)
        own.decide(event)
    own.step(day - own.day)
    res, x = own.results(), own.results().daily
    c = _card_texts(rc)
    u = x["unsheltered"].values
    ch, ch28 = res.churn(), res.churn(period=(max(0, day - 28), day))
    med = x["decision_days_median_regular"].values
    shown = {k: c[k][1] for k in ("population", "occupancy", "phase", "children", "moves", "moves-children",
                                  "decision-time", "unsheltered")}
    assert shown == {"population": f"{int(x['population'].values[-1]):,}",
                     "occupancy": f"{float(x['occupancy_rate'].values[-1]):.1%}",
                     "phase": str(int(x["phase"].values[-1])),
                     "children": f"{int(x['children_in_emergency'].values[-1]):,}",
                     "moves": f"{ch28['moves_per_person_year']:.2f}",
                     "moves-children": f"{ch28['children_moves_per_year']:.2f}",
                     "decision-time": f"{med[np.isfinite(med)][-1]:,.0f} days",
                     "unsheltered": f"{int(u[-1]):,}"}, day
    assert c["moves"][-1].endswith(f"run so far {ch['moves_per_person_year']:.2f}")
    assert c["moves-children"][-1].endswith(f"run so far {ch['children_moves_per_year']:.2f}")
    assert c["unsheltered"][-1] == f"{int(u.sum()):,} person-nights so far"
    assert c["population"][-1] == f"{int(x['in_bed'].values[-1]):,} in a bed"
    assert c["occupancy"][-1] == f"{int(x['capacity'].values[-1]):,} usable places"
    p90 = x["decision_days_p90_regular"].values
    assert c["decision-time"][-1] == f"median from arrival to first decision; p90 {p90[np.isfinite(p90)][-1]:,.0f} days"
    # the Dutch terms of both kinds of emergency reception the figure counts
    assert c["children"][-1] == "minors in emergency (noodopvang) or crisis emergency (crisisnoodopvang) locations"
    assert f"EUR {x['cost_eur'].values.sum() / 1e9:,.2f} bn" in " ".join(c["cost"])
    _cost_card_matches_the_stable_stock(rc, own, day)
    return day


def _cost_card_matches_the_stable_stock(rc, own: Session, day: int) -> None:
    """Round 5: the cost card's difference against the stable stock, checked against `stable-stock`
    simulated apart on the same seed for the same days (with `baseline` the counterfactual is exactly
    that; a what-if decision is the run's, not the counterfactual's). The card says 'computing…' until
    the counterfactual has caught up: waited for, with a deadline."""
    import time

    from model.scenario import load_scenario
    from model.simulate import simulate

    deadline = time.monotonic() + 120
    while _card_texts(rc)["cost"][0] != "Cost against the stable stock" and time.monotonic() < deadline:
        time.sleep(0.05)
    c = _card_texts(rc)["cost"]
    assert c[0] == "Cost against the stable stock", c
    seed = own.seed if own.seed is not None else own.scenario.seed
    stable = simulate(load_scenario("stable-stock").model_copy(update={"seed": seed}), days=day).daily_frame()
    diff = (own.results().daily["cost_eur"].values.sum() - stable["cost_eur"].values.sum()) / 1e6
    assert c[1] == f"{'+' if diff >= 0 else ''}EUR {diff:,.0f} M", (c, diff)
    # the run's own cost beside the difference is said to be the run's (it read 'EUR 0.68 bn so far; against
    # the same run with the stable-stock portfolio', which reads as the difference)
    assert c[-1] == (f"this run: EUR {own.results().daily['cost_eur'].values.sum() / 1e9:,.2f} bn so far; "
                     "the difference is against the same run with the stable-stock portfolio (same seed)"), c


def test_the_cards_are_the_runs_own_results_after_step_play_what_if_reset_and_reopen(page):
    """Round 4: each figure on the Run tab's cards checked against `Results` of the same run made
    apart, after Step, Play at the fastest speed and Pause, a What-if decision, Reset and a reopened
    saved run (the replay an uploaded run file goes through). The phase card names the last change."""
    import time

    from model.scenario import Event
    from tests.viz.settle import settled
    from viz.labels import days_in_position

    page.find(v.Btn, class_="np-step-week").widget.click()
    page.find(v.Btn, class_="np-step-week").widget.click()
    assert _cards_match_results(page) == 14
    assert "▲ up from phase 0 on day 8 (2025-07-09)" in _card_texts(page)["phase"]
    page.find(v.Select, label="Speed").widget.v_model = "as fast as possible"
    page.find(v.Btn, class_="np-play").widget.click()
    deadline = time.monotonic() + 120
    while days_in_position(page.find(v.Html, class_="np-day").widget.children[0]) < 60 \
            and time.monotonic() < deadline:
        time.sleep(0.05)                      # (a condition with a deadline, not a fixed wait)
    page.find(v.Btn, class_="np-pause").widget.click()
    deadline = time.monotonic() + 120
    while not page.find(v.Btn, class_="np-play").widgets and time.monotonic() < deadline:
        time.sleep(0.05)
    day = _cards_match_results(page)
    assert day >= 60
    field = next(w for w in page.find(v.TextField).widgets if w.label == "First applications per year from today")
    field.v_model = "90000"
    settled(page)
    page.find(v.Btn, children=["Change inflow"]).widget.click()
    page.find(v.Btn, class_="np-step-week").widget.click()
    own = Session("baseline")
    own.step(day)
    what_if = Event(date=own.date, action="set", parameter="inflow.first_applications_per_year", value=90000,
                    label="what-if: first applications 90,000 a year from today")
    assert _cards_match_results(page, [(day, what_if)]) == min(day + 7, 730)
    page.find(v.Btn, children=["Save run"]).widget.click()
    page.find(v.Btn, class_="np-reset").widget.click()
    page.find(v.Btn, class_="np-step-day").widget.click()
    assert _cards_match_results(page) == 1
    page.find(v.Btn, children=["Reopen"]).widgets[0].click()       # the newest saved run is listed first
    assert _cards_match_results(page, [(day, what_if)]) == min(day + 7, 730)
