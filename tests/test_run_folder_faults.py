"""Faults while a run folder is written, through the command line: a run killed while writing
leaves a hidden folder the next run removes (never one of a live process or of another host), a
full disk names the folder and leaves nothing, and two runs of one run id never both simulate.

Real subprocesses, real kills, a real file-size limit (``RLIMIT_FSIZE``), no mocks.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.commandline import assert_one_line_error as _one_line_before_any_progress

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini_city" / "city.toml"
BASE = DATA / "scenarios" / "mini_baseline.toml"
SMALL = ("--households", "300", "--days", "2")
FAST = 120.0

pytestmark = pytest.mark.timeout(600)


def ladera(*args: str, env: dict[str, str] | None = None, timeout: float = 600, **kw):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, **kw)  # fmt: skip


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A run in the background. Its output goes nowhere: a pipe nobody reads fills with the
    progress bar within a minute, and the run then blocks writing, even its "interrupted".
    It starts with Ctrl-C's default action whatever this process inherited (Python installs
    its KeyboardInterrupt only when SIGINT is not ignored at start)."""
    return subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})},
                            preexec_fn=_default_sigint)  # fmt: skip


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit code 2, no traceback and one error line (after the run's progress bar, if any)."""
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "%|" not in ln]
    _one_line_before_any_progress(
        subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout, "\n".join(lines)),
        *needles,
    )


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


# ------------------------------------------------------------------------------ 2: killed writers
def _process_start(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_run_killed_while_writing_is_cleaned_by_the_next_run(tmp_path: Path, mini_network):
    out = tmp_path / "out"
    folder = out / "mini_baseline"
    proc = start("run", str(BASE), *SMALL, "--run-id", "killed", "--results", str(out))
    deadline = time.monotonic() + FAST
    while proc.poll() is None and time.monotonic() < deadline:
        if folder.is_dir() and any(p.name.startswith(".tmp-") for p in folder.iterdir()):
            proc.send_signal(signal.SIGKILL)  # while it writes its tables and figures
            break
        time.sleep(0.002)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it was seen writing"
    assert [p for p in folder.iterdir() if p.name.startswith(".tmp-")]  # what the kill left

    again = ladera("run", str(BASE), *SMALL, "--run-id", "next", "--results", str(out))
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["next"]  # nothing hidden is left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_temporary_folders_of_live_processes_and_other_hosts_are_kept(tmp_path: Path, mini_network):
    folder = tmp_path / "out" / "mini_baseline"
    folder.mkdir(parents=True)
    host = socket.gethostname()
    live = subprocess.Popen(["sleep", "300"])
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        start_time = _process_start(live.pid)
        names = {
            "live": f".tmp-a@{host}@{live.pid}@{start_time}",  # a run writing now
            "other host": f".tmp-b@not-{host}@{live.pid}@1",  # a worker elsewhere on the disk
            "dead": f".tmp-c@{host}@{gone.pid}@{start_time}",  # killed
            "reused id": f".tmp-d@{host}@{live.pid}@{int(start_time) + 1}",  # its pid reused
        }
        for name in names.values():
            (folder / name).mkdir()
            (folder / name / "households.parquet").write_bytes(b"partial")
        proc = ladera("run", str(BASE), *SMALL, "--run-id", "r", "--results", str(tmp_path / "out"))
        assert proc.returncode == 0, proc.stderr
        left = sorted(p.name for p in folder.iterdir())
        assert left == sorted([names["live"], names["other host"], "r"])
    finally:
        live.kill()
        live.wait()


def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE")
def test_a_full_disk_names_the_run_folder_and_leaves_nothing(tmp_path: Path, mini_network):
    out = tmp_path / "results"
    proc = ladera("run", str(BASE), *SMALL, "--run-id", "x", "--results", str(out),
                  preexec_fn=_file_size_limit(20_000), timeout=FAST)  # fmt: skip
    assert_one_line_error(proc, f"{out / 'mini_baseline' / 'x'}: File too large",
                          "nothing was written")  # fmt: skip
    assert not out.exists()  # not even the folders the run created


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE")
def test_a_full_disk_names_the_cache_entry_and_leaves_no_file(tmp_path: Path):
    cache = tmp_path / "cache"
    proc = ladera("network", "info", "--city", str(MINI), env={"LADERA_CACHE_DIR": str(cache)},
                  preexec_fn=_file_size_limit(200_000), timeout=FAST)  # fmt: skip
    assert_one_line_error(proc, f"{cache / 'networks'}/mini_city-", ".npz: File too large",
                          "not written")  # fmt: skip
    assert [p for p in cache.rglob("*") if p.is_file()] == []


# ------------------------------------------------------------------------------ 3: one run id
def test_a_second_run_with_the_same_run_id_is_refused_before_it_simulates(tmp_path: Path):
    out = tmp_path / "out"
    env = {"LADERA_MAX_DAYS": "1000000"}
    forever = ("--households", "300", "--solver", "learning", "--days", "100000")  # over 20 minutes
    first = start("run", str(BASE), *forever, "--run-id", "same", "--results", str(out), env=env)
    try:
        deadline = time.monotonic() + 60
        while not (out / "mini_baseline").is_dir() and time.monotonic() < deadline:
            time.sleep(0.05)  # claimed (an older Ladera shows nothing: it simulates)
        time.sleep(2.0)
        assert first.poll() is None
        try:
            second = ladera("run", str(BASE), *forever, "--run-id", "same", "--results", str(out),
                            env=env, timeout=FAST)  # fmt: skip
        except subprocess.TimeoutExpired:
            pytest.fail("the second run of the same run id simulated instead of being refused")
        assert_one_line_error(second, str(out / "mini_baseline" / "same"), "another run is writing",
                              "choose another `--run-id`")  # fmt: skip
        assert first.poll() is None  # the first one goes on
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=60)
    assert files_under(out) == []  # the interrupted run left nothing, not even its claim
