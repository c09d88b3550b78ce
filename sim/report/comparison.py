"""Writing a comparison folder: :func:`compare` checks and loads the runs (one list per seed),
writes every file into a hidden sibling folder and renames it into place, so a failure leaves
nothing behind and nothing is ever overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pandas as pd

from sim import intervals
from sim.catchment import Catchments
from sim.errors import ScenarioError
from sim.report.appraisal import section_appraisal
from sim.report.bottom_line import bottom_line
from sim.report.catchment_map import check_catchments, fig_catchments, zone_groups
from sim.report.document import _Report, to_html, to_markdown
from sim.report.figures import _figures, _save
from sim.report.read import _check_cities, _check_runs, _label, _load, _Run
from sim.report.sections import _build_report, _section_catchments, _section_precision
from sim.report.seeds import (
    catchment_frame,
    catchment_tables,
    seed_tables,
    summary_json,
    write_json,
)
from sim.report.tables import cable_table, zone_table
from sim.rundir.atomic import write_folder


def compare(runs: Sequence[Path] | Sequence[Sequence[Path]], out_dir: Path, *,
            baseline: int = 0, catchments: Catchments | None = None) -> Path:  # fmt: skip
    """Compare run directories by income class and write a report folder atomically.

    Parameters
    ----------
    runs
        Two or more run directories written by :func:`sim.runner.run_scenario`, all of the
        same city; or one such list per seed, the scenarios in the same order in each (seed
        ``s`` of every scenario holding the same households), for intervals across seeds.
    out_dir
        Folder to write; it must not exist (a comparison is never overwritten). It is built in a
        hidden sibling folder and renamed into place, so a failure leaves nothing behind.
    baseline
        Index in each list of the baseline every change is measured against.
    catchments
        The served and far households of each scenario, per seed
        (:class:`sim.catchment.Catchments`); their results go to ``catchments.csv``,
        ``summary.json`` and the report, and where they live to ``figures/map_catchments.png``.

    Returns
    -------
    pathlib.Path
        ``out_dir``, holding ``summary.csv``, ``summary.json``, ``report.md``,
        ``report.html``, ``zones.gpkg`` and ``figures/*.png`` (see the module docstring).

    Raises
    ------
    ScenarioError
        Fewer than two runs, a missing or incomplete run directory, a bad ``baseline``, runs
        of different cities, seeds whose scenarios differ, catchments that do not fit the runs
        or an ``out_dir`` that exists; raised before anything is written.
    """
    nested = bool(runs) and not isinstance(runs[0], str | Path)
    seeds = (
        [list(cast(Sequence[Path], r)) for r in runs] if nested else [cast(Sequence[Path], runs)]
    )
    paths = [_check_runs(r, baseline) for r in seeds]
    _check_free(Path(out_dir))
    loaded = []
    for seed_paths in paths:
        seed_runs = [_load(p) for p in seed_paths]
        _label(seed_runs)
        _check_cities(seed_runs)
        loaded.append(seed_runs)
    names = [r.label for r in loaded[0]]
    for seed_runs in loaded[1:]:
        if [r.label for r in seed_runs] != names:
            raise ScenarioError(f"every seed must hold the same scenarios in the same order "
                                f"({', '.join(names)}); got {', '.join(r.label for r in seed_runs)}")  # fmt: skip
    if catchments is not None:
        check_catchments(loaded, baseline, catchments)
    out_dir = Path(out_dir)
    created = _make_parents(out_dir.parent)
    try:
        write_folder(out_dir, lambda tmp: _write_all(tmp, loaded, baseline, catchments),
                     taken=_TAKEN)  # fmt: skip
    except BaseException:
        for folder in created:  # deepest first; stops at the first one not empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    return out_dir


def _write_all(out: Path, loaded: list[list[_Run]], baseline: int,
               catchments: Catchments | None) -> None:  # fmt: skip
    write_all(out, loaded, baseline, catchments, appraise=True)


def _appraise(out: Path, loaded: list[list[_Run]], baseline: int) -> None:
    """The ``appraisal`` section of summary.json (sim.appraisal_runs), with intervals across
    seeds."""
    from sim.appraisal_runs import write_seed_appraisal

    write_seed_appraisal(out, [[r.path for r in seed] for seed in loaded], baseline,
                         [r.label for r in loaded[0]])  # fmt: skip


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing ancestors; return those created, deepest first."""
    created = []
    p = folder
    while not p.exists():
        created.append(p)
        p = p.parent
    folder.mkdir(parents=True, exist_ok=True)
    return created


#: What a comparison folder that exists is told (:func:`sim.rundir.atomic.write_folder`).
_TAKEN = "already exists (a comparison is never overwritten); choose another `--id`"


def _check_free(out_dir: Path) -> None:
    if out_dir.exists():
        raise ScenarioError(f"{out_dir}: {_TAKEN}")


def _write_gpkg(zones: pd.DataFrame, path: Path) -> None:
    from sim.maps import write_zones_gpkg  # H3 hexagons where the zone ids are cells

    write_zones_gpkg(zones, path)


def write_all(out: Path, loaded: list[list[_Run]], baseline: int,
              catchments: Catchments | None, *, appraise: bool = False) -> None:  # fmt: skip
    """Every file of a comparison folder (:mod:`sim.report`'s docstring lists them); with
    ``appraise``, the appraisal joins summary.json before the report, whose bottom line is
    written from summary.json (:mod:`sim.report.bottom_line`)."""
    tables = seed_tables(loaded, baseline)
    table = intervals.aggregate(tables, ["scenario", "income_class"])
    table.to_csv(out / "summary.csv", index=False)
    groups = catchment_tables(loaded, baseline, catchments) if catchments else []
    group_table = None
    if groups and catchments is not None:
        group_table = intervals.aggregate(groups, ["scenario", "group", "income_class"])
        group_table.to_csv(out / "catchments.csv", index=False)
        catchment_frame(loaded, catchments).to_parquet(out / "catchment_households.parquet")
    write_json(summary_json(tables, groups, loaded, baseline, catchments), out / "summary.json")
    if appraise:
        _appraise(out, loaded, baseline)
    written = json.loads((out / "summary.json").read_text())
    lead = bottom_line(written)
    runs, base = loaded[0], loaded[0][baseline]
    zones = mean_zone_table(loaded, baseline)
    _write_gpkg(zones, out / "zones.gpkg")
    cable = mean_cable_table(loaded)
    figures = _figures(out, table, zones, runs, base, cable)
    if group_table is not None and catchments is not None:
        by_zone = zone_groups(loaded, baseline, catchments)
        if by_zone:  # figures/map_catchments.png, beside the catchments' section
            figures["map_catchments"] = _save(fig_catchments(zones, by_zone, runs, base,
                                                             len(loaded)),
                                              out / "figures" / "map_catchments.png")  # fmt: skip
    currency = str(base.summary.get("currency", "local currency"))
    seeds = [r[baseline].summary.get("seed") for r in loaded]

    def extra(doc: _Report) -> None:
        if group_table is not None and catchments is not None:
            _section_catchments(doc, group_table, catchments, runs, currency,
                                figures.get("map_catchments"))  # fmt: skip
        section_appraisal(doc, written.get("appraisal"))
        _section_precision(doc, seeds)

    doc = _build_report(runs, base, table, cable, figures, currency, extra=extra, lead=lead)
    (out / "report.md").write_text(to_markdown(doc, out), encoding="utf-8")
    (out / "report.html").write_text(to_html(doc), encoding="utf-8")


def mean_zone_table(loaded: list[list[_Run]], baseline: int) -> pd.DataFrame:
    """:func:`sim.report.tables.zone_table` averaged over the seeds (zones are the same in every run)."""
    frames = [zone_table(runs, runs[baseline]) for runs in loaded]
    if len(frames) == 1:
        return frames[0]
    first = frames[0]
    numeric = [c for c in first.columns if c != "zone" and pd.api.types.is_numeric_dtype(first[c])]
    stacked = pd.concat(frames, ignore_index=True)
    means = stacked.groupby("zone", sort=False)[numeric].mean()
    out = first[["zone"]].join(means, on="zone")[first.columns]
    # a zone's change whose 95% interval across seeds holds zero (drawn grey on the map)
    for col in (c for c in numeric if c.startswith("d_acc")):
        by_zone = stacked.groupby("zone", sort=False)[col]
        signs = by_zone.apply(lambda x: intervals.sign(intervals.interval(x)) == 0)
        out[f"{col}_nd"] = out["zone"].map(signs).fillna(True).astype(bool)
    return out


def mean_cable_table(loaded: list[list[_Run]]) -> pd.DataFrame:
    """:func:`sim.report.tables.cable_table` over the seeds: means with their intervals."""
    frames = [cable_table(runs) for runs in loaded]
    if pd.concat(frames, ignore_index=True).empty:
        return frames[0]
    return intervals.aggregate(frames, ["scenario", "line"])
