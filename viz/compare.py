"""Two variants of a scenario on the same seeds (common random numbers), run headless.

Variant A and B are any two scenarios (built-in, saved or the active one); B may also be A with a
few changes written as YAML (merged into A), e.g. `plan: {enabled: false}`, or another scenario
with changes (`extends: flex-only` plus fields). Both run with `model.simulate.simulate` on every
seed, so differences come from the variant, not from noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.results import Results
from model.scenario import MAX_SEED, Scenario, ScenarioError, builtin_names, from_dict, load_scenario, parse_yaml
from model.simulate import simulate
from viz.params import typed_whole
from viz.session import world_for

SOURCE = "variant B"


# how a daily series becomes one figure of a run
_AGGREGATES: dict[str, Callable[[np.ndarray], float]] = {
    "sum": lambda v: float(np.sum(v)), "max": lambda v: float(np.max(v)), "last": lambda v: float(v[-1])}


@dataclass
class Comparison:
    label_a: str
    label_b: str
    seeds: list[int]
    a: list[Results]   # per seed
    b: list[Results]

    def table(self) -> list[dict]:
        """Totals per variant (mean over seeds) and the difference B − A."""
        rows = []
        for name, label, how in [("arrivals", "Arrivals (persons)", "sum"),
                                 ("unsheltered", "Unsheltered person-nights", "sum"),
                                 ("unsheltered", "Peak unsheltered (persons)", "max"),
                                 ("population", "Persons in reception at the end", "last"),
                                 ("occupancy_rate", "Occupancy at the end", "last"),
                                 ("moves", "Moves (persons)", "sum"),
                                 ("cost_eur", "Cost (EUR million)", "sum"),
                                 ("phase", "Highest plan phase", "max")]:
            if name not in self.a[0].daily:
                continue
            agg = _AGGREGATES[how]
            scale = 1e-6 if name == "cost_eur" else 1.0
            va = float(np.mean([agg(r.daily[name].values) for r in self.a])) * scale
            vb = float(np.mean([agg(r.daily[name].values) for r in self.b])) * scale
            fmt = (lambda v: f"{v:.1%}") if name == "occupancy_rate" else (lambda v: f"{v:,.0f}")
            # a difference of two shares is in percentage points, not a percentage of either
            diff = f"{100 * (vb - va):.1f} pp" if name == "occupancy_rate" else fmt(vb - va)
            rows.append({"figure": label, "A": fmt(va), "B": fmt(vb),
                         "B − A": ("+" if vb - va >= 0 else "") + diff})
        return rows


def variant(base: Scenario, changes_yaml: str, scenarios: dict[str, Scenario] | None = None) -> Scenario:
    """Variant B: `base` with the changes merged in; with `extends: NAME` the changes apply to
    that scenario instead (a built-in, or one of `scenarios`, e.g. saved ones). Raises
    ScenarioError naming the field."""
    # the scenario loader's YAML: duplicate keys, impossible dates and YAML 1.1's `yes` refused
    changes = parse_yaml(changes_yaml, SOURCE) if changes_yaml.strip() else {}
    if not isinstance(changes, dict):
        raise ScenarioError(f"{SOURCE}: changes must be a mapping of fields (got {changes!r})")
    if "extends" in changes:
        changes = dict(changes)
        name = changes.pop("extends")
        if scenarios and name in scenarios:
            base = scenarios[name]
        elif name not in builtin_names():           # text from a browser: never a file on the server
            raise ScenarioError(f"{SOURCE}: extends: {name!r} is neither a built-in scenario nor a saved one")
        else:
            try:
                base = load_scenario(str(name))
            except ScenarioError as exc:
                raise ScenarioError(f"{SOURCE}: extends: {str(exc).split(': ', 1)[-1]}") from None
        changes.setdefault("name", base.name)
    data = _merge(base.model_dump(mode="json"), changes)
    return from_dict(data, SOURCE)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


MAX_SEEDS = 20


def parse_seeds(text: str) -> list[int]:
    """The comparison's seeds: 1 to MAX_SEEDS distinct whole numbers 0 .. MAX_SEED (32-bit, as every
    run's seed), separated by commas or spaces; raises ScenarioError naming the field otherwise."""
    parts = str(text).replace(",", " ").split()
    seeds = [typed_whole(x) for x in parts]
    if not seeds or any(s is None for s in seeds):
        raise ScenarioError(f"seeds: whole numbers separated by commas (got {text!r})")
    if len(seeds) > MAX_SEEDS or max(s for s in seeds if s is not None) > MAX_SEED:
        raise ScenarioError(f"seeds: give 1 to {MAX_SEEDS} seeds from 0 to {MAX_SEED:,} (got {text!r})")
    if len(set(seeds)) < len(seeds):
        twice = next(s for s in seeds if seeds.count(s) > 1)
        raise ScenarioError(f"seeds: {twice} is given twice; each seed once (a seed twice would count its runs "
                            f"twice in the means) (got {text!r})")
    return [s for s in seeds if s is not None]


def parse_whole(text: str, field: str, lo: int, hi: int, why: str = "") -> int:
    """A form field's whole number from `lo` to `hi` (ASCII digits, ',' or '_' only between groups
    of three: `params.typed_whole`); raises ScenarioError in one line naming the field otherwise
    (`why`: what the range is for)."""
    n = typed_whole(text)
    if n is None or not lo <= n <= hi:
        raise ScenarioError(f"{field}: a whole number from {lo:,} to {hi:,} (got {text!r})"
                            + (f"; {why}" if why else ""))
    return n


def parse_days(text: str, horizon: int) -> int:
    """Days to compare: a whole number from 1 to `horizon`; raises ScenarioError otherwise."""
    return parse_whole(text, "days", 1, horizon)


def compare(a: Scenario, b: Scenario, seeds: list[int], days: int | None = None,
            progress: Callable[[float], None] | None = None,
            cancelled: Callable[[], bool] = lambda: False, label_b: str = "B",
            label_a: str | None = None) -> Comparison | None:
    """Run both variants on every seed; None when cancelled."""
    runs_a: list[Results] = []
    runs_b: list[Results] = []
    total = 2 * len(seeds)
    wa, wb = world_for(a), world_for(b)
    for seed in seeds:
        for sc, w, out in ((a, wa, runs_a), (b, wb, runs_b)):
            if cancelled():
                return None
            done = len(runs_a) + len(runs_b)
            tick = (lambda d, h, done=done: progress((done + d / h) / total)) if progress else None
            out.append(simulate(sc, seed=seed, days=days, world=w, progress=tick))
    return Comparison(label_a or a.name, label_b, seeds, runs_a, runs_b)
