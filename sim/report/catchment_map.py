"""The catchment map of a comparison: where each scenario's served, far and control households
live (:mod:`sim.catchment`), zone by zone, on the base of the report's other zone map
(:func:`sim.report.figures._draw_zones`: the zones, the main streets and the baseline's lines),
with the scenario's interventions on top.

Households are counted in their baseline home zone over every seed (seed ``s``'s masks are rows
of seed ``s``'s baseline households) in one of four disjoint groups:

- *served*: served and not far (near a line's stations, on a road's routes, of a fare's classes);
- *far and served*: far (more than 5 km from everything the scenario changes) yet served, as a
  road serves far households whose trips cross it; a line serves none;
- *control*: far, not served, and no trip ending within the far distance of the scenario;
- neither: the rest, drawn unfilled.

A zone takes the colour of the group most of its catchment households belong to, paler the
smaller that group's share of all the zone's households (a station's 10-minute walk covers
part of a zone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.errors import ScenarioError
from sim.report.figures import (
    _base_network,
    _draw_interventions,
    _draw_zones,
    _figure,
    _frame_map,
    _main_streets,
)
from sim.report.read import _Run

if TYPE_CHECKING:
    from sim.catchment import Catchments

#: The groups drawn, in the order of the legend, with their colours (from the Okabe-Ito
#: palette of :mod:`sim.modes`, none of them a colour the map's lines are drawn in).
GROUPS = (
    ("served", "served", "#d55e00"),
    ("far_served", "far and served", "#56b4e9"),
    ("control", "control: far at both ends, not served", "#cc79a7"),
)
#: The rest: neither served nor far.
NEITHER = "neither"
#: Under the map: what the legend counts, and how a zone is coloured.
LEGEND_TITLE = ("households by group (a seed's mean); a zone takes the colour of the group\n"
                "most of its catchment households belong to, paler for a smaller share")  # fmt: skip
#: Fill opacity of a zone whose group holds none (at least) or all of its households.
ALPHA = (0.3, 0.9)


def check_catchments(loaded: list[list[_Run]], baseline: int,
                     catchments: Catchments) -> None:  # fmt: skip
    """One clear line when the catchments do not fit the runs: one set of masks per seed, each
    mask one entry per baseline household of its seed."""
    if len(catchments.masks) != len(loaded):
        raise ScenarioError(f"catchments: {len(catchments.masks)} seed(s) of masks for "
                            f"{len(loaded)} seed(s) of runs")  # fmt: skip
    for runs, masks in zip(loaded, catchments.masks, strict=True):
        base = runs[baseline]
        n = len(base.households)
        for name, groups in masks.items():
            for group, mask in groups.items():
                if np.shape(mask) != (n,):
                    raise ScenarioError(
                        f"catchments of {name}, seed {base.summary.get('seed')}: the {group} "
                        f"mask has shape {np.shape(mask)}, the baseline run {base.path} holds "
                        f"{n} households"
                    )


def zone_groups(loaded: list[list[_Run]], baseline: int,
                catchments: Catchments) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Each scenario's households by baseline home zone and group, summed over the seeds:
    ``{label: frame}``, the frame indexed by zone id (str) with one column per group of
    :data:`GROUPS` and :data:`NEITHER`."""
    out: dict[str, pd.DataFrame] = {}
    columns = [g for g, _, _ in GROUPS] + [NEITHER]
    for runs, masks in zip(loaded, catchments.masks, strict=True):
        base = runs[baseline]
        home = base.households["home_zone"].astype(str).to_numpy()
        for run in runs:
            mine = masks.get(run.name)
            if run is base or mine is None:
                continue
            group = _group_of(np.asarray(mine["served"], bool), np.asarray(mine["far"], bool),
                              np.asarray(mine.get("control", mine["far"]), bool))  # fmt: skip
            counts = pd.crosstab(home, group).reindex(columns=columns, fill_value=0)
            prev = out.get(run.label)
            out[run.label] = counts if prev is None else prev.add(counts, fill_value=0)
    return {k: v.astype(float) for k, v in out.items()}


def _group_of(served: NDArray[np.bool_], far: NDArray[np.bool_],
              control: NDArray[np.bool_]) -> NDArray[np.str_]:  # fmt: skip
    """Each household's group of :data:`GROUPS` (or :data:`NEITHER`)."""
    return np.select([served & ~far, served & far, control & far & ~served],
                     ["served", "far_served", "control"], NEITHER)  # fmt: skip


def zone_colours(zones: pd.DataFrame, counts: pd.DataFrame) -> tuple[NDArray[np.float64],
                                                                      list[str]]:  # fmt: skip
    """The RGBA fill of each zone of ``zones`` (rows in its order) and the group it is drawn
    as (``""`` for none): the group of :data:`GROUPS` holding most of its households, ties to
    the first; opacity from :data:`ALPHA`'s first value (a few of its households) to its
    second (all)."""
    from matplotlib.colors import to_rgba

    names = [g for g, _, _ in GROUPS]
    table = counts.reindex(zones["zone"].astype(str)).fillna(0.0)
    groups = table[names].to_numpy(float)
    total = table.to_numpy(float).sum(axis=1)
    colours = np.zeros((len(zones), 4))
    drawn = [""] * len(zones)
    for i, row in enumerate(groups):
        if row.max(initial=0.0) <= 0:
            continue
        k = int(np.argmax(row))
        share = row[k] / total[i]
        colours[i] = to_rgba(GROUPS[k][2], ALPHA[0] + (ALPHA[1] - ALPHA[0]) * share)
        drawn[i] = names[k]
    return colours, drawn


def fig_catchments(zones: pd.DataFrame, groups: dict[str, pd.DataFrame], runs: list[_Run],
                   base: _Run, n_seeds: int = 1) -> Any:  # fmt: skip
    """One panel per scenario with catchments: its zones coloured by group (:func:`zone_colours`)
    on the base of the accessibility map, its interventions on top, and under it a legend of
    the groups with their households (a seed's mean)."""
    from matplotlib.patches import Patch

    from sim.maps import hexagons

    panels = [r for r in runs if r is not base and r.label in groups]
    fig, axes = _figure(6 * len(panels), 6.2, ncols=len(panels))
    cells = hexagons(zones["zone"])
    net = _base_network(base)
    streets = _main_streets(net)
    for ax, run in zip(np.atleast_1d(axes), panels, strict=True):
        counts = groups[run.label]
        colours, _ = zone_colours(zones, counts)
        _draw_zones(ax, zones, cells, colours, net, streets)
        _draw_interventions(ax, run.geometry)
        per_seed = counts.sum(axis=0) / max(n_seeds, 1)
        patches = [Patch(facecolor=colour, edgecolor="0.6", label=f"{label} ({per_seed[g]:,.0f})")
                   for g, label, colour in GROUPS]  # fmt: skip
        patches.append(Patch(facecolor="none", edgecolor="0.6",
                             label=f"{NEITHER} ({per_seed[NEITHER]:,.0f})"))  # fmt: skip
        handles, _ = ax.get_legend_handles_labels()  # the interventions and the lines
        ax.legend(handles=[*patches, *handles], fontsize="x-small", loc="upper center",
                  bbox_to_anchor=(0.5, -0.12), ncols=2, title=LEGEND_TITLE,
                  title_fontsize="x-small")  # fmt: skip
        _frame_map(ax, zones, f"{run.label}\nwho it serves, and the far households")
    return fig
