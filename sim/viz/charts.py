"""The students' charts: mode shares, commute times, accessibility, cable load and the gap; and
design mode's winners and losers by income class.

Every ``*_figure`` function reads a :class:`~sim.model.CommuteModel` (and the few per-day series
the app keeps, see :class:`sim.viz.app.History`) and returns a new
:class:`matplotlib.figure.Figure`; nothing here changes the model. What a chart plots comes from
its ``*_series`` (or :func:`mode_share_bars`) function, and each plotted series is tagged
(:data:`SERIES_GID`), so :mod:`sim.viz.livecharts` can put the next day's data into the same
figure. Modes have the colours of :data:`sim.modes.MODE_COLOURS`, income classes those of
:func:`sim.viz.citymap.class_colours`.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from sim.modes import MODE_COLOURS, MODE_NAMES
from sim.network.arrays import TransitMode
from sim.viz.citymap import PNG_COMPRESS_LEVEL, class_colours

if TYPE_CHECKING:
    from sim.model import CommuteModel

#: One chart's data: (label, x, y) per line, in drawing order.
Series = list[tuple[str, NDArray[np.float64], NDArray[np.float64]]]
#: The gid of a chart's ``k``-th data line or bar group (``SERIES_GID.format(k)``).
SERIES_GID = "ladera-series-{}"


def _chart(title: str, ylabel: str, bottom: float = 0.14) -> tuple[Figure, Any]:
    fig = Figure(figsize=(5.2, 3.3), dpi=90)
    ax = fig.add_axes((0.13, bottom, 0.84, 0.95 - bottom))
    ax.set_label(title)  # the page's card carries the title
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    return fig, ax


def _waiting(ax: Any, text: str = "press Step or Play") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")


def _days(model: CommuteModel):
    df = model.datacollector.get_model_vars_dataframe()
    df.index = np.arange(1, len(df) + 1)
    return df


#: Colour of the households without a route in the mode share bars.
NO_ROUTE_COLOUR = "#e0e0e0"


def mode_share_bars(model: CommuteModel) -> list[tuple[str, NDArray[np.float64]]]:
    """Today's stacked bars: (mode, share of each income class) for the modes someone uses,
    then "no route" for the rest, if any; none before the first day."""
    df = _days(model)
    if df.empty:
        return []
    classes = model.income_classes()
    last = df.iloc[-1]
    bars = []
    total = np.zeros(len(classes))
    for mode in MODE_NAMES:
        shares = np.array([last[f"share_{mode}_c{c}"] for c in classes], float)
        if shares.any():
            bars.append((mode, shares))
            total += shares
    if (total < 0.999).any():
        bars.append(("no route", 1.0 - total))
    return bars


def mode_share_figure(model: CommuteModel) -> Figure:
    """Today's mode shares by income class, as stacked bars."""
    fig, ax = _chart("Mode shares by income class (today)", "share of households", bottom=0.3)
    classes = model.income_classes()
    bars = mode_share_bars(model)
    if not bars:
        _waiting(ax)
        return fig
    bottom = np.zeros(len(classes))
    xs = np.arange(len(classes))
    for k, (mode, shares) in enumerate(bars):
        colour = MODE_COLOURS.get(mode, NO_ROUTE_COLOUR)
        ax.bar(xs, shares, bottom=bottom, color=colour, label=mode, width=0.7,
               gid=SERIES_GID.format(k))  # fmt: skip
        bottom = bottom + shares
    ax.set_xticks(xs, [f"class {c}" for c in classes])
    ax.set_ylim(0, 1)
    ax.set_xlabel("income class (1 = poorest)", fontsize=8)
    ax.legend(fontsize=7, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              frameon=False)  # fmt: skip
    return fig


def _by_class(model: CommuteModel, values: dict[int, NDArray[np.float64]]) -> Series:
    return [(f"class {c}", np.arange(1.0, len(v) + 1), v) for c, v in values.items()]


def _by_class_lines(ax: Any, model: CommuteModel, series: Series) -> None:
    colours = class_colours(model.income_classes())
    for k, (label, days, values) in enumerate(series):
        ax.plot(days, values, color=colours[int(label.split()[-1])], marker="o", ms=3,
                label=label, gid=SERIES_GID.format(k))  # fmt: skip
    ax.set_xlabel("day", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, ncols=3, loc="best")


def commute_time_series(model: CommuteModel) -> Series:
    """Each income class's mean commute time (minutes) by day; none before the first day."""
    df = _days(model)
    if df.empty:
        return []
    return _by_class(model, {c: df[f"time_min_c{c}"].to_numpy(float)
                             for c in model.income_classes()})  # fmt: skip


def commute_time_figure(model: CommuteModel) -> Figure:
    """Mean door-to-door commute time of each income class, day by day."""
    fig, ax = _chart("Mean commute time by income class", "minutes")
    series = commute_time_series(model)
    if not series:
        _waiting(ax)
        return fig
    _by_class_lines(ax, model, series)
    return fig


def accessibility_series(model: CommuteModel, acc30: list[dict[int, float]]) -> Series:
    """Each income class's mean jobs within 30 minutes (thousands) by day."""
    if not acc30:
        return []
    return _by_class(model, {c: np.array([day.get(c, np.nan) for day in acc30]) / 1000.0
                             for c in model.income_classes()})  # fmt: skip


def accessibility_figure(model: CommuteModel, acc30: list[dict[int, float]]) -> Figure:
    """Mean jobs reachable within 30 minutes from home (by the household's modes), by class."""
    fig, ax = _chart("Accessibility by income class", "jobs within 30 min (thousands)")
    series = accessibility_series(model, acc30)
    if not series:
        _waiting(ax)
        return fig
    _by_class_lines(ax, model, series)
    return fig


def _cable_lines(model: CommuteModel) -> NDArray[np.int64]:
    """The cable line directions the chart shows (the first four)."""
    return np.flatnonzero(model.network.lines.mode == TransitMode.CABLE)[:4]


def cable_load_series(model: CommuteModel, loads: list[NDArray[np.float64]]) -> Series:
    """Each cable line direction's peak passengers per hour by day."""
    lines = model.network.lines
    history = np.array(loads).reshape(len(loads), lines.n)
    days = np.arange(1.0, len(loads) + 1)
    return [(str(lines.name[line]), days, history[:, line]) for line in _cable_lines(model)]


def cable_load_figure(model: CommuteModel, loads: list[NDArray[np.float64]]) -> Figure:
    """Peak passengers per hour on each cable line direction against its capacity."""
    fig, ax = _chart("Cable load against capacity", "passengers / hour")
    lines = model.network.lines
    cable = _cable_lines(model)
    if cable.size == 0:
        _waiting(ax, "no cable line in this scenario")
        return fig
    if not loads:
        _waiting(ax)
    series = cable_load_series(model, loads)
    palette = ["#ff00ff", "#8e24aa", "#5e35b1", "#d81b60"]
    for k, line in enumerate(cable):
        colour = palette[k % len(palette)]
        if len(loads):
            label, days, values = series[k]
            ax.plot(days, values, color=colour, marker="o", ms=3, label=label,
                    gid=SERIES_GID.format(k))  # fmt: skip
        ax.axhline(lines.capacity_per_hour[line], color=colour, ls="--", lw=1)
    ax.axhline(np.nan, color="grey", ls="--", lw=1, label="capacity")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("day", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7)
    return fig


def gap_series(model: CommuteModel) -> Series:
    """The road assignment's relative gap by day (the days that have one)."""
    df = _days(model)
    gap = df["relative_gap"].to_numpy(float) if not df.empty else np.zeros(0)
    ok = np.isfinite(gap) & (np.abs(gap) > 0)
    if not ok.any():
        return []
    days = np.arange(1.0, len(gap) + 1)
    return [("relative gap", days[ok], np.abs(gap[ok]))]


def gap_figure(model: CommuteModel) -> Figure:
    """Relative gap of the road assignment (how far from equilibrium), log scale."""
    fig, ax = _chart("Relative gap (road equilibrium)", "relative gap")
    series = gap_series(model)
    if not series:
        _waiting(ax, "press Step or Play (a gap needs two days)")
        return fig
    _, days, gap = series[0]
    ax.semilogy(days, gap, color="black", marker="o", ms=3, gid=SERIES_GID.format(0))
    ax.axhline(model.params.tolerance, color="grey", ls="--", lw=1, label="tolerance")
    ax.set_xlabel("day", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7)
    return fig


#: Winners and losers: better off, unchanged, worse off (a diverging blue-grey-red).
WINNER_COLOURS = {"better": "#2166ac", "unchanged": "#d9d9d9", "worse": "#b2182b"}


def winners_figure(shares: list[tuple[str, float, float, float]], seeds: int) -> Figure:
    """Design mode's Compare: the share of each income class better off, unchanged and worse
    off (``(class, better, worse, unchanged)``, means across ``seeds`` seeds), stacked."""
    height = 1.0 + 0.32 * len(shares)  # inches: 0.55 below the bars, 0.45 above for the legend
    fig = Figure(figsize=(5.2, height), dpi=90)
    ax = fig.add_axes((0.16, 0.55 / height, 0.8, 1 - 1.0 / height))
    labels = [f"class {c}" if c != "all" else "all" for c, *_ in shares]
    ys = np.arange(len(shares))[::-1]
    left = np.zeros(len(shares))
    for k, key in ((1, "better"), (3, "unchanged"), (2, "worse")):
        width = np.array([100 * row[k] for row in shares])
        ax.barh(ys, width, left=left, color=WINNER_COLOURS[key], label=f"{key} off"
                if key != "unchanged" else key, height=0.7)  # fmt: skip
        left += width
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of households (welfare, logsum; mean of {seeds} seeds)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buf.getvalue()
