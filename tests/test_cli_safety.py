"""The command line never loses results and fails fast: taken run and comparison ids, output
folders that cannot be written, bad run directories, missing extras and unreachable schedulers
are one-line errors (exit 2) before any simulation; a cache miss says that it builds.

Subprocesses, as a user runs them. A check that must come before the simulation is run with
``--days 100000`` (over an hour): if the check came after it, the test would time out.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import assert_one_line_error, ladera

DATA = Path(__file__).parent / "data"
SCENARIOS = DATA / "scenarios"
BASE = SCENARIOS / "mini_baseline.toml"
CABLE = SCENARIOS / "mini_cable.toml"
SMALL = ("--households", "300", "--days", "2")
FOREVER = ("--households", "300", "--days", "100000")  # would run for more than an hour
FAST = 120.0  # seconds: far less than FOREVER's simulation


def _tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder``: modification time and bytes."""
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


# ------------------------------------------------------------------------------ 1: run ids
def test_a_second_run_with_the_same_run_id_is_refused_and_the_first_kept(tmp_path: Path):
    out = tmp_path / "results"
    first = ladera("run", str(BASE), *SMALL, "--run-id", "test", "--results", str(out))
    assert first.returncode == 0, first.stderr
    run = out / "mini_baseline" / "test"
    before = _tree(run)
    again = ladera("run", str(BASE), *FOREVER, "--run-id", "test", "--results", str(out),
                   timeout=FAST)  # fmt: skip
    assert_one_line_error(again, str(run), "already exists", "choose another `--run-id`")
    assert _tree(run) == before
    assert sorted(p.name for p in (out / "mini_baseline").iterdir()) == ["test"]
