"""The design of a sweep: a YAML file saying which scenario, which parameters vary and how, the
sampler, the replicate seeds and what to keep of each run.

```yaml
name: housing-x-ind
scenario: baseline                   # built-in name or YAML file (relative to this file)
set: {provinces: [Groningen]}        # fixed changes to the scenario, by path
horizon_days: 365                    # default: the scenario's
parameters:                          # by scenario path; list items by index
  - {path: housing.supply_persons_per_year, uniform: [15000, 45000]}
  - {path: chain.decisions_per_day.regular, triangular: [30, 50, 90], name: ind_regular}
  - {path: placement.policy, values: [standard, min_moves]}
  - {scenarios: [mass-arrival, mass-arrival-x2]}      # whole scenario variants
sampler: {method: lhs, samples: 64, seed: 1}           # grid | lhs | sobol | saltelli | morris
replicates: 2                        # seeds first_seed, first_seed+1, … (common random numbers)
outputs: {kpis: [unsheltered_person_nights, cost_million_eur], daily: [unsheltered, phase]}
analysis:
  prim: [{kpi: peak_unsheltered, above: 500, label: a night with more than 500 without a bed}]
```

`load_design()` validates everything a run needs before any run starts: the schema, the base
scenarios, every path, each range's ends and each discrete value on the base scenario, the KPI
and daily names. A bad design raises `DesignError` (a `ScenarioError`: one line naming the field;
exit code 2 on the command line).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from model.inputfile import read_bytes
from model.scenario import (MAX_DAYS, MAX_FILE_BYTES, MAX_SEED, PathError, Scenario, ScenarioError, _Strict,
                            assign_path, decode, first_problem, load_scenario, not_another_kind_of_file, parse_yaml,
                            path_problem, path_value, unknown_name, validation_message)

DESIGN_DIR = Path(__file__).resolve().parents[1] / "designs"
VARIANT = "scenario"            # the name of the whole-scenario-variants parameter
RESERVED = {"run_id", "seed", "status", "error", "sample", "replicate"}
UNIT_PREFIX = "u."              # plan.parquet's column of a parameter's unit coordinate: u.<name>
# scenario fields a design may not vary or fix: no run reads them
_NO_EFFECT = {"seed": "is each run's replicate seed (first_seed, replicates)",
              "name": "only labels the scenario", "description": "only describes the scenario"}
MAX_SWEEP_RUNS = 1_000_000      # sample points x replicates: the plan's rows (~100 bytes each) and the store's
MIN_SAMPLES = 2                 # points (lhs, sobol), base points (saltelli) or trajectories (morris) of a new design
MAX_LEVELS = 1_000              # levels of one continuous range on a grid (or of Morris' grid)
MAX_DAILY_VALUES = 100_000_000  # runs x days x daily figures kept: the store gathers them in memory (800 MB)


class DesignError(ScenarioError):
    """A design that cannot be run; the message is one line naming the field and the reason."""


Value = bool | int | float | str


def _decimal_commas(values: list) -> str:
    """What a list of whole numbers would be had its commas been meant in pairs as decimal commas
    (`[0,85,0,9]` is four values to YAML, 0, 85, 0 and 9; a Dutch hand meant 0.85 and 0.9), or ''.
    Told beside a refusal only: as a list of its own it cannot be told from one (see
    `model.scenario._no_comma_in_a_list_number`)."""
    if (len(values) < 2 or len(values) % 2 or not all(type(x) is int for x in values)
            or not all(0 <= b < 100 for b in values[1::2])):
        return ""
    meant = ", ".join(f"{a}.{b}" for a, b in zip(values[::2], values[1::2], strict=True))
    return f"; if decimal commas were meant, write [{meant}] (YAML reads {len(values)} whole numbers)"


class Parameter(_Strict):
    """One varying input: a scenario path and its distribution, or a set of whole scenarios."""

    path: str | None = Field(None, description="dotted scenario path, list items by index, e.g. "
                                               "plan.phases.2.activate.1.above (not with scenarios)")
    name: str | None = Field(None, description="label in tables and plots (default: the path; "
                                               "'scenario' for scenario variants)")
    uniform: tuple[float, float] | None = Field(None, description="[low, high], every value equally likely")
    triangular: tuple[float, float, float] | None = Field(None, description="[low, mode, high]")
    values: list[Value] | None = Field(None, min_length=1, description="a discrete set, each equally likely")
    scenarios: list[str] | None = Field(None, min_length=1, description="whole scenario variants: built-in "
                                        "names or YAML files (relative to the design); `set` applies to each")
    levels: Annotated[int, Field(ge=2, le=MAX_LEVELS)] | None = Field(
        None, description="grid: evenly spaced quantiles of a continuous range, ends included "
                          "(default: sampler.levels)")

    @field_validator("uniform", "triangular", "values", "scenarios", mode="before")
    @classmethod
    def _a_list(cls, v: Any, info: ValidationInfo) -> Any:
        """A range, values or scenarios not given as a list, or an empty list, in one line naming the
        parameter and what it takes (pydantic said 'Input should be a valid list' or 'a valid tuple',
        and 'List should have at least 1 item after validation, not 0')."""
        field = str(info.field_name)
        if v is None or (isinstance(v, list | tuple) and (v or field in _RANGES)):
            return v
        path = info.data.get("path") if field != "scenarios" else None
        takes = _RANGES.get(field) or {"values": "a list of values, e.g. [3, 4.5] or [standard, min_moves]",
                                       "scenarios": "a list of scenarios, e.g. [baseline, mass-arrival]"}[field]
        raise ValueError(f"{f'{path} takes ' if path else ''}{takes} (got {_what(v)})")

    @field_validator("uniform", "triangular", mode="before")
    @classmethod
    def _ends(cls, v: Any, info: ValidationInfo) -> Any:
        """A range of the wrong length in one line (pydantic named an item 'required field is missing')."""
        size = 2 if info.field_name == "uniform" else 3
        if isinstance(v, list | tuple) and len(v) != size:
            raise ValueError(f"{_RANGES[str(info.field_name)]} (got {len(v)} value{'s' if len(v) != 1 else ''})")
        return v

    @field_validator("values", mode="before")
    @classmethod
    def _plain_values(cls, v: Any, info: ValidationInfo) -> Any:
        """A value that is none of a number, true/false or text in one line naming the parameter:
        pydantic tried each type of the union and reported all four ('values.0.bool: Input should be
        a valid boolean [+3 more]')."""
        if isinstance(v, list):
            for i, x in enumerate(v):
                if not isinstance(x, bool | int | float | str):
                    path = info.data.get("path")
                    kind = ("a mapping" if isinstance(x, dict) else "a list" if isinstance(x, list)
                            else "empty (null)" if x is None else f"a {type(x).__name__}")
                    raise ValueError(f"the values {f'of {path} ' if path else ''}are numbers, true/false or text "
                                     f"(one each); item {i} is {kind}" + ("" if x is None else f": {shown_value(x)}"))
                if isinstance(x, float) and not math.isfinite(x):     # (pydantic tried the union's four types)
                    path = info.data.get("path")
                    raise ValueError(f"the values {f'of {path} ' if path else ''}are finite numbers; item {i} is "
                                     f"{x} (1e400 and more read as infinite)")
        return v

    @model_validator(mode="after")
    def _one_distribution(self) -> Parameter:
        given = [k for k in ("uniform", "triangular", "values", "scenarios") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of uniform, triangular, values or scenarios"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.scenarios is not None:
            if self.path is not None:
                raise ValueError("scenarios replace the whole scenario: leave out path")
        elif not self.path:
            raise ValueError("path is required (a dotted scenario path)")
        if self.name is not None and (not self.name.strip() or not self.name.isprintable()):
            raise ValueError(f"name: {self.name!r} is not a label (text, without line breaks or control characters)")
        if self.uniform is not None and not self.uniform[0] < self.uniform[1]:
            raise ValueError(f"uniform: low must be below high (got {list(self.uniform)})")
        if self.triangular is not None:
            lo, mode, hi = self.triangular
            if not (lo <= mode <= hi and lo < hi):
                raise ValueError(f"triangular: needs low <= mode <= high and low < high (got {list(self.triangular)})")
        for k in ("values", "scenarios"):
            v = getattr(self, k)
            if v is not None and len({json.dumps(_same(x)) for x in v}) != len(v):   # 1 and 1.0 are one value
                keys = [json.dumps(_same(x)) for x in v]
                twice = next(x for i, x in enumerate(v) if keys[i] in keys[:i])
                raise ValueError(f"{k}: each value once ({shown_value(twice)} is given twice)" + _decimal_commas(v))
        if self.levels is not None and not self.continuous:     # it would be ignored: the values are the levels
            raise ValueError(f"levels: for a continuous range (uniform, triangular) only; the "
                             f"{'values' if self.values is not None else 'scenarios'} are its levels already")
        if self.values is not None and len({_kind(x) for x in self.values}) > 1:
            raise ValueError("values: all numbers, all true/false, or all text")
        return self

    @property
    def label(self) -> str:
        return self.name or (VARIANT if self.scenarios is not None else str(self.path))

    @property
    def continuous(self) -> bool:
        return self.uniform is not None or self.triangular is not None

    @property
    def choices(self) -> list[Value]:
        """The discrete set (values or scenario names); a continuous range has none (ValueError)."""
        if self.values is not None:
            return self.values
        if self.scenarios is not None:
            return list(self.scenarios)
        raise ValueError(f"{self.label}: a continuous range has no discrete set of values")


_RANGES = {"uniform": "two numbers, [low, high]", "triangular": "three numbers, [low, mode, high]"}


def _what(x: Any) -> str:
    """What a design gave where a list was wanted, in a planner's words."""
    if isinstance(x, dict):
        return f"a mapping: {shown_value(x)}" if x else "an empty mapping, {}"
    if isinstance(x, list | tuple):
        return "an empty list, []"
    if x is None:
        return "nothing (the field is empty)"
    return f"one value: {shown_value(x)}"


def shown_value(x: Any) -> str:
    """A value of a design as an error line shows it: as JSON (what YAML and JSON files write), cut to
    60 characters."""
    text = json.dumps(x, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def grid_levels(s: Sampler, p: Parameter) -> int:
    """Levels of a continuous range on a grid: its own, else the sampler's, else 3."""
    return p.levels or s.levels or 3


def _same(x: Value) -> Value:
    """A number as one value whatever its type (1 and 1.0 the same), true/false and text as they are."""
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else x


def _kind(x: Value) -> str:
    return "bool" if isinstance(x, bool) else "number" if isinstance(x, (int, float)) else "text"


class Sampler(_Strict):
    method: Literal["grid", "lhs", "sobol", "saltelli", "morris"] = Field(
        description="grid: full factorial; lhs: Latin hypercube; sobol: scrambled Sobol points (scipy.stats.qmc); "
                    "saltelli: Saltelli's scheme for Sobol indices; morris: Morris trajectories (SALib)")
    samples: Annotated[int, Field(ge=1, le=MAX_SWEEP_RUNS)] | None = Field(
        None, description="lhs, sobol: points; saltelli: base points N (N(2d+2) runs, N(d+2) without second order); "
                          "morris: trajectories (N(d+1) points); not for grid")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = Field(0, description="seed of the sampler (not of the runs)")
    levels: Annotated[int, Field(ge=2, le=MAX_LEVELS)] | None = Field(
        None, description="grid: levels of continuous ranges (default 3); morris: levels of its grid (default 4)")
    second_order: bool = Field(False, description="saltelli: also second-order indices (more runs)")

    @model_validator(mode="after")
    def _samples(self) -> Sampler:
        if self.method == "grid":
            if self.samples is not None:
                raise ValueError("samples: a grid takes every combination; set levels instead")
        elif self.samples is None:
            raise ValueError(f"samples: required for {self.method}")
        elif self.method in ("sobol", "saltelli") and self.samples & (self.samples - 1):
            raise ValueError(f"samples: {self.method} needs a power of 2 (got {self.samples}; "
                             f"e.g. {2 ** round(math.log2(self.samples))})")
        if self.levels is not None and self.method not in ("grid", "morris"):   # it would be ignored
            raise ValueError(f"levels: for grid and morris only ({self.method} draws its points)")
        if self.second_order and self.method != "saltelli":
            raise ValueError(f"second_order: for saltelli only (not {self.method})")
        return self


class Outputs(_Strict):
    kpis: list[str] | None = Field(None, min_length=1, description="KPIs per run (experiments.sweep.kpis; default all)")
    daily: list[str] = Field(default_factory=list, description="daily figures kept per run in Zarr (run x day), "
                                                               "names of model.metrics.SCALARS or phase")

    @field_validator("kpis", "daily", mode="before")
    @classmethod
    def _names_list(cls, v: Any, info: ValidationInfo) -> Any:
        """Names not given as a list, or no KPI named, in a planner's words (pydantic said 'Input should
        be a valid list' and 'List should have at least 1 item after validation, not 0')."""
        if isinstance(v, list) and (v or info.field_name == "daily"):
            return v
        if v is None and info.field_name == "kpis":
            return v
        if isinstance(v, list):
            raise ValueError("name at least one KPI, or leave out kpis to keep them all (got an empty list, [])")
        example = "[peak_unsheltered, cost_million_eur]" if info.field_name == "kpis" else "[population, unsheltered]"
        raise ValueError(f"a list of names, e.g. {example} (got {_what(v)})")

    @model_validator(mode="after")
    def _once(self) -> Outputs:
        for field in ("kpis", "daily"):
            names = getattr(self, field) or []
            for i, k in enumerate(names):
                if k in names[:i]:
                    raise ValueError(f"{field}.{i}: {k!r} is listed twice")
        return self


class PrimTarget(_Strict):
    """A condition on a KPI whose input region PRIM looks for (scenario discovery)."""

    kpi: str
    above: float | None = Field(None, description="the condition holds when the KPI is above this")
    below: float | None = Field(None, description="the condition holds when the KPI is below this")
    label: str = Field("", description="a planner's name for the condition")
    min_density: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.8, description="the box chosen is the widest (highest coverage) with at least this density")

    @model_validator(mode="after")
    def _one_bound(self) -> PrimTarget:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        return self

    @property
    def title(self) -> str:
        return self.label or f"{self.kpi} {'>' if self.above is not None else '<'} " \
                             f"{self.above if self.above is not None else self.below:g}"


class Analysis(_Strict):
    prim: list[PrimTarget] = Field(default_factory=list, description="scenario-discovery conditions for PRIM")


class Design(_Strict):
    """A sweep: a base scenario, varying parameters, a sampler, replicate seeds and outputs."""

    name: str = Field(description="short name of the sweep")
    description: str = ""
    scenario: str = Field("baseline", description="base scenario: built-in name or YAML file (relative to the design)")

    @field_validator("scenario", mode="before")
    @classmethod
    def _a_name(cls, v: Any) -> Any:
        """A mapping for the scenario (as an exercise may give one) in one line saying where its changes go
        (pydantic said 'Input should be a valid string [+1 more]')."""
        if isinstance(v, dict):
            raise ValueError("a built-in name or a YAML file (relative to the design), not a mapping; name its "
                             "parent here (the `extends:`) and write its changes under `set:` (path: value)")
        return v
    set: dict[str, Any] = Field(default_factory=dict, description="fixed changes to the scenario: path -> value")
    horizon_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = Field(None, description="days per run "
                                                                          "(default: the scenario's)")
    parameters: list[Parameter] = Field(min_length=1)
    sampler: Sampler
    replicates: Annotated[int, Field(ge=1, le=MAX_SWEEP_RUNS)] = Field(
        1, description="seeds per sample point (common random numbers)")
    first_seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = Field(
        1, description="seed of the first replicate; then +1, +2, … (the last at most 2^32 - 1)")
    outputs: Outputs = Field(default_factory=Outputs)
    analysis: Analysis = Field(default_factory=Analysis)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _text: str = PrivateAttr(default="")          # the file's text, when loaded from one (kept in the store)

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters_list(cls, v: Any) -> Any:
        """Parameters not given as a list, or none, in a planner's words (pydantic said 'Input should
        be a valid list' and 'List should have at least 1 item after validation, not 0')."""
        if isinstance(v, list) and v:
            return v
        if isinstance(v, list):
            raise ValueError("give at least one parameter to vary (got an empty list, []); one run of a "
                             "scenario is `noodplan run`")
        raise ValueError(f"a list of parameters, each a mapping such as {{path: housing.supply_persons_per_year, "
                         f"uniform: [15000, 45000]}} (got {_what(v)})")

    @field_validator("sampler", mode="before")
    @classmethod
    def _sampler_mapping(cls, v: Any) -> Any:
        """A sampler not given as a mapping in a planner's words (pydantic said 'Input should be a valid
        dictionary or instance of Sampler')."""
        if isinstance(v, dict | Sampler):
            return v
        raise ValueError(f"a mapping such as {{method: grid}} or {{method: lhs, samples: 64}} (got {_what(v)})")

    @model_validator(mode="after")
    def _names(self) -> Design:
        labels = [p.label for p in self.parameters]
        for i, name in enumerate(labels):
            if name in labels[:i]:
                raise ValueError(f"parameters.{i}: name {name!r} is used twice (give each a name)")
            if name in RESERVED:
                raise ValueError(f"parameters.{i}: name {name!r} is reserved ({', '.join(sorted(RESERVED))})")
            if name.startswith(UNIT_PREFIX):    # u.<name> is a parameter's unit coordinate in the plan
                raise ValueError(f"parameters.{i}: name {name!r} begins with {UNIT_PREFIX!r}, which the store "
                                 f"keeps for the sampler's unit coordinates (u.<name>); give the parameter "
                                 f"another name")
        paths = [p.path for p in self.parameters]
        fixed = _leaves(self.set)          # what `set` fixes, path by path (a mapping for a section: its keys)
        for leaf in fixed:
            if fixed.count(leaf) > 1:      # `housing.x` beside `housing: {x: …}`: which one wins is the keys' order
                raise ValueError(f"set.{leaf}: given twice (by its dotted path and inside a mapping); keep one")
        for where, path in [*((f"parameters.{i}.path", q) for i, q in enumerate(paths)),
                            *((f"set.{q}", q) for q in fixed)]:
            if path in _NO_EFFECT:         # every run would be the same whatever the value
                raise ValueError(f"{where}: {path} {_NO_EFFECT[path]}, so it changes no run")
        for i, (path, p) in enumerate(zip(paths, self.parameters)):
            if path is not None and path in paths[:i]:      # the later would overwrite the earlier in every run
                raise ValueError(f"parameters.{i}.path: {path} is varied by parameters.{paths.index(path)} already")
            if path == "horizon_days" and self.horizon_days is not None:   # the parameter would overwrite it
                raise ValueError(f"parameters.{i}.path: horizon_days is varied, so the design's horizon_days would "
                                 f"be ignored; vary it or fix it, not both")
            if path is not None and path in fixed:          # the parameter would overwrite it in every run
                raise ValueError(f"parameters.{i}.path: {path} is also fixed by set; vary it or fix it, not both")
            if p.levels is not None and self.sampler.method != "grid":
                raise ValueError(f"parameters.{i}.levels: for the grid sampler only ({self.sampler.method} draws "
                                 f"its points)")
        if "horizon_days" in fixed and self.horizon_days is not None:    # the design's own would win silently
            raise ValueError("set.horizon_days: the design's horizon_days gives the days per run already; keep one")
        if sum(p.scenarios is not None for p in self.parameters) > 1:
            raise ValueError("parameters: one list of scenario variants at most")
        if self.first_seed + self.replicates - 1 > MAX_SEED:
            raise ValueError(f"first_seed: the seeds {self.first_seed}..{self.first_seed + self.replicates - 1} "
                             f"pass {MAX_SEED:,} (seeds are 32-bit)")
        if self.points * self.replicates > MAX_SWEEP_RUNS:
            raise ValueError(f"sampler: {self.points:,} points x {self.replicates:,} replicates is more than "
                             f"{MAX_SWEEP_RUNS:,} runs; fewer samples, levels or replicates")
        return self

    @property
    def points(self) -> int:
        """Sample points the sampler makes (runs = points x replicates): a grid every combination
        of the parameters' levels, saltelli N(2d+2) (N(d+2) without second order), morris N(d+1)."""
        s, d = self.sampler, len(self.parameters)
        if s.method == "grid":
            return math.prod(grid_levels(s, p) if p.continuous else len(p.choices) for p in self.parameters)
        n = s.samples or 0
        return {"saltelli": n * (2 * d + 2 if s.second_order else d + 2), "morris": n * (d + 1)}.get(s.method, n)

    # ---- what the runs need, resolved once ----------------------------------------------------

    @property
    def source_text(self) -> str:
        """The text of the file the design was loaded from ("" when made from a mapping)."""
        return self._text

    @property
    def seeds(self) -> list[int]:
        return [self.first_seed + r for r in range(self.replicates)]

    @property
    def kpis(self) -> list[str]:
        from experiments.sweep.kpis import KPIS

        return list(self.outputs.kpis or KPIS)

    @cached_property
    def bases(self) -> dict[str, dict]:
        """The base scenario(s) as validated mappings, `set` and the horizon applied: one entry per
        scenario variant (or one, named after the scenario, without variants)."""
        v = self.variants
        names = v.scenarios if v is not None and v.scenarios is not None else [self.scenario]
        where = f"parameters.{self.parameters.index(v)}.scenarios" if v else "scenario"
        out = {}
        for name in names:
            try:
                sc = load_scenario(self._scenario_source(name))
            except ScenarioError as exc:
                raise DesignError(f"{where}: {exc}") from None
            data = sc.model_dump(mode="json")
            for path, value in self.set.items():
                try:
                    set_path(data, path, value)
                except KeyError as exc:
                    raise DesignError(f"set: {exc.args[0]}") from None
            if self.horizon_days is not None:
                data["horizon_days"] = self.horizon_days
            out[name] = validated(data, f"set (on {name})" if self.set else f"scenario {name}")
        return out

    @cached_property
    def base_hash(self) -> str:
        """Fingerprint of everything the runs share (base scenarios with `set` and horizon)."""
        return _digest(self.bases)

    def _scenario_source(self, name: str) -> str:
        p = self._base_dir / name
        return str(p) if name.endswith((".yaml", ".yml")) and p.exists() else name

    @property
    def variants(self) -> Parameter | None:
        """The parameter that picks whole scenarios, if any."""
        return next((p for p in self.parameters if p.scenarios is not None), None)

    def cast(self, p: Parameter, value: Value) -> Value:
        """A sampled value in the type of its scenario field (whole numbers for integer fields)."""
        if p.path is None or not p.continuous:
            return value
        current = get_path(next(iter(self.bases.values())), p.path)
        x = float(value)                # a continuous range's values are numbers
        return round(x) if isinstance(current, int) and not isinstance(current, bool) else x

    def _check_names_without_case(self) -> None:
        """The parameters' names, compared without case: they are columns of runs.parquet and
        plan.parquet, and DuckDB, SQL and spreadsheets take `supply` and `Supply` (or `Seed` and
        `seed`) for one column. Checked on a new design, not on a store's manifest (`_names` is), so
        that a store made before this check still opens."""
        labels = [p.label for p in self.parameters]
        folded = [name.casefold() for name in labels]
        for i, name in enumerate(labels):
            if folded[i] in folded[:i]:
                first = labels[folded.index(folded[i])]
                raise DesignError(f"parameters.{i}: name {name!r} is used twice (as {first!r}: names that differ "
                                  f"only in case are one column) (give each a name)")
            if folded[i] in RESERVED:
                raise DesignError(f"parameters.{i}: name {name!r} is reserved ({', '.join(sorted(RESERVED))}; "
                                  f"in any case)")
            if folded[i].startswith(UNIT_PREFIX):
                raise DesignError(f"parameters.{i}: name {name!r} begins with {UNIT_PREFIX!r} (in any case), which "
                                  f"the store keeps for the sampler's unit coordinates (u.<name>); give the "
                                  f"parameter another name")

    def _check_estimable(self) -> None:
        """A parameter that varies and a sampler whose analysis is an estimate: one value or scenario
        varies nothing (it is `set` or `scenario`); one point of lhs or sobol is one scenario; one
        base point of saltelli gives Sobol indices with a bootstrap interval of 0 (S1 = 6.1 ± 0.000
        measured on housing x IND); one Morris trajectory gives μ* ± 0 and σ NaN (one elementary
        effect per parameter); Morris on an odd number of levels is biased (SALib warns so, in a
        Python warning of its own); second-order indices need two parameters. Checked on a new
        design, not on a store's manifest, so that a store made before still opens (`noodplan
        analyze` says why such indices are not computed)."""
        for i, p in enumerate(self.parameters):
            if p.values is not None and len(p.values) == 1:
                raise DesignError(f"parameters.{i}.values: one value ({shown_value(p.values[0])}) varies nothing; "
                                  f"fix it with set: {{{p.path}: {shown_value(p.values[0])}}}, or give two or more")
            if p.path is not None and p.continuous:       # an integer field rounds both ends to one whole number
                bounds: tuple[float, ...] = p.uniform if p.uniform is not None else p.triangular or ()
                lo, hi = self.cast(p, min(bounds)), self.cast(p, max(bounds))
                if lo == hi:
                    field = "uniform" if p.uniform is not None else "triangular"
                    raise DesignError(f"parameters.{i}.{field}: {p.path} takes whole numbers, and "
                                      f"{shown_value(list(bounds))} holds one ({lo}): it varies nothing; widen "
                                      f"the range or fix it with set")
            if p.scenarios is not None and len(p.scenarios) == 1:
                raise DesignError(f"parameters.{i}.scenarios: one scenario ({p.scenarios[0]}) varies nothing; give "
                                  f"it as scenario: {p.scenarios[0]}, or give two or more")
        s = self.sampler
        if s.method == "morris" and s.levels is not None and s.levels % 2:
            raise DesignError(f"sampler.levels: morris takes an even number of levels (got {s.levels}; e.g. "
                              f"{s.levels + 1}): on an odd number SALib's trajectories are biased")
        if s.second_order and len(self.parameters) < 2:
            raise DesignError("sampler.second_order: second-order indices are of pairs of parameters, and this "
                              "design varies one; leave it out")
        if s.method == "grid" or (s.samples or 0) >= MIN_SAMPLES:
            return
        why = {"lhs": "one point is one scenario (its seeds: noodplan compare --runs)",
               "sobol": "one point is one scenario (its seeds: noodplan compare --runs)",
               "saltelli": "with one base point SALib's bootstrap interval is 0 and S1, ST are no estimates",
               "morris": "with one trajectory each parameter has one elementary effect: no σ, and μ* ± 0"}[s.method]
        example = {"lhs": 64, "sobol": 64, "saltelli": 8, "morris": 10}[s.method]
        raise DesignError(f"sampler.samples: {s.method} needs at least {MIN_SAMPLES} (got {s.samples}): {why}; "
                          f"e.g. {example} for a pilot")

    def check(self) -> None:
        """Everything a run needs, checked on the base scenario(s) before any run starts."""
        from experiments.sweep.kpis import DAILY, KPIS

        base = next(iter(self.bases.values()))
        for i, p in enumerate(self.parameters):
            if p.path is None:
                continue
            try:
                current = get_path(base, p.path)
            except KeyError as exc:
                raise DesignError(f"parameters.{i}.path: {exc.args[0]}") from None
            field = "uniform" if p.uniform is not None else "triangular" if p.triangular is not None else "values"
            if p.continuous and (isinstance(current, bool) or not isinstance(current, (int, float))):
                raise DesignError(f"parameters.{i}.{field}: {p.path} is {_shown(current)}, not a number; "
                                  f"use values: [...]")
            bounds = p.uniform if p.uniform is not None else p.triangular
            ends: list[Value] = p.choices if bounds is None else [min(bounds), max(bounds)]
            for v in ends:
                data = copy.deepcopy(base)
                set_path(data, p.path, self.cast(p, v))
                try:
                    Scenario.model_validate(data)
                except ValidationError as err:
                    raise DesignError(f"parameters.{i}.{field}: {p.path} = {v!r}: {reason(err)}"
                                      + (_decimal_commas(p.values) if p.values is not None else "")) from None
        for i, k in enumerate(self.kpis):
            if k not in KPIS:
                raise DesignError(f"outputs.kpis.{i}: " + unknown_name("KPI", k, list(KPIS)))
        self._check_names_without_case()
        self._check_estimable()
        kpis = {k.casefold(): k for k in self.kpis}       # without case, as the parameters' names
        for i, p in enumerate(self.parameters):
            if p.label.casefold() in kpis:
                which = "" if kpis[p.label.casefold()] == p.label else f" ({kpis[p.label.casefold()]!r}, but for case)"
                raise DesignError(f"parameters.{i}: name {p.label!r} is also a KPI's{which}; give the parameter "
                                  f"another name")
        for i, k in enumerate(self.outputs.daily):
            if k not in DAILY:
                raise DesignError(f"outputs.daily.{i}: " + unknown_name("daily figure", k, list(DAILY)))
        if self.outputs.daily:
            runs, days = self.points * self.replicates, self.longest_days
            values = runs * days * len(self.outputs.daily)
            if values > MAX_DAILY_VALUES:
                raise DesignError(f"outputs.daily: {runs:,} runs x {days:,} days x {len(self.outputs.daily)} figures "
                                  f"is {values:,} values; at most {MAX_DAILY_VALUES:,} (the store gathers them in "
                                  f"memory): fewer runs, days or daily figures")
        for i, t in enumerate(self.analysis.prim):
            if t.kpi not in self.kpis:
                raise DesignError(f"analysis.prim.{i}.kpi: {t.kpi!r} is not among the KPIs kept (outputs.kpis)")

    @property
    def longest_days(self) -> int:
        """The days of the design's longest run: the days each run's daily figures get in the store."""
        return longest_days(self.bases, self.model_dump(mode="json")["parameters"])

    def fingerprint(self) -> str:
        """Identifies the runs of the sweep: what decides them (not its name, description or
        analysis section), with the base scenarios it resolves to."""
        runs = self.model_dump(mode="json", exclude={"name", "description", "analysis"})
        return _digest({"design": runs, "bases": self.base_hash})


def longest_days(bases: dict[str, dict], parameters: list) -> int:
    """The days of a design's longest run, from its base scenarios (validated mappings) and its
    parameters (as the manifest records them: mappings): a varied horizon_days' highest value (the end
    of its range, or its largest value; it replaces every base scenario's horizon), else the base
    scenarios' longest horizon -- every run's daily figures fit in this many days. Entries that are
    not a parameter's mapping are skipped (a damaged manifest's design is named where it is read)."""
    for p in parameters:
        if not isinstance(p, dict) or p.get("path") != "horizon_days":
            continue
        given: list = next((p[k] for k in ("values", "uniform", "triangular") if p.get(k) is not None), [])
        days = [round(float(v)) for v in given if isinstance(v, int | float) and not isinstance(v, bool)
                and math.isfinite(v)]
        if days:
            return max(days)
    return max(b["horizon_days"] for b in bases.values())


# ---- paths into a scenario mapping (dicts and lists) -------------------------------------------

def get_path(data: Any, path: str) -> Any:
    """The value at a dotted path; list items by index ('plan.phases.0.activate.1.above'); raises
    KeyError naming the path and the path meant (`model.scenario.path_value`, `path_problem`)."""
    try:
        return path_value(data, path)
    except PathError as exc:
        raise KeyError(path_problem(exc)) from None


def set_path(data: dict, path: str, value: Any) -> None:
    """Set the value at a dotted path (which must exist) as `model.scenario.assign_path` does: a
    mapping given for a mapping changes only the keys it names. Raises KeyError naming the path."""
    try:
        assign_path(data, path, value)
    except PathError as exc:
        raise KeyError(path_problem(exc)) from None


def _leaves(changes: dict, prefix: str = "") -> list[str]:
    """The dotted paths a design's `set` fixes: a mapping's keys one by one, at every depth (as
    `assign_path` merges it), anything else at its own path."""
    out: list[str] = []
    for key, value in changes.items():
        path = f"{prefix}{key}"
        out += _leaves(value, path + ".") if isinstance(value, dict) and value else [path]
    return out


def validated(data: dict, where: str) -> dict:
    """A scenario mapping checked by the scenario schema (mode-json dump of the result)."""
    try:
        return Scenario.model_validate(data).model_dump(mode="json")
    except ValidationError as err:
        raise DesignError(f"{where}: {reason(err)}") from None


def reason(err: ValidationError) -> str:
    """The first problem of a validation error as 'field.path: message', worded as a scenario
    file's (`model.scenario.first_problem`: an unknown field answered with the path meant)."""
    return first_problem(err)


def _shown(v: Any) -> str:
    return f"{type(v).__name__} {v!r}" if not isinstance(v, (dict, list)) else type(v).__name__


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


# ---- loading -----------------------------------------------------------------------------------

def builtin_designs() -> list[str]:
    """Names of the example designs packaged in `experiments/designs/`."""
    return sorted(p.stem for p in DESIGN_DIR.glob("*.yaml"))


def design_path(name_or_path: str | Path) -> Path:
    """The file of a design given by path or by a packaged design's name; raises DesignError for
    what names no file (not text or a path, or empty)."""
    if not isinstance(name_or_path, str | Path):
        raise DesignError(f"design: a design file's path, a packaged design's name or a Design, not "
                          f"{type(name_or_path).__name__}")
    if not str(name_or_path).strip():
        raise DesignError(f"design: give a design file's path or a packaged design's name (got {str(name_or_path)!r})")
    p = Path(name_or_path)
    if not p.exists() and not p.suffix and (DESIGN_DIR / f"{name_or_path}.yaml").exists():
        return DESIGN_DIR / f"{name_or_path}.yaml"
    return p


def load_design(name_or_path: str | Path) -> Design:
    """Load and fully check a design file (or a packaged example by name); raises DesignError.
    The file is read as a scenario file is (`model.scenario`: a regular UTF-8 file of at most
    MAX_FILE_BYTES, YAML without duplicate keys or YAML 1.1 booleans, bounded in size and depth)."""
    p = design_path(name_or_path)
    if not p.exists() and not p.is_symlink():
        raise DesignError(f"{name_or_path}: no such design file or packaged design "
                          f"(packaged: {', '.join(builtin_designs())})")
    text = decode(read_bytes(p, p.name, "a design file", MAX_FILE_BYTES, DesignError), p.name)
    try:
        data = parse_yaml(text, p.name, "a design")
    except ScenarioError as exc:
        raise DesignError(str(exc)) from None
    _prim_thousands_points(text, p.name)
    d = design_from_dict(data, p.name, p.parent)
    d._text = text
    return d


def _prim_thousands_points(text: str, source: str) -> None:
    """Refuse a PRIM condition's bound written with the Dutch thousands point on a KPI of persons,
    places or person-nights (`analysis: {prim: [{kpi: peak_unsheltered, above: 30.500}]}` was a
    condition on 30.5 persons, met by nearly every run), by the rule `--prim` follows
    (`kpis.thousands_point`), naming the line and the place in the file. The bound as written is
    read from the YAML nodes of `text` (a design `parse_yaml` has read already): YAML's 30.5 no
    longer says whether 30.5 or 30.500 was written."""
    from experiments.sweep.kpis import thousands_point

    def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
        if not isinstance(node, yaml.MappingNode):
            return None
        return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)

    prim = child(child(yaml.compose(text, Loader=yaml.SafeLoader), "analysis"), "prim")
    for i, condition in enumerate(prim.value if isinstance(prim, yaml.SequenceNode) else []):
        kpi = child(condition, "kpi")
        for bound in ("above", "below"):
            written = child(condition, bound)
            if not isinstance(kpi, yaml.ScalarNode) or not isinstance(written, yaml.ScalarNode):
                continue
            said = thousands_point(kpi.value, written.value)
            if said:
                raise DesignError(f"{source}: line {written.start_mark.line + 1}: analysis.prim.{i}.{bound} "
                                  f"({kpi.value}): {said}")


def design_from_dict(data: Any, source: str = "design", base_dir: str | Path | None = None) -> Design:
    """Validate a design mapping; scenario files are found relative to `base_dir`."""
    if not isinstance(data, dict):
        raise DesignError(f"{source}: a design is a mapping of fields (name, scenario, parameters, sampler, …), "
                          f"not {_whole_file(data)}")
    try:        # a scenario or an exercise given as a design: named as such, with the command that takes it
        not_another_kind_of_file(data, source, "a sweep design", Design.model_fields)
    except ScenarioError as exc:
        raise DesignError(str(exc)) from None
    try:
        d = Design.model_validate(data)
    except ValidationError as err:
        raise DesignError(validation_message(err, source)) from None
    d._base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
    try:
        d.check()
    except DesignError as exc:
        raise DesignError(f"{source}: {exc}") from None
    return d


def _whole_file(data: Any) -> str:
    """What a design file held instead of a mapping, in a planner's words."""
    if data is None:
        return "an empty file"
    if isinstance(data, list):
        return f"a list of {len(data)} item{'s' if len(data) != 1 else ''}" if data else "an empty list, []"
    return f"one value: {shown_value(data)}"


def json_schema() -> dict:
    """JSON Schema of design files (for editors)."""
    return Design.model_json_schema()
