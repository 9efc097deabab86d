"""Roles and their decisions: who may decide what in an exercise, and what a decision does to the model.

The roles follow the governance of the contingency plan (noodplan verhoogde instroom; seeds
002, section 2.4, and DESIGN.md): the national coordination table with the ministry's crisis
structure (Landelijke Regietafel / DCC), COA, the IND, the provincial coordination tables
(regietafels), the safety regions (veiligheidsregio's) and the municipalities. A role of a
regional type belongs to one province and decides only there.

Every decision compiles to events of the scenario language (`model.scenario.Event`), so a decision
does to the model exactly what the same scheduled event would, and the model's own checks
(`check_decision`) apply. Lead times and costs are read off the scenario (`lead_time_days`,
`cost_per_day_eur`, `empty_cost_per_day_eur`), never invented here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from model.scenario import Event, KindName, Label, RegimeName, Scenario, ScenarioError, _Strict

RoleType = Literal["national", "coa", "ind", "province", "safety_region", "municipality"]
Track = Literal["regular", "accelerated", "border", "dublin"]
# in the recorder's order (model.state.PROCEDURE_TRACKS)
TRACKS: tuple[Track, ...] = ("regular", "accelerated", "border", "dublin")
HOUSING_KINDS: tuple[KindName, ...] = ("process", "regular", "minors", "accelerated", "emergency", "crisis")


@dataclass(frozen=True)
class RoleKind:
    """What a type of role is called and may decide; `kinds` maps a decision to the location kinds it may use."""

    title: str
    dutch: str
    decisions: tuple[str, ...]
    kinds: dict[str, tuple[KindName, ...]]
    regional: bool = False
    rank: int = 0                       # order at the turn boundary: national first, municipalities last


ROLE_KINDS: dict[str, RoleKind] = {
    "national": RoleKind("National coordination table (ministry crisis structure)",
                         "Landelijke Regietafel / DCC", ("request_places", "request_regime"),
                         {"request_places": ("emergency", "crisis")}, rank=0),
    "coa": RoleKind("COA (Central Agency for the Reception of Asylum Seekers)", "COA",
                    ("open_places", "close_places", "raise_occupancy", "request_places"),
                    {"open_places": ("process", "regular", "minors", "accelerated", "emergency"),
                     "close_places": HOUSING_KINDS, "raise_occupancy": ("process", "regular", "minors",
                                                                        "accelerated", "emergency"),
                     "request_places": ("emergency", "crisis")}, rank=1),
    "ind": RoleKind("IND (Immigration and Naturalisation Service)", "IND", ("reprioritise",), {}, rank=2),
    "province": RoleKind("Provincial coordination table", "Provinciale regietafel", ("request_places",),
                         {"request_places": ("emergency", "crisis")}, regional=True, rank=3),
    "safety_region": RoleKind("Safety region", "Veiligheidsregio", ("open_places", "answer_request"),
                              {"open_places": ("crisis",)}, regional=True, rank=4),
    "municipality": RoleKind("Municipalities of the province", "Gemeenten", ("open_places", "answer_request"),
                             {"open_places": ("regular", "emergency")}, regional=True, rank=5),
}


class Role(_Strict):
    """A role in an exercise: an id players choose, its type and (for regional types) its province."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")] = Field(description="short id, e.g. coa, prov-gr")
    type: RoleType
    province: str | None = Field(None, description="the province of a province, safety region or municipality role")
    name: Label = Field("", description="name shown to the players (default: the type's name); one line: it "
                                        "labels the locations its decisions open")

    @property
    def kind(self) -> RoleKind:
        return ROLE_KINDS[self.type]

    @property
    def title(self) -> str:
        return self.name or (self.kind.dutch + (f" {self.province}" if self.province else ""))


# -- decisions: one class per type, told apart by `type` --------------------------------------

class _Decision(_Strict):
    why: str = Field("", max_length=2000, description="the reason, in the player's words (kept in the log)")


class OpenPlaces(_Decision):
    type: Literal["open_places"]
    kind: KindName
    places: Annotated[int, Field(ge=1, le=100_000)] = Field(description="places to open")
    province: str | None = Field(None, description="where (a regional role: its own province)")


class ClosePlaces(_Decision):
    type: Literal["close_places"]
    kind: KindName
    places: Annotated[int, Field(ge=1, le=100_000)]
    province: str | None = None


class RaiseOccupancy(_Decision):
    type: Literal["raise_occupancy"]
    kind: KindName
    factor: Annotated[float, Field(ge=1.0, le=2.0)] = Field(description="places as a multiple of normal places")
    province: str | None = None


class RequestPlaces(_Decision):
    type: Literal["request_places"]
    kind: KindName
    places: Annotated[int, Field(ge=1, le=100_000)]
    province: str = Field(description="the province asked (its municipalities, or its safety region for crisis places)")


class AnswerRequest(_Decision):
    type: Literal["answer_request"]
    request: Annotated[int, Field(ge=1)] = Field(description="number of the request answered")
    places: Annotated[int, Field(ge=0, le=100_000)] = Field(description="places accepted (0 = refused)")


class RequestRegime(_Decision):
    type: Literal["request_regime"]
    regime: RegimeName


class Reprioritise(_Decision):
    type: Literal["reprioritise"]
    from_track: Track = Field(description="IND track that gives decision capacity")
    to_track: Track = Field(description="IND track that gets it")
    share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="share of the giving track's decisions per day moved")


Decision = OpenPlaces | ClosePlaces | RaiseOccupancy | RequestPlaces | AnswerRequest | RequestRegime | Reprioritise
DECISIONS: dict[str, type[_Decision]] = {
    "open_places": OpenPlaces, "close_places": ClosePlaces, "raise_occupancy": RaiseOccupancy,
    "request_places": RequestPlaces, "answer_request": AnswerRequest, "request_regime": RequestRegime,
    "reprioritise": Reprioritise}


@dataclass
class Request:
    """A request for places from one role to the municipalities or the safety region of a province."""

    number: int
    by: str                     # role id
    kind: KindName
    places: int
    province: str
    turn: int                   # turn in which it was made
    to_type: str                # "municipality" or "safety_region"
    answered: bool = False


def allowed(role: Role, d) -> None:
    """Raise ScenarioError (one line, naming the role and the field) unless `role` may take `d`."""
    rk = role.kind
    if d.type not in rk.decisions:
        raise ScenarioError(f"decision: {role.id} ({rk.dutch}) may not take '{d.type}' "
                            f"(may: {', '.join(rk.decisions)})")
    kinds = rk.kinds.get(d.type)
    if kinds is not None and d.kind not in kinds:
        raise ScenarioError(f"decision: kind: {role.id} ({rk.dutch}) may {d.type.replace('_', ' ')} only of "
                            f"{', '.join(kinds)} (got {d.kind!r})")
    where = getattr(d, "province", None)
    if rk.regional and where not in (None, role.province):
        raise ScenarioError(f"decision: province: {role.id} decides only in {role.province} (got {where!r})")
    if isinstance(d, Reprioritise) and d.from_track == d.to_track:
        raise ScenarioError("decision: to_track: must differ from from_track")


def lead_time_days(sc: Scenario, kind: KindName) -> int:
    """Days from a decision to open places of `kind` until they open: the plan's lead time for
    requests of that kind (baseline: emergency 21-42 days, crisis 3), the shortest when there are
    several; for a kind the plan never requests, the longest lead time the plan has (the plan
    knows no quicker route), and 0 for a scenario without plan actions."""
    times: dict[KindName, list[int]] = {}
    for phase in sc.plan.phases:
        for a in phase.actions:
            if a.type == "request_places" and a.kind is not None:
                times.setdefault(a.kind, []).append(a.lead_time_days)
    if kind in times:
        return min(times[kind])
    every = [t for ts in times.values() for t in ts]
    return max(every) if every else 0


def cost_per_day_eur(sc: Scenario, kind: KindName, places: int) -> float:
    """What `places` places of `kind` cost per day when full (EUR), as the run costs them (`model.metrics`:
    each resident a night, `costs.per_resident_per_year` / 365, plus in crisis emergency reception
    `costs.crisis_per_person_night`, which the safety regions charge instead: crisis places cost COA
    nothing in the baseline)."""
    per_person = sc.costs.crisis_per_person_night if kind == "crisis" else 0.0
    return (sc.costs.per_resident_per_year[kind] / 365.0 + per_person) * places


def empty_cost_per_day_eur(sc: Scenario, kind: KindName, places: int) -> float:
    """What `places` places of `kind` cost per day while open and empty (EUR), as the run costs them
    (`model.metrics`: each free normal place of an open location at `costs.vacant_place_share` of its
    kind's cost a resident a night, baseline 0.92; the safety regions' crisis charge is per person, so
    an empty crisis place costs COA nothing of it)."""
    return sc.costs.vacant_place_share * sc.costs.per_resident_per_year[kind] / 365.0 * places


def to_events(role: Role, d, sc: Scenario, date: dt.date) -> list[Event]:
    """The events that carry out decision `d` of `role` now (request and answer decisions are
    settled by the exercise: see `experiments.exercise.engine` and `.answers`)."""
    label = role.title          # names the locations it opens; other events' log lines say what changed
    province = getattr(d, "province", None) or (role.province if role.kind.regional else None)
    if isinstance(d, OpenPlaces):
        kind_ = d.kind
        return [Event(date=date, action="open", kind=kind_, places=d.places, province=province,
                      lead_time_days=lead_time_days(sc, kind_), label=label)]
    if isinstance(d, ClosePlaces):
        return [Event(date=date, action="close", kind=d.kind, places=d.places, province=province)]
    if isinstance(d, RaiseOccupancy):
        return [Event(date=date, action="raise", kind=d.kind, value=d.factor, province=province)]
    if isinstance(d, RequestRegime):
        return [Event(date=date, action="request_regime", regime=d.regime)]
    if isinstance(d, Reprioritise):
        per_day = sc.chain.decisions_per_day
        moved = per_day[d.from_track] * d.share
        return [Event(date=date, action="set", parameter=f"chain.decisions_per_day.{d.from_track}",
                      value=per_day[d.from_track] - moved),
                Event(date=date, action="set", parameter=f"chain.decisions_per_day.{d.to_track}",
                      value=per_day[d.to_track] + moved)]
    return []
