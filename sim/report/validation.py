"""Figures of ``ladera validate``: observed against modelled figures, and walking times."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def validation_figures(report: dict[str, Any], folder: Path) -> list[Path]:
    """``figures.png``: the census commute-time bands (observed and modelled) and the walking
    trips' durations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    bands = [r for r in report["calibration"] if r["metric"].startswith("commute_")]
    x = range(len(bands))
    a.bar([i - 0.2 for i in x], [100 * r["observed"] for r in bands], 0.4, label="census 2022")
    a.bar([i + 0.2 for i in x], [100 * r["model"] for r in bands], 0.4, label="model")
    a.set_xticks(list(x), [r["metric"].removeprefix("commute_") for r in bands])
    a.set_ylabel("% of work trips")
    a.set_title("Commute time")
    a.legend()
    walk = report["walk_times"]
    b.bar(list(walk), [100 * v for v in walk.values()], color="tab:green")
    b.set_ylabel("% of walking trips")
    b.set_xlabel("minutes")
    b.set_title("Walking trips by duration")
    fig.tight_layout()
    path = folder / "figures.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]
