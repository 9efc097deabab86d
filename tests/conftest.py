import functools
import os

import pytest
from hypothesis import settings

from model.scenario import load_scenario
from model.simulate import simulate

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
