"""Print the key-figures table of docs/scenarios.md: every built-in scenario on its own seed, one run.

    .venv/bin/python scripts/key_figures.py            # the built-in planning scenarios (not hindcasts, not eu-scale)

Single runs: differences between scenarios need `noodplan compare` (paired seeds, intervals).
"""

from __future__ import annotations

import sys

from model.scenario import builtin_names
from model.simulate import simulate

HEADER = ("| scenario | peak in reception | unsheltered person-nights | highest phase | days in phase 1+ "
          "| days in phase 3+ "
          "| regime days | moves per person-year | regular decision time, median / p90 (days) "
          "| appeals lodged | cost (EUR bn) |")


def row(name: str) -> str:
    """One line of the table for scenario `name` on its own seed."""
    r = simulate(name)
    d = r.daily
    phase = d["phase"].values
    median, p90, _ = r.decision_times()["regular"]
    return (f"| `{name}` | {int(d['population'].values.max()):,} | {int(d['unsheltered'].values.sum()):,} "
            f"| {int(phase.max())} | {int((phase >= 1).sum())} | {int((phase >= 3).sum())} "
            f"| {int((d['regime'].values.astype(str) != '').sum())} "
            f"| {r.churn()['moves_per_person_year']:.2f} | {median:.0f} / {p90:.0f} "
            f"| {int(d['appeals'].values.sum()):,} | {d['cost_eur'].values.sum() / 1e9:.2f} |")


def main(names: list[str]) -> None:
    names = names or [n for n in builtin_names() if not n.startswith("hindcast") and n != "eu-scale"]
    print(HEADER)
    print("|" + "---|" * HEADER.count(" | ") + "---|")
    for name in names:
        print(row(name), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
