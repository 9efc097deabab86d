"""The plan's lever on COA's vulnerability assessment (kwetsbaarheidstoets): `raise_assessment` at the
front of the chain, read by `rulebook.assess_vulnerability` through `FrontCapacity`, and the
`assessment_backlog` indicator, on a small hand-made world."""

import numpy as np
import pytest
import yaml

from agents.applicants import Stage, Track
from model import rulebook
from model.front import FrontMeasure
from model.scenario import SCENARIO_DIR, ScenarioError, from_dict, load_scenario
from model.simulate import prepare
from tests.model.test_front import world as front_world
from viz import decisions

# one rung: 50 or more waiting for the assessment climbs it; +40 assessments a day, half of them
# realised, after 3 days at EUR 500 a day; down when nobody has waited for 2 days
STAFF = {"name": "assessment staff", "activate": [{"indicator": "assessment_backlog", "above": 50, "days": 1}],
         "deactivate": [{"indicator": "assessment_backlog", "below": 1, "days": 2}], "min_dwell_days": 0,
         "actions": [{"type": "raise_assessment", "per_day": 40, "success_rate": 0.5, "lead_time_days": 3,
                      "cost_per_day_eur": 500}]}


def world(front=None):
    """test_front's world (Groningen only, empty, no arrivals of its own; the plan has only `front`)
    in which COA assesses 10 persons a day, due within 30 days of arrival."""
    return front_world(front, vulnerability_assessments_per_day=10, vulnerability_deadline_days=30)


def _in_line(s, sizes, arrival_day, stage=Stage.PROCEDURE):
    """Households of `sizes` persons (adults), screened, waiting in the assessment's line; they
    arrived on `arrival_day`."""
    n = len(sizes)
    ids = s.people.add(size=np.array(sizes, np.int64), children=np.zeros(n, int),
                       key=np.arange(n, dtype=np.uint64) + 7, group=np.zeros(n, int),
                       track=np.full(n, Track.REGULAR), flags=np.zeros(n, np.uint8), stage=stage, day=0,
                       arrival_day=arrival_day)
    s.assessment.push(ids)
    return ids


def _run(front, days=12):
    """100 single adults who arrived 25 days before day 0 wait for the assessment; `days` days run.
    Returns the state, the capacity each day's assessment had, and the persons assessed a day."""
    s = prepare(world(front), days=days)
    _in_line(s, [1] * 100, -25)
    capacity = []
    for day in range(days):
        capacity.append(s.front.assessments_per_day(s, day))      # what the day's assessment reads
        rulebook.run_day(s)
    return s, capacity, s.recorder.scalars["vulnerability_assessed"].tolist()


def test_extra_assessment_staff_come_after_the_lead_time_and_go_exactly_at_scale_down():
    # Without the plan: 10 a day on days 0..9; served on day d, a person who arrived on day -25 is
    # late from day 6 on (-25 < d - 30): days 6..9, 40 persons late.
    s0, cap0, assessed0 = _run([])
    assert cap0 == [10] * 12 and assessed0 == [10] * 10 + [0, 0]
    assert s0.recorder.scalars["vulnerability_late"].sum() == 40
    # With the rung: 90 wait at the end of day 0 (>= 50 for 1 day): the rung climbs on day 0 and the
    # staff come on day 3 with 40 x 0.5 = 20 more. Days 0-2 serve 10 each (70 left), days 3-4 30
    # each (10 left), day 5 the last 10: nobody is late. The line is empty from the end of day 5:
    # held 2 days on day 6, the rung steps down (its own trigger last held on day 2) and the 20 go:
    # day 7 on, 10 a day again.
    s, cap, assessed = _run([STAFF])
    x = s.recorder.scalars
    assert list(x["front_phase"][:9]) == [1, 1, 1, 1, 1, 1, 0, 0, 0]
    assert cap == [10, 10, 10, 30, 30, 30, 30, 10, 10, 10, 10, 10]
    assert assessed == [10, 10, 10, 30, 30, 10, 0, 0, 0, 0, 0, 0]
    assert x["vulnerability_late"].sum() == 0
    assert s.front.measures == [] and s.front.assessments_per_day(s, 20) == 10
    # EUR 500 a day while in force at the end of the day (days 3, 4, 5; gone in day 6's plan step),
    # nothing else in the world's cost differs (the registration staff figure is untouched)
    extra = x["cost_eur"] - s0.recorder.scalars["cost_eur"]
    assert extra.tolist() == pytest.approx([0, 0, 0, 500, 500, 500] + [0] * 6)
    assert (x["registration_capacity"] == s0.recorder.scalars["registration_capacity"]).all()
    assert [e["what"] for e in s.event_log if "assessment capacity" in e["what"]] == \
        ["raise vulnerability assessment capacity", "lower vulnerability assessment capacity"]


def test_assessment_measures_add_up_and_leave_registration_alone():
    s = prepare(world(), days=5)
    staff = s.front.add(FrontMeasure(start_day=0, assessments=25, cost_per_day_eur=100))
    later = s.front.add(FrontMeasure(start_day=3, assessments=15))
    registration = s.front.add(FrontMeasure(start_day=0, per_day=40))
    assert [s.front.assessments_per_day(s, d) for d in (0, 2, 3)] == [35, 35, 50]
    assert s.front.registration_per_day(s, 3) == s.params.chain.registration_capacity_per_day + 40
    s.front.remove(staff)
    assert s.front.assessments_per_day(s, 3) == 25
    s.front.remove(later)
    s.front.remove(registration)
    assert s.front.assessments_per_day(s, 3) == 10 and s.front.cost_per_day_eur(3) == 0


def test_the_assessment_backlog_counts_the_persons_still_waiting():
    # households of 1, 3 and 2 persons in the line; the 3 leave reception (housed) before their turn,
    # the 2 are in appeal (still waiting): 1 + 2 = 3 persons wait
    s = prepare(world([STAFF]), days=5)
    ids = _in_line(s, [1, 3, 2], 0)
    s.people.set_stage(ids[1:2], Stage.HOUSED, 0)
    s.people.set_stage(ids[2:3], Stage.APPEAL, 0)
    assert s.plan.indicators(s, 0)["assessment_backlog"][0] == 3
    rulebook.assess_vulnerability(s, 0)                          # 10 a day: all of them, the housed dropped
    assert s.today.vulnerability_assessed == 3 and s.plan.indicators(s, 0)["assessment_backlog"][0] == 0


BAD = [
    ({"type": "raise_assessment", "lead_time_days": 14}, "a 'raise_assessment' action needs per_day"),
    ({"type": "raise_assessment", "per_day": 100, "places": 50},
     "places: a 'raise_assessment' action does not use places"),
    ({"type": "raise_assessment", "per_day": -5}, "per_day: Input should be greater than or equal to 0"),
]


@pytest.mark.parametrize("action,message", BAD, ids=[m for _, m in BAD])
def test_a_wrong_assessment_action_stops_with_one_line_naming_the_field(action, message):
    d = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    d["plan"]["front"][0]["actions"].append(action)
    with pytest.raises(ScenarioError) as e:
        from_dict(d, "test.yaml")
    assert "plan.front.0.actions.3" in str(e.value) and message in str(e.value) and "\n" not in str(e.value)


def test_the_assessment_action_needs_a_national_ladder():
    d = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    d["plan"]["scope"] = "province"
    d["plan"]["phases"][0]["actions"].append({"type": "raise_assessment", "per_day": 100})
    with pytest.raises(ScenarioError, match="raise_assessment acts on the national registration centre"):
        from_dict(d, "test.yaml")


def test_the_baseline_plan_raises_assessments_on_both_front_rungs():
    front = load_scenario("baseline").plan.front
    staff = [[a for a in rung.actions if a.type == "raise_assessment"] for rung in front]
    assert [(a.per_day, a.lead_time_days) for rung in staff for a in rung] == [(250, 14), (250, 28)]
    assert any(t.indicator == "assessment_backlog" for t in front[0].activate)
    assert any(t.indicator == "assessment_backlog" for t in front[0].deactivate)


def test_the_decision_log_reads_the_assessment_trigger_and_action():
    assert decisions.plain_trigger("assessment_backlog >= 2000 for 2 days") == \
        "2,000 or more people waiting for the vulnerability assessment for 2 days"
    s, _, _ = _run([STAFF], days=8)
    rows = decisions.rows(s.event_log)
    up = next(r for r in rows if r.what.startswith("scale-up"))   # (the log's "front rung 0 -> 1" left out)
    assert up.kind == "phase" and up.why == "50 or more people waiting for the vulnerability assessment for 1 day"
    staff = next(r for r in rows if r.what == "raise vulnerability assessment capacity")
    assert staff.kind == "action" and staff.why == "+20 assessments a day in 3 days (EUR 500 a day)"
