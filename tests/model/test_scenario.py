import copy
import json
import subprocess
import sys

import pytest
import yaml

from model.scenario import (SCENARIO_DIR, ScenarioError, builtin_names, from_dict, from_yaml_text, json_schema,
                            load_scenario, validate_scenario)


def _base():
    return yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())


def _set(d, path, value):
    *parents, last = path.split(".")
    for p in parents:
        d = d[int(p)] if isinstance(d, list) else d[p]
    if value is DELETE:
        del d[last]
    else:
        d[last] = value


DELETE = object()

BAD = [
    ("inflow.first_applications_per_year", -5,
     "inflow.first_applications_per_year: Input should be greater than or equal to 0"),
    ("horizon_days", 0, "horizon_days: Input should be greater than or equal to 1"),
    ("start_date", "2025-13-01", "start_date: Input should be a valid date"),
    ("chain.screening_days", "soon", "chain.screening_days: Input should be a valid integer"),
    ("inflow.household_size_shares", [0.5, 0.2], "inflow.household_size_shares: shares must sum to 1"),
    ("groups", [{"name": "a", "share": 0.5, "recognition": 0.5}], "groups: group shares must sum to 1"),
    ("chain.recognition_speed", 3, "chain.recognition_speed: unknown field"),
    ("initial", DELETE, "initial: required field is missing"),
    ("chain.departure_shares", {"independent": 1.0},
     "chain.departure_shares: needs independent, forced and unsupervised"),
    ("chain.decisions_per_day", {"regular": 1, "accelerated": 1, "border": 1}, "missing track(s): dublin"),
    ("housing.targets", {"2025Q3": 100}, "housing.targets: half-year '2025Q3' must look like 2025H1"),
    ("groups.0.recognition", 1.5, "groups.0.recognition: Input should be less than or equal to 1"),
    ("portfolio.places.hotel", 10, "portfolio.places.hotel"),
    ("country", "be", "country: Input should be 'nl'"),
    ("events", [{"date": "2026-01-01", "action": "set", "parameter": "chain.nonsense", "value": 1}],
     "unknown parameter 'chain.nonsense'"),
    ("events", [{"date": "2026-01-01", "action": "close", "kind": "regular"}], "a 'close' event needs kind and places"),
    ("events", [{"date": "2026-01-01", "action": "scale", "parameter": "inflow.seasonality_amplitude",
                 "value": 2}],
     "is fixed when the world is built and cannot change during a run; use inflow.shocks"),
    ("inflow.shocks", [{"start": "2026-02-01", "end": "2026-01-01", "extra_persons_per_day": 5}],
     "inflow.shocks.0: end must not be before start"),
]


@pytest.mark.parametrize("path,value,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gives_one_line_naming_field_and_reason(path, value, message):
    d = _base()
    _set(d, path, value if value is DELETE else copy.deepcopy(value))
    with pytest.raises(ScenarioError) as e:
        from_dict(d, "test.yaml")
    text = str(e.value)
    assert message in text
    assert "\n" not in text and text.startswith("test.yaml: ")


def test_extends_merges_nested_fields(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("extends: baseline\nname: mine\nchain: {screening_days: 3}\n")
    sc = load_scenario(f)
    assert sc.name == "mine" and sc.chain.screening_days == 3
    assert sc.chain.registration_capacity_per_day == load_scenario("baseline").chain.registration_capacity_per_day


def test_text_from_a_browser_extends_only_a_builtin_scenario(tmp_path, monkeypatch):
    f = tmp_path / "secret.yaml"
    f.write_text("extends: baseline\nname: secret\n")
    monkeypatch.chdir(tmp_path)
    assert from_yaml_text(b"extends: secret.yaml\n").name == "secret"          # a file: as a CLI user may
    for parent in ("secret.yaml", str(f), "/etc/passwd", "../secret.yaml"):
        with pytest.raises(ScenarioError, match=r"^upload: extends: .* is not a built-in scenario; here a scenario "
                                                r"may extend only these: baseline, "):
            from_yaml_text(f"extends: {parent}\n".encode(), builtin_parents=True)
    sc = from_yaml_text(b"extends: flex-only\nname: mine\n", builtin_parents=True)
    assert sc.name == "mine" and sc.portfolio == load_scenario("flex-only").portfolio


def test_bad_yaml_and_missing_file(tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"broken\.yaml: line 2 not valid YAML"):
        load_scenario(f)
    with pytest.raises(ScenarioError, match="no such scenario file or built-in name"):
        load_scenario(tmp_path / "absent.yaml")


def test_every_builtin_scenario_validates_and_schema_exports():
    for name in builtin_names():
        assert load_scenario(name).name == name
    schema = json_schema()
    assert "inflow" in schema["properties"] and json.dumps(schema)


def test_cli_validate_exit_codes(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: baseline\nhorizon_days: -3\n")
    run = subprocess.run([sys.executable, "-m", "experiments.cli", "validate", str(bad)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2
    assert run.stderr.strip() == "noodplan: bad.yaml: horizon_days: Input should be greater than or equal to 1 (got -3)"
    ok = subprocess.run([sys.executable, "-m", "experiments.cli", "validate", "baseline"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and "valid scenario 'baseline'" in ok.stdout


def test_a_dutch_name_for_a_kind_of_location_is_told_the_english_one_the_files_use():
    """A planner writes the kind as they know it (noodopvang, azc, CNO): the one line names the
    kind the files use (../shared/GLOSSARY.md), as a value and as a key; a name that is no kind
    in either language keeps the plain line."""
    from model.scenario import from_dict

    def line(data):
        with pytest.raises(ScenarioError) as err:
            from_dict({"extends": "baseline", **data}, "x.yaml")
        return str(err.value)

    event = {"date": "2025-07-10", "action": "open", "places": 100}
    assert line({"events": [{**event, "kind": "noodopvang"}]}).endswith(
        "(got 'noodopvang': the Dutch name of 'emergency'; the files name kinds in English)")
    assert "the Dutch name of 'crisis'" in line({"events": [{**event, "kind": "CNO"}]})
    assert line({"portfolio": {"places": {"azc": 10}}}).endswith(
        "(azc is the Dutch name of 'regular'; the files name kinds in English)")
    assert line({"events": [{**event, "kind": "hotel"}]}).endswith("(got 'hotel')")


def test_friesland_written_fryslan_is_told_the_name_the_data_use():
    from model.scenario import from_dict

    for written in ("Fryslân", "fryslan"):
        with pytest.raises(ScenarioError, match=rf"^x\.yaml: provinces: unknown province '{written}' "
                                                r"\(did you mean 'Friesland'\? the data name it so\)$"):
            from_dict({"extends": "baseline", "provinces": [written]}, "x.yaml")


def test_a_decision_during_a_run_gets_the_checks_of_an_event():
    """`ReceptionModel.apply` (what-if decisions): refused as the same event in the file would be,
    on the run's scenario as it is now, and nothing changes; a good one acts."""
    import datetime as dt

    from model.mesa_model import ReceptionModel
    from model.scenario import Event

    m = ReceptionModel("baseline", days=5)
    m.step()
    today = dt.date(2025, 7, 2)
    refused = [(Event(date=today, action="set", parameter="chain.dublin_share", value=2), "less than or equal to 1"),
               (Event(date=today, action="open", kind="emergency", places=10, province="Atlantis"),
                "unknown province 'Atlantis'"),
               (Event(date=today, action="set", parameter="portfolio.seed", value=3), "fixed when the world")]
    for bad, message in refused:
        with pytest.raises(ScenarioError, match=message):
            m.apply(bad)
    assert m.state.params.chain.dublin_share == 0.12 and not m.state.event_log
    m.apply(Event(date=today, action="set", parameter="chain.screening_days", value=9))
    assert m.state.params.chain.screening_days == 9 and m.state.event_log[-1]["source"] == "decision"


@pytest.mark.parametrize("ladder", ["phases", "front"])
def test_a_plan_action_in_a_province_outside_the_world_is_refused_at_load(ladder):
    """Both ladders' actions are checked where the scenario is loaded (the loader fuzz test found an
    empty province on the front ladder that only the run refused)."""
    d = load_scenario("mass-arrival").model_dump()
    d["provinces"] = ["Utrecht"]
    # an action that reads its province (another would be refused for giving one it ignores)
    d["plan"][ladder][0]["actions"][0] = {"type": "open_registration_site", "places": 300, "per_day": 100}
    d["plan"][ladder][0]["actions"][0]["province"] = "Zeeland"
    with pytest.raises(ScenarioError, match=rf"x.yaml: plan\.{ladder}\.0\.actions\.0\.province: 'Zeeland' is outside"):
        validate_scenario(from_dict(d, "x.yaml"))
    d["plan"][ladder][0]["actions"][0]["province"] = ""
    with pytest.raises(ScenarioError, match=rf"plan\.{ladder}\.0\.actions\.0\.province: unknown province ''"):
        validate_scenario(from_dict(d, "x.yaml"))


def test_a_variant_file_without_a_name_is_named_for_its_file(tmp_path):
    """`{extends: baseline, inflow: …}` in my-variant.yaml took the name 'baseline': `noodplan compare baseline
    my-variant.yaml` read "A = baseline, B = baseline" and its outputs were labelled as the scenario it changes
    (found by IN, round 19). A name of its own is kept; a file that extends nothing keeps what it says."""
    from model.scenario import load_scenario

    (tmp_path / "my-variant.yaml").write_text("extends: baseline\ninflow: {first_applications_per_year: 40000}\n")
    (tmp_path / "named.yaml").write_text("extends: baseline\nname: surge-40k\n")
    variant = load_scenario(tmp_path / "my-variant.yaml")
    assert variant.name == "my-variant" and variant.inflow.first_applications_per_year == 40000
    assert load_scenario(tmp_path / "named.yaml").name == "surge-40k"
    assert load_scenario("baseline").name == "baseline"
