"""The paired comparison's key figures read from the event log."""

from types import SimpleNamespace

import pytest

from experiments.compare import KEY_FIGURES, _municipal_places
from model.plan import PlanRuntime
from model.scenario import Action
from model.simulate import prepare


def _event(what, detail, source="plan", day=3):
    return {"day": day, "date": "2022-01-04", "source": source, "where": "national", "what": what, "detail": detail}


def test_municipal_places_add_what_was_delivered_via_the_provinces():
    events = [
        _event("request emergency places via provinces", "asked 1,000, delivered 750 (75%), opening in 21 days"),
        _event("request crisis places via provinces", "asked 200, delivered 0 (0%), opening in 3 days"),
        _event("request emergency places via coa", "asked 500, delivered 500 (100%), opening in 21 days"),
        _event("request emergency places via provinces", "delivered 9,999", source="decision"),
    ]
    # 750 + 0 via the provinces; the COA contract and the non-plan line do not count
    assert _municipal_places(SimpleNamespace(events=events)) == 750.0
    figure = KEY_FIGURES["municipal_places"][2]
    assert figure(SimpleNamespace(events=events), {}) == 750.0


def test_a_request_line_without_its_delivered_places_is_named():
    events = [_event("request emergency places via provinces", "asked 1,000", day=12)]
    with pytest.raises(ValueError, match="day 12: 'request emergency places via provinces' does not say"):
        _municipal_places(SimpleNamespace(events=events))


def test_municipal_places_read_the_plans_own_line():
    """The figure parses model.plan's wording: a request via the provinces on a real state."""
    s = prepare("baseline", days=10)
    s.plan = PlanRuntime(s, s.sc.plan)
    a = Action(type="request_places", kind="emergency", places=5000, via="provinces", lead_time_days=30)
    done = s.plan._do_request_places(s, 0, -1, a)
    delivered = int(s.locs.capacity[done.locations].sum())
    assert delivered > 0
    assert _municipal_places(SimpleNamespace(events=s.event_log)) == delivered
