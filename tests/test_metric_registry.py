"""The headline metrics' registry: a metric registered once shows in a run's summary, in a
batch's rows, in the comparison's tables and report (whose ``summary.csv`` rows are also what
the studio's design comparison shows) and on the command line; unregistered, in none of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sim import report
from sim.metrics import registry

SCENARIOS = Path(__file__).parent / "data" / "scenarios"
NAME = "share_long_commutes"
LISTS = (registry.RUN_SUMMARY, registry.REPORT_HEADLINE, registry.TERMINAL_LEVELS, registry.BATCH,
         registry.TERMINAL_CHANGES)  # fmt: skip


def _long_commutes(hh: pd.DataFrame, lines: pd.DataFrame) -> float | None:
    return float((hh["travel_time_min"] > 20.0).mean())


LONG = registry.Metric(
    NAME, "long commutes", "share", "lower", "households whose commute takes over 20 min",
    ".1%", from_tables=_long_commutes,
)  # fmt: skip


@pytest.fixture(scope="module")
def registered() -> Iterator[registry.Metric]:
    registry.register(LONG)
    try:
        yield LONG
    finally:
        registry.unregister(NAME)


@pytest.fixture(scope="module")
def runs(registered: registry.Metric, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The mini baseline and the mini cable run, made while the metric is registered."""
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    results = tmp_path_factory.mktemp("results")
    out = []
    for name in ("mini_baseline", "mini_cable"):
        result = run_scenario(load_scenario(SCENARIOS / f"{name}.toml"), results=results,
                              run_id="r1", figures=False, progress=False)  # fmt: skip
        assert result.path is not None
        out.append(result.path)
    return out


@pytest.fixture(scope="module")
def compared(runs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report.compare(runs, tmp_path_factory.mktemp("cmp") / "base-vs-cable")


def _expected(run: Path) -> float:
    hh = pd.read_parquet(run / "households.parquet")
    lines = pd.read_parquet(run / "lines.parquet")
    value = _long_commutes(hh, lines)
    assert value is not None
    return value


def test_registered_metric_is_in_every_list(registered: registry.Metric) -> None:
    assert registry.get(NAME) is registered
    assert registered in registry.compared()
    assert (
        NAME in registry.RUN_SUMMARY and NAME in registry.REPORT_HEADLINE and NAME in registry.BATCH
    )
    assert NAME in registry.TERMINAL_LEVELS and NAME not in registry.TERMINAL_CHANGES
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registered)


def test_registered_metric_is_in_the_run_summary(runs: list[Path]) -> None:
    for run in runs:
        summary = json.loads((run / "summary.json").read_text())
        assert summary[NAME] == pytest.approx(_expected(run))
        assert "acc30_mean" in summary  # the built-in headlines are still there


def test_registered_metric_is_in_the_comparison(runs: list[Path], compared: Path) -> None:
    table = pd.read_csv(compared / "summary.csv", dtype={"income_class": str})
    rows = table[table["income_class"] == "all"].set_index("run")
    for run in runs:
        assert rows.loc[str(run), NAME] == pytest.approx(_expected(run))
    data = json.loads((compared / "summary.json").read_text())
    assert data["metrics"][NAME] == {"unit": "share", "better": "lower",
                                     "what": "households whose commute takes over 20 min"}  # fmt: skip
    for entry in data["scenarios"].values():
        assert entry["levels"]["all"][NAME]["mean"] == pytest.approx(
            _expected(Path(entry["runs"][0]))
        )


def test_registered_metric_is_in_the_batch_rows(runs: list[Path]) -> None:
    """A batch keeps each run's headlines in its index and tables (sim.batch.headline)."""
    from sim.batch.headline import headline

    for run in runs:
        row = headline(json.loads((run / "summary.json").read_text()))
        assert row[NAME] == pytest.approx(_expected(run))


def test_registered_metric_is_in_the_reports_headline_table(
    runs: list[Path], compared: Path
) -> None:
    md = (compared / "report.md").read_text()
    headline = md.split("## Headline", 1)[1].split("\n## ", 1)[0]
    header = next(line for line in headline.splitlines() if line.startswith("| scenario"))
    assert header.rstrip(" |").endswith("long commutes")
    for run in runs:
        assert f"{_expected(run):.1%}" in headline
    assert "long commutes" in (compared / "report.html").read_text()
    table = pd.read_csv(compared / "summary.csv", dtype={"income_class": str})
    assert "long commutes" in report.format_summary(table)


def test_unregistered_metric_is_gone() -> None:
    extra = registry.Metric("extra_change", "extra", "share", "", "a test metric", ".1%",
                            change=True, from_tables=lambda hh, lines: 0.5)  # fmt: skip
    before = [list(x) for x in LISTS]
    registry.register(extra)
    assert "extra_change" in registry.TERMINAL_CHANGES and "extra_change" in registry.RUN_SUMMARY
    registry.unregister("extra_change")
    with pytest.raises(KeyError):
        registry.get("extra_change")
    assert extra not in registry.compared()
    assert [list(x) for x in LISTS] == before
