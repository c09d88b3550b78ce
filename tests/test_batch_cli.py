"""`ladera batch` made small from the command line: --seeds, --households, --days, and the
planned run count and time estimate printed before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.commandline import assert_one_line_error, ladera

EXPERIMENT = Path(__file__).parent / "data" / "batch" / "mini.toml"

pytestmark = pytest.mark.timeout(600)


def test_small_batch_from_the_command_line(tmp_path: Path) -> None:
    proc = ladera("batch", str(EXPERIMENT), "--workers", "0", "--seeds", "1",
                  "--households", "120", "--days", "1", "--results", str(tmp_path))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # 2 value-of-time points x 2 fares = 4 points, 1 seed: the cable 4 runs, the baseline 2
    planned = [ln for ln in lines if ln.startswith("ladera batch: mini: ")]
    assert len(planned) == 1, proc.stdout
    assert "4 parameter points x 1 seeds -> 6 runs" in planned[0]
    assert "all to run; estimated about 1 min one at a time" in planned[0]
    assert lines.index(planned[0]) == 0  # said before the runs start
    folder = tmp_path / "batch" / "mini"
    runs = pd.read_parquet(folder / "runs.parquet")
    assert len(runs) == 6 and set(runs["replication"]) == {0}
    for run in (folder / "runs").glob("*/*"):
        scenario = json.loads((run / "manifest.json").read_text())["scenario"]
        assert (scenario["households"], scenario["days"]) == (120, 1)


def test_resumed_batch_says_what_is_left(tmp_path: Path) -> None:
    args = ("batch", str(EXPERIMENT), "--workers", "0", "--seeds", "1", "--households", "100",
            "--days", "1", "--results", str(tmp_path))  # fmt: skip
    assert ladera(*args).returncode == 0
    proc = ladera(*args, "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "6 runs" in proc.stdout and "0 to run; estimated nothing to run" in proc.stdout


@pytest.mark.parametrize(
    ("flag", "value", "needle"),
    [("--seeds", "0", "`seeds`"), ("--households", "0", "households"), ("--days", "-1", "days")],
)
def test_bad_sizes_are_one_line_errors(tmp_path: Path, flag: str, value: str, needle: str) -> None:
    proc = ladera("batch", str(EXPERIMENT), "--workers", "0", flag, value,
                  "--results", str(tmp_path))  # fmt: skip
    assert_one_line_error(proc, needle)
    assert not (tmp_path / "batch").exists()  # refused before anything was written
