"""The ``remove_line`` and ``bundled_line`` intervention types: lines the city already has.

``remove_line`` takes lines out of service (a city before a line was built); ``bundled_line``
counts a line of the bundle as the scenario's investment. Both find lines by a regular
expression on their names (:func:`match_lines`, which the catchments use too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from sim.errors import ScenarioError
from sim.interventions.base import Capex, line_geojson, register
from sim.network.arrays import Layer, MultimodalNetwork, lines_in_service


@dataclass(frozen=True)
class RemoveLine:
    """Take existing transit lines out of service (e.g. a city before a line was built).

    ``line_pattern`` is a regular expression searched in line names, ignoring case (as road
    ``name_pattern``). A removed line keeps its edges but cannot be boarded.
    """

    type: Literal["remove_line"]
    name: str
    line_pattern: str

    def __post_init__(self) -> None:
        try:
            re.compile(self.line_pattern)
        except re.error as exc:
            raise ScenarioError(f"remove_line `{self.name}`: bad `line_pattern` ({exc})") from None


@dataclass(frozen=True)
class BundledLine:
    """A line the city bundle already has, counted as this scenario's investment.

    The network is unchanged; the line must exist and run (not taken out by an earlier
    ``remove_line``), and its stations, geometry and capital cost are reported (e.g. Medellín's
    Line K against a 2003 baseline that removes it). ``line_pattern`` is a regular expression
    searched in line names, ignoring case.
    """

    type: Literal["bundled_line"]
    name: str
    line_pattern: str
    capex: Capex = field(default_factory=Capex)

    def __post_init__(self) -> None:
        try:
            re.compile(self.line_pattern)
        except re.error as exc:
            raise ScenarioError(f"bundled_line `{self.name}`: bad `line_pattern` ({exc})") from None


def match_lines(net: MultimodalNetwork, pattern: str) -> NDArray[np.int64]:
    """Lines (rows of ``net.lines``) whose name matches regular expression ``pattern``,
    searched anywhere in the name and ignoring case (like road ``name_pattern``)."""
    rx = re.compile(pattern, re.IGNORECASE)
    return np.flatnonzero([bool(rx.search(str(n))) for n in net.lines.name]).astype(np.int64)


@register("remove_line", RemoveLine)
def apply_remove_line(net: MultimodalNetwork, r: RemoveLine) -> tuple[MultimodalNetwork, dict]:
    hit = match_lines(net, r.line_pattern)
    if hit.size == 0:
        raise ScenarioError(f"remove_line `{r.name}`: `line_pattern` {r.line_pattern!r} matches "
                            "no line")  # fmt: skip
    # nobody can board a removed line; its other edges stay (unreachable) so ids stay stable
    time_s = net.time_s.copy()
    time_s[(net.layer == Layer.BOARD) & np.isin(net.edge_line, hit)] = np.inf
    time_s[(net.layer == Layer.TRANSFER) & np.isin(net.edge_line, hit)] = np.inf
    return net.with_edges(time_s=time_s), {"lines": [str(n) for n in net.lines.name[hit]]}


@register("bundled_line", BundledLine)
def apply_bundled_line(net: MultimodalNetwork, b: BundledLine) -> tuple[MultimodalNetwork, dict]:
    hit = match_lines(net, b.line_pattern)
    if hit.size == 0:
        raise ScenarioError(f"bundled_line `{b.name}`: `line_pattern` {b.line_pattern!r} matches "
                            "no line of the city")  # fmt: skip
    running = lines_in_service(net)[hit]
    if not running.any():
        names = ", ".join(str(n) for n in net.lines.name[hit[:3]]) + (", ..." * (hit.size > 3))
        raise ScenarioError(f"bundled_line `{b.name}`: `line_pattern` {b.line_pattern!r} matches "
                            f"only lines out of service ({names}): an earlier remove_line took "
                            "them out")  # fmt: skip
    hit = hit[running]
    walk = net.stop_walk[net.stop_line == hit[0]]
    return net, {
        "lines": [str(n) for n in net.lines.name[hit]],
        "stations": [str(n) for n in net.stop_name[net.stop_line == hit[0]]],
        "geometry": line_geojson(net.x[walk], net.y[walk]),
    }
