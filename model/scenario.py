"""The scenario: a typed schema for YAML files, clear errors, and the built-in library.

Every number has its unit in its name or description. Built-in scenarios live in
`model/scenarios/*.yaml`; a scenario may say `extends: NAME` and give only what differs (nested
mappings are merged, lists replaced). `baseline.yaml` holds every default, with sources.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCENARIO_DIR = Path(__file__).parent / "scenarios"

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
PosInt = Annotated[int, Field(ge=1)]
KindName = Literal["central", "border", "process", "regular", "minors", "accelerated",
                   "emergency", "crisis"]


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line naming the field and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Shock(_Strict):
    """Extra arrivals on top of the baseline for a period (persons per day)."""

    start: dt.date
    end: dt.date
    extra_persons_per_day: NonNeg = Field(description="extra first applicants per day, persons")
    border_entry_share: Share | None = Field(None, description="share entering at Schiphol; default as inflow")
    low_recognition_share: Share | None = Field(None, description="share from low-recognition groups; default as groups")
    entry_municipality: str | None = Field(None, description="where the extra arrivals cross the border (default: they report at Ter Apel)")

    @model_validator(mode="after")
    def _ordered(self) -> "Shock":
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Inflow(_Strict):
    first_applications_per_year: NonNeg = Field(description="first asylum applications, persons per year")
    family_reunification_per_year: NonNeg = Field(description="family members (nareizigers) arriving in reception, persons per year")
    monthly_series: str | None = Field(None, description="name of a packaged monthly inflow series; overrides the yearly levels inside its period")
    seasonality_amplitude: Share = Field(description="relative amplitude of the yearly cycle (0 = flat)")
    seasonality_peak_day_of_year: Annotated[int, Field(ge=1, le=366)] = Field(description="day of the year with the most arrivals")
    border_entry_share: Share = Field(description="share of first applicants entering at Schiphol")
    household_size_shares: list[Share] = Field(description="share of first-applicant households of size 1, 2, 3, …")
    family_household_size_shares: list[Share] = Field(description="share of family-reunification households of size 1, 2, 3, …")
    unaccompanied_minor_share_of_singles: Share = Field(description="share of single arrivals who are unaccompanied minors (amv)")
    vulnerable_share: Share = Field(description="share of households with a special reception need")
    shocks: list[Shock] = Field(default_factory=list, description="extra arrivals for a period (mass arrival, instrumentalisation)")

    @field_validator("household_size_shares", "family_household_size_shares")
    @classmethod
    def _sums_to_one(cls, v: list[float]) -> list[float]:
        if not v or abs(sum(v) - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1 (sum is {sum(v):.4f})")
        return v


class Group(_Strict):
    """A nationality group with its recognition chance (first applicants)."""

    name: str
    share: Share = Field(description="share of first applicants")
    recognition: Share = Field(description="probability that a decision is a permit")


class Chain(_Strict):
    registration_capacity_per_day: NonNeg = Field(description="persons registered per day at the central location")
    registration_deadline_days: PosInt = Field(description="registration must happen within this many days of arrival")
    screening_days: PosInt = Field(description="days from registration to the end of screening")
    accelerated_recognition_max: Share = Field(description="groups with recognition at or below this take the accelerated track")
    dublin_share: Share = Field(description="share of first applicants who are Dublin claimants")
    decisions_per_day: dict[Literal["regular", "accelerated", "border", "dublin"], NonNeg] = Field(
        description="IND decisions per day per track, persons")
    border_procedure_max_days: PosInt = Field(description="border procedure deadline incl. appeal, days")
    departure_period_days: PosInt = Field(description="days in reception after a rejection")
    departure_shares: dict[Literal["independent", "forced", "unsupervised"], Share]
    dublin_transfer_days: PosInt = Field(description="days from transfer decision to transfer")
    dublin_transfer_success: Share = Field(description="share of transfer decisions that end in a transfer")
    moves_up_per_day: NonNeg = Field(description="persons COA can move from emergency to regular places per day")
    registration_priority: bool = Field(description="register households with minors or special needs first (Art. 10 of 2024/1359)")
    family_sponsor_in_reception_share: Share = Field(description="share of family members (nareizigers) whose sponsor still lives in reception and joins them")

    @field_validator("departure_shares")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != {"independent", "forced", "unsupervised"} or abs(sum(v.values()) - 1) > 1e-6:
            raise ValueError("needs independent, forced and unsupervised shares summing to 1")
        return v

    @field_validator("decisions_per_day")
    @classmethod
    def _tracks(cls, v: dict[str, float]) -> dict[str, float]:
        missing = {"regular", "accelerated", "border", "dublin"} - set(v)
        if missing:
            raise ValueError(f"missing track(s): {', '.join(sorted(missing))}")
        return v


class Housing(_Strict):
    targets: dict[str, NonNeg] = Field(description="national housing target per half-year, persons, e.g. {'2025H2': 13000}; overrides the packaged record")
    default_target_per_half_year: NonNeg = Field(description="target for half-years without a published figure, persons")
    supply_persons_per_year: NonNeg = Field(description="persons municipalities house per year, nationally")
    supply_spread: NonNeg = Field(description="spread (sd of log) of municipal housing ability around the pro-rata key")

    @field_validator("targets")
    @classmethod
    def _periods(cls, v: dict[str, float]) -> dict[str, float]:
        for k in v:
            if len(k) != 6 or not k[:4].isdigit() or k[4:] not in ("H1", "H2"):
                raise ValueError(f"half-year {k!r} must look like 2025H1 or 2025H2")
        return v


class Portfolio(_Strict):
    """The synthetic reception-location portfolio (no public COA register exists)."""

    seed: int = Field(description="seed of the portfolio generator (independent of the run seed)")
    places: dict[KindName, Annotated[int, Field(ge=0)]] = Field(description="total normal places per kind")
    mean_location_places: dict[KindName, PosInt] = Field(description="typical location size per kind, places")
    max_occupancy_factor: Annotated[float, Field(ge=1.0, le=2.0)] = Field(description="maximum places as a multiple of normal places (raised occupancy)")
    contract_years: dict[KindName, Annotated[list[NonNeg], Field(min_length=2, max_length=2)]] = Field(
        description="[min, max] remaining contract length at the start, years, per kind")
    contract_term_days: dict[KindName, Annotated[int, Field(ge=7, le=36500)]] = Field(
        description="length of one contract term (a renewal, a replacement site, or a new location opened "
                    "without its own duration), days, per kind")
    renewal_probability: dict[KindName, Share] = Field(description="chance an ending contract is renewed, per kind")
    replace_at_occupancy: Annotated[float, Field(ge=0.5, le=2.0)] = Field(
        description="a portfolio location whose contract ends unrenewed is replaced by a new site of the same kind "
                    "and size in the same province (opening that day) as far as the persons entitled to a bed "
                    "outside the registration locations would otherwise fill more than this share of the normal "
                    "places (1); 2 = never replace")
    include_named_locations: bool = Field(description="include the named locations from the news record")
    reserve_places: Annotated[int, Field(ge=0)] = Field(description="contracted regular places kept empty in reserve (reservecapaciteit)")


class Costs(_Strict):
    per_place_per_year: dict[KindName, NonNeg] = Field(description="EUR per place per year, per kind (COA)")
    crisis_per_person_night: NonNeg = Field(description="EUR per person per night in crisis emergency reception")
    reserve_per_place_per_night: NonNeg = Field(description="EUR per reserve place per night while kept empty")


class Initial(_Strict):
    entitled_persons: Annotated[int, Field(ge=0)] = Field(description="persons entitled to reception on the start date")
    permit_holder_share: Share = Field(description="share of them who are permit holders waiting for a home")
    at_registration_persons: Annotated[int, Field(ge=0)] = Field(description="persons at the registration location on the start date")
    stock_age_days: PosInt = Field(description="arrival days of the initial stock spread over this many days before the start")


Indicator = Literal["occupancy", "occupancy_normal", "central_occupancy", "unsheltered",
                    "registration_backlog", "forecast_shortfall"]


class Trigger(_Strict):
    """A condition on an indicator that must hold for `days` days in a row."""

    indicator: Indicator = Field(description="occupancy: persons in a bed / usable places incl. raised "
                                 "occupancy (1); occupancy_normal: persons in a bed / normal places (1); "
                                 "central_occupancy: persons at Ter Apel / its normal places (1); "
                                 "unsheltered, registration_backlog: persons; forecast_shortfall: "
                                 "persons short of places in `forecast_weeks` weeks")
    above: float | None = Field(None, description="holds when the indicator is at or above this")
    below: float | None = Field(None, description="holds when the indicator is below this")
    days: PosInt = Field(1, description="consecutive days the condition must hold")

    @model_validator(mode="after")
    def _one_bound(self) -> "Trigger":
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        return self


class Action(_Strict):
    """What a phase does when it activates (undone, in reverse order, when it deactivates)."""

    type: Literal["raise_occupancy", "activate_reserve", "request_places"]
    kinds: list[KindName] = Field(default_factory=list, description="raise_occupancy: kinds whose occupancy norm is raised")
    factor: Annotated[float, Field(ge=1.0, le=2.0)] = Field(1.0, description="raise_occupancy: places as a multiple of normal places (capped at the maximum)")
    kind: KindName | None = Field(None, description="request_places: kind of the new places")
    places: Annotated[int, Field(ge=0)] = Field(0, description="activate_reserve / request_places: places asked")
    via: Literal["provinces", "safety_regions", "coa"] = Field("provinces", description="request_places: who is asked "
                                                              "(provinces pass it to municipalities; coa contracts hotels, ships, halls itself)")
    repeat_days: PosInt | None = Field(None, description="request_places: ask again every this many days while the phase is active")
    lead_time_days: Annotated[int, Field(ge=0)] = Field(0, description="days from decision to open places")
    success_rate: Share = Field(1.0, description="share of asked places delivered (reserve, safety regions); municipalities decide by willingness")
    duration_days: PosInt | None = Field(None, description="request_places: contract length, days (default: the kind's)")


class Phase(_Strict):
    """One rung of the ladder (Handelingsperspectief op- en afschalen)."""

    name: str
    dutch: str = ""
    activate: list[Trigger] = Field(min_length=1, description="the phase activates when ANY trigger holds")
    deactivate: list[Trigger] = Field(min_length=1, description="it deactivates when ALL triggers hold (hysteresis)")
    min_dwell_days: Annotated[int, Field(ge=0)] = Field(description="days a phase stays active at least")
    actions: list[Action] = []


class Plan(_Strict):
    """The contingency plan (noodplan verhoogde instroom) as an ordered ladder of phases."""

    enabled: bool
    scope: Literal["national", "province"] = Field(description="one ladder, or one per province (occupancy per province)")
    forecast_weeks: PosInt = Field(description="horizon of the forecast-shortfall indicator, weeks")
    forecast_window_days: PosInt = Field(description="days of recent inflow and outflow the forecast extrapolates")
    phases: list[Phase] = Field(min_length=1, max_length=4, description="phases 1..4 in scale-up order")
    closing_moves_per_day: NonNeg = Field(description="persons moved out of closing locations per day at scale-down")


class MunicipalBehaviour(_Strict):
    """How municipalities answer requests for places (agent behaviour)."""

    willingness_mean: Share = Field(description="average chance a municipality accepts a request")
    willingness_spread: NonNeg = Field(description="spread of willingness between municipalities (sd)")
    neighbour_weight: Share = Field(description="pull towards the neighbours' willingness per update")
    load_weight: NonNeg = Field(description="drop in willingness per place hosted per Spreidingswet place")
    fatigue_per_request: Share = Field(description="drop in willingness each time it accepts")
    recovery_per_year: Share = Field(description="share of the gap to its own base recovered per year")
    spreidingswet_places: Annotated[int, Field(ge=0)] = Field(description="national reception target under the Spreidingswet (places), keyed to population")


class Regime(_Strict):
    """An EU Regulation 2024/1359 regime: a time-bounded state with derogations."""

    type: Literal["crisis", "instrumentalisation", "force_majeure"]
    requested: dt.date | None = Field(None, description="date the Netherlands asks for it")
    request_at_phase: Annotated[int, Field(ge=1, le=4)] | None = Field(None, description="ask when the plan reaches this phase")
    authorisation_delay_days: Annotated[int, Field(ge=0)] = Field(description="days from request to Council authorisation")
    duration_days: PosInt = Field(90, description="days one authorisation lasts (Art. 5: 3 months)")
    max_extensions: Annotated[int, Field(ge=0)] = Field(3, description="extensions of `duration_days` each (Art. 5: up to 12 months in all)")
    extend_while_phase_at_least: Annotated[int, Field(ge=0, le=4)] = Field(3, description="extended when the plan is at this phase or higher at expiry")
    derogations: dict[str, float] = Field(default_factory=dict, description="parameter overrides while active, dotted path -> value")

    @model_validator(mode="after")
    def _when(self) -> "Regime":
        if self.requested is None and self.request_at_phase is None:
            raise ValueError("give requested (a date) or request_at_phase")
        return self


class Placement(_Strict):
    """The placement policy."""

    policy: Literal["standard", "min_moves"] = Field(description="standard: registration -> process location -> azc, "
                                                     "everyone moved up from emergency, scale-down closes the costliest "
                                                     "first; min_moves: straight to a place to stay, only families "
                                                     "with children moved up, scale-down closes the emptiest first")
    own_request_moves_per_year: Annotated[float, Field(ge=0.0, le=12.0)] = Field(
        description="moves on the household's own request per household-year in a regular asylum seekers' "
                    "centre (azc; a Poisson process per household; granted when another azc has room)")
    consolidate_below_share: Share = Field(
        description="capacity balancing: an emergency or crisis location of the portfolio whose residents fill less "
                    "than this share of its normal places is closed and its residents moved to the others of its kind, "
                    "when those have room and the normal places nationally are no fuller than "
                    "`portfolio.replace_at_occupancy` (standard policy; 0 = never)")


class Pact(_Strict):
    """The EU Migration Pact from its start date; cases filed before keep the old rules."""

    start: dt.date
    border_procedure_for_low_recognition: bool = Field(description="low-recognition applicants take the border procedure wherever they arrive")
    dublin_reception_ends_at_decision: bool = Field(description="right to reception lapses once the transfer decision is made")
    new_procedure_share: Share = Field(description="share of each track's IND capacity for cases filed from the start date")


class Event(_Strict):
    """A scheduled change. `set` changes a parameter; `close`/`open` change the portfolio."""

    date: dt.date
    action: Literal["set", "scale", "close", "open"]
    parameter: str | None = Field(None, description="for set/scale: dotted path, e.g. chain.screening_days")
    value: float | None = Field(None, description="for set: new value; for scale: factor")
    kind: KindName | None = Field(None, description="for close/open: location kind")
    province: str | None = Field(None, description="for close/open: province name (default: all)")
    places: Annotated[int, Field(ge=0)] | None = Field(None, description="for close/open: places")
    lead_time_days: Annotated[int, Field(ge=0)] = 0
    duration_days: Annotated[int, Field(ge=1)] | None = Field(None, description="for open: contract length")
    label: str = ""

    @model_validator(mode="after")
    def _complete(self) -> "Event":
        if self.action in ("set", "scale") and (self.parameter is None or self.value is None):
            raise ValueError(f"a '{self.action}' event needs parameter and value")
        if self.action in ("close", "open") and (self.kind is None or self.places is None):
            raise ValueError(f"a '{self.action}' event needs kind and places")
        return self


class Scenario(_Strict):
    """A complete, validated scenario."""

    name: str = Field(description="short name, used in outputs")
    description: str = Field("", description="a paragraph for planners: what the scenario tests")
    start_date: dt.date = Field(description="first simulated day (ISO date)")
    horizon_days: PosInt = Field(description="days to simulate")
    seed: int = Field(ge=0, description="random seed of a run (runs may override it)")
    country: Literal["nl"] = Field(description="packaged data set for the world")
    provinces: list[str] | None = Field(None, description="restrict the world to these provinces (None: all)")
    initial: Initial
    inflow: Inflow
    groups: list[Group] = Field(min_length=1, description="nationality groups: share of first applicants and recognition chance")
    chain: Chain
    housing: Housing
    portfolio: Portfolio
    costs: Costs
    plan: Plan
    municipalities: MunicipalBehaviour
    placement: Placement
    regimes: list[Regime] = Field(default_factory=list, description="EU 2024/1359 regimes that may be declared")
    pact: Pact | None = Field(None, description="the EU Migration Pact and its start date (None: old rules throughout)")
    events: list[Event] = Field(default_factory=list, description="scheduled changes (parameters, closures, openings)")

    @field_validator("groups")
    @classmethod
    def _group_shares(cls, v: list[Group]) -> list[Group]:
        if abs(sum(g.share for g in v) - 1.0) > 1e-6:
            raise ValueError(f"group shares must sum to 1 (sum is {sum(g.share for g in v):.4f})")
        return v

    @model_validator(mode="after")
    def _events_resolve(self) -> "Scenario":
        for i, e in enumerate(self.events):
            if e.parameter is not None:
                _check_runtime_path(self, e.parameter, f"events.{i}.parameter")
        return self

    @model_validator(mode="after")
    def _derogations_resolve(self) -> "Scenario":
        for i, r in enumerate(self.regimes):
            for path in r.derogations:
                _check_runtime_path(self, path, f"regimes.{i}.derogations")
        return self

    @property
    def end_date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=self.horizon_days - 1)


# Parameters the rules read while running; everything else is fixed when the world is built
# (the inflow plan, the portfolio, the initial stock, the housing-target calendar), so an event
# or a derogation on it would silently do nothing.
RUNTIME_PREFIXES = ("chain.", "housing.supply_persons_per_year", "housing.default_target_per_half_year",
                    "inflow.unaccompanied_minor_share_of_singles", "inflow.vulnerable_share",
                    "inflow.household_size_shares", "inflow.family_household_size_shares",
                    "municipalities.neighbour_weight", "municipalities.load_weight",
                    "municipalities.fatigue_per_request", "municipalities.recovery_per_year",
                    "plan.closing_moves_per_day", "costs.reserve_per_place_per_night",
                    "placement.own_request_moves_per_year", "placement.consolidate_below_share",
                    "portfolio.replace_at_occupancy", "portfolio.renewal_probability",
                    "portfolio.contract_term_days")


def _check_runtime_path(sc: "Scenario", path: str, where: str) -> None:
    try:
        value = get_path(sc, path)
    except (AttributeError, KeyError, IndexError, TypeError):
        raise ValueError(f"{where}: unknown parameter {path!r}") from None
    if not isinstance(value, (int, float)):
        raise ValueError(f"{where}: {path!r} is not a number")
    if not path.startswith(RUNTIME_PREFIXES):
        hint = "; use inflow.shocks to change arrivals" if path.startswith("inflow.") else ""
        raise ValueError(f"{where}: {path!r} is fixed when the world is built and cannot change during a run{hint}")


def get_path(obj: Any, path: str) -> Any:
    """Value at a dotted path such as 'chain.decisions_per_day.regular'."""
    for part in path.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _format(err: ValidationError, source: str) -> str:
    e = err.errors()[0]
    where = ".".join(str(p) for p in e["loc"]) or "(top level)"
    msg = e["msg"].removeprefix("Value error, ")
    if e["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling)"
    elif e["type"] == "missing":
        msg = "required field is missing"
    got = e.get("input")
    shown = "" if e["type"] in ("missing", "extra_forbidden") or isinstance(got, (dict, list)) else f" (got {got!r})"
    more = len(err.errors()) - 1
    return f"{source}: {where}: {msg}{shown}" + (f" [+{more} more]" if more else "")


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def _raw(name_or_path: str | Path, seen: tuple[str, ...] = ()) -> dict:
    p = Path(name_or_path)
    if not p.suffix and (SCENARIO_DIR / f"{name_or_path}.yaml").exists():
        p = SCENARIO_DIR / f"{name_or_path}.yaml"
    if not p.exists():
        raise ScenarioError(f"{name_or_path}: no such scenario file or built-in name "
                            f"(built-in: {', '.join(builtin_names())})")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{p.name}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return _resolve(data, p.name, seen)


def _resolve(data: Any, source: str, seen: tuple[str, ...] = ()) -> dict:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario must be a mapping of fields")
    parent = data.pop("extends", None)
    if parent is not None:
        if parent in seen:
            raise ScenarioError(f"{source}: extends: circular chain through {parent!r}")
        data = _merge(_raw(parent, seen + (parent,)), data)
    return data


def from_dict(data: dict, source: str = "scenario") -> Scenario:
    """Validate a scenario mapping (which may use `extends`)."""
    data = _resolve(dict(data), source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_format(err, source)) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name or a YAML file by path; raises ScenarioError."""
    data = _raw(name_or_path)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_format(err, Path(str(name_or_path)).name)) from None


def from_yaml_text(text: str, source: str = "upload") -> Scenario:
    """Validate scenario YAML given as text (uploads)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return from_dict(data if isinstance(data, dict) else {"_": data}, source)


def with_changes(scenario: Scenario, changes: dict[str, Any], source: str = "overrides") -> Scenario:
    """A copy of `scenario` with the parameters at dotted paths (``housing.supply_persons_per_year``,
    ``chain.decisions_per_day.regular``, ``groups.0.share``) set to new values, validated as a
    scenario file is. Raises ScenarioError naming an unknown path or a bad value."""
    if not changes:
        return scenario
    data = scenario.model_dump()
    for path, value in changes.items():
        *parents, last = str(path).split(".")
        target: Any = data
        try:
            for part in parents:
                target = target[int(part)] if isinstance(target, list) else target[part]
            if isinstance(target, list):
                target[int(last)] = value
            elif isinstance(target, dict) and last in target:
                target[last] = value
            else:
                raise KeyError(last)
        except (KeyError, IndexError, ValueError, TypeError):
            raise ScenarioError(f"{source}: {path}: unknown scenario parameter (check the spelling)") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_format(err, source)) from None


def to_yaml(scenario: Scenario) -> str:
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def json_schema() -> dict:
    return Scenario.model_json_schema()
