"""The scenario: a typed schema for YAML files, clear errors, and the built-in library.

Every number has its unit in its name or description. Built-in scenarios live in
`model/scenarios/*.yaml`; a scenario may say `extends: NAME` and give only what differs (nested
mappings are merged, lists replaced). `baseline.yaml` holds every default, with sources.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import inspect
import itertools
import numbers
import os
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from model.inputfile import decode as _decode
from model.inputfile import read_bytes, windows_path

SCENARIO_DIR = Path(__file__).parent / "scenarios"

# The ranges every scenario is checked against when it is loaded (docs/input-contract.md). Beyond
# the meaning of each field they keep a run inside what its arrays hold (int32 day numbers, places
# and person rows, int16 household sizes) and every product of counts, days and rates finite.
MAX_DAYS = 36_500                 # a horizon (and `--days`): 100 years
MAX_COUNT = 10_000_000            # persons or places in one figure; days of a delay or duration
MAX_AMOUNT = 1e12                 # a rate (persons per day or year) or an amount of money (EUR)
MAX_SEED = 2**32 - 1              # seeds are 32-bit (SeedSequence takes them as they are)
FIRST_YEAR, LAST_YEAR = 1900, 2200   # simulated dates (NetCDF and pandas hold 1678-2261)
MAX_RUN_PERSONS = 50_000_000      # initial stock plus expected arrivals over a run (~25 bytes each)
MAX_LOCATIONS = 100_000           # locations the portfolio generator makes (places / typical size)
MAX_EVENTS = 1_000                # scheduled events in one scenario
MAX_HOUSEHOLD_SIZE = 30           # longest household-size distribution (persons)
MAX_FILE_BYTES = 1 << 20          # a scenario file: 1 MiB (baseline.yaml is 8 KiB)
MAX_EXTENDS = 32                  # files in one `extends` chain
MAX_VALUES = 100_000              # values in one scenario file (aliases counted every time used)
MAX_RUNS = 10_000                 # runs of one comparison or backtest (`--runs`, `--seeds`, their API arguments)
MAX_JOBS = 256                    # processes (`--jobs`, `--workers`, their API arguments)

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0, le=MAX_AMOUNT)]
PosInt = Annotated[int, Field(ge=1, le=MAX_COUNT)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Years = Annotated[float, Field(ge=0.0, le=100.0)]
RegimeName = Literal["crisis", "instrumentalisation", "force_majeure"]
KindName = Literal["central", "border", "process", "regular", "minors", "accelerated",
                   "emergency", "crisis"]
# the kind names in the order of agents.locations.Kind (KIND_KEYS[kind] keys the scenario's per-kind dicts)
KIND_KEYS: tuple[KindName, ...] = typing.get_args(KindName)


def _ordered_pair(v: list[float]) -> list[float]:
    if v[0] > v[1]:
        raise ValueError(f"[min, max] must not have min above max (got {v})")
    return v


YearRange = Annotated[list[Years], Field(min_length=2, max_length=2), AfterValidator(_ordered_pair)]
DayCount = Annotated[int, Field(ge=0, le=3650)]
DayRange = Annotated[list[DayCount], Field(min_length=2, max_length=2), AfterValidator(_ordered_pair)]


# control characters (C0 but tab, line feed and carriage return; DEL, C1) and bidirectional overrides: never
# meant in a text of a file, and they garble the one-line messages, the event log and the terminal (an ANSI
# escape recolours it, a NUL ends a C string); a label refuses line breaks too (Unicode's line and paragraph
# separators among them: a word processor's soft line break, fine in a description)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029]")


def _one_line_text(v: str) -> str:
    """A label (a group's or a phase's name, an event's label or id): shown inside one line of the event
    log, the results and the messages, so no line break, tab or other control character."""
    bad = _LINE_BREAK.search(v) or _CONTROL.search(v)
    if bad is not None:
        raise ValueError(f"a label is one line of text, without {_control_name(bad.group())} "
                         f"(got {shown(v)}); write it on one line")
    return v


def _control_name(c: str) -> str:
    return {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\x00": "a NUL byte",
            "\x1b": "an escape code (ESC)", "\u2028": "a line separator",
            "\u2029": "a paragraph separator"}.get(c, f"the control character U+{ord(c):04X}")


Label = Annotated[str, AfterValidator(_one_line_text)]


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line naming the field and the reason."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))      # one line, whatever a value held


class _Strict(BaseModel):
    """Unknown fields refused, numbers finite, true/false never taken for a number (YAML reads
    `yes` as true, which pydantic would otherwise take as 1) nor a number for true/false, a
    number never taken from text (pydantic would read `"3000"` as 3000: a quoted number is a typo
    or a value pasted from elsewhere), and a date never taken from a number (pydantic would read
    1735689600 as seconds since 1970)."""

    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_confusion(cls, v: Any, info: ValidationInfo) -> Any:
        annotation = cls.model_fields[info.field_name or ""].annotation
        if _is_date(annotation) and v is not None and not isinstance(v, dt.date) and not (
                isinstance(v, str) and _ISO_DATE.fullmatch(v.strip())):
            raise ValueError(f"must be a date written YYYY-MM-DD (got {shown(v)})"   # not seconds since 1970
                             + (date_hint(v.strip()) if isinstance(v, str) else ""))
        if _is_date(annotation) and isinstance(v, dt.datetime) and v.time() != dt.time():
            # (pydantic: "Datetimes provided to dates should have zero time"; a midnight timestamp is the date)
            raise ValueError(f"must be a date written YYYY-MM-DD, without a time of day (got {shown(v)})")
        if _is_date(annotation) and isinstance(v, str):
            return v.strip()        # '2025-07-05 ' (a space inside the quotes) was "input is too short"
        if annotation is bool:
            if _numpy_bool(v):              # NumPy's true/false (a pandas column's, a mask's element)
                return bool(v)
            if not isinstance(v, bool):
                raise ValueError(f"must be true or false (got {shown(v)})")
        elif not _allows_bool(annotation) and _has_bool(v):
            raise _Inside(_entry_of(v, lambda x: isinstance(x, bool)),
                          "true/false (or yes/no, on/off) is not a number here")
        elif isinstance(v, str) and (bad := _CONTROL.search(v)) is not None:
            # (a text of a file: a NUL or an escape code is a damaged file or a paste from a terminal)
            raise ValueError(f"text with {_control_name(bad.group())} in it (got {shown(v)}); "
                             "write it without control characters")
        elif _text_for_number(annotation, v):
            text = _text_in(v)
            at = _entry_of(v, lambda x: x is text)
            if isinstance(text, str) and text.strip().lstrip("+-").casefold() in _NOT_FINITE:   # JSON's NaN, Infinity
                raise _Inside(at, f"must be a finite number (got {shown(text)})")
            if isinstance(text, str) and (hint := written_otherwise(text)) is not None:
                raise _Inside(at, f"must be a number (got {shown(text)}); {hint}")
            raise _Inside(at, f"must be a number, not text (got {shown(text)}); write it without quotes")
        return v


class _Inside(ValueError):
    """A field's refusal of one entry of its list or mapping: `at` is the way to it from the field
    (keys and indices), so the line names the entry (`portfolio.contract_term_days.minors: …`), not
    only the field that holds it (`first_problem`)."""

    def __init__(self, at: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.at = at


def _entry_of(value: Any, wanted: Callable[[Any], bool]) -> tuple[Any, ...]:
    """The keys and indices to the first entry of `value` (a list or mapping, nested) that is
    `wanted`; () when `value` itself is, or none is."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list | tuple) else ()
    if not wanted(value):
        for k, v in items:
            if wanted(v):
                return (k,)
            if isinstance(v, dict | list | tuple) and (deeper := _entry_of(v, wanted)):
                return (k, *deeper)
    return ()


# what JSON (and YAML without its dot: .nan, .inf) writes for a number that is not finite; read as text
_NOT_FINITE = {"nan", "infinity", "inf"}


class Shock(_Strict):
    """Extra arrivals on top of the baseline for a period (persons per day)."""

    start: dt.date
    end: dt.date
    extra_persons_per_day: NonNeg = Field(description="extra first applicants per day, persons")
    border_entry_share: Share | None = Field(None, description="share entering at Schiphol; default as inflow")
    low_recognition_share: Share | None = Field(None, description="share from low-recognition groups; default as "
                                                                  "groups")
    entry_municipality: str | None = Field(None, description="where the extra arrivals cross the border (default: "
                                                             "they report at Ter Apel)")

    @model_validator(mode="after")
    def _ordered(self) -> Shock:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Inflow(_Strict):
    first_applications_per_year: NonNeg = Field(description="first asylum applications, persons per year")
    family_reunification_per_year: NonNeg = Field(description="family members (nareizigers) arriving in reception, "
                                                              "persons per year")
    monthly_series: str | None = Field(None, description="name of a packaged monthly inflow series; overrides the "
                                                         "yearly levels inside its period")
    seasonality_amplitude: Share = Field(description="relative amplitude of the yearly cycle (0 = flat)")
    seasonality_peak_day_of_year: Annotated[int, Field(ge=1, le=366)] = Field(
        description="day of the year with the most arrivals")
    border_entry_share: Share = Field(description="share of first applicants entering at Schiphol")
    household_size_shares: list[Share] = Field(
        max_length=MAX_HOUSEHOLD_SIZE, description="share of first-applicant households of size 1, 2, 3, …")
    family_household_size_shares: list[Share] = Field(
        max_length=MAX_HOUSEHOLD_SIZE, description="share of family-reunification households of size 1, 2, 3, …")
    unaccompanied_minor_share_of_singles: Share = Field(description="share of single arrivals who are unaccompanied "
                                                                    "minors (amv)")
    vulnerable_share: Share = Field(description="share of households with a special reception need")
    shocks: list[Shock] = Field(default_factory=list, description="extra arrivals for a period (mass arrival, "
                                                                  "instrumentalisation)")

    @field_validator("household_size_shares", "family_household_size_shares")
    @classmethod
    def _sums_to_one(cls, v: list[float]) -> list[float]:
        if not v or abs(sum(v) - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1 (sum is {sum(v):.4f})")
        return v


class Group(_Strict):
    """A nationality group with its recognition chance (first applicants)."""

    name: Label
    share: Share = Field(description="share of first applicants")
    recognition: Share = Field(description="probability that a decision is a permit")


TrackName = Literal["regular", "accelerated", "border", "dublin"]
TRACK_NAMES = ("regular", "accelerated", "border", "dublin")
Days = Annotated[int, Field(ge=1, le=3650)]


class RampPoint(_Strict):
    """One dated point of the IND productivity ramp."""

    date: dt.date
    factor: Annotated[float, Field(ge=0.1, le=5.0)] = Field(description="factor on every track's decisions_per_day on "
                                                                        "this date (1)")
    announced: dt.date | None = Field(None, description="the day this point became known (a measure announced then, "
                                      "e.g. a taskforce); a forecast from an earlier origin does not know it "
                                      "(experiments.forecast.origins). None: known at any origin")

    @model_validator(mode="after")
    def _announced_before(self) -> RampPoint:
        if self.announced is not None and self.announced > self.date:
            raise ValueError(f"announced: {self.announced} is after the point's date {self.date}; a point is "
                             f"known on or before the day it applies")
        return self


class Chain(_Strict):
    registration_capacity_per_day: NonNeg = Field(description="persons registered per day at the central location")
    registration_deadline_days: PosInt = Field(description="registration must happen within this many days of arrival")
    screening_days: PosInt = Field(description="days from registration to the end of screening")
    accelerated_recognition_max: Share = Field(description="groups with recognition at or below this take the "
                                                           "accelerated track")
    dublin_share: Share = Field(description="share of first applicants who are Dublin claimants")
    public_order_risk_share: Share = Field(description="share of first-applicant households flagged at screening as a "
                                           "risk to public order or national security (Pact: accelerated procedure; "
                                           "the border procedure even for families and unaccompanied minors)")
    decisions_per_day: dict[TrackName, NonNeg] = Field(
        description="IND first decisions per day per track, persons (Dublin: claims sent)")
    decision_capacity_ramp: list[RampPoint] = Field(description="IND productivity: factor on decisions_per_day, linear "
                                                    "between the dated points, flat before the first and after the "
                                                    "last (empty: 1)")
    decision_capacity_rule: Literal["fixed", "budget"] = Field(
        "fixed", description="how the IND's capacity is set: fixed = decisions_per_day (times the ramp and any event "
        "that scales them); budget = it follows the IND's budget, which follows the inflow with the multi-year "
        "production forecast's one-year lag: in calendar year Y the IND decides per day the first applications "
        "per day of the calendar year before Y (the run's expected inflow, before its start the scenario's "
        "inflow source), split over the tracks as decisions_per_day splits; the ramp and events scaling "
        "decisions_per_day multiply it (model.world.World.ind_budget, docs/model.md)")
    idle_capacity_shift: Share = Field(description="share of a track's IND capacity left idle (nobody waiting) that "
                                       "goes to the other tracks the same day, border procedure first")
    accelerated_procedure_days: Days = Field(
        28, description="days from the end of screening to the IND's decision in the accelerated procedure at the "
        "latest (its administrative phase); the initial stock's accelerated cases that arrived longer ago and "
        "still wait are handled in the regular procedure (model.start)")
    border_procedure_max_days: Days = Field(description="border procedure deadline incl. appeal, days from arrival; "
                                            "a case still open then moves to the regular procedure")
    border_procedure_capacity_persons: Annotated[int, Field(ge=0, le=100000)] = Field(
        description="persons in the border procedure at once (the 'adequate capacity'); eligible arrivals beyond it "
                    "take the accelerated procedure inland")
    appeal_share: dict[TrackName, Share] = Field(description="share of rejections (Dublin: transfer decisions) "
                                                 "appealed with suspensive effect: the household stays in reception "
                                                 "until the court rules, per track")
    appeal_days: dict[TrackName, Days] = Field(description="days from the rejection (Dublin: transfer decision) to the "
                                               "court's ruling, including the time to lodge the appeal, per track")
    appeal_upheld_share: dict[TrackName, Share] = Field(description="share of appeals the applicant wins: a permit "
                                                        "(asylum tracks) or the transfer annulled and the claim "
                                                        "handled in the regular procedure (Dublin), per track")
    departure_period_days: Days = Field(description="days in reception after a final rejection (departure period)")
    departure_shares: dict[Literal["independent", "forced", "unsupervised"], Share]
    dublin_reply_days: Days = Field(description="days from the Dublin claim to the other member state's answer")
    dublin_acceptance_share: Share = Field(description="share of Dublin claims the other member state accepts; the "
                                           "others are handled in the regular procedure")
    dublin_decision_days: Days = Field(description="days from acceptance to the IND's transfer decision")
    dublin_transfer_days: Days = Field(description="days from the transfer decision to the transfer (later when "
                                       "appealed: after the ruling)")
    dublin_final_transfer_days: Days = Field(description="days from acceptance to the final transfer date (uiterste "
                                             "overdrachtsdatum); not transferred by then, the claim is handled in NL")
    dublin_transfer_success: Share = Field(description="share of accepted claims that end in a transfer")
    dublin_absconding_share: Share = Field(description="share of accepted claims whose claimant leaves without "
                                           "supervision before the transfer")
    vulnerability_assessments_per_day: NonNeg = Field(description="persons COA assesses for special reception needs "
                                                      "per day (kwetsbaarheidstoets), first come first served")
    vulnerability_deadline_days: Days = Field(description="the assessment is due within this many days of the "
                                              "application (arrival)")
    moves_up_per_day: NonNeg = Field(description="persons COA can move from emergency to regular places per day")
    registration_priority: bool = Field(description="register households with minors or special needs first (Art. 10 "
                                                    "of 2024/1359)")
    family_sponsor_in_reception_share: Share = Field(description="share of family members (nareizigers) whose sponsor "
                                                                 "still lives in reception and joins them")
    family_moves_in_share: Share = Field(description="share of the other family members (their sponsor has a home) "
                                                     "who move in with the sponsor straight after registration; "
                                                     "the rest wait in reception for a home of their own")

    @field_validator("departure_shares")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != {"independent", "forced", "unsupervised"} or abs(sum(v.values()) - 1) > 1e-6:
            raise ValueError("needs independent, forced and unsupervised shares summing to 1")
        return v

    @field_validator("decisions_per_day", "appeal_share", "appeal_days", "appeal_upheld_share")
    @classmethod
    def _tracks(cls, v: dict[str, float]) -> dict[str, float]:
        missing = set(TRACK_NAMES) - set(v)
        if missing:
            raise ValueError(f"missing track(s): {', '.join(sorted(missing))}")
        return v

    @field_validator("decision_capacity_ramp")
    @classmethod
    def _dated(cls, v: list[RampPoint]) -> list[RampPoint]:
        if any(b.date <= a.date for a, b in itertools.pairwise(v)):
            raise ValueError("dates must increase")
        return v

    @model_validator(mode="after")
    def _budget_split(self) -> Chain:
        if self.decision_capacity_rule == "budget" and sum(self.decisions_per_day.values()) <= 0:
            raise ValueError("decision_capacity_rule budget splits the budget as decisions_per_day splits: they "
                             "must not all be 0")
        return self

    @model_validator(mode="after")
    def _dublin_outcomes(self) -> Chain:
        if self.dublin_transfer_success + self.dublin_absconding_share > 1 + 1e-9:
            raise ValueError("dublin_transfer_success + dublin_absconding_share must not exceed 1 "
                             f"(got {self.dublin_transfer_success + self.dublin_absconding_share:g})")
        return self


class Housing(_Strict):
    targets: dict[str, NonNeg] = Field(description="national housing target per half-year, persons, e.g. {'2025H2': "
                                                   "13000}; overrides the packaged record")
    default_target_per_half_year: NonNeg = Field(description="target for half-years without a published figure, "
                                                             "persons")
    supply_persons_per_year: NonNeg = Field(description="persons municipalities house per year, nationally")
    supply_spread: Annotated[float, Field(ge=0.0, le=3.0)] = Field(description="spread (sd of log) of municipal "
                                                                               "housing ability around the pro-rata "
                                                                               "key")
    search_days: DayRange = Field(
        [0, 0], description="[min, max] days from the link (koppeling) to moving into the home, per household "
        "(keyed, uniform): the municipality finds a home, the household moves; it is housed at the first weekly "
        "housing round after that with a home free. [0, 0] = housed at the first round with a home")
    target_rule: Literal["given", "recent_permits"] = Field(
        "given", description="national target of a half-year not in `targets`: given = the packaged record, else "
        "default_target_per_half_year; recent_permits = the persons who became permit holders in the half-year "
        "before it (IND permits plus expected family members), as the ministry sets it; the half-year a run "
        "starts in, where neither gives a figure, the permits the run's chain grants a half-year at the rate it "
        "starts at (docs/forecast.md)")

    @field_validator("targets")
    @classmethod
    def _periods(cls, v: dict[str, float]) -> dict[str, float]:
        for k in v:
            # (isdigit() alone takes full-width digits, which int() reads too: a half-year no run has)
            if len(k) != 6 or not (k[:4].isascii() and k[:4].isdigit()) or k[4:] not in ("H1", "H2"):
                raise ValueError(f"half-year {k!r} must look like 2025H1 or 2025H2")
            if not FIRST_YEAR <= int(k[:4]) <= LAST_YEAR:
                raise ValueError(f"half-year {k!r} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}")
        return v


class Portfolio(_Strict):
    """The synthetic reception-location portfolio (no public COA register exists)."""

    seed: Seed = Field(description="seed of the portfolio generator (independent of the run seed)")
    places: dict[KindName, Count] = Field(description="total normal places per kind")
    mean_location_places: dict[KindName, PosInt] = Field(description="typical location size per kind, places")
    max_occupancy_factor: Annotated[float, Field(ge=1.0, le=2.0)] = Field(
        description="maximum places as a multiple of normal places (raised occupancy)")
    contract_years: dict[KindName, YearRange] = Field(
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
    reserve_places: Count = Field(description="contracted regular places kept empty in reserve (reservecapaciteit)")


class Costs(_Strict):
    per_resident_per_year: dict[KindName, NonNeg] = Field(
        description="EUR per resident per year, per kind (COA's cost of reception divided by its residents); charged "
        "per occupied bed per night, 1/365 of it (crisis: `crisis_per_person_night` instead)")
    crisis_per_person_night: NonNeg = Field(description="EUR per person per night in crisis emergency reception")
    reserve_per_place_per_night: NonNeg = Field(description="EUR per reserve place per night while kept empty")
    vacant_place_share: Share = Field(
        description="share of a resident's cost a night charged for each free normal place of an open location "
        "(a place kept open costs most of what an occupied one does); 0 = occupied beds only. Not for the "
        "per-person charges (crisis emergency reception, relief places), closing locations or reserve places")


class Initial(_Strict):
    entitled_persons: Count = Field(description="persons entitled to reception on the start date")
    permit_holder_share: Share = Field(description="share of them who are permit holders waiting for a home")
    at_registration_persons: Count = Field(description="persons at the registration location on the start date")
    procedure_persons: Count | None = Field(
        None, description="persons of the initial stock (not permit holders, not at registration) still waiting for "
        "the IND's first decision: the most recent arrivals; the older ones have been decided and refused, and are "
        "in appeal or in the departure period, each at a uniform point of it. None: all of them wait for the IND "
        "(the default). `noodplan backtest --rolling --stock queue` sets it to the IND queue that the budget rule "
        "leaves on the inflow known (tried, not kept: docs/forecast.md)")
    stock_age_days: PosInt = Field(description="arrival days of the initial stock spread over this many days before "
                                               "the start")


Indicator = Literal["occupancy", "occupancy_normal", "central_occupancy", "unsheltered",
                    "registration_backlog", "registration_load", "assessment_backlog", "forecast_shortfall",
                    "prognosis_shortfall"]


class Trigger(_Strict):
    """A condition on an indicator that must hold for `days` days in a row."""

    indicator: Indicator = Field(description="occupancy: persons in a bed / usable places incl. raised "
                                 "occupancy (1); occupancy_normal: persons in a bed / normal places (1); "
                                 "central_occupancy: persons at registration locations / their normal places (1); "
                                 "unsheltered, registration_backlog: persons; registration_load: persons "
                                 "arriving a day over `forecast_window_days` / `chain.registration_capacity_per_day` "
                                 "(what is registered without the plan's measures; 1); assessment_backlog: "
                                 "persons waiting for the vulnerability assessment (kwetsbaarheidstoets) after "
                                 "screening; forecast_shortfall: "
                                 "persons short of places in `forecast_weeks` weeks (recent net inflow "
                                 "extrapolated); prognosis_shortfall: the same from the model's own ensemble "
                                 "(docs/plan.md)")
    above: float | None = Field(None, description="holds when the indicator is at or above this")
    below: float | None = Field(None, description="holds when the indicator is below this")
    days: PosInt = Field(1, description="consecutive days the condition must hold")

    @model_validator(mode="after")
    def _one_bound(self) -> Trigger:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        return self


# Actions at the front of the chain (registration and screening); they act on the national
# registration centre, so a ladder with one unit per province cannot hold them (see Plan).
FRONT_ACTIONS = ("raise_registration", "raise_assessment", "open_registration_site", "relief_places",
                 "onward_placement")
ActionType = Literal["raise_occupancy", "activate_reserve", "request_places",
                     "raise_registration", "raise_assessment", "open_registration_site", "relief_places",
                     "onward_placement"]
assert set(FRONT_ACTIONS) <= set(typing.get_args(ActionType))


# the fields each plan action reads (model.plan: its `_do_…` and `_undo_…`, `_REISSUED`, the front's
# measures); another one given would be ignored
_ACTION_FIELDS = ("kinds", "factor", "kind", "places", "via", "repeat_days", "lead_time_days", "success_rate",
                  "duration_days", "per_day", "after_days", "province", "cost_per_day_eur")
_ACTION_USES: dict[str, tuple[str, ...]] = {
    "raise_occupancy": ("kinds", "factor"),
    "activate_reserve": ("places", "lead_time_days", "success_rate"),
    "request_places": ("kind", "places", "via", "repeat_days", "lead_time_days", "success_rate", "duration_days"),
    "raise_registration": ("per_day", "lead_time_days", "success_rate", "cost_per_day_eur"),
    "raise_assessment": ("per_day", "lead_time_days", "success_rate", "cost_per_day_eur"),
    "open_registration_site": ("places", "per_day", "province", "repeat_days", "lead_time_days", "success_rate",
                               "duration_days", "cost_per_day_eur"),
    "relief_places": ("places", "repeat_days", "lead_time_days", "success_rate", "duration_days"),
    "onward_placement": ("after_days", "lead_time_days", "cost_per_day_eur")}


class Action(_Strict):
    """What a phase does when it activates (undone, in reverse order, when it deactivates)."""

    type: ActionType = Field(
        description="raise_occupancy, activate_reserve, request_places (beds); raise_registration: extra "
                    "registration and screening staff at the registration centre; raise_assessment: extra COA "
                    "staff for the vulnerability assessment (kwetsbaarheidstoets); open_registration_site: a "
                    "second registration location with its own beds and registrations per day; relief_places: "
                    "beds near the registration centre for people waiting to register or in screening; "
                    "onward_placement: screening continues at a process location after `after_days`")
    kinds: list[KindName] = Field(default_factory=list,
                                  description="raise_occupancy: kinds whose occupancy norm is raised")
    factor: Annotated[float, Field(ge=1.0, le=2.0)] = Field(
        1.0, description="raise_occupancy: places as a multiple of normal places (capped at the maximum)")
    kind: KindName | None = Field(None, description="request_places: kind of the new places")
    places: Count = Field(
        0, description="activate_reserve / request_places: places asked; open_registration_site / relief_places: beds")
    via: Literal["provinces", "safety_regions", "coa"] = Field(
        "provinces", description="request_places: who is asked (provinces pass it to municipalities; coa contracts "
                                 "hotels, ships, halls itself)")
    repeat_days: PosInt | None = Field(
        None, description="request_places, relief_places, open_registration_site: ask again every this many days "
                          "while the phase is active")
    lead_time_days: Annotated[int, Field(ge=0, le=730)] = Field(
        0, description="days from decision to open places (or to the measure taking effect)")
    success_rate: Share = Field(
        1.0, description="share of asked places delivered (reserve, safety regions, relief places, extra "
                         "registrations or assessments); chance a registration site is realised; municipalities "
                         "decide by willingness")
    duration_days: PosInt | None = Field(
        None, description="request_places, relief_places, open_registration_site: contract length, days (default: the "
                          "kind's)")
    per_day: Annotated[float, Field(ge=0.0, le=10_000.0)] = Field(
        0.0, description="raise_registration / open_registration_site: registrations added per day, persons; "
                         "raise_assessment: vulnerability assessments added per day, persons")
    after_days: Annotated[int, Field(ge=1, le=30)] | None = Field(
        None, description="onward_placement: days at the registration location before screening continues elsewhere")
    province: str | None = Field(
        None, description="open_registration_site: province of the new site (default: the province with the largest "
                          "distribution key, other than the registration centre's)")
    cost_per_day_eur: Annotated[float, Field(ge=0.0, le=10_000_000.0)] = Field(
        0.0, description="fixed cost per day while the measure is in force (staff, transport), EUR")

    @model_validator(mode="after")
    def _complete(self) -> Action:
        given = self.model_fields_set
        need = {"request_places": ("kind", self.kind is not None),
                "raise_occupancy": ("kinds", bool(self.kinds)),
                "raise_registration": ("per_day", self.per_day > 0),
                "raise_assessment": ("per_day", self.per_day > 0),
                "open_registration_site": ("places and per_day", self.places > 0 and self.per_day > 0),
                "relief_places": ("places", self.places > 0),
                "onward_placement": ("after_days", self.after_days is not None)}.get(self.type)
        if need is not None and not need[1]:
            raise ValueError(f"a '{self.type}' action needs {need[0]}")
        # a field the action acts by, left out: its default (0 places, a factor of 1) would ask for nothing;
        # written as 0 or 1 it is taken (a request round of 0 places still moves the municipalities' willingness;
        # a sweep may draw it)
        forgot = {"raise_occupancy": ("factor", "places as a multiple of normal places, above 1 up to 2"),
                  "activate_reserve": ("places", "reserve places to open"),
                  "request_places": ("places", "places asked")}.get(self.type)
        if forgot is not None and forgot[0] not in given:
            raise ValueError(f"{forgot[0]}: a '{self.type}' action needs {forgot[0]} ({forgot[1]}); left out, it "
                             f"would ask for nothing")
        unused = [k for k in _ACTION_FIELDS
                  if k not in _ACTION_USES[self.type] and getattr(self, k) != _action_default(k)]
        if unused:     # the plan would ignore it: a kind on activate_reserve, a lead time on raise_occupancy, …
            k = unused[0]
            raise ValueError(f"{k}: a '{self.type}' action does not use {k}; leave it out "
                             f"(it uses {', '.join(_ACTION_USES[self.type])})")
        return self


_ACTION_DEFAULTS: dict[str, Any] = {}


def _action_default(field: str) -> Any:
    """An action field's default, made once and kept (read only: compared, never changed). Asking
    pydantic each time made a default factory's signature anew, a few classes of cyclic garbage a
    validation, and actions are validated again whenever an event changes the scenario in a run."""
    if field not in _ACTION_DEFAULTS:
        _ACTION_DEFAULTS[field] = Action.model_fields[field].get_default(call_default_factory=True)
    return _ACTION_DEFAULTS[field]


class Phase(_Strict):
    """One rung of the ladder (Handelingsperspectief op- en afschalen)."""

    name: Label
    dutch: Label = ""
    activate: list[Trigger] = Field(min_length=1, description="the phase activates when ANY trigger holds")
    deactivate: list[Trigger] = Field(min_length=1, description="it deactivates when ALL triggers hold (hysteresis)")
    min_dwell_days: Count = Field(description="days a phase stays active at least")
    actions: list[Action] = []


class Plan(_Strict):
    """The contingency plan (noodplan verhoogde instroom) as an ordered ladder of phases, and the
    front ladder for registration and screening (aanmeldketen), climbed alongside it."""

    enabled: bool
    scope: Literal["national", "province"] = Field(description="one ladder, or one per province (occupancy per "
                                                               "province)")
    forecast_weeks: PosInt = Field(description="horizon of the forecast-shortfall indicator, weeks")
    forecast_window_days: PosInt = Field(description="days of recent inflow and outflow the forecast extrapolates")
    prognosis_members: Annotated[int, Field(ge=1, le=100)] = Field(
        5, description="prognosis_shortfall: members of the plan's own ensemble (runs)")
    prognosis_every_days: Annotated[int, Field(ge=1, le=365)] = Field(
        14, description="prognosis_shortfall: days between two prognoses (the value holds in between)")
    prognosis_quantile: Share = Field(
        0.5, description="prognosis_shortfall: quantile of the members' persons in reception read (0.5: median)")
    phases: list[Phase] = Field(min_length=1, max_length=4, description="phases 1..4 in scale-up order")
    front: list[Phase] = Field(default_factory=list, max_length=4,
                               description="rungs of the front ladder in scale-up order: registration capacity, relief "
                                           "places, onward placement, vulnerability assessments; always national (one "
                                           "registration system)")
    closing_moves_per_day: NonNeg = Field(description="persons moved out of closing locations per day at scale-down")

    @model_validator(mode="after")
    def _front_actions_national(self) -> Plan:
        if self.scope == "province":
            for i, p in enumerate(self.phases):
                for j, a in enumerate(p.actions):
                    if a.type in FRONT_ACTIONS:
                        raise ValueError(f"phases.{i}.actions.{j}: {a.type} acts on the national registration "
                                         "centre; with scope province put it in plan.front")
        return self


class MunicipalBehaviour(_Strict):
    """How municipalities answer requests for places (agent behaviour)."""

    willingness_mean: Share = Field(description="average chance a municipality accepts a request")
    willingness_spread: NonNeg = Field(description="spread of willingness between municipalities (sd)")
    neighbour_weight: Share = Field(description="pull towards the neighbours' willingness per update")
    load_weight: NonNeg = Field(description="drop in willingness per place hosted per Spreidingswet place")
    fatigue_per_request: Share = Field(description="drop in willingness each time it accepts")
    recovery_per_year: Share = Field(description="share of the gap to its own base recovered per year")
    spreidingswet_places: Count = Field(description="national reception target under the Spreidingswet (places), "
                                                    "keyed to population")
    network: bool = Field(True, description="municipalities and COA act on the regional network: neighbours' stance "
                                           "moves willingness, coordination tables pass unmet requests on, moves "
                                           "prefer nearby locations (false: none of these)")
    coordination: Literal["none", "province", "safety_region"] = Field(
        "province", description="coordination tables (regietafels) that re-offer refused places to their other "
                                "municipalities and pass what is left to neighbouring tables (with network)")
    room_band_places: Annotated[int, Field(ge=0, le=10_000)] = Field(
        50, description="moves go emptiest first, but locations whose free places fall in the same band of this many "
                        "places count as equally suitable and the nearest of them is chosen (with network; 0: no "
                        "distance)")


class Regime(_Strict):
    """An EU Regulation 2024/1359 regime: a time-bounded state with derogations."""

    type: RegimeName
    requested: dt.date | None = Field(None, description="date the Netherlands asks for it")
    request_at_phase: Annotated[int, Field(ge=1, le=4)] | None = Field(
        None, description="ask when the plan reaches this phase")
    authorisation_delay_days: Count = Field(description="days from request to Council authorisation")
    duration_days: PosInt = Field(90, description="days one authorisation lasts (Art. 5: 3 months)")
    max_extensions: Count = Field(3, description="extensions of `duration_days` each (Art. 5: up to 12 months in all)")
    extend_while_phase_at_least: Annotated[int, Field(ge=0, le=4)] = Field(
        3, description="extended when the plan is at this phase or higher at expiry")
    derogations: dict[str, float] = Field(default_factory=dict, description="parameter overrides while active, dotted "
                                                                            "path -> value")

    @model_validator(mode="after")
    def _when(self) -> Regime:
        if self.requested is None and self.request_at_phase is None:
            raise ValueError("give requested (a date) or request_at_phase")
        return self


class Placement(_Strict):
    """The placement policy."""

    policy: Literal["standard", "min_moves"] = Field(description="standard: registration -> process location -> azc, "
                                                     "everyone moved up from emergency, scale-down closes the "
                                                     "costliest first; min_moves: straight to a place to stay, only "
                                                     "families with children moved up, scale-down closes the emptiest "
                                                     "first")
    own_request_moves_per_year: Annotated[float, Field(ge=0.0, le=12.0)] = Field(
        description="moves on the household's own request per household-year in a regular asylum seekers' "
                    "centre (azc; a Poisson process per household; granted when another azc has room)")
    consolidate_below_share: Share = Field(
        description="capacity balancing: an emergency or crisis location of the portfolio whose residents fill less "
                    "than this share of its normal places is closed and its residents moved to the others of its kind, "
                    "when those have room and the normal places nationally are no fuller than "
                    "`portfolio.replace_at_occupancy` (standard policy; 0 = never)")
    family_location_after_rejection: bool = Field(
        default=True, description="a family with minors whose rejection becomes final moves to a family location "
                                  "(gezinslocatie; another azc with room in the model), as families have since the "
                                  "Ferreira ruling of 2011; false: it stays where it is")


class Pact(_Strict):
    """The EU Migration Pact from its start date; cases filed before keep the old rules.

    New cases: low recognition (or a public-order risk) means the accelerated procedure, the
    border procedure when the application is made at the external border (families with
    children included, unaccompanied minors only when flagged); see `model.state.assign_track`."""

    start: dt.date
    dublin_reception_ends_at_decision: bool = Field(description="right to reception lapses once the transfer decision "
                                                                "is made")
    new_procedure_share: Share = Field(description="share of each track's IND capacity first given to cases filed "
                                       "from the start date; what one side leaves idle goes to the other the same day")
    priority_for_minors: bool = Field(description="new-procedure IND lines decide households with minors or special "
                                      "needs first (mandatory prioritisation)")


# the fields each event action reads (model.events.apply_event); another one given would be ignored
_EVENT_FIELDS = ("parameter", "value", "kind", "province", "regime", "places", "lead_time_days", "duration_days",
                 "id", "closure")
_EVENT_USES: dict[str, tuple[str, ...]] = {
    "set": ("parameter", "value"), "scale": ("parameter", "value"), "close": ("kind", "places", "province", "id"),
    "open": ("kind", "places", "province", "lead_time_days", "duration_days"), "raise": ("kind", "value", "province"),
    "reopen": ("closure",), "request_regime": ("regime",)}


class Event(_Strict):
    """A scheduled change (or a decision taken during a run). `set`/`scale` change a parameter;
    `close`/`open` change the portfolio; `reopen` opens again the locations an earlier `close` with
    an `id` closed; `raise` lets open locations of a kind take more residents than their normal
    places; `request_regime` asks the EU for a regime the scenario describes."""

    date: dt.date
    action: Literal["set", "scale", "close", "open", "raise", "reopen", "request_regime"]
    parameter: str | None = Field(None, description="for set/scale: dotted path, e.g. chain.screening_days")
    value: float | None = Field(None, description="for set: new value; for scale: factor; for raise: places as a "
                                "multiple of normal places (1-2, capped at each location's maximum)")
    kind: KindName | None = Field(None, description="for close/open/raise: location kind")
    province: str | None = Field(None, description="for close/open/raise: province name (default: all)")
    regime: RegimeName | None = Field(None, description="for request_regime: the regime asked for (one of the "
                                      "scenario's regimes)")
    places: Count | None = Field(None, description="for close/open: places")
    lead_time_days: Count = 0
    duration_days: PosInt | None = Field(None, description="for open: contract length")
    id: Annotated[Label, Field(min_length=1, max_length=80)] | None = Field(
        None, description="for close: a name for this closure, which a later reopen event names")
    closure: Annotated[Label, Field(min_length=1, max_length=80)] | None = Field(
        None, description="for reopen: the id of the earlier close event whose locations open again")
    label: Label = ""

    @model_validator(mode="after")
    def _complete(self) -> Event:
        if self.action in ("set", "scale") and (self.parameter is None or self.value is None):
            lack = "parameter" if self.parameter is None else "value"
            raise ValueError(f"{lack}: a '{self.action}' event needs " + (
                "parameter (a dotted path, e.g. chain.screening_days)" if lack == "parameter" else
                "value (the new value)" if self.action == "set" else "value (the factor)")
                + " and it is not given (or given empty: null, `~`)")
        if self.action in ("close", "open") and (self.kind is None or self.places is None):
            raise ValueError(f"a '{self.action}' event needs kind and places")
        if self.action in ("close", "open") and self.places == 0:
            # (a close of 0 places closed the largest location: whole locations close until the places are gone)
            raise ValueError(f"places: {'an' if self.action == 'open' else 'a'} '{self.action}' event "
                             f"{self.action}s at least 1 place (got 0); "
                             f"leave the event out to {self.action} none")
        if self.action == "raise" and (self.kind is None or self.value is None or not 1.0 <= self.value <= 2.0):
            raise ValueError("a 'raise' event needs kind and value (a factor from 1 to 2)")
        if self.action == "request_regime" and self.regime is None:
            raise ValueError("a 'request_regime' event needs regime")
        if self.action == "reopen" and self.closure is None:
            raise ValueError("a 'reopen' event needs closure (the id of the earlier close event whose locations "
                             "open again)")
        unused = [k for k in _EVENT_FIELDS if k not in _EVENT_USES[self.action] and getattr(self, k) not in (None, 0)]
        if unused:     # the run would ignore it: a province on a `set`, a lead time on a `close`, …
            k = unused[0]
            hint = {"province": " (a parameter is the same everywhere)" if self.action in ("set", "scale") else
                    " (a regime is national)" if self.action == "request_regime" else "",
                    "lead_time_days": " (it acts on the day it comes)",
                    "duration_days": " (only an 'open' event takes a contract length)",
                    "id": " (only a 'close' event takes an id, for a later 'reopen' to name)",
                    "closure": " (only a 'reopen' event names a closure)"}.get(k, "")
            raise ValueError(f"{k}: a '{self.action}' event does not use {k}{hint}; leave it out")
        return self


class Scenario(_Strict):
    """A complete, validated scenario."""

    name: str = Field(description="short name, used in outputs")
    description: str = Field("", description="a paragraph for planners: what the scenario tests")
    start_date: dt.date = Field(description="first simulated day (ISO date)")
    horizon_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = Field(description="days to simulate")
    seed: Seed = Field(description="random seed of a run (runs may override it)")
    country: Literal["nl"] = Field(description="packaged data set for the world")
    provinces: list[str] | None = Field(None, description="restrict the world to these provinces (None: all)")
    initial: Initial
    inflow: Inflow
    groups: list[Group] = Field(min_length=1, description="nationality groups: share of first applicants and "
                                                          "recognition chance")
    chain: Chain
    housing: Housing
    portfolio: Portfolio
    costs: Costs
    plan: Plan
    municipalities: MunicipalBehaviour
    placement: Placement
    regimes: list[Regime] = Field(default_factory=list, description="EU 2024/1359 regimes that may be declared")
    pact: Pact | None = Field(None, description="the EU Migration Pact and its start date (None: old rules throughout)")
    events: list[Event] = Field(default_factory=list, max_length=MAX_EVENTS,
                                description="scheduled changes (parameters, closures and reopenings, "
                                            "openings)")

    @field_validator("groups")
    @classmethod
    def _group_shares(cls, v: list[Group]) -> list[Group]:
        if abs(sum(g.share for g in v) - 1.0) > 1e-6:
            raise ValueError(f"group shares must sum to 1 (sum is {sum(g.share for g in v):.4f})")
        return v

    @field_validator("name")
    @classmethod
    def _file_safe_name(cls, v: str) -> str:
        if not _NAME.fullmatch(v):
            raise ValueError("a name is 1 to 80 characters without / or \\, control characters or invisible marks, "
                             "not starting with a dot or a space (it becomes part of file names)")
        return v

    @model_validator(mode="after")
    def _runnable(self, info: ValidationInfo) -> Scenario:
        """What a run would otherwise trip over mid-way, found at load (docs/input-contract.md)."""
        context = info.context or {}
        if not context.get(_RUNTIME_COPY):
            check_runnable(self, lone_event=bool(context.get(_LONE_EVENT)))
        return self

    @property
    def end_date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=self.horizon_days - 1)


# --- checks at load: what a run would trip over, found before anything is computed ------------

# Parameters the rules read while running; everything else is fixed when the world is built
# (the inflow plan, the portfolio, the initial stock, the housing-target calendar), so an event
# or a derogation on it would silently do nothing.
RUNTIME_PREFIXES = ("chain.", "housing.supply_persons_per_year", "housing.default_target_per_half_year",
                    "inflow.unaccompanied_minor_share_of_singles", "inflow.vulnerable_share",
                    "inflow.household_size_shares", "inflow.family_household_size_shares",
                    "municipalities.neighbour_weight", "municipalities.load_weight",
                    "municipalities.fatigue_per_request", "municipalities.recovery_per_year",
                    "municipalities.network", "municipalities.room_band_places",
                    "plan.closing_moves_per_day", "costs.reserve_per_place_per_night", "costs.vacant_place_share",
                    "placement.own_request_moves_per_year", "placement.consolidate_below_share",
                    "placement.family_location_after_rejection",
                    "portfolio.replace_at_occupancy", "portfolio.renewal_probability",
                    "portfolio.contract_term_days",
                    # the yearly inflow levels: an event re-plans the expected arrivals from its day
                    "inflow.first_applications_per_year", "inflow.family_reunification_per_year")
_RUNTIME_COPY = "noodplan: a copy with a run-time value applied"   # validation context key
# validation context key: the scenario holds one event taken alone (a decision, an inject's effect), so
# a `reopen` cannot be matched with its closure here (that is checked against the run: `model.events`)
_LONE_EVENT = "noodplan: one event checked alone"
LONE_EVENT = {_LONE_EVENT: True}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME = re.compile(r"(?![. ])[^/\\\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]{1,80}")


_PER_KIND = ("portfolio.places", "portfolio.mean_location_places", "portfolio.contract_years",
             "portfolio.contract_term_days", "portfolio.renewal_probability", "costs.per_resident_per_year")


def check_runnable(sc: Scenario, lone_event: bool = False) -> None:
    """Raise ValueError (one line, naming the field) for what the schema alone cannot see: the
    calendar, names unknown to the packaged data or outside the chosen provinces, a run bigger
    than the arrays hold, every value an event or a derogation sets during the run (checked
    against the schema's own ranges by re-validating a copy with the value applied), and each
    `reopen` against its closure (unless `lone_event`: one event checked alone, a decision or an
    inject's effect, whose closure is the run's to know)."""
    _check_calendar(sc)
    if not lone_event:
        check_closures(sc.events, "events")
        check_same_day_sets(sc.events, "events")
    for path in _PER_KIND:                 # the rules look every kind up in these
        missing = [k for k in typing.get_args(KindName) if k not in get_path(sc, path)]
        if missing:
            raise ValueError(f"{path}: missing kind(s) {', '.join(missing)} (give every kind; 0 where there is none)")
    _check_names(sc)
    _check_consistent(sc)
    _check_size(sc)
    _check_runtime_values(sc)


def _check_consistent(sc: Scenario) -> None:
    """Fields that each pass alone but together would be ignored or cut silently by the run."""
    ini = sc.initial
    if 0 < ini.entitled_persons < ini.at_registration_persons:    # (0: the run starts empty, as documented)
        raise ValueError(f"initial.at_registration_persons: {ini.at_registration_persons:,} is more than the "
                         f"{ini.entitled_persons:,} entitled persons (initial.entitled_persons), of whom they are "
                         f"a part; give at most {ini.entitled_persons:,}")
    phases = len(sc.plan.phases)
    for i, r in enumerate(sc.regimes):
        if sc.plan.enabled and r.request_at_phase is not None and r.request_at_phase > phases:
            raise ValueError(f"regimes.{i}.request_at_phase: {r.request_at_phase}, but the plan has {phases} "
                             f"phase{'s' if phases > 1 else ''} (plan.phases), so it would never ask for the "
                             f"{r.type} regime; give a phase from 1 to {phases}, or a date (requested)")


def _check_calendar(sc: Scenario) -> None:
    start = sc.start_date
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise ValueError(f"start_date: {start} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}")
    if sc.end_date.year > LAST_YEAR:
        raise ValueError(f"horizon_days: the run would end on {sc.end_date}, after {LAST_YEAR} "
                         f"(the supported calendar); start earlier or simulate fewer days")
    for i, e in enumerate(sc.events):
        if e.date < start:
            raise ValueError(f"events.{i}.date: {e.date} is before start_date {start}, so the event would "
                             f"never happen; move it to the start or remove it")
    for i, shock in enumerate(sc.inflow.shocks):
        if shock.end < start:
            raise ValueError(f"inflow.shocks.{i}: ends on {shock.end}, before start_date {start}, so it "
                             f"would add nobody; remove it")


def check_closures(events: Sequence[Event], where: str, earlier: Mapping[str, dt.date] | None = None) -> None:
    """Each closure id names one `close` event, and each `reopen` names a closure that closed on an
    earlier day and is not reopened already (by an earlier reopen; events of one day count in their
    order). `earlier`: closures already made before these events (id -> date). ValueError naming
    `where`.<index>.<field>."""
    closed: dict[str, tuple[int, dt.date]] = {}
    for i, e in enumerate(events):
        if e.action == "close" and e.id is not None:
            if e.id in closed or e.id in (earlier or {}):
                first = f"{where}.{closed[e.id][0]}" if e.id in closed else "an earlier closure"
                raise ValueError(f"{where}.{i}.id: {e.id!r} already names {first}; give each closure its own id")
            closed[e.id] = (i, e.date)
    dates = {**(earlier or {}), **{k: d for k, (_, d) in closed.items()}}
    reopened: dict[str, tuple[int, dt.date]] = {}
    for i, e in sorted(((i, e) for i, e in enumerate(events) if e.action == "reopen"), key=lambda x: (x[1].date, x[0])):
        assert e.closure is not None     # (Event._complete)
        name = e.closure
        if name not in dates:
            hint = did_you_mean(name, dates) or (f" (closures with an id: {', '.join(map(repr, dates))})" if dates else
                                                 " (give the close event an id, e.g. id: flood, and name it here)")
            raise ValueError(f"{where}.{i}.closure: no close event has the id {name!r}{hint}")
        if dates[name] >= e.date:
            when = "on the same day as" if dates[name] == e.date else "after"
            raise ValueError(f"{where}.{i}.closure: {name!r} closes on {dates[name]}, {when} this reopening on "
                             f"{e.date}; a reopening comes on a later day than its closure")
        if name in reopened:
            j, d = reopened[name]
            raise ValueError(f"{where}.{i}.closure: {name!r} is reopened already by {where}.{j} on {d}; "
                             f"a closure reopens once")
        reopened[name] = (i, e.date)


def check_same_day_sets(events: Sequence[Event], where: str) -> None:
    """A `set` event gives its parameter one value on its day: another `set` or a `scale` of the same
    parameter on that day would make one of them count for nothing (the later in the list wins), so
    the two are refused, naming both. (Two `scale`s of one day multiply: both count.)"""
    first: dict[tuple[dt.date, str], tuple[int, str]] = {}
    for i, e in enumerate(events):
        if e.action not in ("set", "scale") or e.parameter is None:
            continue
        key = (e.date, e.parameter)
        if key in first:
            j, action = first[key]
            if "set" in (action, e.action):
                what = ("give one value" if action == e.action else
                        "give one 'set' event with the value it should have that day")
                raise ValueError(f"{where}.{i}: {e.action}s {e.parameter} on {e.date}, the day {where}.{j} "
                                 f"{action}s it too; only the later in the list would count: {what}")
        if key not in first or e.action == "set":
            first[key] = (i, e.action)


def _check_names(sc: Scenario) -> None:
    from model import data

    table = data.municipalities(sc.country)
    known = sorted(set(table.province))
    if sc.provinces is not None:
        if not sc.provinces:
            raise ValueError("provinces: give at least one province, or leave the field out for all of them")
        for p in sc.provinces:
            if p not in known:
                raise ValueError("provinces: " + unknown_name("province", p, known))
            if sc.provinces.count(p) > 1:
                raise ValueError(f"provinces: {p!r} is listed twice")
    world = set(sc.provinces or known)
    province_of = dict(zip(table.names, table.province, strict=True))
    series = sc.inflow.monthly_series
    if series is not None and series not in data.monthly_series_names(sc.country):
        raise ValueError(f"inflow.monthly_series: unknown series {series!r} "
                         f"(packaged: {', '.join(data.monthly_series_names(sc.country))})")
    for i, shock in enumerate(sc.inflow.shocks):
        m = shock.entry_municipality
        if m is not None and province_of.get(m) not in world:
            raise ValueError(f"inflow.shocks.{i}.entry_municipality: " + (
                f"{m!r} lies in {province_of[m]}, outside this world (provinces: {', '.join(sc.provinces or [])})"
                if m in province_of else f"unknown municipality {m!r}" + (
                    other_name(m, province_of) or did_you_mean(m, province_of)
                    or " (use the CBS name, e.g. 'Enschede')")))
    for i, e in enumerate(sc.events):
        if e.province is not None and e.province not in world:
            raise ValueError(f"events.{i}.province: " + (
                f"{e.province!r} is outside this world (provinces: {', '.join(sc.provinces or [])})"
                if e.province in known else unknown_name("province", e.province, known)))
        if e.regime is not None and e.regime not in {r.type for r in sc.regimes}:
            raise ValueError(f"events.{i}.regime: the scenario describes no {e.regime} regime (add it under regimes)")
    for ladder, phases in (("phases", sc.plan.phases), ("front", sc.plan.front)):
        for i, phase in enumerate(phases):
            for j, a in enumerate(phase.actions):
                where = f"plan.{ladder}.{i}.actions.{j}"
                if a.type == "request_places" and a.kind is None:   # (the Action schema cannot see this pair)
                    raise ValueError(f"{where}.kind: request_places needs the kind of the new places")
                if a.province is not None and a.province not in world:
                    raise ValueError(f"{where}.province: " + (
                        f"{a.province!r} is outside this world (provinces: {', '.join(sc.provinces or [])})"
                        if a.province in known else unknown_name("province", a.province, known)))


def _check_size(sc: Scenario) -> None:
    """A run must fit its arrays: persons over the run (initial stock plus expected arrivals,
    upper bound) and locations the portfolio generator makes."""
    f = sc.inflow
    days = sc.horizon_days
    yearly = (f.first_applications_per_year + f.family_reunification_per_year) * (1 + f.seasonality_amplitude)
    persons = sc.initial.entitled_persons + yearly / 365.25 * days
    end = sc.end_date
    for shock in f.shocks:
        overlap = (min(shock.end, end) - max(shock.start, sc.start_date)).days + 1
        persons += shock.extra_persons_per_day * max(overlap, 0)
    if f.monthly_series is not None:
        from model import data

        persons += sum(a + b for a, b in data.monthly_inflow(sc.country, f.monthly_series).values())
    if persons > MAX_RUN_PERSONS:
        raise ValueError(f"inflow: the run would take in about {persons:,.0f} persons (initial stock plus expected "
                         f"arrivals over {days:,} days); at most {MAX_RUN_PERSONS:,} fit its arrays "
                         f"(lower the inflow, the shocks or the horizon)")
    pf = sc.portfolio
    if pf.reserve_places == 0 and not any(n > 0 for k, n in pf.places.items() if k not in ("central", "border")):
        raise ValueError("portfolio.places: a run needs reception locations: give places to a kind other than "
                         "central and border (those are single fixed locations), or reserve_places")
    locations = sum(pf.places[k] / pf.mean_location_places[k] for k in pf.places if k in pf.mean_location_places)
    locations += pf.reserve_places / pf.mean_location_places.get("regular", 1)
    if locations > MAX_LOCATIONS:
        raise ValueError(f"portfolio: places / mean_location_places would make about {locations:,.0f} locations; "
                         f"at most {MAX_LOCATIONS:,} (raise mean_location_places)")


def _field_at(sc: Scenario, path: str) -> Any:
    """The value of the scenario field at a dotted path, through fields and mapping keys only
    (`getattr` alone would also walk into a number's attributes, `chain.screening_days.real`,
    or a model's methods); KeyError when there is none."""
    node: Any = sc
    for part in path.split("."):
        if isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(part)
    return node


def _check_runtime_path(sc: Scenario, path: str, where: str) -> None:
    try:
        value = _field_at(sc, path)
    except KeyError:
        *parents, last = path.split(".")
        try:
            node = _field_at(sc, ".".join(parents)) if parents else sc
        except KeyError:
            node = None
        known = (type(node).model_fields if isinstance(node, BaseModel) else node if isinstance(node, dict) else [])
        raise ValueError(f"{where}: unknown parameter {path!r}" + path_meant(parents, last, known)) from None
    if not isinstance(value, int | float):
        raise ValueError(f"{where}: {path!r} is {_what_is(value, path)}, not a number; an event or a derogation "
                         f"changes a number during the run" + (
                             "; the start date is fixed: give the scenario another start_date" if path == "start_date"
                             else ""))
    if not path.startswith(RUNTIME_PREFIXES):
        hint = "; use inflow.shocks to change arrivals" if path.startswith("inflow.") else ""
        raise ValueError(f"{where}: {path!r} is fixed when the world is built and cannot change during a run{hint}")


def _what_is(value: Any, path: str) -> str:
    """What a scenario's value is, in words, for a line that says what a parameter path names."""
    if value is None:
        return "empty (null) in this scenario"
    if isinstance(value, dt.date):
        return f"a date ({shown(value)})"
    if isinstance(value, str):
        return f"a text ({shown(value)})"
    if isinstance(value, BaseModel | dict):
        names = list(type(value).model_fields if isinstance(value, BaseModel) else value)
        return f"a section of fields (name one of them, e.g. {path}.{names[0]})" if names else "an empty section"
    if isinstance(value, list):
        return f"a list (name an item, e.g. {path}.0)" if value else "an empty list"
    return f"a {type(value).__name__}"


def _check_runtime_values(sc: Scenario) -> None:
    """Every value a `set`/`scale` event or a regime's derogation gives a parameter during the run
    must be one the scenario itself would accept there. The events are applied in date order to a
    copy of the scenario, which is re-validated after each; each regime's derogations are applied
    on every such state, with the later events in the same sections on top (a derogation may be in
    force when they come)."""
    for i, e in enumerate(sc.events):
        if e.parameter is not None:
            _check_runtime_path(sc, e.parameter, f"events.{i}.parameter")
    for i, r in enumerate(sc.regimes):
        for path in r.derogations:
            _check_runtime_path(sc, path, f"regimes.{i}.derogations.{path}")
    # (date, index, parameter, action, value) of every set/scale event, in the order they come
    changes = sorted((e.date, i, e.parameter, e.action, e.value) for i, e in enumerate(sc.events)
                     if e.parameter is not None and e.value is not None)
    states = [sc.model_dump()]
    for _, i, path, action, value in changes:
        states.append(_applied(states[-1], path, action, value, f"events.{i}"))
    for r_i, r in enumerate(sc.regimes):
        if not r.derogations:
            continue
        sections = {p.split(".")[0] for p in r.derogations}
        for k, state in enumerate(states):
            for path, value in r.derogations.items():
                state = _applied(state, path, "set", value, f"regimes.{r_i}.derogations.{path}",
                                 check=path == list(r.derogations)[-1])
            for _, i, path, action, value in changes[k:]:
                if path.split(".")[0] in sections:
                    state = _applied(state, path, action, value,
                                     f"events.{i} (while the {r.type} regime's derogations are in force)")


def _applied(data: dict, path: str, action: str, value: float, where: str, check: bool = True) -> dict:
    """A copy of scenario data with the run-time change applied, converted as `events.set_path`
    converts it (whole numbers stay whole, 0/1 switch a true/false field), and re-validated."""
    *parents, last = path.split(".")
    out = dict(data)
    node = out
    for part in parents:
        node[part] = dict(node[part])
        node = node[part]
    current = node[last]
    new = value if action == "set" else current * value
    shown = f"{path} = {new:g}" if action == "set" else f"{path} = {current:g} x {value:g} = {new:g}"
    if isinstance(current, bool):
        if new not in (0, 1):
            raise ValueError(f"{where}: {shown}: {path} is true or false, set by 1 or 0")
        new = bool(new)
    elif isinstance(current, int):
        if not float(new).is_integer():
            raise ValueError(f"{where}: {shown}: {path} takes whole numbers")
        new = int(new)
    node[last] = new
    if check:
        try:
            _check_size(Scenario.model_validate(out, context={_RUNTIME_COPY: True}))
        except ValidationError as err:
            raise ValueError(f"{where}: {shown}, which the scenario refuses there: {first_problem(err)}") from None
        except ValueError as err:
            raise ValueError(f"{where}: {shown}: {err}") from None
    return out


def check_decision(sc: Scenario, event: Event | Mapping[str, Any]) -> Event:
    """The decision taken during a run (`ReceptionModel.apply`: an Event, or a mapping of its fields
    without a date), checked as the scenario would check one of its events: the same checks, on the
    run's scenario as it is now (with what earlier events and derogations set). Raises ScenarioError."""
    if isinstance(event, Event):
        fields = event.model_dump()
    elif isinstance(event, Mapping):
        fields = dict(event)
        if "date" in fields:    # it would be replaced by today's: a decision acts now, between days
            raise ScenarioError("decision: date: a decision acts now, between days (on the run's current day); "
                                "leave the date out, or schedule it as an event in the scenario")
    else:
        raise ScenarioError(f"decision: an Event or a mapping of its fields (action, kind, places, …), "
                            f"not {type(event).__name__}")
    data = sc.model_dump()
    data["events"] = [{**fields, "date": sc.start_date}]
    try:
        checked = Scenario.model_validate(data, context=LONE_EVENT).events[0]
    except ValidationError as err:
        message = first_problem(err).replace("events.0.", "").replace("events.0", "the event")
        raise ScenarioError("decision: " + message) from None
    return event if isinstance(event, Event) else checked


def get_path(obj: Any, path: str) -> Any:
    """Value at a dotted path such as 'chain.decisions_per_day.regular'."""
    for part in path.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def _merge(base: dict, over: dict) -> dict:
    """`base` with `over` on top: a mapping given for a mapping changes only the keys it names (at
    every depth); anything else replaces what is there (`extends:`, `assign_path`)."""
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class PathError(KeyError):
    """A dotted path that names nothing in a scenario mapping: `path`, the parts `found` before the
    one that is not there (`part`), the keys there are at that point (`known`; empty in a list or a
    value), the items of the list there (`items`, None when it is no list), whether the path goes
    past a value (`past_value`), and the valid path closest to it (`meant`, None when there is none:
    `closest_path`). `path_problem` words it, for every way a path is set."""

    def __init__(self, path: str, found: list[str], part: str, known: list[str], items: int | None = None,
                 past_value: bool = False, meant: str | None = None) -> None:
        super().__init__(path)
        self.path, self.found, self.part, self.known = path, found, part, known
        self.items, self.past_value, self.meant = items, past_value, meant

    def __str__(self) -> str:
        return path_problem(self)


def path_value(data: Any, path: str) -> Any:
    """The value at a dotted path of a scenario mapping (a dump: mappings and lists, list items by
    ASCII index: `plan.phases.0.activate.1.above`); raises PathError."""
    node = data
    parts = str(path).split(".")
    for i, part in enumerate(parts):
        try:
            if isinstance(node, list):
                node = node[_index(part)]       # not '-1' (the last item) nor ' 1'
            elif isinstance(node, dict):
                node = node[part]
            else:
                raise KeyError(part)
        except (KeyError, IndexError, ValueError):
            raise PathError(str(path), parts[:i], part, [str(k) for k in node] if isinstance(node, dict) else [],
                            len(node) if isinstance(node, list) else None, not isinstance(node, dict | list),
                            closest_path(data, parts)) from None
    return node


def _children(node: Any, lists: bool) -> list[str] | None:
    """The names one step below `node` in a path: a model's fields, a mapping's keys, a list's
    indices (when `lists`); None below a value."""
    if isinstance(node, BaseModel):
        return list(type(node).model_fields)
    if isinstance(node, dict):
        return [str(k) for k in node]
    if isinstance(node, list) and lists:
        return [str(i) for i in range(len(node))]
    return None


def closest_path(root: Any, parts: Sequence[str], lists: bool = True) -> str | None:
    """The valid dotted path closest to `parts` in `root` (a scenario mapping or a Scenario): each
    part that names nothing replaced by the name `closest_name` finds in its place, so a typo
    anywhere in the path is answered with the whole path meant (`hosuing.supply_persons_per_yaer`:
    'housing.supply_persons_per_year'); None when a part has no close name, a list has no such item
    or the path goes past a value. List items are followed by their index only (`lists=False`:
    not at all)."""
    node, out = root, []
    for part in parts:
        children = _children(node, lists)
        if children is None:
            return None
        name = part if part in children else None if isinstance(node, list) else closest_name(part, children)
        if name is None:
            return None
        node = (node[int(name)] if isinstance(node, list) else node[name] if isinstance(node, dict)
                else getattr(node, name))
        out.append(name)
    return ".".join(out) if out and out != list(parts) else None


def path_problem(exc: PathError) -> str:
    """A path that names nothing, in one phrase: '<path>: unknown field (did you mean '<path
    meant>'?)', the same words for a design's `set` and parameters, `with_changes`, `simulate_many(
    params=…)` and `ReceptionModel`'s overrides as for a scenario file's misspelt field."""
    where = ".".join(exc.found) or "the scenario"
    if exc.meant:
        reason = f"unknown field (did you mean {exc.meant!r}?)"
    elif exc.items is not None:
        reason = (f"no item {exc.part!r} in {where}, which has "
                  + (f"{exc.items} (0 … {exc.items - 1})" if exc.items else "none"))
    elif exc.past_value:
        reason = f"{where} is a value, with no field {exc.part!r}"
    else:
        close = closest_name(exc.part, exc.known)     # the path goes on wrong after it
        reason = f"unknown field (no {exc.part!r} in {where}; " + (
            f"did you mean {'.'.join([*exc.found, close])!r}?)" if close is not None else "check the spelling)")
    return f"{exc.path}: {reason}"


def assign_path(data: dict, path: str, value: Any) -> None:
    """Give the field at a dotted path of a scenario mapping (a dump, changed in place) a new value:
    the one way a path is set for a sweep design's `set` and parameters, `with_changes`,
    `simulate_many(params=…)` and `ReceptionModel`'s overrides. A mapping given where the scenario
    has a mapping changes only the keys it names, at every depth, as `extends:` does (`housing:
    {supply_persons_per_year: 5000}` keeps housing's other fields); anything else -- a number, text,
    a list, a mapping where the scenario has none -- replaces the value. The path must exist;
    raises PathError."""
    current = path_value(data, str(path))          # first: a PathError names the whole path
    *parents, last = str(path).split(".")
    node = path_value(data, ".".join(parents)) if parents else data
    key: Any = _index(last) if isinstance(node, list) else last
    node[key] = _merge(current, dict(value)) if isinstance(value, Mapping) and isinstance(current, dict) else value


# --- loading: files, text and mappings to a validated Scenario, or one ScenarioError line -------

def is_whole(value: Any) -> typing.TypeGuard[int]:
    """Is `value` a whole number (Python's or NumPy's, typed as int here; not True/False, which
    Python counts as 0 and 1)? For the checks of API arguments that must be counts, days, seeds or
    ids."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _numpy_bool(value: Any) -> bool:
    """Is `value` NumPy's true or false (np.True_, np.bool_(0)), which is no Python bool?"""
    return type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")


def whole_number(value: Any) -> int | None:
    """The whole number an API argument that is a count, days or a seed stands for: an int (Python's
    or NumPy's), or a float without a fraction (Python's or NumPy's: what a pandas column, a sampler or
    `np.linspace` hands over, as a scenario file's `10.0` is read for a whole number); None for
    anything else (text such as "12", true/false, a fraction, NaN, infinity)."""
    if isinstance(value, bool) or _numpy_bool(value):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():      # (NaN and infinity are not)
        return int(float(value))
    return None


def check_callback(where: str, f: Any, wanted: str, arguments: int) -> None:
    """`f` (a callback argument) is None or a function that can be called with `arguments`
    positional arguments; else one ScenarioError line naming `where` and what is `wanted`, before
    anything is computed (not a TypeError from inside the run, a day or a batch later)."""
    if f is None:
        return
    if not callable(f):
        raise ScenarioError(f"{where}: {wanted} or None, not {type(f).__name__} {shown(f)}")
    try:
        inspect.signature(f).bind(*range(arguments))
    except ValueError:              # no signature to read (some built-ins): called as it is
        return
    except TypeError as err:
        raise ScenarioError(f"{where}: {wanted} or None; {getattr(f, '__name__', 'this one')} cannot be called "
                            f"so ({err})") from None


def whole_argument(where: str, value: Any, lo: int, hi: int, unit: str = "") -> int:
    """An API argument that must be a count, days, a seed or a number of processes: `value` as an
    int from `lo` to `hi` (`whole_number`), or one ScenarioError line naming `where` (never text, a
    fraction, true/false or a number past the bound taken as one)."""
    n = whole_number(value)
    if n is None or not lo <= n <= hi:
        raise ScenarioError(f"{where}: a whole number from {lo:,} to {hi:,}{unit} (got {shown(value)})")
    return n


def iso_date(text: str) -> dt.date:
    """A day written YYYY-MM-DD, as every date in noodplan's files and options is, and nothing else:
    `date.fromisoformat` also reads `20200601` and ISO weeks (`2020-W23` is the Monday of week 23,
    `2020-W23-5` its Friday), which a command would take silently for a day the user may not have
    meant. ValueError saying what to write (the caller names the file and line, or the option)."""
    if _ISO_DATE.fullmatch(text) and text.isascii():
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{shown(text)} is not a day of the calendar (YYYY-MM-DD){_swapped_day(text)}") from None
    raise ValueError(f"{shown(text)} is not a date written YYYY-MM-DD{date_hint(text)}")


def date_hint(text: str) -> str:
    """What to write for a day written another way (`20200601`, 01-06-2020 as a Dutch planner writes it,
    2020/06/01, 2020-6-1), or an ISO week's note; "" when the text is no day at all."""
    if not text.isascii():
        return ""
    basic = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if basic:
        return f"; write it {basic[1]}-{basic[2]}-{basic[3]}"
    if re.search(r"\d{4}-?W\d", text):
        return "; an ISO week is not read: write the day"
    ymd = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    dmy = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    for y, m, d, order in ((ymd, 2, 3, ""), (dmy, 2, 1, " (day-month-year)")):
        if y:
            try:
                day = dt.date(int(y[3 if y is dmy else 1]), int(y[m]), int(y[d]))
            except ValueError:
                return _swapped_day(text)       # (2025-13-07: year-day-month)
            return f"; write it {day.isoformat()}{order}" + (
                f" if {day.day} {day:%B} is meant" if order and day.day <= 12 and day.day != day.month else "")
    return ""


def _swapped_day(text: str) -> str:
    """'; write 2024-01-13 if 13 January is meant' for a date written year-day-month (`2024-13-01`: no month
    13), else ''."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    try:
        day = dt.date(int(m[1]), int(m[3]), int(m[2])) if m and int(m[2]) > 12 else None
    except ValueError:
        day = None
    return f"; write {day.isoformat()} if {day.day} {day:%B} is meant" if day else ""


def choice_argument(where: str, value: Any, choices: Sequence[str]) -> str:
    """An API argument that must be one of `choices`, or one ScenarioError line naming `where`."""
    if not isinstance(value, str) or value not in choices:
        raise ScenarioError(f"{where}: one of {', '.join(choices)} (got {shown(value)})")
    return value


def shown(value: Any, limit: int = 60) -> str:
    """A value as an error line shows it: its repr, cut to about `limit` characters (its end kept)."""
    text = value.isoformat(" ") if isinstance(value, dt.datetime) else value.isoformat() \
        if isinstance(value, dt.date) else repr(value)      # a date as it is written, not datetime.date(2025, 1, 1)
    return text if len(text) <= limit else text[: limit - 5] + " …" + text[-3:]


def _allows_bool(annotation: Any) -> bool:
    """Whether a value of this type may hold true/false (nested models check their own fields)."""
    if annotation is bool or annotation is Any or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return True
    return any(_allows_bool(a) for a in typing.get_args(annotation))


def _text_for_number(annotation: Any, value: Any) -> bool:
    """Whether `value` holds text that reads as a number where `annotation` wants a number (in a list
    or as a mapping's value too); a field that may also hold text (a name, a choice) takes it. Nested models check
    their own fields."""
    if isinstance(value, str | bytes):      # other text gets pydantic's own "not a valid number"
        return _reads_as_number(value) and _wants_number(annotation) and not _allows_text(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _text_for_number(args[0], value)
    if isinstance(value, dict) and origin in (dict, Mapping) and len(args) == 2:
        return any(_text_for_number(args[1], v) for v in value.values())
    if isinstance(value, list | tuple) and origin in (list, tuple):
        item = args[0] if args else Any
        return any(_text_for_number(item, v) for v in value)
    if origin in (typing.Union, types.UnionType):
        return any(_text_for_number(a, value) for a in args if a is not type(None))
    return False


def _reads_as_number(text: str | bytes) -> bool:
    """Text that float() reads, or a number written as a spreadsheet or a report writes it (`written_otherwise`)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return _reads_as_number_plainly(text) or written_otherwise(text) is not None


def _reads_as_number_plainly(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_OPENING_QUOTES = "\u201c\u201d\u201e\u2018\u2019\u201a\u00ab\u00bb"   # a word processor's quotes
_CLOSING_QUOTES = "\u201c\u201d\u2018\u2019\u00ab\u00bb"


def written_otherwise(text: str) -> str | None:
    """What to write for a number written as a Dutch spreadsheet or a report writes it (`85%`, `0,85`,
    `30,000`, `30 000`, `1.234.567`), or None: pydantic's "unable to parse string as a number" said
    nothing of what to change."""
    t = text.strip()
    if len(t) > 2 and t[0] in _OPENING_QUOTES and t[-1] in _CLOSING_QUOTES:
        inner = t[1:-1].strip()       # “3000”: quotes a word processor typed, which YAML does not take for quotes
        if _reads_as_number_plainly(inner) or written_otherwise(inner) is not None:
            return (f"{t[0]}…{t[-1]} are typographic quotes (a word processor's), not YAML's; write the number "
                    f"without quotes: {inner}")
    if len(t) > 1 and (t[0] in "\u20ac$" or t[-1] == "\u20ac"):           # €76.90, € 76,90, 76.90 €: euros
        bare = t.strip("\u20ac$ \u00a0")
        plain = bare if _reads_as_number_plainly(bare) else None
        also = written_otherwise(bare) if plain is None else None
        if plain is not None or also is not None:
            return "amounts are written without a currency sign" + (f": {plain}" if plain is not None else f"; {also}")
    if m := re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*[kK]", t):                 # 30k: thirty thousand
        return f"write {float(m.group(1)) * 1000:g} (k for thousand is not read)"
    if t[:1] in "\u2212\u2013" and _reads_as_number_plainly(t[1:]):      # −300: a typographic minus or a dash
        return f"{t[0]} is a typographic minus sign or dash; write -{t[1:]}"
    if m := re.fullmatch(r"([-+]?[0-9]+(?:[.,][0-9]+)?)\s*%", t):
        share = float(m.group(1).replace(",", ".")) / 100
        return f"a percentage; a share is written as a number from 0 to 1 ({share:g} for {t})"
    if re.fullmatch(r"[-+]?[0-9]{1,3}(?:,[0-9]{3})+", t):
        return (f"write {t.replace(',', '')} (numbers are written without a thousands separator), or "
                f"{t.replace(',', '.', 1)} if the comma is a decimal comma (decimals are written with a point)")
    if re.fullmatch(r"[-+]?[0-9]+,[0-9]+", t):
        return f"decimals are written with a point: {t.replace(',', '.')}"
    if m := re.fullmatch(r"([-+]?[0-9]{1,3}(?:[. \u00a0\u202f'][0-9]{3})+)(,[0-9]+)?", t):
        plain = re.sub(r"[. \u00a0\u202f']", "", m.group(1)) + (m.group(2) or "").replace(",", ".")
        also = f", or {float(t):g} without quotes if that is meant" if _reads_as_number_plainly(t) else ""
        return f"write {plain} (numbers are written without a thousands separator, decimals with a point){also}"
    return None


def _wants_number(annotation: Any) -> bool:
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Annotated, typing.Union, types.UnionType):
        return any(_wants_number(a) for a in typing.get_args(annotation))
    return False


def _allows_text(annotation: Any) -> bool:
    if annotation in (str, Any) or typing.get_origin(annotation) is typing.Literal or _is_date(annotation):
        return True
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum | BaseModel):
        return True
    if typing.get_origin(annotation) in (typing.Annotated, typing.Union, types.UnionType):
        return any(_allows_text(a) for a in typing.get_args(annotation))
    return False


def _text_in(value: Any) -> Any:
    """The first text in `value` (what `_text_for_number` found), for the message."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return next((t for t in map(_text_in, value) if isinstance(t, str | bytes) and _reads_as_number(t)), value)
    return value


def _is_date(annotation: Any) -> bool:
    """Whether the field holds a date (pydantic would also take a number as seconds since 1970)."""
    return annotation is dt.date or any(a is dt.date for a in typing.get_args(annotation))


def _has_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, dict):
        return any(_has_bool(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_bool(v) for v in value)
    return False


def did_you_mean(name: Any, known: Iterable[str]) -> str:
    """' (did you mean 'X'?)' when `name` is close to one of `known` (a misspelt name, another
    case, a space for a hyphen), else ''. For every message about a name the reader does not know."""
    close = closest_name(name, known)
    return f" (did you mean {close!r}?)" if close is not None else ""


def closest_name(name: Any, known: Iterable[str]) -> str | None:
    """The one of `known` that `name` is close to (`did_you_mean`), or None."""
    if not isinstance(name, str) or not name:
        return None
    known = list(known)
    folded = {k.casefold().replace(" ", "-").replace("_", "-"): k for k in known}
    same = folded.get(name.casefold().replace(" ", "-").replace("_", "-"))
    close = [same] if same else difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    if not close and len(name) >= 4:        # the start of a name: `horizon` for horizon_days
        close = [k for k in known if k.startswith(name)][:2]
        close = close if len(close) == 1 else []
    return close[0] if close else None


def path_meant(parents: Sequence[Any], last: Any, known: Iterable[Any]) -> str:
    """`did_you_mean` for the last part of a dotted path, naming the whole path meant
    (' (did you mean 'housing.supply_persons_per_year'?)'), else ''."""
    close = closest_name(last, [str(k) for k in known])
    return f" (did you mean {'.'.join([*map(str, parents), close])!r}?)" if close is not None else ""


# Names planners write for a place that the data name otherwise (casefolded), with why: the province of
# Friesland is officially Fryslân (the data follow certegis, which writes Friesland:
# ../shared/data/nl/SOURCES.md); CBS names the municipalities of Den Bosch and The Hague 's-Hertogenbosch
# (GM0796) and 's-Gravenhage (GM0518) (gemeenten_2023.csv, lines 209 and 149); Ter Apel, where asylum seekers
# report, is a village of the municipality of Westerwolde (GM1950, line 327), not a municipality.
OTHER_NAMES = {"fryslân": ("Friesland", "the data name it so"), "fryslan": ("Friesland", "the data name it so"),
               "den bosch": ("'s-Hertogenbosch", "the CBS name"), "den haag": ("'s-Gravenhage", "the CBS name"),
               "the hague": ("'s-Gravenhage", "the CBS name"),
               "ter apel": ("Westerwolde", "the municipality Ter Apel lies in")}


def other_name(name: Any, known: Iterable[str]) -> str:
    """' (did you mean 'Y'? why)' when `name` is a known place's other name (`OTHER_NAMES`), else ''."""
    other, why = OTHER_NAMES.get(name.strip().casefold(), (None, "")) if isinstance(name, str) else (None, "")
    return f" (did you mean {other!r}? {why})" if other is not None and other in known else ""


def unknown_name(what: str, name: Any, known: Sequence[str]) -> str:
    """'unknown <what> 'X' (did you mean 'Y'?)' when a known name is close or is X's other name
    (`OTHER_NAMES`), else with the known ones."""
    hint = other_name(name, known) or did_you_mean(name, known)
    return f"unknown {what} {name!r}" + (hint or f" (known: {', '.join(known)})")


def _strict_models() -> dict[str, type[BaseModel]]:
    """Every strict model (the scenario's, a design's, an exercise's) by its class name."""
    out: dict[str, type[BaseModel]] = {}
    todo: list[type[BaseModel]] = [_Strict]
    while todo:
        cls = todo.pop()
        out.setdefault(cls.__name__, cls)
        todo.extend(cls.__subclasses__())
    return out


def _step(annotation: Any, part: Any) -> Any:
    """The type found at `part` (a field name, a list index, a mapping key) inside `annotation`,
    or None when it cannot be followed."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return next((t for t in (_step(a, part) for a in args if a is not type(None)) if t is not None), None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field is not None else None
    if origin in (list, tuple) and isinstance(part, int) and args:
        return args[0]
    if origin is dict and isinstance(part, str) and len(args) == 2:
        return args[1]
    return None


def _annotation_at(model: str, loc: list) -> Any:
    """The type a strict model declares for the place that holds `loc`'s last part (None: unknown)."""
    annotation: Any = _strict_models().get(model)
    for part in loc[:-1]:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _fields_at(model: str, loc: list) -> list[str]:
    """The fields a strict model has at `loc` (an unknown field's place), for a suggestion."""
    annotation = _annotation_at(model, loc)
    if annotation is None:
        return []
    candidates = [annotation, *typing.get_args(annotation)]
    return next((list(c.model_fields) for c in candidates
                 if isinstance(c, type) and issubclass(c, BaseModel) and c is not BaseModel), [])


def _keys_at(model: str, loc: list) -> list[str]:
    """The names a mapping of a strict model takes as keys at `loc` (a key's place), when they are a
    fixed set (`dict[TrackName, …]`), for a suggestion."""
    annotation = _annotation_at(model, loc)
    args = typing.get_args(annotation) if typing.get_origin(annotation) is dict else ()
    keys = args[0] if args else None
    return [str(k) for k in typing.get_args(keys)] if typing.get_origin(keys) is typing.Literal else []


# The Dutch names planners use for kinds of location (../shared/GLOSSARY.md) → the kind's name in
# scenario, exercise and design files: a Dutch name where a kind is asked for is told the English one.
DUTCH_KIND_NAMES = {
    "noodopvang": "emergency", "noo": "emergency",
    "crisisnoodopvang": "crisis", "cno": "crisis",
    "azc": "regular",
    "aanmeldcentrum": "central", "ter apel": "central",
    "proces-opvanglocatie": "process", "procesopvanglocatie": "process", "pol": "process",
    "amv": "minors",
}


# Fields renamed since an earlier version: (section, old name) -> what the refusal says instead of
# "unknown field", so a scenario file written for that version is told what to write now.
RENAMED: dict[tuple[str, str], str] = {
    ("costs", "per_place_per_year"): ("renamed costs.per_resident_per_year (since 6 December 2026: COA's cost "
                                      "figures are per resident a year, charged per occupied bed a night; "
                                      "docs/model.md, Costs)"),
}


def first_problem(err: ValidationError) -> str:
    """The first error as 'field.path: reason (got value)': an unknown field or key answered with
    the whole path meant (`path_meant`), a required field misspelt named as misspelt. Every reader
    of a scenario, a design or an exercise words its pydantic errors with it."""
    errors = err.errors()
    e = errors[0]
    if e["type"] == "missing":      # a required field misspelt: the misspelling says more than its absence
        e = next((x for x in errors if x["type"] == "extra_forbidden" and x["loc"][:-1] == e["loc"][:-1]), e)
    loc = [p for p in e["loc"] if not str(p).startswith("function-")]   # a validator's own name
    if isinstance(inside := e.get("ctx", {}).get("error"), _Inside):      # an entry of the field's list or mapping
        loc += inside.at
    where = ".".join(str(p) if re.fullmatch(r"[\w.-]+", str(p)) else repr(p) for p in loc)
    msg = e["msg"].removeprefix("Value error, ")
    key = loc[-1:] == ["[key]"] and len(loc) >= 2     # a mapping's key that is not one of its names
    if key:
        loc = loc[:-1]
        where = ".".join(str(p) if re.fullmatch(r"[\w.-]+", str(p)) else repr(p) for p in loc)
        expected = msg.removeprefix("Input should be ")
        msg = ("unknown key" + (f", not one of {expected}" if expected != msg else f" ({msg})")
               + path_meant(loc[:-1], loc[-1], _keys_at(err.title, loc)))
    elif e["type"] == "extra_forbidden" and len(loc) >= 2 and (str(loc[-2]), str(loc[-1])) in RENAMED:
        msg = RENAMED[str(loc[-2]), str(loc[-1])]
    elif e["type"] == "extra_forbidden":
        msg = "unknown field" + (path_meant(loc[:-1], loc[-1], _fields_at(err.title, loc)) if loc else "")
        msg += "" if "did you mean" in msg else " (check the spelling)"
    elif e["type"] == "missing":
        msg = "required field is missing"
    elif e.get("input", 0) is None and loc and e["type"] in _TYPE_WORDS:   # `inflow: ~`, `horizon_days:` and nothing
        msg = (f"given empty (null, `~` or nothing after the colon), where {_expected(msg, e['type'])} is asked; "
               + ("write the item, or leave it out" if isinstance(loc[-1], int) else
                  "write a value, or leave the line out to keep the default or what `extends` gives"))
    elif e["type"] in ("list_type", "dict_type", "model_type", "model_attributes_type") and "input" in e:
        msg = f"{_expected(msg, e['type'])} is asked here, not {_kind_of(e['input'])}" + (
            " (a list's items each start with '- ', or are written [a, b])" if e["type"] == "list_type" else
            " (fields written `name: value`, each on its own line, or {name: value, …})")
    elif e["type"] == "string_pattern_mismatch":
        msg = _pattern_in_words(e.get("ctx", {}).get("pattern", ""))
    got = e.get("input")
    dutch = DUTCH_KIND_NAMES.get(str(loc[-1] if key else got).strip().casefold()) if loc else None
    if dutch is not None and (key or e["type"] == "literal_error") and repr(dutch) in msg:
        said = f"{loc[-1]} is" if key else f"got {shown(got)}:"
        msg += f" ({said} the Dutch name of {dutch!r}; the files name kinds in English)"
    plain = (key or e["type"] in ("missing", "extra_forbidden") or isinstance(got, dict | list) or "(got " in msg
             or msg.startswith("given empty") or " is asked here, not " in msg)
    return (f"{where}: " if where else "") + msg + ("" if plain else f" (got {shown(got)})")


_TYPE_WORDS = {"int_type": "a whole number", "float_type": "a number", "string_type": "text",
               "date_type": "a date (YYYY-MM-DD)", "list_type": "a list", "dict_type": "a mapping of fields",
               "model_type": "a mapping of fields", "model_attributes_type": "a mapping of fields",
               "bool_type": "true or false", "literal_error": ""}


def _expected(msg: str, kind: str) -> str:
    """What a pydantic error says was expected, in words ('Input should be a valid integer': a whole number)."""
    return msg.removeprefix("Input should be ") if kind == "literal_error" else _TYPE_WORDS.get(kind, "a value")


def _kind_of(value: Any) -> str:
    """What was given, in words: 'a mapping', 'a list', 'text ('x')', 'a number (5)'."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return f"true/false ({shown(value)})"
    if isinstance(value, str):
        return f"text ({shown(value)})"
    if isinstance(value, int | float):
        return f"a number ({shown(value)})"
    if isinstance(value, dt.date):
        return f"a date ({shown(value)})"
    return f"a {type(value).__name__}"


def _pattern_in_words(pattern: str) -> str:
    """What a name of the form `^[a-z0-9][a-z0-9_-]{0,N}$` may hold, in words (pydantic says 'String
    should match pattern …'); another pattern as it is."""
    m = re.fullmatch(r"\^\[a-z0-9\]\[a-z0-9_-\]\{0,(\d+)\}\$", pattern)
    if m is None:
        return f"must match the pattern {pattern}"
    return (f"must be lower-case letters, digits, '-' and '_', starting with a letter or digit, at most "
            f"{int(m.group(1)) + 1} characters")


def validation_message(err: ValidationError, source: str) -> str:
    """One line for a pydantic error: 'source: field.path: reason (got value) [+N more]' (scenario
    files here; sweep designs and exercise files use it too)."""
    more = len(err.errors()) - 1
    return f"{source}: {first_problem(err)}" + (f" [+{more} more]" if more else "")


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


try:
    from yaml import CSafeLoader as _SafeLoader      # libyaml's parser (fast, its own nesting limit)
except ImportError:                                  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader


class _Loader(_SafeLoader):
    """YAML read the way a scenario means it: a key given twice and a date that does not exist are
    refused at their line, and plain values follow YAML 1.2 (`yes`, `no`, `on`, `off` stay text,
    `010` is ten, `1:30` is text, `1e3` is a number), so none of them turns silently into another
    number or into true/false."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            lines: dict[tuple[str, str], int] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if (key.tag, key.value) in lines:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"key {key.value!r} is given twice (first on line "
                            f"{lines[key.tag, key.value] + 1})", key.start_mark)
                    lines[key.tag, key.value] = key.start_mark.line
            if node.flow_style:
                _no_comma_in_a_number(node)
        return super().construct_mapping(node, deep)

    def construct_sequence(self, node: yaml.Node, deep: bool = False) -> list:
        if isinstance(node, yaml.SequenceNode) and node.flow_style:
            _no_comma_in_a_list_number(node)
        return super().construct_sequence(node, deep)

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        if not self.timestamp_regexp.match(str(node.value)):     # `!!timestamp abc`: PyYAML's own reader fails on it
            raise yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not a date (write YYYY-MM-DD)",
                                                    node.start_mark)
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not a real date ({exc})"
                                                    + _swapped_day(str(node.value)), node.start_mark) from None

    def construct_yaml_int(self, node: yaml.Node) -> int:
        digits = self.construct_scalar(node).replace("_", "")
        if not re.fullmatch(r"[-+]?[0-9]+", digits):      # `!!int ten`, `!!int 1.5`: asked for, not one
            raise yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not a whole number",
                                                    node.start_mark)
        if re.fullmatch(r"-0+", digits):      # a minus sign before 0: a number left out, or a sign mistyped
            raise yaml.constructor.ConstructorError(None, None, f"{node.value} is 0 written with a minus sign; "
                                                    f"write 0 if 0 is meant", node.start_mark)
        try:
            return int(digits, 10)   # no YAML 1.1 octal
        except ValueError:           # more digits than Python converts (4,300): no count is that long
            raise yaml.constructor.ConstructorError(None, None, f"a whole number of {len(digits.lstrip('+-')):,} "
                                                    f"digits is too long to be a count", node.start_mark) from None

    def construct_yaml_float(self, node: yaml.Node) -> float:
        """`!!float 20` is 20.0; `!!float ten` is refused at its line (PyYAML raised a bare ValueError)."""
        text = str(self.construct_scalar(node))
        if not (_FLOAT_RX.fullmatch(text) or _INT_RX.fullmatch(text)):
            raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a number", node.start_mark)
        if not node.style and re.fullmatch(r"[-+]?[1-9][0-9]{0,2}\.000", text):
            # 30.000: thirty thousand to a Dutch reader (and spreadsheet), 30.0 to YAML: a count off by 1,000
            whole = text.split(".")[0]
            raise yaml.constructor.ConstructorError(
                None, None, f"{text} reads as {whole} (a point starts the decimals); write {whole}000 if a thousands "
                f"separator was meant (numbers are written without one), or {whole} if {whole} is meant",
                node.start_mark)
        if re.fullmatch(r"-(?:[0_]+\.?[0_]*|\.[0_]+)(?:[eE][-+]?[0-9]+)?", text):   # -0.0: as -0 (construct_yaml_int)
            raise yaml.constructor.ConstructorError(None, None, f"{text} is 0 written with a minus sign; write 0 if 0 "
                                                    f"is meant", node.start_mark)
        if not node.style and re.fullmatch(r"[-+]?[1-9][0-9]{0,2}\.[0-9]{3}", text):
            return _Dotted.at(text, node.start_mark.line + 1)      # 30.500: judged by its field (`_dotted_counts`)
        return float(super().construct_yaml_float(node))

    def construct_yaml_bool(self, node: yaml.Node) -> bool:
        """`!!bool true`/`false` only: YAML 1.2, as untagged values are read (`!!bool maybe` was a KeyError,
        `!!bool yes` true)."""
        text = str(self.construct_scalar(node))
        if text.lower() not in ("true", "false"):
            raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not true or false", node.start_mark)
        return text.lower() == "true"

    def construct_undefined_here(self, node: yaml.Node) -> Any:
        """`!!binary`, `!!set`, `!!omap`, `!!pairs`: not values a scenario has (a set would also give its
        items in an order that changes from one process to the next)."""
        raise yaml.constructor.ConstructorError(None, None, f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} "
                                                f"is not used in these files (write a list, a mapping or text)",
                                                node.start_mark)


def _comma_advice(whole: str, after: str, in_list: bool = True) -> str:
    """What to write for `whole,after` that YAML read as two items (a comma separates them). A point in
    `whole` is a thousands point before a decimal comma (`1.500,5`: float() failed on '1.500.5')."""
    if re.fullmatch(r"[-+]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+", whole):
        return (f"write {whole.replace('.', '')}.{after} (numbers are written without a thousands separator, "
                f"decimals with a point)")
    if not re.fullmatch(r"[-+]?[0-9]+", whole):       # `0.5,5`: no one number written otherwise
        return (f"write {whole}, {after} (with a space) if two values are meant" if in_list else
                f"{whole},{after} is no number: write one")
    decimal = f"{float(whole + '.' + after):g}"
    return (f"write {whole}{after} if a thousands separator was meant (numbers are written without one), or "
            f"{decimal} if a decimal comma was (decimals are written with a point)" if len(after) == 3 else
            f"decimals are written with a point: {decimal}")


def _no_comma_in_a_list_number(node: yaml.SequenceNode) -> None:
    """`values: [0,85, 0,9]` is four numbers to YAML, 0, 85, 0 and 9, and could be a real list; a list
    whose commas are written two ways, some with a space after them and some between two whole numbers
    without one, reads as decimal (or thousands) commas among separators, and is refused. (`[0,85,0,9]`,
    every comma bare, is a list YAML and a reader agree on: it is left to the field's range.)"""
    items = node.value
    bare = [i for i in range(len(items) - 1) if items[i + 1].start_mark.index - items[i].end_mark.index == 1]
    if len(bare) == len(items) - 1:
        return
    for i in bare:
        a, b = items[i], items[i + 1]
        if all(isinstance(n, yaml.ScalarNode) and not n.style and n.tag.endswith(t) for n, t in
               ((a, (":int", ":float")), (b, ":int"))):
            advice = _comma_advice(a.value, b.value)
            raise yaml.constructor.ConstructorError(
                None, None, f"{a.value},{b.value} reads as two numbers, {a.value} and {b.value} (a comma separates "
                f"the items of [...], and this list has commas with a space after them and without); {advice}"
                + ("" if advice.endswith("meant") else f", or {a.value}, {b.value} if two numbers are meant"),
                a.start_mark)


class _Dotted(float):
    """A number written with one point and three digits after it (`30.500`): 30.5 to YAML, thirty
    thousand five hundred to a Dutch reader (and spreadsheet). Kept with its text and line (`at`)
    until `_dotted_counts` knows its field; never leaves `parse_yaml`."""

    text: str
    line: int

    @classmethod
    def at(cls, text: str, line: int) -> _Dotted:
        value = cls(text)
        value.text, value.line = text, line
        return value


# fields of persons, places, days or a figure per year (or half-year): thirty and a half cannot be meant there
_COUNT_FIELD = re.compile(r"(?:persons|places|_days|per_year|per_half_year)$|^targets$")
_NOT_COUNTS = frozenset({"own_request_moves_per_year", "recovery_per_year"})   # 0-12 moves, a share: 1.5 is sound


def _dotted_counts(value: Any, field: tuple[str, ...], source: str, where: tuple[str, ...] = ()) -> Any:
    """`value` with every `_Dotted` number a plain float, refusing one written in a field of persons,
    places, days (`horizon_days: 1.095`, three years) or a figure per year
    (`inflow.first_applications_per_year: 30.500` was read as 30.5 a year without a word). `where` is
    the number's place in the file (`events.0.value`); `field` the scenario field it sets, by which it
    is judged: its keys, or for the `value` of a `set` event or effect its `parameter`, for the values
    of a design's parameter its `path`."""
    if isinstance(value, _Dotted):
        if any(_COUNT_FIELD.search(k) and k not in _NOT_COUNTS for k in field[-2:]):
            at, whole = ".".join(where), value.text.replace(".", "")
            if ".".join(field) != ".".join(k for k in where if not k.isdigit()):
                at += f" ({'.'.join(field)})"
            reading = f"write {whole} if a thousands separator was meant (numbers are written without one), " + (
                "a whole number otherwise" if field[-1].endswith(("persons", "places", "_days")) else
                f"or {float(value):g} if {float(value):g} is meant")
            raise ScenarioError(f"{source}: line {value.line}: {at}: {value.text} reads as {float(value):g} "
                                f"(a point starts the decimals); {reading}")
        return float(value)
    if isinstance(value, list):
        return [_dotted_counts(v, field, source, (*where, str(i))) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    parameter = value.get("parameter") if value.get("action") == "set" else None
    path = value.get("path") if isinstance(value.get("path"), str) else None
    out = {}
    for k, v in value.items():
        if k == "value" and isinstance(parameter, str):
            sets = tuple(parameter.split("."))
        elif path is not None and k not in ("name", "path", "levels"):
            sets = tuple(path.split("."))
        else:
            sets = field + tuple(str(k).split("."))
        out[float(k) if isinstance(k, _Dotted) else k] = _dotted_counts(v, sets, source, (*where, str(k)))
    return out


def _no_comma_in_a_number(node: yaml.MappingNode) -> None:
    """`{value: 1,5}` is `{value: 1, 5: null}` to YAML (a comma separates a flow mapping's items): a decimal
    comma or a thousands comma there was refused as "Keys should be strings (got 5)", or taken."""
    previous = None
    for key, value in node.value:
        if (previous is not None and not previous.style and not key.style and key.tag.endswith(":int")
                and value.tag.endswith(":null") and value.value == "" and previous.tag.endswith((":int", ":float"))):
            raise yaml.constructor.ConstructorError(
                None, None, f"{previous.value},{key.value} reads as {previous.value} and then a key {key.value} (a "
                f"comma separates the items of {{…}}); {_comma_advice(previous.value, key.value, False)}",
                key.start_mark)
        previous = value if isinstance(value, yaml.ScalarNode) else None


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in rules if tag.rsplit(":", 1)[-1] not in ("bool", "int", "float")]
    for first, rules in yaml.resolver.Resolver.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_INT_RX = re.compile(r"^[-+]?[0-9][0-9_]*$")
_FLOAT_RX = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_RX, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RX, list("-+0123456789."))
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _Loader.construct_yaml_bool)
for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _Loader.construct_undefined_here)


def parse_yaml(text: str, source: str, what: str = "a scenario") -> Any:
    """Scenario YAML text (or that of another file read the same way: `what` it should be) to plain
    data (one document, at most MAX_VALUES values); ScenarioError names the line of a syntax error."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: {len(text):,} characters; {what} is at most {MAX_FILE_BYTES:,} bytes")
    try:
        data = yaml.load(text, Loader=_Loader)   # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise ScenarioError(f"{source}:{where} not valid YAML ({problem})") from None
    except RecursionError:
        raise ScenarioError(f"{source}: nested too deeply to be {what}") from None
    _count_values(data, source, what)
    return _dotted_counts(data, (), source)


def _count_values(data: Any, source: str, what: str = "a scenario") -> None:
    """Refuse more than MAX_VALUES values or nesting deeper than 32: YAML aliases can make a small
    file expand into billions of values ('a billion laughs')."""
    stack: list[tuple[Any, int, tuple]] = [(data, 0, ())]
    n = 0
    while stack:
        value, depth, path = stack.pop()
        n += 1
        if n > MAX_VALUES:      # (named where the count passed it: the part that holds most, as a rule)
            held = list(itertools.takewhile(lambda part: isinstance(part, str), path))[:3]   # (to its first list)
            where = f" (the count passed it in {'.'.join(held)})" if held else ""
            raise ScenarioError(f"{source}: more than {MAX_VALUES:,} values (aliases counted each time they are used)"
                                f"{where}; not {what}")
        if depth > 32:
            raise ScenarioError(f"{source}: nested more than 32 levels deep; not {what}")
        if isinstance(value, dict):
            stack.extend((v, depth + 1, (*path, k)) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((v, depth + 1, (*path, i)) for i, v in enumerate(value))


def decode(raw: bytes, source: str) -> str:
    """Scenario bytes to text: UTF-8, with or without a byte-order mark; anything else refused."""
    return _decode(raw, source, ScenarioError)


def _missing_hint(written: str, path: Path) -> str:
    """What to change in the name `written` of a scenario file that is not at `path`, when the cause
    is plain (else '')."""
    return ("a scenario is not read from standard input: save it in a file and give its path" if written == "-" else
            "a web address is not read: save the file and give its path" if "://" in written else
            "the spaces at its start or end are part of the name" if written != written.strip() else
            windows_path(written) if windows_path(written) else
            f"did you mean {written}.yaml?" if not path.suffix and path.with_suffix(".yaml").is_file() else "")


def _read(path: Path, source: str, what: str = "a scenario file") -> str:
    """The text of a scenario file (or another file read the same way: `what` it should be): a
    regular file (not a folder, pipe or device) of at most MAX_FILE_BYTES, in UTF-8."""
    if not path.exists() and not path.is_symlink():
        hint = _missing_hint(source, path)
        if hint:
            written = f"'{source}'" if source.isprintable() else shown(source)     # (a backslash shown once)
            raise ScenarioError(f"{written}: no such scenario file ({hint})")
        raise ScenarioError(f"{source}: no such scenario file or built-in name"
                            + (did_you_mean(path.name.removesuffix(".yaml"), builtin_names())
                               or f" (built-in: {', '.join(builtin_names())})"))
    return decode(read_bytes(path, source, what, MAX_FILE_BYTES, ScenarioError), source)


def _locate(name_or_path: str | Path, folder: Path) -> Path:
    """A built-in name (no suffix) or a path, relative paths taken from `folder`."""
    text = str(name_or_path)
    if not Path(text).suffix and "/" not in text and (SCENARIO_DIR / f"{text}.yaml").is_file():
        return SCENARIO_DIR / f"{text}.yaml"
    return folder / Path(os.path.expanduser(text))    # (~user as the shell does: left as written when there is
                                                      # no such user; Path.expanduser raised RuntimeError)


def _real(path: Path, source: str) -> Path:
    """`path` with its symbolic links and `..` resolved; a link that leads back to itself or a name
    no file can have (a NUL character) is refused in one line, naming `source`."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:   # RuntimeError: a symlink loop (Python < 3.13)
        reason = "a symbolic link that leads back to itself" if "loop" in str(exc).lower() else \
            "not a file name (it holds a NUL character)" if "null" in str(exc) else str(exc)
        raise ScenarioError(f"{source}: {reason}") from None


def _load_file(path: Path, source: str, chain: tuple[Path, ...]) -> dict:
    data = parse_yaml(_read(path, source), source)
    return _resolve(data, source, path.parent, (*chain, _real(path, source)))


# the fields that only another of noodplan's files has, and the command that reads that file
_OTHER_FILES = ((("parameters", "sampler"), "a sweep design", "run it with `noodplan sweep FILE --out STORE`"),
                (("roles", "injects"), "an exercise", "check it with `noodplan exercise validate FILE`, play it with "
                                                      "`noodplan exercise play FILE`"),
                (("roles", "turns"), "an exercise", "check it with `noodplan exercise validate FILE`, play it with "
                                                    "`noodplan exercise play FILE`"),    # (injects are optional)
                (("command", "scenario_sha256", "files"), "a run's manifest (what a run wrote with its results)",
                 "give the scenario file the run was made from"))
_SCENARIO_HINT = {"a sweep design": "a design names its scenario under `scenario:`",
                  "an exercise": "an exercise names its scenario under `scenario:`",
                  "a saved exercise": "a save is the JSON file `noodplan exercise play --save` or the exercise "
                                      "room's Save writes"}


def not_another_kind_of_file(data: dict, source: str, expected: str = "a scenario",
                             own_fields: Iterable[str] = ()) -> None:
    """A file of another kind given where `expected` ("a scenario", "a sweep design", "an exercise")
    is read was refused as one with an unknown field ('scenario: unknown field (check the spelling)
    [+18 more]'); name what it is and the command that takes it. `own_fields`: the expected kind's
    fields (a scenario is recognised by fields that are all a scenario's and not all of these)."""
    if expected == "a scenario" and "extends" in data:
        return
    if isinstance(data.get("format"), str) and data["format"].startswith("noodplan-"):
        raise ScenarioError(f"{source}: a file of the format {shown(data['format'])} (a saved exercise or a sweep "
                            f"store's manifest), not {expected}")
    for fields, what, command in _OTHER_FILES:
        if what != expected and all(f in data for f in fields):
            has = ", ".join(fields[:-1]) + " and " + fields[-1]
            raise ScenarioError(f"{source}: {what}, not {expected} (it has {has}); {command}")
    own = set(own_fields)
    if expected != "a scenario" and data and set(data) <= {"extends", *Scenario.model_fields} and not set(data) <= own:
        shown_keys = [k for k in data if k not in own][:3]
        raise ScenarioError(f"{source}: a scenario, not {expected} (it has {', '.join(map(str, shown_keys))}); "
                            f"run it with `noodplan run FILE --out DIR` or check it with `noodplan validate FILE` "
                            f"({_SCENARIO_HINT.get(expected, 'give the file of the kind this command reads')})")


_not_another_kind_of_file = not_another_kind_of_file


def _resolve(data: Any, source: str, folder: Path | None, chain: tuple[Path, ...] = ()) -> dict:
    """The scenario mapping with its `extends` chain merged in (parents' paths relative to the
    folder of the file that names them; `folder` None: only built-in parents, for text that comes
    from a browser and must not name files on the server)."""
    if not isinstance(data, dict):
        table = isinstance(data, str) and max(data.count(","), data.count(";")) >= 2   # YAML reads a CSV as one text
        raise ScenarioError(f"{source}: " + ("is empty; a scenario is a mapping of fields" if data is None else
                                             "a table of values (a CSV file, such as a run's daily.csv?), not a "
                                             "scenario (a mapping of fields, such as extends: baseline)" if table else
                                             f"a scenario must be a mapping of fields (got {type(data).__name__})"))
    _not_another_kind_of_file(data, source)
    if "extends" not in data:
        return data
    data = dict(data)
    parent = data.pop("extends")
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(f"{source}: extends: must be a built-in scenario name or a file path "
                            f"(got {shown(parent)})")
    if folder is None and parent not in builtin_names():
        raise ScenarioError(f"{source}: extends: {shown(parent)} is not a built-in scenario; here a scenario may "
                            f"extend only these: {', '.join(builtin_names())}")
    folder = folder or SCENARIO_DIR
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(f"{source}: extends: a chain of more than {MAX_EXTENDS} files")
    try:
        path = _locate(parent, folder)
        if _real(path, f"{source}: extends {parent!r}") in chain:
            raise ScenarioError(f"{source}: extends: circular chain through {parent!r}")
        missing = not path.exists() and not path.is_symlink()
    except OSError as exc:      # a name the system refuses (longer than a file's name may be): was its whole path
        raise ScenarioError(f"{source}: extends: {shown(parent)} ({len(parent):,} characters) cannot be a built-in "
                            f"scenario or a file ({exc.strerror or type(exc).__name__})") from None
    try:      # a file named as written when it is missing (its name alone could be another file's, here)
        base = _load_file(path, parent if path.parent == SCENARIO_DIR or missing else path.name, chain)
    except ScenarioError as exc:      # name the file the user gave as well as the one at fault
        raise (exc if len(chain) > 1 else ScenarioError(f"{source}: extends {exc}")) from None
    return _merge(base, data)


def _validated(data: dict, source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(validation_message(err, source)) from None


def _check_written_dates(own: dict, sc: Scenario, source: str, days: int | None = None) -> None:
    """The events, regime requests, shocks and pact a file (or a mapping) writes itself fall inside its
    run: an event dated after the run's last day would never happen, a regime `requested` after it
    would never be asked for on that date, a shock starting after it would add nobody, and a pact
    starting after it would never apply
    (the file was loaded without complaint and the run ignored them). Those a file inherits through
    `extends` are its parent's, written for the parent's horizon: a file that only shortens the
    horizon (`extends: mass-arrival`, `horizon_days: 60`) takes a first look at the start, and a
    run's `--days` may end it earlier too; neither is refused. Checked where a user's file is read
    by path (`load_scenario`: every command's scenario files), not in the library's own files nor
    in what the dashboard sends (`from_yaml_text`, `from_dict`: a scenario it exported whole, a run
    record): `hindcast-2015` schedules the IND's 2018 capacity past its horizon (2017) for
    `calibrate`, which runs it on to June 2020, and its export must upload again. `days`: the run's
    length when a command gives one (`--days`), which may reach what the horizon does not (a shorter
    one cuts the run short by choice: what comes after is not refused)."""
    longer = days is not None and days > sc.horizon_days
    n = days if longer and days is not None else sc.horizon_days
    end = sc.start_date + dt.timedelta(days=n - 1)
    where = f"the run's last day ({end}: {n:,} days from start_date {sc.start_date}, " + (
        "as --days asks)" if longer else "its horizon_days)")
    if isinstance(own.get("events"), list):
        for i, e in enumerate(sc.events):
            if e.date > end:
                raise ScenarioError(f"{source}: events.{i}.date: {e.date} is after {where}, so the event would "
                                    f"never happen; move it into the run, run longer (horizon_days, --days), or "
                                    f"remove it")
    if isinstance(own.get("regimes"), list):
        for i, r in enumerate(sc.regimes):
            if r.requested is not None and r.requested > end:
                raise ScenarioError(f"{source}: regimes.{i}.requested: {r.requested} is after {where}, so the "
                                    f"regime would never be asked for on it; move it into the run, run longer "
                                    f"(horizon_days, --days), ask at a phase (request_at_phase), or remove it")
    inflow = own.get("inflow")
    if isinstance(inflow, dict) and isinstance(inflow.get("shocks"), list):
        for i, shock in enumerate(sc.inflow.shocks):
            if shock.start > end:
                raise ScenarioError(f"{source}: inflow.shocks.{i}.start: {shock.start} is after {where}, so the "
                                    f"shock would add nobody; move it into the run, run longer (horizon_days, "
                                    f"--days), or remove it")
    if isinstance(own.get("pact"), dict) and sc.pact is not None and sc.pact.start > end:
        raise ScenarioError(f"{source}: pact.start: {sc.pact.start} is after {where}, so the pact would never "
                            f"apply (every case filed before it keeps the old rules); move it into the run, run "
                            f"longer (horizon_days, --days), or leave pact out")


def from_dict(data: dict, source: str = "scenario", folder: str | Path | None = None,
              builtin_parents: bool = False) -> Scenario:
    """Validate a scenario mapping, which may use `extends` (a file path is taken relative to
    `folder`, default the working folder; with `builtin_parents` only a built-in name: for what a
    browser sends, which must not read the server's files); raises ScenarioError."""
    source_arguments(source, folder, builtin_parents)
    _count_values(data, source)
    where = None if builtin_parents else Path(folder or os.getcwd())
    return _validated(_resolve(data, source, where), source)


def load_scenario(name_or_path: str | Path, days: int | None = None) -> Scenario:
    """Load a built-in scenario by name or a YAML file by path; raises ScenarioError. A file that
    `extends` another without a `name` of its own is named for its file (`my-variant.yaml` ->
    'my-variant'; it took the name of the scenario it extends, so `compare baseline my-variant.yaml`
    read "A = baseline, B = baseline"). `days`: the
    days a command will run it (`--days`; the horizon is not changed here), so the events the file
    writes are checked against that run (`_check_written_dates`)."""
    if isinstance(name_or_path, str) and not name_or_path.strip():    # '' would name the working folder
        raise ScenarioError(f"scenario: give a built-in name or a file path (got {name_or_path!r})")
    if days is not None:
        days = whole_argument("days", days, 1, MAX_DAYS)
    path = _locate(name_or_path, Path(os.getcwd()))
    source = path.name if path.is_file() else str(name_or_path)
    data = parse_yaml(_read(path, source), source)
    if (path.is_file() and isinstance(data, dict) and "extends" in data and "name" not in data
            and _NAME.fullmatch(path.stem)):
        data = {**data, "name": path.stem}   # a variant file is named for itself, not for the scenario it extends
    sc = _validated(_resolve(data, source, path.parent, (_real(path, source),)), source)
    if _real(path.parent, source) != SCENARIO_DIR.resolve():      # (the library's own: see _check_written_dates)
        _check_written_dates(data, sc, source, days)
    return sc


def scenario_files(name_or_path: str | Path) -> list[Path]:
    """The files a scenario given by name or path is read from: its own file, then each file its
    `extends` chain names, parent after child (a built-in parent's file included), as `load_scenario`
    locates them; [] for a name that is no file. For the command line's inputs: a target that is, holds
    or lies around a parent would replace what the command read (`experiments.outputs.check_input`).
    Walks a chain `load_scenario` has accepted (at most `MAX_EXTENDS` files, no circle)."""
    path = _locate(name_or_path, Path(os.getcwd()))
    files: list[Path] = []
    while path.is_file() and len(files) <= MAX_EXTENDS:
        files.append(path)
        data = parse_yaml(_read(path, path.name), path.name)
        parent = data.get("extends") if isinstance(data, dict) else None
        if not isinstance(parent, str) or not parent.strip():
            break
        path = _locate(parent, path.parent)
    return files


def from_yaml_text(text: str | bytes, source: str = "upload", folder: str | Path | None = None,
                   builtin_parents: bool = False) -> Scenario:
    """Validate scenario YAML given as text or bytes (uploads; `builtin_parents` as for
    `from_dict`); raises ScenarioError."""
    source_arguments(source, folder, builtin_parents)
    if not isinstance(text, str | bytes):
        raise ScenarioError(f"{source}: scenario YAML is text or bytes, not {type(text).__name__}")
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise ScenarioError(f"{source}: {len(text):,} bytes; a scenario is at most {MAX_FILE_BYTES:,} bytes")
        text = decode(text, source)
    return from_dict(parse_yaml(text.removeprefix("\ufeff"), source), source, folder, builtin_parents)





def source_arguments(source: Any, folder: Any = None, builtin_parents: Any = False) -> None:
    """The arguments `from_dict` and `from_yaml_text` take besides the scenario (`with_changes`:
    `source`): `source` (the name every message starts with) text, `folder` a path or None,
    `builtin_parents` true/false; else one ScenarioError line naming the argument."""
    if not isinstance(source, str):
        raise ScenarioError(f"source: the name messages give the scenario, a text, not {shown(source)}")
    if folder is not None and not isinstance(folder, str | Path):
        raise ScenarioError(f"folder: the folder `extends` paths are relative to, a path or None, "
                            f"not {type(folder).__name__}")
    if not (isinstance(builtin_parents, bool) or _numpy_bool(builtin_parents)):
        raise ScenarioError(f"builtin_parents: true or false, not {type(builtin_parents).__name__} "
                            f"{shown(builtin_parents)}")


def scenario_argument(where: str, value: Any) -> Scenario:
    """A scenario given to the Python API: a `Scenario`, or a built-in name or file path, loaded.
    Anything else raises one ScenarioError line naming the argument (`where`)."""
    if isinstance(value, str) and not value.strip():      # (load_scenario's own line names `scenario`)
        raise ScenarioError(f"{where}: give a built-in name or a file path (got {value!r})")
    if isinstance(value, str | Path):
        return load_scenario(value)
    if not isinstance(value, Scenario):
        hint = " (a mapping of fields: model.scenario.from_dict)" if isinstance(value, Mapping) else ""
        raise ScenarioError(f"{where}: a Scenario, a built-in name or a file path, not {type(value).__name__}{hint}")
    return value


def validate_scenario(sc: Scenario, days: int | None = None) -> Scenario:
    """Check a Scenario object again (it may have been changed or copied without validation since
    it was loaded), optionally with another horizon; returns a validated copy or raises
    ScenarioError. `simulate` and `ReceptionModel` call it before building anything."""
    if not isinstance(sc, Scenario):
        raise ScenarioError(f"scenario: a Scenario, a built-in name or a file path, not {type(sc).__name__}"
                            + (" (a mapping of fields: model.scenario.from_dict)" if isinstance(sc, Mapping) else ""))
    data = sc.model_dump()
    if days is not None:
        data["horizon_days"] = days
    return _validated(data, sc.name)


def with_changes(scenario: Scenario, changes: dict[str, Any], source: str = "overrides") -> Scenario:
    """A copy of `scenario` with the parameters at dotted paths (``housing.supply_persons_per_year``,
    ``chain.decisions_per_day.regular``, ``groups.0.share``) set to new values (`assign_path`: a
    mapping given for a section changes only the keys it names), validated as a scenario file is.
    Raises ScenarioError naming an unknown path or a bad value."""
    source_arguments(source)
    if not isinstance(scenario, Scenario):
        hint = " (a mapping of fields: from_dict)" if isinstance(scenario, Mapping) else (
            " (a file or a built-in name: load_scenario first)" if isinstance(scenario, str | Path) else "")
        raise ScenarioError(f"{source}: changes are made to a Scenario, not {type(scenario).__name__}{hint}")
    if not isinstance(changes, Mapping):      # (before `not changes`: None, 0 or an array are no changes)
        raise ScenarioError(f"{source}: the changes are a mapping of dotted paths to values, not "
                            f"{type(changes).__name__}")
    if not changes:
        return scenario
    data = scenario.model_dump()
    for path, value in changes.items():
        try:
            assign_path(data, str(path), value)
        except PathError as exc:
            raise ScenarioError(f"{source}: {path_problem(exc)}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(validation_message(err, source)) from None


def _index(part: str) -> int:
    """A list item's index in a dotted path: ASCII digits only (`int()` also reads '-1', the last
    item, and ' 1', '1_0' or full-width digits); ValueError otherwise."""
    if not (part.isascii() and part.isdigit()):
        raise ValueError(part)
    return int(part)


def to_yaml(scenario: Scenario) -> str:
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def json_schema() -> dict:
    return Scenario.model_json_schema()
