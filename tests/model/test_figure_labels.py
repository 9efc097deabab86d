"""A daily figure's name and meaning say what it measures (a planner's audit, 5 December 2026).

Worked by hand on the small world of `test_rules` (Groningen only: central 20, process 10,
regular 10, emergency 10 places, empty at the start).
"""

import numpy as np

from agents.locations import Kind, Life
from model.metrics import SCALARS
from model.simulate import prepare
from tests.model.test_rules import small
from viz import decisions


def test_capacity_counts_the_beds_in_use_in_a_closing_location_and_says_so():
    s = prepare(small(), days=3)
    L = s.locs
    reg = int(np.flatnonzero(L.kind == Kind.REGULAR)[0])
    L.life[reg] = Life.CLOSING               # scale-down: takes nobody new, 7 residents still there
    L.occupancy[reg] = 7
    s.recorder.record(s, 0)
    # by hand: central 20 + process 10 + emergency 10 open places, and the closing azc's 7 beds in use
    assert s.recorder.scalars["capacity"][0] == 20 + 10 + 10 + 7
    assert s.recorder.scalars["in_bed"][0] == 7
    meaning = SCALARS["capacity"][1]
    assert "closing" in meaning and "raised occupancy" in meaning


def test_exits_departed_names_every_route_it_counts():
    """`exits_departed` = departed_independent + departed_forced + departed_unsupervised +
    dublin_reception_ended (the recorder's tally; absconding Dublin claimants are in
    departed_unsupervised): pact-2026, seed 1, 730 days: 24,740 = the four summed. Its meaning
    said 'left after rejection' only."""
    meaning = SCALARS["exits_departed"][1]
    assert "absconded" in meaning and "transfer decision" in meaning and "rejection" in meaning


def test_the_central_occupancy_trigger_reads_as_all_registration_locations():
    """The plan's `central_occupancy` is persons at all registration locations (Ter Apel, relief
    places, a second site) over their normal places (`model.plan.PlanRuntime._values`), not Ter
    Apel's alone: with 1,000 relief places open it reads 2,970 / 3,000 = 0.99."""
    words = decisions.plain_trigger("central_occupancy >= 0.99 for 2 days")
    assert "registration locations" in words and "Ter Apel at or above" not in words
    assert words.startswith("the registration locations (Ter Apel, relief places, a second site) at or above 99%")
