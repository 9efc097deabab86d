"""Exercise files (MSEL, master scenario events list): YAML, checked like scenarios.

An exercise names its scenario (a built-in name, a file next to the exercise file, or a mapping
that may say `extends:`), the roles that play, the turns (`turn_days` simulated days each), the
objectives, and the injects. An inject comes at a day or when a condition on the model holds (it
fires once), shows a synopsis to the players, acts on the model with events of the scenario
language (no `date`: it acts when it fires), and names the role it is meant for, the decision
expected of it and the objective it tests. Contingency injects fire only when the facilitator
fires them.

Loading uses the scenario loader's contract (docs/input-contract.md): size, UTF-8, YAML 1.2 plain
scalars, duplicate keys, unknown fields, ranges; every error is one `ScenarioError` line naming
the file and the field. The library is in `experiments/exercise/library/*.yaml`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PrivateAttr, ValidationError, field_validator, model_validator

from experiments.exercise.roles import ROLE_KINDS, Role
from model.scenario import (LONE_EVENT, Event, Scenario, ScenarioError, _read, _Strict, did_you_mean, from_dict,
                            load_scenario, not_another_kind_of_file, parse_yaml, unknown_name, validation_message)
from model.scenario import builtin_names as scenario_names

MAX_TURNS = 200                 # turns of an exercise
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

LIBRARY = Path(__file__).parent / "library"


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank: the players, the log and the after-action report show it")
    return text


Title = Annotated[str, AfterValidator(_not_blank)]      # a title a reader is shown: not empty, not only spaces

Indicator = Literal["occupancy", "central_occupancy", "unsheltered", "registration_backlog",
                    "permit_holders_waiting", "plan_phase"]


class Condition(_Strict):
    """Holds when the indicator (read after each simulated day) is at or above `above`, or below
    `below`, on `days` days in a row (a passing spike does not fire an inject)."""

    indicator: Indicator = Field(description="occupancy: persons in a bed / usable places (1); central_occupancy: "
                                 "persons at the registration location / its normal places (1); unsheltered, "
                                 "registration_backlog, permit_holders_waiting: persons; plan_phase: 0-4")
    above: float | None = None
    below: float | None = None
    days: Annotated[int, Field(ge=1, le=365)] = Field(1, description="consecutive simulated days it must hold")

    @model_validator(mode="after")
    def _one_bound(self) -> Condition:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        return self


class Expected(_Strict):
    """The decision an inject expects of its role, within some turns after it fires."""

    decision: Literal["open_places", "close_places", "raise_occupancy", "request_places", "answer_request",
                      "request_regime", "reprioritise"]
    within_turns: Annotated[int, Field(ge=1, le=100)] = Field(
        1, description="turn boundaries after the inject fired (1 = the decisions of the next boundary)")


class Inject(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    title: Title = Field(max_length=120)
    synopsis: str = Field(max_length=4000, description="what the players are told")
    at_day: Annotated[int, Field(ge=0, le=36_500)] | None = Field(None, description="fires before this simulated day")
    when: Condition | None = Field(None, description="fires once, the first day this holds")
    contingency: bool = Field(False, description="fired only by the facilitator")
    effect: list[dict[str, Any]] = Field(default_factory=list, max_length=50,
                               description="events of the scenario language without `date` (they act when it fires)")
    role: str | None = Field(None, description="the role it is meant for")
    expected: Expected | None = None
    objective: str | None = Field(None, description="id of the objective it tests")

    @field_validator("at_day", mode="before")
    @classmethod
    def _a_day_not_a_date(cls, value: Any) -> Any:
        """A date (`at_day: 2025-07-22`, as the scenario's events are dated) is refused in words: the
        day is counted from the exercise's first day (`exercise_from_dict` names the day the date is)."""
        if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value.strip())):
            raise ValueError(f"a day number counted from the exercise's first day (day 0, the scenario's start), "
                             f"not a date (got {str(value).strip()})")
        return value

    @model_validator(mode="after")
    def _timing(self) -> Inject:
        timed = (self.at_day is not None) + (self.when is not None)
        if self.contingency and timed:
            raise ValueError("a contingency inject has no at_day or when (the facilitator fires it)")
        if not self.contingency and timed != 1:
            raise ValueError("give exactly one of at_day or when (or contingency: true)")
        return self


class Objective(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    text: str = Field(max_length=1000)


class Exercise(_Strict):
    """A validated exercise."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
    title: Title = Field(max_length=200)
    synopsis: str = Field(max_length=8000, description="the starting situation, told to every player")
    scenario: str | dict[str, Any] = Field(
        description="built-in scenario name, a file next to the exercise file, or a mapping")
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    turn_days: Annotated[int, Field(ge=1, le=365)] = Field(description="simulated days per turn")
    turns: Annotated[int, Field(ge=1, le=MAX_TURNS)]
    roles: list[Role] = Field(min_length=1, max_length=50)
    objectives: list[Objective] = Field(default_factory=list, max_length=50)
    injects: list[Inject] = Field(default_factory=list, max_length=500)
    # the horizon of the scenario as it was written (days), before the exercise's days extended it
    # (`_for_days`); None when not loaded with its scenario
    _scenario_horizon_days: int | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _references(self) -> Exercise:
        ids = [r.id for r in self.roles]
        for i, r in enumerate(self.roles):
            if r.id in ids[:i]:      # the second one, as objectives and injects are named (it named the first)
                raise ValueError(f"roles.{i}.id: {r.id!r} is used twice (roles.{ids.index(r.id)} has it)")
            if ROLE_KINDS[r.type].regional and r.province is None:
                raise ValueError(f"roles.{i}.province: a {r.type} role needs its province")
            if not ROLE_KINDS[r.type].regional and r.province is not None:
                raise ValueError(f"roles.{i}.province: a {r.type} role is national (leave province out)")
            titles = [" ".join(x.title.split()).casefold() for x in self.roles[:i]]
            if " ".join(r.title.split()).casefold() in titles:     # (the join form and the log could not tell them
                first = titles.index(" ".join(r.title.split()).casefold())      # apart, nor the places they open)
                raise ValueError(f"roles.{i}.name: {r.title!r} is roles.{first}'s name too"
                                 + ("" if r.name else " (the name of its type, as no name is given)")
                                 + "; give each role a name of its own: the players choose their role by it, and "
                                   "it labels the places the role opens in the log")
        objectives = {o.id for o in self.objectives}
        for i, o in enumerate(self.objectives):
            before = [x.id for x in self.objectives[:i]]
            if o.id in before:      # an inject's objective would be ambiguous
                raise ValueError(f"objectives.{i}.id: {o.id!r} is used twice (objectives.{before.index(o.id)} has it)")
        seen: list[str] = []
        told: list[str] = []      # the injects' titles as a reader takes them: spaces and capitals aside
        for i, j in enumerate(self.injects):
            if j.id in seen:
                raise ValueError(f"injects.{i}.id: {j.id!r} is used twice (injects.{seen.index(j.id)} has it)")
            seen.append(j.id)
            # the players' table, `play`'s timeline, the report's objectives and its chart name an inject by
            # its title alone (the id is only in the file): two under one title could not be told apart
            told.append(" ".join(j.title.split()).casefold())
            if told[-1] in told[:-1]:
                raise ValueError(f"injects.{i}.title: {j.title!r} is injects.{told.index(told[-1])}'s title too; give "
                                 "each inject a title of its own: the players, the log and the after-action report "
                                 "name an inject by its title")
            if j.role is not None and j.role not in ids:
                raise ValueError(f"injects.{i}.role: {j.role!r} is not one of the roles"
                                 + (did_you_mean(j.role, ids) or f" ({', '.join(ids)})"))
            if j.objective is not None and j.objective not in objectives:
                raise ValueError(f"injects.{i}.objective: {j.objective!r} is not one of the objectives"
                                 + (did_you_mean(j.objective, objectives)
                                    or f" ({', '.join(o.id for o in self.objectives) or 'none'})"))
            if j.expected is not None:
                if j.role is None:
                    raise ValueError(f"injects.{i}.expected: needs the role it expects the decision of")
                if j.expected.decision not in ROLE_KINDS[self.role(j.role).type].decisions:
                    raise ValueError(f"injects.{i}.expected.decision: {j.role} may not take {j.expected.decision!r}")
            if j.at_day is not None and j.at_day >= self.days:
                raise ValueError(f"injects.{i}.at_day: {j.at_day} is after the last turn (the exercise has "
                                 f"{self.days} days)")
        return self

    @property
    def scenario_horizon_days(self) -> int | None:
        """The scenario's own horizon (days) as written, before the exercise's days extended it."""
        return self._scenario_horizon_days

    @property
    def days(self) -> int:
        """Simulated days over all turns."""
        return self.turns * self.turn_days

    def role(self, role_id: str) -> Role:
        for r in self.roles:
            if r.id == role_id:
                return r
        raise ScenarioError(f"role: {role_id!r} is not a role of this exercise ({', '.join(r.id for r in self.roles)})")

    def inject(self, inject_id: str) -> Inject:
        for j in self.injects:
            if j.id == inject_id:
                return j
        raise ScenarioError(f"inject: {inject_id!r} is not an inject of this exercise")


def library_names() -> list[str]:
    """The exercises shipped with noodplan."""
    return sorted(p.stem for p in LIBRARY.glob("*.yaml"))


def load_exercise(name_or_path: str | Path) -> tuple[Exercise, Scenario]:
    """Load an exercise from the library (by name) or a YAML file, with its scenario checked for
    the exercise's days and every inject's effect checked as an event of that scenario; raises
    ScenarioError (one line naming the file and the field)."""
    if not isinstance(name_or_path, str | Path):
        raise ScenarioError(f"exercise: a library exercise's name or a file path, not {type(name_or_path).__name__}")
    p = Path(name_or_path)
    if str(name_or_path) in library_names() and not p.exists():
        p = LIBRARY / f"{name_or_path}.yaml"
    source = p.name
    if not p.exists():
        raise ScenarioError(f"{name_or_path}: no such exercise file or library exercise "
                            f"(library: {', '.join(library_names())})")
    return exercise_from_text(_read(p, source, "an exercise file"), source, p.parent)


def exercise_from_text(text: str, source: str = "exercise",
                       folder: str | Path | None = None) -> tuple[Exercise, Scenario]:
    """An exercise from YAML text (an upload, a file's text); raises ScenarioError."""
    if not text.removeprefix("\ufeff").strip():      # (it read "an exercise is a mapping of fields")
        raise ScenarioError(f"{source}: the file is empty; an exercise is a mapping of fields (name, scenario, "
                            "roles, turns, …; docs/exercises.md)")
    data = parse_yaml(text.removeprefix("\ufeff"), source, "an exercise")
    return exercise_from_dict(data, source, folder)


def exercise_from_dict(data, source: str = "exercise", folder: str | Path | None = None,
                       builtin_parents: bool = False) -> tuple[Exercise, Scenario]:
    """An exercise from a mapping, with its scenario (a `scenario` file path is taken relative to
    `folder`; with `builtin_parents` only a built-in name or a mapping extending one: for a file
    that came through a browser, which must not read the server's files); raises ScenarioError."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: an exercise is a mapping of fields (name, scenario, roles, turns, …)")
    folder = Path(folder or os.getcwd())
    not_another_kind_of_file(data, source, "an exercise", Exercise.model_fields)   # a scenario or a design, named
    try:
        ex = Exercise.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_day_of_date(validation_message(err, source), err, data, source, folder,
                                         builtin_parents)) from None
    if isinstance(ex.scenario, dict):        # its lines name "<source>: scenario" already
        sc = from_dict(_named_as_changed(ex.scenario), f"{source}: scenario", folder, builtin_parents)
    else:
        sc = _named_scenario(ex.scenario, source, folder, builtin_parents)
    ex._scenario_horizon_days = sc.horizon_days
    sc = _for_days(sc, ex, source)
    for i, r in enumerate(ex.roles):
        if r.province is not None:
            _known_province(sc, r.province, f"{source}: roles.{i}.province")
    effects = [[effect_event(sc, e, f"{source}: injects.{i}.effect.{k}") for k, e in enumerate(j.effect)]
               for i, j in enumerate(ex.injects)]
    _check_closures(ex, sc, effects, source)
    return ex, sc


def _day_of_date(message: str, err: ValidationError, data: dict, source: str, folder: Path,
                 builtin_parents: bool) -> str:
    """The error `message`, and when its field is an inject's `at_day` given as a date, the day number
    that date is in the exercise's scenario ("(got 2025-07-22: that is day 21)"; as it was when the
    scenario cannot tell)."""
    e = err.errors()[0]
    if e["loc"][-1:] != ("at_day",) or "not a date" not in e["msg"]:
        return message
    try:
        when = dt.date.fromisoformat(str(e["input"]).strip())
        scenario = data.get("scenario")
        if isinstance(scenario, dict):
            start = from_dict(scenario, f"{source}: scenario", folder, builtin_parents).start_date
        elif isinstance(scenario, str):
            start = _named_scenario(scenario, source, folder, builtin_parents).start_date
        else:
            return message
    except (ScenarioError, ValueError):
        return message
    day = (when - start).days
    that = (f"that is day {day}" if day >= 0 else
            f"that is {-day} day{'s' if day < -1 else ''} before the scenario's start, {start}")
    return message.replace(f"(got {str(e['input']).strip()})", f"(got {when}: {that})", 1)


def _check_closures(ex: Exercise, sc: Scenario, effects: list[list[Event]], source: str) -> None:
    """An effect's closure id names one closure (of the scenario's events or of an effect), and a
    `reopen` effect names one of them; when both come at a day (the scenario's events, injects with
    `at_day`), the closure comes on an earlier day and a reopen comes once. A reopen in an inject
    fired by a condition or by the facilitator is checked against the run when it fires
    (`model.events.check_reopen`: refused, the rest of the inject's effect with it, while the
    closure has not happened or was reopened). Raises ScenarioError naming the field."""
    day_of: dict[str, int | None] = {e.id: (e.date - sc.start_date).days for e in sc.events
                                     if e.action == "close" and e.id is not None}
    where_of = {name: f"the scenario's events.{i}" for i, e in enumerate(sc.events)
                if e.action == "close" and (name := e.id) is not None}
    for i, (j, events) in enumerate(zip(ex.injects, effects, strict=True)):
        for k, e in enumerate(events):
            if e.action == "close" and e.id is not None:
                if e.id in day_of:
                    raise ScenarioError(f"{source}: injects.{i}.effect.{k}.id: {e.id!r} already names "
                                        f"{where_of[e.id]}; give each closure its own id")
                day_of[e.id], where_of[e.id] = j.at_day, f"injects.{i}.effect.{k}"
    reopened: dict[str, str] = {}
    order = sorted(range(len(ex.injects)), key=lambda i: (ex.injects[i].at_day is None, ex.injects[i].at_day or 0, i))
    for i in order:
        j = ex.injects[i]
        for k, e in enumerate(effects[i]):
            if e.action != "reopen":
                continue
            assert e.closure is not None     # (Event._complete)
            where = f"{source}: injects.{i}.effect.{k}.closure"
            if e.closure not in day_of:
                raise ScenarioError(f"{where}: no close event or effect has the id {e.closure!r}"
                                    + (did_you_mean(e.closure, day_of) or " (give the closure an id, e.g. id: flood, "
                                                                          "and name it here)"))
            closes = day_of[e.closure]
            if j.at_day is None or closes is None:
                continue                    # (the run checks it when the inject fires)
            if closes >= j.at_day:
                raise ScenarioError(f"{where}: {e.closure!r} closes on day {closes} ({where_of[e.closure]}), "
                                    f"{'the same day as' if closes == j.at_day else 'after'} this reopening on "
                                    f"day {j.at_day}; a reopening comes on a later day than its closure")
            if e.closure in reopened:
                raise ScenarioError(f"{where}: {e.closure!r} is reopened already by {reopened[e.closure]}; "
                                    f"a closure reopens once")
            reopened[e.closure] = f"injects.{i}.effect.{k}"


def _named_as_changed(scenario: dict[str, Any]) -> dict[str, Any]:
    """A scenario mapping that extends another and changes it without a `name` of its own, named for
    what it is: `{extends: baseline, inflow: {…}}` took the name 'baseline' and the exercise, its
    report and its saved file said "on scenario 'baseline'" of a scenario that is not baseline."""
    parent, changed = scenario.get("extends"), [k for k in scenario if k not in ("extends", "description")]
    if ("name" in scenario or not isinstance(parent, str) or not changed
            or not all(isinstance(k, str) and re.fullmatch(r"[a-z_]{1,40}", k) for k in changed)):
        return scenario          # (a field misspelt or of another kind is refused by the scenario's own check)
    name = f"{Path(parent.strip()).name} with changes: {', '.join(changed)}"
    return {**scenario, "name": name if len(name) <= 80 else name[:79] + "…"}


def _named_scenario(name: str, source: str, folder: Path, builtin_parents: bool) -> Scenario:
    """The scenario an exercise names (a built-in name or a file next to the exercise file)."""
    try:
        if builtin_parents and name not in scenario_names():
            raise ScenarioError(f"{name!r} is not a built-in scenario (a saved exercise holds its scenario whole)")
        if (folder / name).is_file() and name not in scenario_names():
            return load_scenario(folder / name)
        return load_scenario(name)
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: scenario: {exc}") from None
    except OSError as exc:      # a name no file can have (longer than the system allows): not a file's name
        shown = repr(name) if len(name) <= 60 else f"{name[:40]!r}… ({len(name):,} characters)"
        raise ScenarioError(f"{source}: scenario: {shown} is neither a built-in scenario nor a file "
                            f"({exc.strerror or type(exc).__name__})") from None


def _for_days(sc: Scenario, ex: Exercise, source: str) -> Scenario:
    """The scenario with a horizon of at least the exercise's days (checked again with it)."""
    if sc.horizon_days >= ex.days:
        return sc
    data = sc.model_dump()
    data["horizon_days"] = ex.days
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(f"{source}: turns: {ex.turns} turns of {ex.turn_days} days do not fit the scenario: "
                            + validation_message(err, "scenario")) from None


def _known_province(sc: Scenario, province: str, where: str) -> None:
    from model import data

    known = sorted(set(data.municipalities(sc.country).province))
    inside = sc.provinces or known
    if province not in inside:
        raise ScenarioError(f"{where}: " + (f"{province!r} is outside this world" if province in known
                                            else unknown_name("province", province, known)))


def effect_event(sc: Scenario, e: dict, where: str) -> Event:
    """An inject's effect as an event of `sc` (dated at the start; it acts when the inject fires),
    with every check a scheduled event of the scenario gets; raises ScenarioError naming `where`."""
    if not isinstance(e, dict):
        raise ScenarioError(f"{where}: an effect is a mapping (action, parameter, value, …)")
    if "date" in e:
        raise ScenarioError(f"{where}.date: an inject's effect has no date (it acts when the inject fires)")
    data = sc.model_dump()
    data["events"] = [{**e, "date": sc.start_date}]
    try:
        checked = Scenario.model_validate(data, context=LONE_EVENT)
    except ValidationError as err:
        raise ScenarioError(f"{where}: " + validation_message(err, "").removeprefix(": ").replace("events.0.", "")
                            .replace("events.0", "the effect")) from None
    return checked.events[0]
