"""The world and the clock: scenario, world builder, the day's rulebook, metrics and two faces.

`simulate(scenario, seed)` is the headless face; `ReceptionModel` (mesa.Model) the interactive one.
Both run the same rulebook (`model.rulebook`) and give bit-identical results.
"""

from model.scenario import Scenario, ScenarioError, load_scenario  # noqa: F401
