"""Mesa's own tools on the Mesa face: SolaraViz's model controls (Step, Reset) and a Mesa 3.5
`Scenario` given as `scenario=`, the convention of Mesa's models and tools."""

import copy
import pickle

import ipyvuetify as v
from mesa.experimental.scenarios import Scenario as MesaScenario
from mesa.visualization.solara_viz import ModelController
import pandas as pd
import pytest
import solara

from agents.views import LocationAgent, MunicipalityAgent
from model.mesa_model import ReceptionModel
from model.scenario import ScenarioError, load_scenario, with_changes
from model.simulate import simulate


def test_solaraviz_reset_makes_the_model_of_its_parameters_again():
    params = {"scenario": "stable-stock", "days": 4, "rng": 3}
    first = ReceptionModel(**params)
    model = solara.reactive(first)
    _, rc = solara.render(ModelController(model, model_parameters=params, play_interval=solara.reactive(100),
                                          render_interval=solara.reactive(1), use_threads=solara.reactive(False)),
                          handle_error=False)
    buttons = {b.children[0]: b for b in rc.find(v.Btn).widgets}
    buttons["Step"].click()
    assert first.steps == 1
    buttons["Reset"].click()      # Mesa replaced the `scenario` keyword with its own Scenario(): refused
    fresh = model.value
    assert fresh is not first and fresh.steps == 0
    assert (fresh.config.name, fresh.state.seed, fresh.horizon) == ("stable-stock", 3, 4)


def test_a_mesa_scenario_given_as_scenario_is_read_as_the_run_s_parameters():
    m = ReceptionModel(scenario=MesaScenario(rng=3, scenario="stable-stock", days=3,
                                             **{"housing.supply_persons_per_year": 15000}))
    assert (m.config.name, m.state.seed, m.horizon) == ("stable-stock", 3, 3)
    assert m.config.housing.supply_persons_per_year == 15000
    m.run_model()
    headless = simulate(with_changes(load_scenario("stable-stock"), {"housing.supply_persons_per_year": 15000}),
                        seed=3, days=3)
    assert m.results().daily.identical(headless.daily)
    assert m.scenario.rng == 3 and len(m.scenario) == 0   # Mesa's scenario holds the seed, no parameters


@pytest.mark.parametrize("kwargs, named", [
    ({"scenario": MesaScenario(rng=3), "rng": 4}, "rng: "),
    ({"scenario": MesaScenario(days=3), "days": 4}, "days: "),
    ({"scenario": MesaScenario(scenario=MesaScenario())}, "scenario: "),
    ({"scenario": MesaScenario(collect_agents=True)},
     "collect_agents: a keyword of ReceptionModel, not a parameter of a Mesa Scenario"),
])
def test_a_mesa_scenario_contradicted_stops_with_one_line(kwargs, named):
    with pytest.raises(ScenarioError, match=f"^ReceptionModel: {named}") as e:
        ReceptionModel(**kwargs)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("copy_of", [lambda m: pickle.loads(pickle.dumps(m)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_a_model_collecting_agents_pickles_and_goes_on_as_the_unbroken_run(copy_of):
    """collect_agents=True: pickling failed ("Can't pickle local object
    'DataCollector._new_agenttype_reporter.<locals>.attr_reporter'": Mesa wraps an attribute named
    by a string in a local function), so such a model could not go to a worker or to disk."""
    m = ReceptionModel("stable-stock", rng=2, days=6, collect_agents=True)
    m.run_for(3)
    c = copy_of(m)
    m.run_model()
    c.run_model()
    for kind in (MunicipalityAgent, LocationAgent):
        pd.testing.assert_frame_equal(c.datacollector.get_agenttype_vars_dataframe(kind),
                                      m.datacollector.get_agenttype_vars_dataframe(kind), check_exact=True)
    frame = m.datacollector.get_agenttype_vars_dataframe(LocationAgent)
    assert len(frame) == 6 * len(m.location_agents)
    assert frame.xs(6.0, level="Step")["occupancy"].sum() == m.datacollector.get_model_vars_dataframe()[
        "population"].iloc[-1] - m.datacollector.get_model_vars_dataframe()["unsheltered"].iloc[-1]


def test_solaraviz_with_plot_components_renders_the_daily_figures():
    """docs/mesa.md's SolaraViz page, rendered: Mesa's plot components (matplotlib and altair) read
    the model's DataCollector by daily.csv's names, on day 0 (no rows yet) and after steps."""
    import ipywidgets as w
    from mesa.visualization import SolaraViz, make_plot_component

    m = ReceptionModel("stable-stock", rng=1, days=3)
    m.run_for(2)
    page = SolaraViz(m, components=[make_plot_component("population"),
                                    make_plot_component({"population": "tab:blue", "unsheltered": "tab:red"},
                                                        backend="altair")],
                     model_params={"scenario": "stable-stock", "rng": 1, "days": 3})
    _, rc = solara.render(page, handle_error=False)
    assert len(rc.find(w.Image).widgets) == 1            # the matplotlib figure
    assert list(m.datacollector.get_model_vars_dataframe()["population"]) == [
        int(x) for x in simulate("stable-stock", 1, 2).daily["population"]]


def test_batch_run_seeds_as_rng_or_as_a_seed_parameter_give_the_same_rows():
    """docs/mesa.md: seeds go in batch_run's `rng=`; a `seed` parameter is read as the seed too
    (Mesa overwrites an `rng` parameter with batch_run's own rng argument)."""
    import mesa

    def rows(**kw):
        got = mesa.batch_run(ReceptionModel, max_steps=2, display_progress=False, **kw)
        return sorted((r["RunId"], r["population"], r["date"]) for r in got)

    by_rng = rows(parameters={"scenario": "stable-stock", "days": 2}, rng=[1, 2])
    assert rows(parameters={"scenario": "stable-stock", "days": 2, "seed": [1, 2]}) == by_rng
    assert [p for _, p, _ in by_rng] == [int(simulate("stable-stock", s, 2).daily["population"][-1]) for s in (1, 2)]


def test_solaraviz_sliders_set_the_run_a_reset_makes():
    """SolaraViz's two parameter components wired as SolaraViz wires them: sliders for `days` and a
    dotted scenario path; Reset makes the run of the values they were moved to."""
    from mesa.visualization.solara_viz import ModelCreator

    params = {"scenario": "stable-stock", "rng": 1,
              "days": {"type": "SliderInt", "value": 5, "label": "days", "min": 1, "max": 730, "step": 1},
              "housing.supply_persons_per_year": {"type": "SliderInt", "value": 20000, "label": "supply",
                                                  "min": 0, "max": 40000, "step": 1000}}
    first = ReceptionModel("stable-stock", rng=1, days=5)
    model = solara.reactive(first)

    @solara.component
    def Page():
        chosen = solara.use_reactive({})
        ModelController(model, model_parameters=chosen, play_interval=solara.reactive(100),
                        render_interval=solara.reactive(1), use_threads=solara.reactive(False))
        ModelCreator(model, params, model_parameters=chosen)

    _, rc = solara.render(Page(), handle_error=False)
    buttons = {b.children[0]: b for b in rc.find(v.Btn).widgets if b.children and isinstance(b.children[0], str)}
    sliders = {s.label: s for s in rc.find(v.Slider).widgets}
    assert (sliders["days"].v_model, sliders["supply"].v_model) == (5, 20000)
    sliders["days"].v_model, sliders["supply"].v_model = 9, 15000
    buttons["Reset"].click()
    m = model.value
    assert m is not first and (m.config.name, m.state.seed, m.horizon) == ("stable-stock", 1, 9)
    assert m.config.housing.supply_persons_per_year == 15000
