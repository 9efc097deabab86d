import functools
import os

import pytest
from hypothesis import settings

# Every look at a small world's free places kept between looks is checked against a fresh count
# (`agents.locations.CHECK_KEPT`), in this process and in the CLI and UI servers the tests start:
# a write to a location's capacity, extra places, life or occupancy without `Locations.changed()`
# fails the test that made it. (Set before the model is imported: the flag is read once.)
os.environ["NOODPLAN_CHECK_KEPT"] = "1"

from model.scenario import load_scenario
from model.simulate import simulate

import agents.locations

agents.locations.CHECK_KEPT = True      # (also when the model was imported before this file)

# Hypothesis draws new examples on every local run (that is how the property tests find bugs);
# under CI (`.ci/run` sets CI) it draws the same examples every time, so a CI run is reproducible
# and a stop is not red by chance. A local find becomes a hand-worked regression test.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def baseline():
    return load_scenario("baseline")


@functools.cache
def _builtin(name: str):
    return simulate(name)


@pytest.fixture(scope="session")
def builtin_run():
    """Full run of a built-in scenario on its own seed, computed once per test session."""
    return _builtin
