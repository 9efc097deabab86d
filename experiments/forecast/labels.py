"""A forecast's figures in the planners' words: English, with the Dutch term in brackets where
planners know it (the same terms as the dashboard's, `viz/labels.py`; experiments/ may not import
viz/, so the forecast's own are here). `label(quantity, breakdown, name)` is forecast.csv's `label`
column; the fan chart's legend uses the same words."""

from __future__ import annotations

from typing import Any

from experiments.kinds import kind_words

QUANTITY_LABELS = {
    "persons_in_reception": "persons in reception (in de opvang), in a bed or not",
    "permit_holders_waiting": "permit holders waiting for a home (vergunninghouders)",
    "persons_in_bed": "persons in a bed (bezetting)",
    "places_needed": "places needed at the target occupancy (benodigde plaatsen)",
    "capacity": "usable places (capaciteit)",
    "shortfall": "shortfall: places needed minus usable places (tekort; below 0: room)",
}


def label(quantity: str, breakdown: str, name: str) -> str:
    """The row's figure in words: 'places needed ... (benodigde plaatsen) — regular centre (azc)'."""
    what = QUANTITY_LABELS[quantity]
    if breakdown == "national":
        return f"{what} — national"
    if breakdown == "kind":
        return f"{what} — {kind_words(name)}"   # (the kinds' words: `experiments.kinds`)
    if breakdown == "province":
        return f"{what} — province {name}"
    return f"{what} — without a bed (zonder bed)"


def percent(share: float) -> str:
    """A share in words as it was given, not rounded to a whole percent: 0.95 -> '95 %', 0.925 ->
    '92.5 %' (a forecast's target occupancy: `.0%` wrote 0.925 as '92%', which it did not assume)."""
    return f"{round(share * 100, 9):g} %"


def thousands(ax: Any) -> None:
    """Label a matplotlib axis's y ticks as whole numbers with thousands separators (60,000, not 60000)."""
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
