"""The key parameters a planner changes on screen, with units and ranges, checked by the schema.

Every input edits one dotted path of the scenario. Values are validated by the scenario schema
itself (`model.scenario.from_dict`), so the message shown next to a field is the schema's own
one-line message ("source: field.path: reason (got …)"); an invalid draft never replaces the
last valid scenario.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from model.scenario import MAX_SEED, Scenario, ScenarioError, from_dict

SOURCE = "parameters"


@dataclass(frozen=True)
class Param:
    key: str               # input key; a dotted scenario path, or shock.* (see `_apply_shock`)
    label: str
    unit: str
    lo: float              # suggested range shown to the user
    hi: float
    integer: bool = False
    group: str = ""
    minimum: float | None = 0.0   # below this the value means nothing (checked here, before the schema)
    maximum: float | None = None  # above this (None: no limit; shock start: the horizon, see `apply`)

    @property
    def hint(self) -> str:
        fmt = (lambda v: f"{v:,.0f}") if self.integer or (float(self.lo).is_integer() and float(self.hi).is_integer()) \
            else (lambda v: f"{v:,.2f}")
        return f"{fmt(self.lo)} – {fmt(self.hi)} {self.unit}".strip()


BASE_PARAMS: list[Param] = [
    Param("inflow.first_applications_per_year", "First asylum applications", "persons/year", 0, 200_000, True,
          "Inflow"),
    Param("inflow.family_reunification_per_year", "Family reunification (nareizigers)", "persons/year", 0, 60_000,
          True, "Inflow"),
    Param("shock.extra", "Shock: extra arrivals", "persons/day", 0, 2_000, True, "Inflow"),
    Param("shock.start_day", "Shock: starts on day", "days after the start", 0, 3_650, True, "Inflow"),
    Param("shock.days", "Shock: lasts", "days", 1, 730, True, "Inflow", minimum=1),
    Param("chain.decisions_per_day.regular", "IND decisions, regular track", "persons/day", 0, 500, False,
          "IND capacity"),
    Param("chain.decisions_per_day.accelerated", "IND decisions, accelerated track", "persons/day", 0, 200, False,
          "IND capacity"),
    Param("chain.decisions_per_day.border", "IND decisions, border procedure", "persons/day", 0, 50, False,
          "IND capacity"),
    Param("chain.decisions_per_day.dublin", "IND decisions, Dublin", "persons/day", 0, 100, False, "IND capacity"),
    Param("chain.registration_capacity_per_day", "Registration capacity, Ter Apel", "persons/day", 0, 1_000, False,
          "IND capacity"),
    Param("housing.supply_persons_per_year", "Housing supply for permit holders", "persons/year", 0, 100_000, True,
          "Housing"),
    Param("seed", "Random seed", "", 0, MAX_SEED, True, "Run", maximum=MAX_SEED),   # 32-bit, as every seed
    Param("horizon_days", "Horizon", "days", 1, 3_650, True, "Run", minimum=1),
]

# indicator -> (unit, suggested low, suggested high, least meaningful value (None: any))
_INDICATOR_UNITS = {"occupancy": ("× usable places (1 = full)", 0.5, 2.0, 0.0),
                    "occupancy_normal": ("× normal places (1 = full)", 0.5, 2.0, 0.0),
                    "central_occupancy": ("× normal places at the registration locations",
                                          0.5, 2.0, 0.0),
                    "unsheltered": ("persons", 0, 10_000, 0.0),
                    "registration_backlog": ("persons", 0, 10_000, 0.0),
                    "registration_load": ("× the registrations a day without the plan's measures", 0.5, 3.0, 0.0),
                    "assessment_backlog": ("persons", 0, 20_000, 0.0),
                    "forecast_shortfall": ("persons short", -20_000, 50_000, None)}


def params_for(sc: Scenario) -> list[Param]:
    """The inputs for a scenario: the fixed ones plus each plan phase's first activation threshold."""
    out = list(BASE_PARAMS)
    plan = getattr(sc, "plan", None)
    for i, ph in enumerate(getattr(plan, "phases", []) or []):
        trig = ph.activate[0]
        side = "above" if trig.above is not None else "below"
        unit, lo, hi, least = _INDICATOR_UNITS.get(trig.indicator, ("", 0, 1e6, None))
        out.append(Param(f"plan.phases.{i}.activate.0.{side}",
                         f"Phase {i + 1} ({ph.name}): {trig.indicator.replace('_', ' ')} "
                         f"{'at or above' if side == 'above' else 'below'}", unit, lo, hi,
                         not trig.indicator.endswith("occupancy") and "occupancy_" not in trig.indicator,
                         "Plan thresholds (activeringsdrempel)", minimum=least))
    return out


def current_values(sc: Scenario) -> dict[str, str]:
    """The scenario's values of every input, as the text the inputs show."""
    data = sc.model_dump(mode="json")
    out = {}
    for p in params_for(sc):
        if p.key.startswith("shock."):
            continue
        v = _get(data, p.key)
        out[p.key] = _fmt(v, p.integer)
    shocks = sc.inflow.shocks
    if shocks:
        s0 = shocks[0]
        out["shock.extra"] = _fmt(s0.extra_persons_per_day, True)
        out["shock.start_day"] = str((s0.start - sc.start_date).days)
        out["shock.days"] = str((s0.end - s0.start).days + 1)
    else:
        # no shock: a suggestion inside the horizon (a 30-day run's day 30 never comes)
        out.update({"shock.extra": "0", "shock.start_day": str(min(30, sc.horizon_days - 1)), "shock.days": "90"})
    return out


def _fmt(v, integer: bool) -> str:
    if isinstance(v, float) and (integer or v.is_integer()):
        return str(int(v))
    return str(v)


def _get(data, path: str):
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _set(data, path: str, value) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        data = data[int(part)] if isinstance(data, list) else data[part]
    last = parts[-1]
    if isinstance(data, list):
        data[int(last)] = value
    else:
        data[last] = value


def _apply_shock(data: dict, sc: Scenario, extra: float, start_day: int, days: int) -> None:
    """Shock inputs edit the scenario's first shock (made when missing, dropped at 0 extra)."""
    shocks = data["inflow"]["shocks"]
    if extra <= 0 and not sc.inflow.shocks:
        return
    start = sc.start_date + dt.timedelta(days=int(start_day))
    end = start + dt.timedelta(days=int(days) - 1)
    first = dict(shocks[0]) if shocks else {}
    first.update(start=start.isoformat(), end=end.isoformat(), extra_persons_per_day=extra)
    if shocks:
        shocks[0] = first
    else:
        shocks.append(first)


def field_of(message: str, params: list[Param]) -> str | None:
    """The input a schema message is about (None: no single input)."""
    parts = message.split(": ")
    if len(parts) < 3:
        return None
    where = parts[1]
    if where.startswith("inflow.shocks.0"):
        return {"start": "shock.start_day", "end": "shock.days"}.get(where.rsplit(".", 1)[-1], "shock.extra")
    for p in params:
        if where == p.key or where.startswith(p.key + "."):
            return p.key
    return None


def apply(sc: Scenario, values: dict[str, str]) -> tuple[Scenario | None, dict[str, str]]:
    """The scenario with the inputs' values, or None and the messages per input key
    ('' for a message about no single input)."""
    params = params_for(sc)
    by_key = {p.key: p for p in params}
    last = _last_shock_day(sc, values, by_key)
    parsed, errors = {}, {}
    for key, text in values.items():
        p = by_key.get(key)
        if p is None:
            continue
        msg = _check(p, text, last)
        if isinstance(msg, str):
            errors[key] = msg
        else:
            parsed[key] = msg
    if errors:
        return None, errors
    new, msg = _build(sc, parsed, params)
    if new is not None:
        return changed_name(sc, new), {}
    # the schema names one field: find every input that is wrong on its own, so each is flagged
    current = {k: v for k, v in _parse_all(current_values(sc), by_key).items()}
    for key, v in parsed.items():
        if current.get(key) != v:
            alone, alone_msg = _build(sc, {**current, key: v}, params)
            if alone is None:
                errors[key] = alone_msg
    return None, errors or {field_of(msg, params) or "": msg}


# a number as typed: digits with a point for decimals and, between groups of three digits,
# ',' or '_' (30,000 or 30_000); '12,5' is the Dutch way to write 12.5, so a comma anywhere else
# is refused rather than dropped (it made 125 of it)
_TYPED = re.compile(r"[+-]?(\d{1,3}([,_]\d{3})+|\d+)?(\.\d*)?([eE][+-]?\d+)?|[+-]?(nan|inf|infinity)", re.IGNORECASE)


# a whole number as typed: ASCII digits, with ',' or '_' only between groups of three (30,000 or
# 30_000); str.isdigit() also takes '²' (which int() then refuses) and other scripts' digits, and
# dropping every comma made 125 of the Dutch '12,5'
_WHOLE = re.compile(r"\d{1,3}(?:[,_]\d{3})+|\d+", re.ASCII)


def typed_whole(text) -> int | None:
    """The whole number 0 or more a form field's text holds, or None when it holds none."""
    typed = str(text).strip()
    return int(typed.replace(",", "").replace("_", "")) if _WHOLE.fullmatch(typed) else None


CHANGED = " (changed)"


def changed_name(sc: Scenario, new: Scenario) -> Scenario:
    """`new` (made from `sc` with the inputs' values) named `NAME (changed)` when it differs from
    `sc`: the run is then not the built-in or saved scenario `NAME` any more, and the page says so
    (the scenario list shows no choice, so picking `NAME` there opens it as it is; a comparison
    of the active scenario with `NAME` is labelled apart)."""
    if new.model_dump(exclude={"name"}) == sc.model_dump(exclude={"name"}):
        return new
    root = sc.name.removesuffix(CHANGED)
    return new.model_copy(update={"name": root + CHANGED})


SHOCK_KEYS = ("shock.extra", "shock.start_day", "shock.days")


def _last_shock_day(sc: Scenario, values: dict[str, str], by_key: dict[str, Param]) -> int | None:
    """The last day a shock typed into the inputs may start: the day before the horizon being
    applied (the horizon typed beside it, else the scenario's). None when the shock inputs are the
    scenario's own (none, or its shock as it is: a shorter horizon leaves it out of the run, as
    `noodplan run --days` does): only a start typed is bound to the horizon."""
    current = current_values(sc)
    if all(str(values.get(k, current[k])).strip() == current[k] for k in SHOCK_KEYS):
        return None
    horizon = _check(by_key["horizon_days"], values.get("horizon_days", current["horizon_days"]), None)
    return (sc.horizon_days if isinstance(horizon, str) else int(horizon)) - 1


def _check(p: Param, text, last_shock_day: int | None) -> float | int | str:
    """The value of an input, or the message saying why it is not one (`last_shock_day`: the
    latest start of a shock, `_last_shock_day`)."""
    typed = str(text).strip()
    if "," in typed and re.fullmatch(r"[+-]?\d*,\d+", typed) and not _TYPED.fullmatch(typed):
        return f"{SOURCE}: {p.key}: write decimals with a point, {typed.replace(',', '.')} (got {text!r})"
    if not typed.isascii() or not _TYPED.fullmatch(typed):      # float() also reads full-width digits
        return f"{SOURCE}: {p.key}: not a number (got {text!r})"
    try:
        v = float(typed.replace(",", "").replace("_", ""))
    except ValueError:
        return f"{SOURCE}: {p.key}: not a number (got {text!r})"
    if p.integer:
        if not v.is_integer():
            return f"{SOURCE}: {p.key}: must be a whole number (got {text!r})"
        v = int(v)
    hi = last_shock_day if p.key == "shock.start_day" else p.maximum
    if (p.minimum is not None and v < p.minimum) or (hi is not None and v > hi):
        bounds = (f"from {p.minimum:g} to {hi:g}" if p.minimum is not None and hi is not None
                  else f"at least {p.minimum:g}" if p.minimum is not None else f"at most {hi:g}")
        return f"{SOURCE}: {p.key}: must be {bounds} {p.unit}".rstrip() + f" (got {text!r})"
    return v


def _parse_all(values: dict[str, str], by_key: dict[str, Param]) -> dict:
    out = {}
    for key, text in values.items():
        if key in by_key:
            v = _check(by_key[key], text, None)
            if not isinstance(v, str):
                out[key] = v
    return out


def _build(sc: Scenario, parsed: dict, params: list[Param]) -> tuple[Scenario | None, str]:
    data = sc.model_dump(mode="json")
    for key, v in parsed.items():
        if not key.startswith("shock."):
            _set(data, key, v)
    if {"shock.extra", "shock.start_day", "shock.days"} <= parsed.keys():
        _apply_shock(data, sc, parsed["shock.extra"], parsed["shock.start_day"], parsed["shock.days"])
    try:
        return from_dict(data, SOURCE), ""
    except ScenarioError as exc:
        return None, str(exc)
