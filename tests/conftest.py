import functools

import pytest

from model.scenario import load_scenario
from model.simulate import simulate


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
