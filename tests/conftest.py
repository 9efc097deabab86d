import pytest

from model.scenario import load_scenario


@pytest.fixture(scope="session")
def baseline():
    return load_scenario("baseline")
