"""Bad input that used to run or crash: non-finite numbers, blank and bad cells of data tables,
upper bounds (limits, a memory estimate, a warning for very long work), silent defaults and
messages that did not say what is allowed.

Through the command line where a user meets it (the corpus, tests/corpus/, has many more cases).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.commandline import assert_one_line_error

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini_city" / "city.toml"
BASE = DATA / "scenarios" / "mini_baseline.toml"
QUICK = ("--households", "100", "--days", "1")


def ladera(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:  # fmt: skip
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=timeout)  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ 5: non-finite
@pytest.mark.parametrize(
    ("kind", "text", "words"),
    [
        ("scenario", f'name = "s"\ncity = "{MINI}"\n[choice]\nvot_factor = nan\n',
         ["s.toml", "`choice.vot_factor` is nan", "allowed: a finite number"]),
        ("experiment", f'scenarios = ["{BASE}"]\nseeds = 1\n[grid]\n"choice.scale" = [inf]\n',
         ["e.toml", "`choice.scale` is inf", "finite"]),
        ("city", "", ["city.toml", "`household_size` is nan", "finite"]),
    ],
)  # fmt: skip
def test_non_finite_numbers_are_refused_in_one_line(kind, text, words, tmp_path: Path, mini_dir):
    out = tmp_path / "results"
    if kind == "scenario":
        proc = ladera("run", str(write(tmp_path / "s.toml", text)), *QUICK, "--results", str(out))
    elif kind == "experiment":
        proc = ladera("batch", str(write(tmp_path / "e.toml", text)), "--workers", "0",
                      "--results", str(out))  # fmt: skip
    else:
        toml = mini_dir / "city.toml"
        toml.write_text(toml.read_text().replace("household_size = 2.6", "household_size = nan"))
        proc = ladera("network", "info", "--city", str(toml))
    assert_one_line_error(proc, *words)
    assert not out.exists()


def test_blank_cells_follow_the_bundles_rule_and_other_cells_name_file_row_and_column(mini_dir):
    from sim.city import load_city
    from sim.errors import DataError
    from sim.zones import load_zones

    toml, table = mini_dir / "city.toml", mini_dir / "zones.csv"
    toml.write_text(toml.read_text().replace('jobs = "jobs"', 'jobs = "jobs"\n'
                                             "blank_counts_are_zero = true"))  # fmt: skip
    rows = table.read_text().splitlines()
    rows[2] = rows[2].replace(",1617,19,", ",,19,")  # row 3: a blank count is 0, as declared
    table.write_text("\n".join(rows) + "\n")
    zones = load_zones(load_city(toml))
    assert zones.population[1] == 0.0 and zones.id[1] == rows[2].split(",")[0]

    rows[4] = rows[4].replace(",24,", ",nan,")  # row 5: not blank, not a number
    table.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError) as err:
        load_zones(load_city(toml))
    assert str(err.value) == (f"{table}: row 5, column `jobs`: 'nan' is not allowed; allowed: a "
                              "number >= 0")  # fmt: skip


# ------------------------------------------------------------------------------ 6: upper bounds
def test_limits_are_refused_in_one_line_and_can_be_raised_on_purpose(tmp_path: Path):
    out = tmp_path / "results"
    proc = ladera("run", str(BASE), "--households", "3000000", "--results", str(out))
    assert_one_line_error(proc, "`--households` is 3,000,000", "at most 2,000,000",
                          "LADERA_MAX_HOUSEHOLDS=3000000")  # fmt: skip
    # raised on purpose, the limit lets it through to the memory estimate (1 GB here)
    proc = ladera("run", str(BASE), "--households", "3000000", "--results", str(out),
                  env={"LADERA_MAX_HOUSEHOLDS": "5000000", "LADERA_MEMORY_GB": "1"})  # fmt: skip
    assert_one_line_error(proc, "`--households` is 3,000,000", "needs about 3.6 GB of memory")
    seeds = write(tmp_path / "e.toml", f'scenarios = ["{BASE}"]\nseeds = 1000000000\n')
    proc = ladera("batch", str(seeds), "--workers", "0", "--results", str(out))
    assert_one_line_error(proc, "`seeds` is 1,000,000,000", "LADERA_MAX_SEEDS")
    proc = ladera("run", str(BASE), "--days", "100000000", "--results", str(out))
    assert_one_line_error(proc, "`--days` is 100,000,000", "LADERA_MAX_DAYS")
    assert not out.exists()


def test_a_run_the_machine_cannot_hold_is_refused_by_an_early_estimate(tmp_path: Path):
    start = time.monotonic()
    huge = write(tmp_path / "s.toml", f'name = "s"\ncity = "{MINI}"\nhouseholds = 10_000_000_000\n')
    proc = ladera("run", str(huge), "--results", str(tmp_path / "out"),
                  env={"LADERA_MAX_HOUSEHOLDS": str(10**12)})  # fmt: skip
    assert_one_line_error(proc, "s.toml: `households` is 10,000,000,000",
                          "needs about 10,000.6 GB of memory", "allowed here: about")  # fmt: skip
    assert time.monotonic() - start < 60  # refused up front, not by a MemoryError
    assert not (tmp_path / "out").exists()


def test_very_long_work_is_announced_with_its_estimated_time(tmp_path: Path, mini_network):
    env = {**os.environ, "LADERA_MAX_DAYS": str(10**8)}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", str(BASE), "--households", "300",
                             "--days", "5000000", "--results", str(tmp_path / "out")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)  # fmt: skip
    seen: list[bytes] = []

    def read() -> None:
        assert proc.stderr is not None
        for chunk in iter(lambda: proc.stderr.read1(4096), b""):
            seen.append(chunk)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 300
        while b"will take about" not in b"".join(seen) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = b"".join(seen).decode()
    warning = [ln for ln in text.splitlines() if ln.startswith("ladera: warning: simulating")]
    assert len(warning) == 1, text[-2000:]
    assert "mini_baseline (5,000,000 days of 300 households) will take about" in warning[0]
    assert "stop with Ctrl-C" in warning[0]


# ------------------------------------------------------------------------------ 7: silent defaults
@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("empty scenario", ["empty.toml", "sets nothing", "allowed keys:"]),
        ("calibrate --iterations 0", ["`--iterations` is 0; allowed: a positive integer"]),
        ("a folder as a file", ["is a folder; allowed: a TOML file"]),
        ("a usage error", ["argument --days: invalid int value: 'many'", "ladera run --help"]),
        ("duplicate names", ["dup.toml: [interventions[1]] `name` 'r'", "[interventions[0]]"]),
    ],
)
def test_what_ran_silently_or_said_too_little_is_one_line_saying_what_is_allowed(
    case: str, words: list[str], tmp_path: Path
):
    out = ("--results", str(tmp_path / "out"))
    if case == "empty scenario":
        proc = ladera("run", str(write(tmp_path / "empty.toml", "# to do\n")), *QUICK, *out)
    elif case == "calibrate --iterations 0":
        proc = ladera("calibrate", str(BASE), "--iterations", "0", "--households", "100")
    elif case == "a folder as a file":
        proc = ladera("run", str(tmp_path), *out)
    elif case == "a usage error":
        proc = ladera("run", str(BASE), "--days", "many")
    else:
        road = '[[interventions]]\ntype = "road_upgrade"\nname = "r"\nname_pattern = "{}"\n'
        text = f'name = "d"\ncity = "{MINI}"\n' + road.format("a") + road.format("b")
        proc = ladera("run", str(write(tmp_path / "dup.toml", text)), *QUICK, *out)
    assert_one_line_error(proc, *words)
    assert proc.stderr.count("\n") == 1  # one line, not argparse's usage block
    assert not (tmp_path / "out").exists()
