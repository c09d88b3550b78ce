"""The comparison's catchment map (sim/report/catchment_map.py): households counted by home zone
and group by hand, the zones' colours, and the drawn figure's artists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from sim.catchment import Catchments
from sim.errors import ScenarioError
from sim.report import catchment_map as CM
from sim.report.figures import _save
from sim.report.read import _Run

PNG = b"\x89PNG\r\n\x1a\n"
COLOURS = {g: colour for g, _, colour in CM.GROUPS}


def _run(name: str, homes: list[str], path: Path = Path("nowhere"),
         geometry: dict | None = None) -> _Run:  # fmt: skip
    """A run as the report reads it: only what the catchment map uses (no network is found at
    ``path``, so the map is drawn without streets)."""
    return _Run(path=path, label=name, summary={"scenario": name}, manifest={},
                households=pd.DataFrame({"home_zone": homes}), zones=pd.DataFrame(),
                lines=pd.DataFrame(), geometry=geometry or {"features": []})  # fmt: skip


def _masks(served: list[int], far: list[int]) -> dict[str, np.ndarray]:
    s, f = np.array(served, bool), np.array(far, bool)
    return {"served": s, "far": f, "control": f & ~s}


def test_households_are_counted_by_home_zone_and_group_over_the_seeds() -> None:
    # seed 1: a served, a neither, b far and served, c control twice, d neither;
    # seed 2: a served, b far and served, b control; "y" has no catchment, the baseline none
    homes = (["a", "a", "b", "c", "c", "d"], ["a", "b", "b"])
    loaded = [[_run("base", h), _run("x", h), _run("y", h)] for h in homes]
    masks = [{"x": _masks([1, 0, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0])},
             {"x": _masks([1, 1, 0], [0, 1, 1])}]  # fmt: skip
    got = CM.zone_groups(loaded, 0, Catchments(masks))
    assert list(got) == ["x"]
    want = pd.DataFrame(
        {"served": [2, 0, 0, 0], "far_served": [0, 2, 0, 0], "control": [0, 1, 2, 0],
         "neither": [1, 0, 0, 1]}, index=["a", "b", "c", "d"], dtype=float)  # fmt: skip
    pd.testing.assert_frame_equal(got["x"].sort_index(), want, check_names=False)


def test_a_zone_takes_its_largest_groups_colour_paler_for_a_smaller_share() -> None:
    zones = pd.DataFrame({"zone": ["a", "b", "c", "d", "e", "f"]})
    counts = pd.DataFrame(
        {"served": [2, 0, 0, 0, 1], "far_served": [0, 2, 0, 0, 0], "control": [0, 1, 2, 0, 1],
         "neither": [1, 0, 0, 3, 0]}, index=["a", "b", "c", "d", "e"], dtype=float)  # fmt: skip
    colours, drawn = CM.zone_colours(zones, counts)
    low, high = CM.ALPHA
    assert drawn == ["served", "far_served", "control", "", "served", ""]  # e: a tie, the first
    shares = {0: 2 / 3, 1: 2 / 3, 2: 1.0, 4: 0.5}
    for i, share in shares.items():
        assert colours[i] == pytest.approx(to_rgba(COLOURS[drawn[i]], low + (high - low) * share))
    assert colours[3] == pytest.approx((0, 0, 0, 0)) and colours[5] == pytest.approx((0, 0, 0, 0))


def _cells() -> list[str]:
    import h3

    centre = h3.latlng_to_cell(-30.07, -51.17, 9)
    return [centre, *sorted(set(h3.grid_disk(centre, 1)) - {centre})]


def test_the_map_draws_three_colour_groups_a_legend_and_the_line(tmp_path: Path) -> None:
    import h3  # a dependency of Ladera (pyproject.toml): never skipped

    cells = _cells()
    zones = pd.DataFrame({"zone": cells, "households": 10.0})
    zones["lat"], zones["lon"] = zip(*(h3.cell_to_latlng(c) for c in cells), strict=True)
    # two zones of each group, one with nobody in a group
    counts = pd.DataFrame({"served": [4, 2, 0, 0, 0, 0, 0], "far_served": [0, 0, 5, 1, 0, 0, 0],
                           "control": [0, 0, 0, 0, 6, 2, 0], "neither": [0, 1, 0, 0, 0, 0, 9]},
                          index=cells, dtype=float)  # fmt: skip
    line = {"features": [{"type": "Feature", "properties": {"name": "Cable", "type": "cable_line"},
                          "geometry": {"type": "LineString",
                                       "coordinates": [[-51.172, -30.071], [-51.168, -30.069]]}}]}  # fmt: skip
    base, run = _run("base", []), _run("x", [], geometry=line)
    fig = CM.fig_catchments(zones, {"x": counts}, [base, run], base, n_seeds=2)
    (ax,) = fig.axes
    hexes = ax.collections[0]  # the zones, drawn first
    assert len(hexes.get_paths()) == len(cells)
    faces = hexes.get_facecolors()
    rgb = {g: tuple(np.round(to_rgba(c)[:3], 6)) for g, c in COLOURS.items()}
    assert len(set(rgb.values())) == 3  # three colours, told apart
    filled = {tuple(np.round(c[:3], 6)) for c in faces if c[3] > 0}
    assert filled == set(rgb.values())
    for i, group in ((0, "served"), (1, "served"), (2, "far_served"), (4, "control")):
        assert tuple(np.round(faces[i][:3], 6)) == rgb[group], i
    assert faces[6][3] == 0  # nobody in a group: unfilled
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["served (3)", "far and served (3)", "control: far at both ends, not served (4)",
                      "neither (5)", "Cable (cable_line)"]  # fmt: skip
    (drawn,) = [ln for ln in ax.get_lines() if ln.get_label() == "Cable (cable_line)"]
    assert drawn.get_zorder() > hexes.get_zorder()  # the line on top of the zones
    assert drawn.get_xydata() == pytest.approx(np.array([[-51.172, -30.071], [-51.168, -30.069]]))
    path = _save(fig, tmp_path / "map_catchments.png")
    assert path.read_bytes().startswith(PNG)


def test_catchments_that_do_not_fit_the_runs_are_one_clear_error() -> None:
    loaded = [[_run("base", ["a", "b"]), _run("x", ["a", "b"])]]
    with pytest.raises(ScenarioError, match=r"^catchments: 2 seed\(s\) of masks for 1 seed"):
        CM.check_catchments(loaded, 0, Catchments([{}, {}]))
    bad = Catchments([{"x": _masks([1, 0, 1], [0, 0, 0])}])
    with pytest.raises(ScenarioError) as exc:
        CM.check_catchments(loaded, 0, bad)
    message = str(exc.value)
    assert "\n" not in message
    assert "catchments of x" in message and "shape (3,)" in message
    assert "holds 2 households" in message
    CM.check_catchments(loaded, 0, Catchments([{"x": _masks([1, 0], [0, 1])}]))  # fits
