"""Comparison tables, reports and matplotlib figures of finished runs.

:func:`run_figures` draws the two figures of one run directory; :func:`compare` reads two or
more run directories (see :mod:`sim.runner`) and writes a comparison folder::

    summary.csv      one row per scenario x income class, plus an "all" row per scenario: each
                     number's mean across seeds, with `_low`, `_high` (95% interval) and `_sd`
    summary.json     every headline by scenario, class and "all" as {mean, low, high, sd,
                     n_seeds}, with the catchments' (:mod:`sim.compare_summary`)
    catchments.csv   served and far households' results by class (when catchments are given)
    report.md        planner-readable report; report.html the same, figures embedded
    zones.gpkg       zone hexagons (H3; else points), EPSG:4326, with accessibility per scenario and change
    figures/*.png

With several seeds (:func:`compare` takes one list of run directories per seed), every change
is computed within a seed against that seed's baseline (the same households) and then
summarised across seeds (:mod:`sim.intervals`).

Every number is computed from the run's Parquet tables with the pure functions of
:mod:`sim.metrics` (``summary.json`` only supplies capex, car VKT and CO2, which need the model),
so the report can be checked against the tables. Figures use matplotlib's object-oriented API on
the Agg canvas: no pyplot, no global backend switch, no display needed.

Conventions
-----------
- A *change* is ``scenario - baseline``. Households are matched row by row (winners and losers)
  only when two runs hold the same synthetic population: same seed, same household count, same
  income classes and home zones. Otherwise only class means are compared.
- Generalised cost is in minutes of each household's own value of time. To turn a change into
  money (benefit per capex), a class's change in minutes is multiplied by the class's mean value
  of time, ``vot_factor * mean(income) / 176 / 60`` per minute (the model's definition:
  ``sim.constants.HOURS_PER_MONTH`` working hours a month), ``vot_factor`` from the baseline.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from sim import intervals, metrics
from sim.constants import HOURS_PER_MONTH, TRIPS_PER_MONTH
from sim.errors import ScenarioError
from sim.modes import LINE_COLOURS, MODE_COLOURS, MODE_NAMES, TRANSIT_MODES
from sim.rundir.atomic import write_folder

if TYPE_CHECKING:
    from sim.compare_summary import Catchments

__all__ = ["check_run_dirs", "compare", "format_summary", "run_city", "run_figures"]

THRESHOLDS = (30, 45, 60)
#: A household whose expected generalised cost moves by less than this many minutes is
#: "unchanged".
GEN_COST_TOL_MIN = 0.5
#: ... and whose accessibility moves by less than this many jobs.
ACC_TOL_JOBS = 0.5
ALL = "all"

RUN_FILES = ("summary.json", "households.parquet", "zones.parquet", "lines.parquet")
HH_COLUMNS = (
    "income_class", "income", "home_zone", "mode", "travel_time_min", "money_cost",
    "gen_cost_min", "expected_cost_min", "fare_burden", "cost_burden", "vot_per_min", "acc30",
    "acc45", "acc60", "work_zone",
)  # fmt: skip
#: Commute trips a year, as in the model.
TRIPS_PER_YEAR = 12 * TRIPS_PER_MONTH
#: Capital costs become an equal annual cost at this real discount rate over this many years
#: (an assumption: Brazil's federal guide uses 8.5%, Colombia's DNP 9-12%).
DISCOUNT_RATE = 0.08
LIFETIME_YEARS = 30
ZONE_COLUMNS = ("zone", "lon", "lat", "acc30_transit", "acc45_transit", "acc60_transit")
LINE_COLUMNS = ("line", "mode", "boardings_per_hour", "peak_load_per_hour", "capacity_per_hour")


# ------------------------------------------------------------------------------ one run
def run_figures(run_dir: Path) -> list[Path]:
    """Draw a run's own figures into ``run_dir/figures``.

    Parameters
    ----------
    run_dir
        A run directory holding at least ``households.parquet`` and ``days.parquet``.

    Returns
    -------
    list of pathlib.Path
        ``figures/mode_shares_by_class.png`` (stacked mode shares per income class) and
        ``figures/convergence.png`` (relative gap and switching share by day).
    """
    run_dir = Path(run_dir)
    out = run_dir / "figures"
    out.mkdir(exist_ok=True)
    hh = pd.read_parquet(run_dir / "households.parquet", columns=["income_class", "mode"])
    days = pd.read_parquet(run_dir / "days.parquet")
    choice = _read_json(run_dir / "manifest.json").get("scenario", {}).get("choice", {})
    paths = [out / "mode_shares_by_class.png", out / "convergence.png"]
    _save(_fig_run_mode_shares(hh), paths[0])
    _save(_fig_convergence(days, choice.get("tolerance")), paths[1])
    return paths


def _fig_run_mode_shares(hh: pd.DataFrame) -> Any:
    shares = _class_mode_shares(hh)
    fig, ax = _figure(7, 4)
    _stacked_bars(ax, shares)
    ax.set_xlabel("income class (1 = poorest)")
    ax.set_title("Mode share by income class")
    return fig


def _fig_convergence(days: pd.DataFrame, tolerance: float | None) -> Any:
    fig, ax = _figure(7, 4)
    cols = {"relative_gap": "|relative gap|", "switching": "share switching mode"}
    cols = {c: label for c, label in cols.items() if c in days}
    for col, label in cols.items():
        ax.plot(days["day"], days[col].abs(), marker="o", label=label)
    values = days[list(cols)].abs().to_numpy(dtype=float)
    if np.isfinite(values).any() and np.nanmin(values) > 0:
        ax.set_yscale("log")
    if tolerance:
        ax.axhline(tolerance, color="k", ls="--", lw=1, label=f"tolerance {tolerance:g}")
    ax.set_xlabel("day")
    ax.set_title("Convergence of the day-to-day learning")
    ax.legend()
    return fig


# ------------------------------------------------------------------------------ loading
@dataclass
class _Run:
    path: Path
    label: str
    summary: dict[str, Any]
    manifest: dict[str, Any]
    households: pd.DataFrame
    zones: pd.DataFrame
    lines: pd.DataFrame
    geometry: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.summary.get("scenario", self.path.name))


def _check_runs(runs: Sequence[Path], baseline: int) -> list[Path]:
    """Validate the arguments of :func:`compare` without reading more than file headers."""
    paths = [Path(r) for r in runs]
    if len(paths) < 2:
        raise ScenarioError(f"compare needs at least 2 run directories, got {len(paths)}")
    if not (isinstance(baseline, int) and -len(paths) <= baseline < len(paths)):
        raise ScenarioError(f"`baseline` must index `runs` (0..{len(paths) - 1}), got {baseline}")
    check_run_dirs(paths)
    return paths


def check_run_dirs(runs: Sequence[Path]) -> None:
    """Each path is a complete run directory (files and columns), reading only file headers."""
    for path in map(Path, runs):
        if not path.is_dir():
            raise ScenarioError(f"{path}: no such run directory")
        missing = [f for f in RUN_FILES if not (path / f).is_file()]
        if missing:
            raise ScenarioError(f"{path}: incomplete run directory, missing {', '.join(missing)}")
        _check_columns(path / "households.parquet", HH_COLUMNS)
        _check_columns(path / "zones.parquet", ZONE_COLUMNS)
        _check_columns(path / "lines.parquet", LINE_COLUMNS)


def run_city(run: Path) -> str:
    """The city of a run directory, as :func:`compare` matches cities (the city's folder name)."""
    summary = _read_json(Path(run) / "summary.json")
    if "city" not in summary:
        raise ScenarioError(f"{Path(run) / 'summary.json'}: incomplete, lacks `city`")
    return _city_name(str(summary["city"]))


def run_scenario_file(run: Path) -> tuple[Path | None, Path | None]:
    """The scenario file a run directory was made from and the baseline file it declares, from
    its ``manifest.json`` (``None`` when unknown or no longer on disk)."""
    scenario = _read_json(Path(run) / "manifest.json").get("scenario")
    if not isinstance(scenario, dict) or not scenario.get("source"):
        return None, None
    source = Path(str(scenario["source"]))
    if not source.is_file():
        return None, None
    base = scenario.get("baseline")
    source = source.resolve()
    return source, (source.parent / str(base)).resolve() if base else None


def _check_columns(path: Path, required: Sequence[str]) -> None:
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(path).names)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise ScenarioError(f"{path}: unreadable Parquet file ({exc})") from None
    missing = [c for c in required if c not in names]
    if missing:
        raise ScenarioError(f"{path}: incomplete, lacks column(s) {', '.join(missing)}")


def _load(path: Path) -> _Run:
    summary = _read_json(path / "summary.json")
    if "city" not in summary:
        raise ScenarioError(f"{path / 'summary.json'}: incomplete, lacks `city`")
    geometry = _read_json(path / "interventions.geojson") or {"features": []}
    households = pd.read_parquet(path / "households.parquet")
    if "acc_smooth" not in households:  # a run written before the smooth measure
        households["acc_smooth"] = np.nan
    return _Run(
        path=path, label="", summary=summary, manifest=_read_json(path / "manifest.json"),
        households=households,
        zones=pd.read_parquet(path / "zones.parquet"),
        lines=pd.read_parquet(path / "lines.parquet"), geometry=geometry,
    )  # fmt: skip


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: unreadable JSON ({exc})") from None
    return data if isinstance(data, dict) else {}


def _city_key(run: _Run) -> str:
    """A city by bundled name, or by the folder of its ``city.toml`` (paths are relative)."""
    return _city_name(str(run.summary["city"]))


def _city_name(city: str) -> str:
    return Path(city).parent.name if city.endswith(".toml") else city


def _check_cities(runs: list[_Run]) -> None:
    pairs = ", ".join(f"{r.label}: {r.summary['city']}" for r in runs)
    if len({_city_key(r) for r in runs}) > 1:
        raise ScenarioError(f"cannot compare runs of different cities ({pairs})")
    zone_sets = {frozenset(r.zones["zone"].astype(str)) for r in runs}
    if len(zone_sets) > 1:
        raise ScenarioError(f"cannot compare runs of different cities ({pairs}; zones differ)")


def _label(runs: list[_Run]) -> None:
    """Scenario names as labels; a repeated name gets its run id, then a counter."""
    names = [r.name for r in runs]
    for run in runs:
        run.label = run.name if names.count(run.name) == 1 else f"{run.name} ({run.path.name})"
    labels = [r.label for r in runs]
    for i, run in enumerate(runs):
        if labels.count(run.label) > 1:
            run.label = f"{run.label} #{i + 1}"


def same_population(a: _Run, b: _Run) -> bool:
    """Whether households can be matched row by row: the same synthetic population."""
    ha, hb = a.households, b.households
    if a.summary.get("seed") != b.summary.get("seed") or len(ha) != len(hb):
        return False
    return all(
        np.array_equal(ha[col].astype(str).to_numpy(), hb[col].astype(str).to_numpy())
        for col in ("income_class", "home_zone", "work_zone")
    )


# ------------------------------------------------------------------------------ tables
def _modes(hh: pd.DataFrame) -> list[str]:
    cats = getattr(hh["mode"], "cat", None)
    extra = (
        [str(c) for c in cats.categories if str(c) not in MODE_NAMES] if cats is not None else []
    )
    return [*MODE_NAMES, *extra]


def _mode_shares(modes: pd.Series, order: Sequence[str]) -> pd.Series:
    """Shares among households with a mode (as in the runner's summary)."""
    counts = modes.astype(str).where(modes.notna()).value_counts()
    total = counts.sum()
    return (counts / total if total else counts).reindex(list(order), fill_value=0.0)


def _class_mode_shares(hh: pd.DataFrame) -> pd.DataFrame:
    """Mode shares, one row per income class then ``all``, one column per mode."""
    order = _modes(hh)
    rows = {_cls(c): _mode_shares(g["mode"], order) for c, g in hh.groupby("income_class")}
    rows[ALL] = _mode_shares(hh["mode"], order)
    return pd.DataFrame(rows).T.fillna(0.0)


def _cls(c: Any) -> str:
    return str(int(c)) if isinstance(c, int | np.integer | float) else str(c)


def _with_all(hh: pd.DataFrame) -> pd.DataFrame:
    """The households twice: by class and all together (class ``all``), for group-bys."""
    by = hh.assign(income_class=hh["income_class"].map(_cls))
    return pd.concat([by, hh.assign(income_class=ALL)], ignore_index=True)


def class_table(run: _Run) -> pd.DataFrame:
    """Levels of one run by income class (rows ``1..k`` and ``all``)."""
    hh = run.households
    cols = ["travel_time_min", "money_cost", "gen_cost_min", "expected_cost_min", "fare_burden",
            "cost_burden", "income"]  # fmt: skip
    cols += [*(f"acc{t}" for t in THRESHOLDS), "acc_smooth"]
    means = metrics.by_class(_with_all(hh), "income_class", cols)
    order = [*sorted((c for c in means.index if c != ALL), key=_class_sort), ALL]
    means = means.reindex(order)
    shares = _class_mode_shares(hh).add_prefix("share_").reindex(order)
    out = pd.DataFrame({"households": means["n"].astype(int)}, index=order)
    out = out.join(shares)
    out["share_transit"] = shares[[f"share_{m}" for m in TRANSIT_MODES]].sum(axis=1)
    out = out.join(means.drop(columns="n").rename(columns=_MEAN_NAMES))
    out["acc30_gini"], out["acc30_palma"] = _inequality(hh, order)
    return out


_MEAN_NAMES = {
    "travel_time_min": "mean_time_min", "money_cost": "mean_money_cost",
    "gen_cost_min": "mean_gen_cost_min", "income": "mean_income",
    "expected_cost_min": "mean_expected_cost_min",
}  # fmt: skip


def _class_sort(c: str) -> tuple[int, float | str]:
    try:
        return (0, float(c))
    except ValueError:
        return (1, c)


def _inequality(hh: pd.DataFrame, order: list[str]) -> tuple[list[float], list[float]]:
    """Gini and Palma of acc30 within each class and over everyone (NaN acc counts as 0)."""
    groups = dict(iter(_with_all(hh).groupby("income_class")))
    gini, palma = [], []
    for c in order:
        acc = np.nan_to_num(groups[c]["acc30"].to_numpy(dtype=float))
        gini.append(metrics.gini(acc))
        palma.append(metrics.palma(acc))
    return gini, palma


def _finite(x: float) -> float:
    """NaN for a ratio that is not a number (the run summary's rule: JSON null)."""
    return x if math.isfinite(x) else math.nan


def scenario_values(run: _Run, table: pd.DataFrame) -> dict[str, float]:
    """The scenario-level numbers that go on the ``all`` row."""
    hh, lines, s = run.households, run.lines, run.summary
    cable = lines[lines["mode"] == "cable"]
    classes = table.drop(index=ALL)
    return {
        "acc30_palma_by_income": metrics.palma(
            np.nan_to_num(hh["acc30"].to_numpy(dtype=float)), groups=hh["income_class"]
        ),
        "acc30_poorest_over_richest": _finite(metrics.quantile_ratio(classes["acc30"].fillna(0.0))),
        "transit_boardings_per_hour": float(lines["boardings_per_hour"].sum()),
        "cable_boardings_per_hour": float(cable["boardings_per_hour"].sum()),
        "cable_peak_load_factor": _peak_load_factor(cable),
        "capex": float(s.get("capex") or 0.0),
        "car_vkt_per_hour": _num(s.get("car_vkt_per_hour")),
        "co2_kg_per_hour": _num(s.get("co2_kg_per_hour")),
    }


def _peak_load_factor(cable: pd.DataFrame) -> float:
    if cable.empty:
        return math.nan
    return float((cable["peak_load_per_hour"] / cable["capacity_per_hour"]).max())


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def changes(table: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Change of class means vs the baseline (absolute and in % of the baseline)."""
    out = pd.DataFrame(index=table.index)
    for col in (*(f"acc{t}" for t in THRESHOLDS), "acc_smooth"):
        ref = base[col].reindex(table.index)
        out[f"{col}_change"] = table[col] - ref
        out[f"{col}_change_pct"] = 100.0 * (table[col] - ref) / ref.where(ref > 0)
    out["gen_cost_change_min"] = table["mean_gen_cost_min"] - base["mean_gen_cost_min"]
    out["expected_cost_change_min"] = (
        table["mean_expected_cost_min"] - base["mean_expected_cost_min"]
    )
    out["time_change_min"] = table["mean_time_min"] - base["mean_time_min"]
    out["fare_burden_change"] = table["fare_burden"] - base["fare_burden"]
    out["cost_burden_change"] = table["cost_burden"] - base["cost_burden"]
    return out


def winners(run: _Run, base: _Run) -> pd.DataFrame:
    """Shares better / worse off / unchanged by welfare and by acc30, matched rows.

    Welfare is the household's expected generalised cost over the modes it can use (the
    logsum: mode constants included, tastes integrated out), so a household that switches to a
    mode it now prefers counts as better off.
    """
    parts = []
    for col, better, tol, tag in (
        ("expected_cost_min", metrics.Better.LOWER, GEN_COST_TOL_MIN, "welfare"),
        ("acc30", metrics.Better.HIGHER, ACC_TOL_JOBS, "acc30"),
    ):
        b = base.households[col].to_numpy(dtype=float)
        a = run.households[col].to_numpy(dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)  # households with no possible trip drop out
        labels = run.households["income_class"].map(_cls).to_numpy()[ok]
        by = metrics.winners_losers(b[ok], a[ok], labels, tol=tol, better=better)
        overall = metrics.winners_losers(b[ok], a[ok], np.full(ok.sum(), ALL), tol=tol,
                                         better=better)  # fmt: skip
        frame = pd.concat([by, overall])[["share_better", "share_worse", "share_unchanged"]]
        parts.append(frame.add_suffix(f"_{tag}"))
    return pd.concat(parts, axis=1)


def benefits(
    run: _Run,
    base: _Run,
    table: pd.DataFrame,
    base_table: pd.DataFrame,
    *,
    matched: bool,
    vot_factor: float,
) -> pd.DataFrame:
    """Annual user benefit by class over the annualised capital cost.

    The benefit is the fall in expected generalised cost (the logsum) turned into money with
    each household's own value of time when households are matched, else with the class's mean
    value of time, times the trips of a year and the households each synthetic household
    stands for. Capex becomes an equal annual cost at :data:`DISCOUNT_RATE` over
    :data:`LIFETIME_YEARS` (:func:`sim.metrics.benefit_per_capex`), so the ratio is a yearly
    benefit-cost ratio of user benefits alone (no operating costs, no external effects).
    """
    capex = float(run.summary.get("capex") or 0.0)
    classes = table.index.drop(ALL)
    if capex <= 0:
        return pd.DataFrame(index=table.index)
    new, old = run.households, base.households
    # trips a year per household: the run's own count of its members' trips, else one commute
    trips = old["trips_year"] if "trips_year" in old else pd.Series(TRIPS_PER_YEAR, old.index)
    if matched:
        money = (new["expected_cost_min"] - old["expected_cost_min"]) * old["vot_per_min"] * trips
        delta = money.groupby(new["income_class"].map(_cls)).mean()
    else:
        vot = vot_factor * base_table["mean_income"] / HOURS_PER_MONTH / 60.0
        per_class = trips.groupby(old["income_class"].map(_cls)).mean()
        delta = (table["mean_expected_cost_min"] - base_table["mean_expected_cost_min"]) * vot
        delta = delta * per_class.reindex(delta.index)
    delta = delta.reindex(classes).dropna()
    if delta.empty:
        return pd.DataFrame(index=table.index)
    scale = _num(run.summary.get("households_represented")) / max(len(run.households), 1)
    scale = scale if math.isfinite(scale) and scale > 0 else 1.0
    households = table["households"].reindex(delta.index) * scale
    out = metrics.benefit_per_capex(
        delta, households, capex, trips_per_year=1.0, discount_rate=DISCOUNT_RATE,
        lifetime_years=LIFETIME_YEARS,
    )  # fmt: skip
    out = out.rename(columns={"households": "households_represented",
                              "delta_cost_per_trip": "expected_cost_change_money"})  # fmt: skip
    total = out.sum(numeric_only=True)
    total["expected_cost_change_money"] = math.nan
    total["benefit_share"] = 1.0 if total["annual_benefit"] != 0 else math.nan
    out.loc[ALL] = total
    return out


def summary_table(runs: list[_Run], base: _Run, vot_factor: float) -> pd.DataFrame:
    """The ``summary.csv`` table: one row per scenario x class, ``all`` last per scenario."""
    base_table = class_table(base)
    frames = []
    for run in runs:
        table = base_table if run is base else class_table(run)
        frame = table.copy()
        frame["vot_per_min"] = vot_factor * table["mean_income"] / HOURS_PER_MONTH / 60.0
        if run is not base:
            delta = changes(table, base_table)
            frame = frame.join(delta)
            matched = same_population(run, base)
            if matched:
                frame = frame.join(winners(run, base))
            frame["matched_households"] = matched
            frame = frame.join(
                benefits(run, base, table, base_table, matched=matched, vot_factor=vot_factor)
            )
        for key, value in scenario_values(run, table).items():
            frame.loc[ALL, key] = value
        frame.insert(0, "income_class", frame.index)
        frame.insert(0, "baseline", run is base)
        frame.insert(0, "run", str(run.path))
        frame.insert(0, "scenario", run.label)
        frames.append(frame.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------ figures
def _figure(width: float, height: float, ncols: int = 1) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes[0] if ncols == 1 else axes


def _save(fig: Any, path: Path) -> Path:
    # no "Software" text chunk: the PNG holds no URL and is byte-stable across runs
    fig.savefig(path, dpi=110, metadata={"Software": None})
    return path


def _stacked_bars(ax: Any, shares: pd.DataFrame) -> None:
    bottom = np.zeros(len(shares))
    x = np.arange(len(shares))
    for mode in shares.columns:
        values = shares[mode].to_numpy(dtype=float)
        if values.any():
            ax.bar(x, values, bottom=bottom, label=mode, color=MODE_COLOURS.get(mode))
            bottom += values
    ax.set_xticks(x, [str(i) for i in shares.index])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of commuters")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")


def _fig_accessibility_change(table: pd.DataFrame, runs: list[_Run], base: _Run) -> Any:
    fig, ax = _figure(8, 4.5)
    others = [r for r in runs if r is not base]
    classes = list(dict.fromkeys(table["income_class"]))
    width = 0.8 / len(others)
    x = np.arange(len(classes))
    col = "acc_smooth_change" if table["acc_smooth_change"].notna().any() else "acc30_change"
    for k, run in enumerate(others):
        rows = table[table["scenario"] == run.label].set_index("income_class").reindex(classes)
        values = rows[col].to_numpy(dtype=float)
        err = None
        if f"{col}_low" in rows and rows[f"{col}_low"].notna().any():  # 95% interval over seeds
            err = np.vstack([values - rows[f"{col}_low"], rows[f"{col}_high"] - values])
        ax.bar(x + (k - (len(others) - 1) / 2) * width, values, width, yerr=err, capsize=3,
               label=run.label)  # fmt: skip
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x, classes)
    ax.set_xlabel("income class (1 = poorest)")
    ax.set_ylabel("change in mean jobs " + ("(smooth)" if col == "acc_smooth_change"
                                            else "within 30 min"))  # fmt: skip
    ax.set_title(f"Accessibility change vs {base.label}")
    ax.legend(fontsize="small")
    return fig


def _fig_lorenz(runs: list[_Run]) -> Any:
    fig, ax = _figure(5.5, 5)
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls="--", label="equality")
    for run in runs:
        acc = np.nan_to_num(run.households["acc30"].to_numpy(dtype=float))
        pop, val = metrics.lorenz(acc)
        ax.plot(pop, val, label=f"{run.label} (Gini {metrics.gini(acc):.3f})")
    ax.set_xlabel("cumulative share of households (lowest access first)")
    ax.set_ylabel("cumulative share of jobs within 30 min")
    ax.set_title("Lorenz curves of accessibility")
    ax.legend(fontsize="small")
    return fig


def _fig_map(zones: pd.DataFrame, runs: list[_Run], base: _Run) -> Any:
    from matplotlib.ticker import MaxNLocator

    others = [r for r in runs if r is not base]
    fig, axes = _figure(5.5 * len(others), 5, ncols=len(others))
    for ax, run in zip(np.atleast_1d(axes), others, strict=True):
        slug = _slug(run.label)
        smooth = f"d_acc_smooth_{slug}" in zones and zones[f"d_acc_smooth_{slug}"].notna().any()
        change = zones[f"d_acc_smooth_{slug}" if smooth else f"d_acc30_{slug}"].to_numpy(float)
        lim = float(np.nanmax(np.abs(change), initial=0.0)) or 1.0
        size = 10 + 60 * zones["households"] / max(zones["households"].max(), 1)
        points = ax.scatter(zones["lon"], zones["lat"], c=change, s=size, cmap="RdBu",
                            vmin=-lim, vmax=lim, edgecolors="0.4", linewidths=0.3)  # fmt: skip
        _draw_interventions(ax, run.geometry)
        ax.set_aspect(1.0 / math.cos(math.radians(float(zones["lat"].mean()))))
        what = "jobs (smooth)" if smooth else "jobs within 30 min"
        ax.set_title(f"{run.label}: change in {what} by transit", fontsize="medium")
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.ticklabel_format(useOffset=False)
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        fig.colorbar(points, ax=ax, shrink=0.8, label="jobs (scenario - baseline)")
    return fig


def _draw_interventions(ax: Any, geometry: dict[str, Any]) -> None:
    seen = set()
    for feature in geometry.get("features", []):
        geom = feature.get("geometry") or {}
        props = feature.get("properties") or {}
        kind, name = str(props.get("type", "")), str(props.get("name", ""))
        colour = LINE_COLOURS.get(kind, "#444444")
        label = None if name in seen else f"{name} ({kind})"
        seen.add(name)
        for xy in _lines_of(geom):
            ax.plot(xy[:, 0], xy[:, 1], color=colour, lw=2.5, marker="o", ms=4, label=label)
            label = None
    if seen:
        ax.legend(fontsize="small", loc="best")


def _lines_of(geom: dict[str, Any]) -> list[np.ndarray]:
    kind, coords = geom.get("type"), geom.get("coordinates")
    if kind == "LineString":
        return [np.asarray(coords, dtype=float)[:, :2]]
    if kind == "MultiLineString":
        return [np.asarray(c, dtype=float)[:, :2] for c in coords or []]
    if kind == "Point":
        return [np.asarray([coords], dtype=float)[:, :2]]
    return []


def _fig_mode_shares(runs: list[_Run]) -> Any:
    shares = pd.DataFrame(
        {r.label: _class_mode_shares(r.households).loc[ALL] for r in runs}
    ).T.fillna(0.0)
    fig, ax = _figure(max(5.0, 1.4 * len(runs) + 2.5), 4.5)
    _stacked_bars(ax, shares)
    ax.set_title("Mode shares by scenario (all households)")
    return fig


def cable_table(runs: list[_Run]) -> pd.DataFrame:
    """Cable lines of every run: boardings, peak load, capacity, load factor."""
    rows = []
    for run in runs:
        for _, line in run.lines[run.lines["mode"] == "cable"].iterrows():
            rows.append(
                {
                    "scenario": run.label,
                    "line": line["line"],
                    "boardings_per_hour": line["boardings_per_hour"],
                    "peak_load_per_hour": line["peak_load_per_hour"],
                    "capacity_per_hour": line["capacity_per_hour"],
                    "load_factor": line["peak_load_per_hour"] / line["capacity_per_hour"],
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "line",
            "boardings_per_hour",
            "peak_load_per_hour",
            "capacity_per_hour",
            "load_factor",
        ],
    )


def _fig_cable_load(cable: pd.DataFrame) -> Any:
    fig, ax = _figure(8, 1.2 + 0.5 * len(cable))
    y = np.arange(len(cable))
    labels = [f"{s}: {n}" for s, n in zip(cable["scenario"], cable["line"], strict=True)]
    ax.barh(y, cable["capacity_per_hour"], color="0.85", label="capacity")
    ax.barh(y, cable["peak_load_per_hour"], height=0.5, color=MODE_COLOURS["cable"],
            label="peak load")  # fmt: skip
    ax.set_yticks(y, labels)
    ax.set_xlabel("passengers per hour per direction")
    ax.set_title("Cable lines: peak load vs capacity")
    ax.legend(fontsize="small")
    return fig


def _figures(out: Path, table: pd.DataFrame, zones: pd.DataFrame, runs: list[_Run],
             base: _Run, cable: pd.DataFrame) -> dict[str, Path]:  # fmt: skip
    folder = out / "figures"
    folder.mkdir()
    figs: dict[str, Callable[[], Any]] = {
        "accessibility_change_by_class": lambda: _fig_accessibility_change(table, runs, base),
        "lorenz_acc30": lambda: _fig_lorenz(runs),
        "map_accessibility_change": lambda: _fig_map(zones, runs, base),
        "mode_shares": lambda: _fig_mode_shares(runs),
    }
    if not cable.empty:
        figs["cable_load"] = lambda: _fig_cable_load(cable)
    return {name: _save(draw(), folder / f"{name}.png") for name, draw in figs.items()}


# ------------------------------------------------------------------------------ zones
def _slug(label: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", label).strip("_").lower() or "run"


def zone_table(runs: list[_Run], base: _Run) -> pd.DataFrame:
    """Zones of the baseline with accessibility per scenario and change vs the baseline."""
    keep = [c for c in ("zone", "lon", "lat", "population", "jobs", "income", "households")
            if c in base.zones]  # fmt: skip
    out = base.zones[keep].copy()
    out["zone"] = out["zone"].astype(str)
    ref = base.zones.set_index(base.zones["zone"].astype(str))
    for run in runs:
        z = run.zones.set_index(run.zones["zone"].astype(str)).reindex(out["zone"])
        slug = _slug(run.label)
        for t in (*THRESHOLDS, "_smooth"):
            col = f"acc{t}_transit"
            if col not in z or col not in ref:  # runs written before the smooth measure
                continue
            out[f"acc{t}_{slug}"] = z[col].to_numpy()
            if run is not base:
                out[f"d_acc{t}_{slug}"] = (z[col] - ref[col].reindex(out["zone"])).to_numpy()
    return out


def _write_gpkg(zones: pd.DataFrame, path: Path) -> None:
    from sim.maps import write_zones_gpkg  # H3 hexagons where the zone ids are cells

    write_zones_gpkg(zones, path)


# ------------------------------------------------------------------------------ report
@dataclass
class _Report:
    """A document as blocks, rendered to Markdown and to self-contained HTML."""

    blocks: list[tuple[str, Any]]

    def add(self, kind: str, content: Any) -> None:
        self.blocks.append((kind, content))


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a" if value is None or math.isnan(value) else ("inf" if value > 0 else "-inf")
    return format(value, spec)


def _build_report(runs: list[_Run], base: _Run, table: pd.DataFrame, cable: pd.DataFrame,
                  figures: dict[str, Path], currency: str,
                  extra: Callable[[_Report], None] | None = None) -> _Report:  # fmt: skip
    doc = _Report([])
    doc.add("h1", "Ladera comparison: " + " vs ".join(r.label for r in runs))
    doc.add(
        "p",
        f"Baseline: {base.label}. Every change is scenario minus baseline; "
        f"money is in {currency}. Tables: summary.csv; zones for QGIS: zones.gpkg.",
    )
    _section_scenarios(doc, runs, base, currency)
    _section_headline(doc, table, currency, str(base.summary.get("income_per", "household")))
    if extra is not None:  # precision and catchments (sim.compare_text)
        extra(doc)
    _section_winners(doc, runs, base, table, figures)
    _section_equity(doc, table, figures)
    _section_cable(doc, cable, figures)
    _section_caveats(doc, runs, base, table)
    return doc


def _section_scenarios(doc: _Report, runs: list[_Run], base: _Run, currency: str) -> None:
    doc.add("h2", "Scenarios compared")
    rows = []
    for run in runs:
        items = [_intervention_text(i, currency) for i in run.summary.get("interventions", [])]
        rows.append({
            "scenario": run.label + (" (baseline)" if run is base else ""),
            "seed": str(run.summary.get("seed", "")),
            "households": _fmt(len(run.households), ","),
            "days": str(run.summary.get("days", "")),
            "interventions": "; ".join(items) or "none",
            "run directory": str(run.path),
        })  # fmt: skip
    doc.add("table", pd.DataFrame(rows))


def _intervention_text(item: dict[str, Any], currency: str) -> str:
    text = f"{item.get('name', '?')} ({item.get('type', '?')})"
    capex = item.get("capex")
    if capex:
        year = f" {item['capex_year']}" if item.get("capex_year") else ""
        text += f", capex {_fmt(float(capex), ',.0f')} {item.get('capex_currency', currency)}{year}"
    return text


def _all_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["income_class"] == ALL].set_index("scenario")


def _section_headline(doc: _Report, table: pd.DataFrame, currency: str, income_per: str) -> None:
    doc.add("h2", "Headline")
    rows = _all_rows(table)
    doc.add("table", pd.DataFrame({
        "scenario": rows.index,
        "jobs (smooth)": _iv(rows, "acc_smooth", ",.0f"),
        "change": _iv(rows, "acc_smooth_change", ",.0f", change=True),
        "welfare change (min)": _iv(rows, "expected_cost_change_min", ".3f", change=True),
        "jobs within 30 min": _iv(rows, "acc30", ",.0f"),
        "change 30 min": _iv(rows, "acc30_change", ",.0f", change=True),
        "transit share": _iv(rows, "share_transit", ".1%"),
        "mean commute (min)": _iv(rows, "mean_time_min", ".1f"),
        "fare burden": _iv(rows, "fare_burden", ".1%"),
        "cost burden": _iv(rows, "cost_burden", ".1%"),
        f"capex ({currency})": rows["capex"].map(lambda v: _fmt(v, ",.0f")),
        "car+moto VKT/h": _iv(rows, "car_vkt_per_hour", ",.0f"),
        "CO2 kg/h": _iv(rows, "co2_kg_per_hour", ",.0f"),
    }))  # fmt: skip
    income = "income per person" if income_per == "person" else "household income"
    doc.add("p", "Jobs (smooth): jobs weighted by the city's decay of travel time (the "
                 "default headline: no threshold to cross). Welfare: expected generalised cost "
                 "of a trip (the logsum, minutes; negative change = gain). "
                 "Shares and means are over the synthetic households. Fare burden: transit "
                 f"riders' monthly fares ({TRIPS_PER_MONTH:.0f} trips) over their {income}, after subsidies; cost "
                 "burden: everyone's monthly commuting money cost (fares, fuel, parking) over "
                 f"{income}. VKT and CO2: car and motorbike vehicle-km of the modelled hour and "
                 "their tank-to-wheel CO2 (buses, metro and cable not included).")  # fmt: skip


def _section_winners(doc: _Report, runs: list[_Run], base: _Run, table: pd.DataFrame,
                     figures: dict[str, Path]) -> None:  # fmt: skip
    doc.add("h2", "Who wins and who loses, by income class")
    for run in (r for r in runs if r is not base):
        rows = table[table["scenario"] == run.label]
        doc.add("h3", f"{run.label} vs {base.label}")
        matched = bool(rows["matched_households"].iloc[0])
        doc.add("table", _winners_frame(rows, matched))
        if matched:
            doc.add(
                "p",
                "Same synthetic population in both runs (homes, incomes, vehicles, "
                "workplaces and tastes): households are matched one to one. Welfare is "
                "each household's expected generalised cost of commuting over the modes it "
                "can use (the logsum, mode constants included; negative = a gain). Better / "
                f"worse off means a change of more than {GEN_COST_TOL_MIN:g} minutes of "
                f"it or {ACC_TOL_JOBS:g} jobs.",
            )
        else:
            doc.add(
                "p",
                "The two runs do not hold the same synthetic population (seed, household "
                "count or city network differ), so households cannot be matched: only "
                "class means are compared and winner/loser shares are not given.",
            )
    crf = DISCOUNT_RATE / (1 - (1 + DISCOUNT_RATE) ** -LIFETIME_YEARS)
    doc.add("p", "Benefit / annualised capex: the class's yearly user benefit (fall in "
                 "expected generalised cost, each household's minutes times its own value of "
                 "time, income / 176 h / 60; times the household's trips of a year, there and "
                 "back on 264 working days; scaled to the "
                 "households each synthetic household represents) over the capital cost "
                 f"spread as an equal annual cost at {DISCOUNT_RATE:.0%} over {LIFETIME_YEARS} "
                 f"years (x {crf:.3f}). Operating costs and external effects are left out; "
                 "the classes sum to the project's ratio.")  # fmt: skip
    doc.add("fig", (figures["accessibility_change_by_class"], "Accessibility change by class"))
    doc.add("fig", (figures["mode_shares"], "Mode shares by scenario"))


def _winners_frame(rows: pd.DataFrame, matched: bool) -> pd.DataFrame:
    out = pd.DataFrame({
        "class": rows["income_class"],
        "households": rows["households"].map(lambda v: _fmt(v, ",.0f")),
        "jobs 30 min change": _iv(rows, "acc30_change", ",.0f", change=True),
        "jobs (smooth) change": _iv(rows, "acc_smooth_change", ",.0f", change=True),
        "welfare change (min)": _iv(rows, "expected_cost_change_min", ".3f", change=True),
        "fare burden": _iv(rows, "fare_burden", ".1%"),
        "fare burden change (pp)": _iv(rows, "fare_burden_change", ".1f", change=True,
                                       scale=100.0),
    })  # fmt: skip
    if matched:
        for col, title in (("share_better_welfare", "better off (welfare)"),
                           ("share_worse_welfare", "worse off (welfare)"),
                           ("share_better_acc30", "better off (access)"),
                           ("share_worse_acc30", "worse off (access)")):  # fmt: skip
            out[title] = _iv(rows, col, ".1%")
    if "annual_benefit" in rows:
        out["yearly user benefit"] = _iv(rows, "annual_benefit", ",.0f", change=True)
    if "benefit_per_capex" in rows:
        out["benefit / annualised capex"] = _iv(rows, "benefit_per_capex", ".3f", change=True)
    return out


def _iv(rows: pd.DataFrame, col: str, spec: str, *, change: bool = False,
        scale: float = 1.0) -> list[str]:  # fmt: skip
    """Each row's mean of ``col`` (times ``scale``) with its interval across seeds
    (:mod:`sim.intervals`); a change whose interval holds zero says it is not distinguishable
    from zero."""
    if col not in rows:
        return ["n/a"] * len(rows)
    text = intervals.change_text if change else intervals.interval_text
    cells = []
    for _, row in rows.iterrows():
        iv = intervals.column_interval(row, col)
        iv.update({k: iv[k] * scale for k in ("mean", "low", "high", "sd") if iv[k] is not None})
        cells.append(text(iv, spec))
    return cells


def _section_equity(doc: _Report, table: pd.DataFrame, figures: dict[str, Path]) -> None:
    doc.add("h2", "Equity of accessibility (jobs within 30 min)")
    rows = _all_rows(table)
    doc.add("table", pd.DataFrame({
        "scenario": rows.index,
        "Gini": _iv(rows, "acc30_gini", ".4f"),
        "Palma": _iv(rows, "acc30_palma", ".4f"),
        "Palma by income": _iv(rows, "acc30_palma_by_income", ".4f"),
        "poorest / richest class": _iv(rows, "acc30_poorest_over_richest", ".4f"),
    }))  # fmt: skip
    doc.add("p", "Gini 0 = everyone reaches as many jobs. Palma = share of the 10% with the most "
                 "access over the 40% with the least (0.25 = equal); by income it ranks "
                 "households by income class instead. Poorest / richest = mean access of "
                 "the poorest class over the richest.")  # fmt: skip
    doc.add("fig", (figures["lorenz_acc30"], "Lorenz curves of jobs within 30 min"))
    doc.add("fig", (figures["map_accessibility_change"], "Change in transit accessibility by zone"))


def _section_cable(doc: _Report, cable: pd.DataFrame, figures: dict[str, Path]) -> None:
    doc.add("h2", "Cable load vs capacity")
    if cable.empty:
        doc.add("p", "No cable line in these runs.")
        return
    doc.add("table", pd.DataFrame({
        "scenario": cable["scenario"], "line": cable["line"],
        "boardings/h": _iv(cable, "boardings_per_hour", ",.0f"),
        "peak load/h": _iv(cable, "peak_load_per_hour", ",.0f"),
        "capacity/h": cable["capacity_per_hour"].map(lambda v: _fmt(v, ",.0f")),
        "load factor": _iv(cable, "load_factor", ".1%"),
    }))  # fmt: skip
    doc.add("fig", (figures["cable_load"], "Cable peak load vs capacity"))


def _section_caveats(doc: _Report, runs: list[_Run], base: _Run, table: pd.DataFrame) -> None:
    doc.add("h2", "Caveats")
    items = [
        "The population is synthetic: households drawn from zone tables (population, income, "
        "jobs), not surveyed people; small classes carry sampling noise.",
        "Behaviour parameters (value of time, mode constants, weights of waiting and walking, "
        "vehicle ownership by income, capacities, emission factors) are assumptions or "
        "calibrated to aggregate mode shares; test sensitivity before deciding.",
        _seeds_caveat(int(_num(table["n_seeds"].iloc[0])) if "n_seeds" in table else 1),
        "Accessibility counts jobs reachable at the morning peak by transit and walking, or by "
        "car for households owning a car or motorbike; zones are points.",
        "Capex is as stated in the scenario, spread as an equal annual cost at "
        f"{DISCOUNT_RATE:.0%} over {LIFETIME_YEARS} years; benefits are user time and money "
        "only (no operating costs, no wider effects), per year.",
        "Workplaces are drawn once on the city's network as bundled, so every scenario keeps "
        "them: the comparison is of how people travel, not of where they would move.",
    ]
    if any(not r for r in table.get("matched_households", pd.Series(dtype=bool)).dropna()):
        items.append("Some runs hold different synthetic populations: compare class means only.")
    doc.add("ul", items)


def _seeds_caveat(n_seeds: int) -> str:
    if n_seeds <= 1:
        return ("One seed per scenario: no number has an interval, and differences of a few per "
                "cent may be noise; compare on several seeds (`ladera compare --seeds 5`).")  # fmt: skip
    return (f"Each number is the mean over {n_seeds} seeds (different synthetic populations, "
            "the same in every scenario of a seed) with its 95% interval; a change whose "
            "interval holds zero is reported as not distinguishable from zero. The intervals "
            "cover the population draw, not the model's assumptions.")  # fmt: skip


# ------------------------------------------------------------------------------ rendering
def _md_table(df: pd.DataFrame) -> str:
    cells = [[str(c) for c in df.columns], *[[str(v) for v in row] for row in df.to_numpy()]]
    esc = [[c.replace("|", "\\|") for c in row] for row in cells]
    head = "| " + " | ".join(esc[0]) + " |"
    rule = "|" + "|".join("---" for _ in esc[0]) + "|"
    return "\n".join([head, rule, *("| " + " | ".join(r) + " |" for r in esc[1:])])


def to_markdown(doc: _Report, root: Path) -> str:
    """Render the report as Markdown; figures are linked relative to ``root``."""
    parts = []
    for kind, content in doc.blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append("#" * int(kind[1]) + " " + content)
        elif kind == "p":
            parts.append(content)
        elif kind == "ul":
            parts.append("\n".join(f"- {item}" for item in content))
        elif kind == "table":
            parts.append(_md_table(content))
        elif kind == "fig":
            path, caption = content
            parts.append(f"![{caption}]({path.relative_to(root).as_posix()})")
    return "\n\n".join(parts) + "\n"


_CSS = (
    "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:90%}"
    "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:right}"
    "th{background:#eee}td:first-child,th:first-child{text-align:left}"
    "img{max-width:100%}figure{margin:1em 0}figcaption{color:#555;font-size:90%}"
)


def to_html(doc: _Report) -> str:
    """Render the report as one self-contained HTML page (figures as base64 PNG)."""
    e = html.escape
    parts = []
    for kind, content in doc.blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append(f"<{kind}>{e(content)}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{e(content)}</p>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in content) + "</ul>")
        elif kind == "table":
            parts.append(content.to_html(index=False, escape=True, border=0))
        elif kind == "fig":
            path, caption = content
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            parts.append(f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{e(caption)}</figcaption></figure>")  # fmt: skip
    title = e(doc.blocks[0][1]) if doc.blocks else "Ladera report"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}'
            f"</title><style>{_CSS}</style></head><body>\n" + "\n".join(parts)
            + "\n</body></html>\n")  # fmt: skip


# ------------------------------------------------------------------------------ compare
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
        (:class:`sim.compare_summary.Catchments`); their results go to ``catchments.csv``,
        ``summary.json`` and the report.

    Returns
    -------
    pathlib.Path
        ``out_dir``, holding ``summary.csv``, ``summary.json``, ``report.md``,
        ``report.html``, ``zones.gpkg`` and ``figures/*.png`` (see the module docstring).

    Raises
    ------
    ScenarioError
        Fewer than two runs, a missing or incomplete run directory, a bad ``baseline``, runs
        of different cities, seeds whose scenarios differ or an ``out_dir`` that exists;
        raised before anything is written.
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
    from sim.compare_text import write_all

    write_all(out, loaded, baseline, catchments)
    # the `appraisal` section of summary.json (sim.appraisal_runs), with intervals across seeds
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


# ------------------------------------------------------------------------------ CLI table
def format_summary(df: pd.DataFrame) -> str:
    """The headline of a ``summary.csv`` table as plain text, for the command line
    (:func:`sim.compare_text.format_summary`)."""
    from sim.compare_text import format_summary as text

    return text(df)
