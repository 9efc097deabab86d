"""Time per day against persons changing state that day (PNG, matplotlib Agg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_cost_per_day(series: dict[str, tuple[np.ndarray, np.ndarray]], out: str | Path) -> Path:
    """`series`: label -> (transitions per day, seconds per day)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for label, (trans, secs) in series.items():
        ax.scatter(np.maximum(trans, 1), secs * 1e3, s=6, alpha=0.5, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("persons changing state that day (stage or bed)")
    ax.set_ylabel("time for the day (ms)")
    ax.set_title("Time per simulated day against persons changing state that day")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
