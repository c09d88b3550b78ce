"""The app's charts day after day, drawn into the same figures instead of new ones.

Building a matplotlib figure (axes, ticks, labels, legend) costs about as much as drawing it, and
in the browser app every Step redraws five charts. :func:`chart_png` builds each chart of a model
once with its :mod:`sim.viz.charts` function and, on later days, puts the day's data into the
figure's tagged lines or bars (:data:`sim.viz.charts.SERIES_GID`), rescales the axes and draws it
again: the same picture as a new figure of that day (``tests/test_viz.py`` checks it pixel for
pixel). A chart whose shape changed (its first data, a mode that appears) is built anew.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from sim.viz.charts import (
    SERIES_GID,
    Series,
    accessibility_figure,
    accessibility_series,
    cable_load_figure,
    cable_load_series,
    commute_time_figure,
    commute_time_series,
    gap_figure,
    gap_series,
    mode_share_bars,
    mode_share_figure,
    png,
)

if TYPE_CHECKING:
    from sim.model import CommuteModel
    from sim.viz.app import LaderaViz


@dataclass(frozen=True)
class LiveChart:
    """A chart as its figure (``build``) and its data (``series``): lines of (label, x, y),
    or bars of (label, heights) stacked from zero (``bars``)."""

    build: Callable[[LaderaViz], Figure]
    series: Callable[[LaderaViz], list[Any]]
    bars: bool = False
    #: The y axis starts at zero (the chart sets its bottom after plotting)
    y_from_zero: bool = False


CHARTS = {
    "modes": LiveChart(lambda v: mode_share_figure(v.commute),
                       lambda v: mode_share_bars(v.commute), bars=True),
    "time": LiveChart(lambda v: commute_time_figure(v.commute),
                      lambda v: commute_time_series(v.commute)),
    "access": LiveChart(lambda v: accessibility_figure(v.commute, v.history.acc30),
                        lambda v: accessibility_series(v.commute, v.history.acc30)),
    "cable": LiveChart(lambda v: cable_load_figure(v.commute, v.history.cable_loads),
                       lambda v: cable_load_series(v.commute, v.history.cable_loads),
                       y_from_zero=True),
    "gap": LiveChart(lambda v: gap_figure(v.commute), lambda v: gap_series(v.commute)),
}  # fmt: skip


@dataclass
class _Drawn:
    figure: Figure
    labels: tuple[str, ...]  # the series the figure was built for


_FIGURES: weakref.WeakKeyDictionary[CommuteModel, dict[str, _Drawn]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def series_labels(series: list[Any]) -> tuple[str, ...]:
    """The labels of the series that have data: a chart is built anew when they change."""
    return tuple(item[0] for item in series if len(item[-1]))


def put_series(chart: LiveChart, figure: Figure, series: list[Any]) -> None:
    """Put the day's ``series`` into the chart's ``figure``, built for the same labels."""
    if chart.bars:
        _update_bars(figure, series)
    else:
        _update_lines(figure, series, y_from_zero=chart.y_from_zero)


def chart_png(key: str, viz: LaderaViz) -> bytes:
    """The chart ``key`` of :data:`CHARTS` for the model's day, as PNG bytes."""
    chart = CHARTS[key]
    series = chart.series(viz)
    labels = series_labels(series)
    with _LOCK:
        drawn = _FIGURES.setdefault(viz.commute, {})
        known = drawn.get(key)
        if known is None or known.labels != labels or not labels:
            known = drawn[key] = _Drawn(chart.build(viz), labels)
        else:
            put_series(chart, known.figure, series)
        return png(known.figure)


def _tagged(items: list[Any]) -> list[Any]:
    """The chart's data lines or bar groups (tagged on their bars) in series order."""
    gids = {SERIES_GID.format(k): k for k in range(len(items))}

    def gid(item: Any) -> str | None:
        return item.patches[0].get_gid() if hasattr(item, "patches") else item.get_gid()

    found = [(gids[g], a) for a in items if (g := gid(a)) is not None and g in gids]
    return [a for _, a in sorted(found, key=lambda pair: pair[0])]


def _update_lines(fig: Figure, series: Series, *, y_from_zero: bool) -> None:
    ax = fig.axes[0]
    lines = _tagged(list(ax.get_lines()))
    for line, (_, x, y) in zip(lines, series, strict=True):
        line.set_data(x, y)
    ax.relim()
    ax.set_autoscale_on(True)
    ax.autoscale_view()
    if y_from_zero:
        ax.set_ylim(bottom=0)


def _update_bars(fig: Figure, bars: list[tuple[str, Any]]) -> None:
    ax = fig.axes[0]
    groups = _tagged(list(ax.containers))
    bottom = np.zeros(len(bars[0][1]))
    for group, (_, heights) in zip(groups, bars, strict=True):
        for rect, base, height in zip(group.patches, bottom, heights, strict=True):
            rect.set_y(base)
            rect.set_height(height)
        bottom = bottom + heights
