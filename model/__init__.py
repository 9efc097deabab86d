"""The world and the clock: scenario, world builder, the day's rulebook, metrics and two faces.

The headless face: `from model.simulate import simulate`, `simulate(scenario, seed)` (and
`model.many.simulate_many` for many runs); the Mesa face: `from model.mesa_model import
ReceptionModel`, a mesa.Model. Both run the same rulebook (`model.rulebook`) and give bit-identical
results. (`from model import simulate` gives the module `model.simulate`, not the function.)
"""

from model.scenario import Scenario, ScenarioError, load_scenario  # noqa: F401
