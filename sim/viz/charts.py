"""The students' charts: mode shares, commute times, accessibility, cable load and the gap; and
design mode's winners and losers by income class.

Every ``*_figure`` function reads a :class:`~sim.model.CommuteModel` (and the few per-day series
the app keeps, see :class:`sim.viz.app.History`) and returns a new
:class:`matplotlib.figure.Figure`; nothing here changes the model. Modes have the colours of
:data:`sim.modes.MODE_COLOURS`, income classes those of :func:`sim.viz.citymap.class_colours`.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from sim.modes import MODE_COLOURS, MODE_NAMES
from sim.network.arrays import TransitMode
from sim.viz.citymap import class_colours

if TYPE_CHECKING:
    from sim.model import CommuteModel


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


def mode_share_figure(model: CommuteModel) -> Figure:
    """Today's mode shares by income class, as stacked bars."""
    fig, ax = _chart("Mode shares by income class (today)", "share of households", bottom=0.3)
    classes = model.income_classes()
    df = _days(model)
    if df.empty:
        _waiting(ax)
        return fig
    last = df.iloc[-1]
    bottom = np.zeros(len(classes))
    xs = np.arange(len(classes))
    for mode in MODE_NAMES:
        shares = np.array([last[f"share_{mode}_c{c}"] for c in classes], float)
        if not shares.any():
            continue
        ax.bar(xs, shares, bottom=bottom, color=MODE_COLOURS[mode], label=mode, width=0.7)
        bottom += shares
    if (bottom < 0.999).any():
        ax.bar(xs, 1.0 - bottom, bottom=bottom, color="#e0e0e0", label="no route", width=0.7)
    ax.set_xticks(xs, [f"class {c}" for c in classes])
    ax.set_ylim(0, 1)
    ax.set_xlabel("income class (1 = poorest)", fontsize=8)
    ax.legend(fontsize=7, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              frameon=False)  # fmt: skip
    return fig


def _by_class_lines(ax: Any, model: CommuteModel, series: dict[int, NDArray[np.float64]]) -> None:
    colours = class_colours(model.income_classes())
    for c, values in series.items():
        ax.plot(np.arange(1, len(values) + 1), values, color=colours[c], marker="o", ms=3,
                label=f"class {c}")  # fmt: skip
    ax.set_xlabel("day", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, ncols=3, loc="best")


def commute_time_figure(model: CommuteModel) -> Figure:
    """Mean door-to-door commute time of each income class, day by day."""
    fig, ax = _chart("Mean commute time by income class", "minutes")
    df = _days(model)
    if df.empty:
        _waiting(ax)
        return fig
    series = {c: df[f"time_min_c{c}"].to_numpy(float) for c in model.income_classes()}
    _by_class_lines(ax, model, series)
    return fig


def accessibility_figure(model: CommuteModel, acc30: list[dict[int, float]]) -> Figure:
    """Mean jobs reachable within 30 minutes from home (by the household's modes), by class."""
    fig, ax = _chart("Accessibility by income class", "jobs within 30 min (thousands)")
    if not acc30:
        _waiting(ax)
        return fig
    series = {c: np.array([day.get(c, np.nan) for day in acc30]) / 1000.0
              for c in model.income_classes()}  # fmt: skip
    _by_class_lines(ax, model, series)
    return fig


def cable_load_figure(model: CommuteModel, loads: list[NDArray[np.float64]]) -> Figure:
    """Peak passengers per hour on each cable line direction against its capacity."""
    fig, ax = _chart("Cable load against capacity", "passengers / hour")
    lines = model.network.lines
    cable = np.flatnonzero(lines.mode == TransitMode.CABLE)
    if cable.size == 0:
        _waiting(ax, "no cable line in this scenario")
        return fig
    if not loads:
        _waiting(ax)
    history = np.array(loads).reshape(len(loads), lines.n)
    days = np.arange(1, len(loads) + 1)
    palette = ["#ff00ff", "#8e24aa", "#5e35b1", "#d81b60"]
    for k, line in enumerate(cable[:4]):
        colour = palette[k % len(palette)]
        if len(loads):
            ax.plot(days, history[:, line], color=colour, marker="o", ms=3,
                    label=str(lines.name[line]))  # fmt: skip
        ax.axhline(lines.capacity_per_hour[line], color=colour, ls="--", lw=1)
    ax.axhline(np.nan, color="grey", ls="--", lw=1, label="capacity")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("day", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7)
    return fig


def gap_figure(model: CommuteModel) -> Figure:
    """Relative gap of the road assignment (how far from equilibrium), log scale."""
    fig, ax = _chart("Relative gap (road equilibrium)", "relative gap")
    df = _days(model)
    gap = df["relative_gap"].to_numpy(float) if not df.empty else np.zeros(0)
    ok = np.isfinite(gap) & (np.abs(gap) > 0)
    if not ok.any():
        _waiting(ax, "press Step or Play (a gap needs two days)")
        return fig
    days = np.arange(1, len(gap) + 1)
    ax.semilogy(days[ok], np.abs(gap[ok]), color="black", marker="o", ms=3)
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
    fig.savefig(buf, format="png")
    return buf.getvalue()
