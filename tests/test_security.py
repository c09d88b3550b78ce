"""Security: the files a scenario, experiment or city bundle names stay inside the allowed folders
(and cache names inside the cache); a local batch's Dask dashboard listens on this machine only
unless the user asks, with a warning.

Through the command line where a user meets it (the corpus, tests/corpus/, has many more cases).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commandline import assert_one_line_error

DATA = Path(__file__).parent / "data"
BASE = DATA / "scenarios" / "mini_baseline.toml"
ROOT = Path(__file__).resolve().parents[1]
QUICK = ("--households", "100", "--days", "1")


def ladera(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:  # fmt: skip
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=timeout)  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ 8: containment
@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("extends", ["s.toml", "`extends` names '../../../../../etc/passwd'", "outside"]),
        ("city", ["s.toml", "`city` names '/etc/ladera/city.toml'", "outside"]),
        ("zones.file", ["city.toml", "`zones.file` names '/etc/passwd'", "outside"]),
        ("experiment scenarios", ["e.toml", "`scenarios[0]` names '/etc/hostname'", "outside"]),
    ],
)
def test_files_name_only_files_inside_the_allowed_folders(field, words, tmp_path: Path):
    env = {"LADERA_ALLOW": ""}  # only what the rules allow
    folder = tmp_path / "work"
    if field == "extends":
        args = ["run", str(write(folder / "s.toml", 'extends = "../../../../../etc/passwd"\n'))]
    elif field == "city":
        args = [
            "run",
            str(write(folder / "s.toml", 'name = "s"\ncity = "/etc/ladera/city.toml"\n')),
        ]
    elif field == "zones.file":
        shutil.copytree(DATA / "mini_city", folder / "city")
        toml = folder / "city" / "city.toml"
        toml.write_text(
            toml.read_text().replace('file = "zones.csv"\nid', 'file = "/etc/passwd"\nid')
        )
        args = ["network", "info", "--city", str(toml)]
    else:
        args = ["batch", str(write(folder / "e.toml", 'scenarios = ["/etc/hostname"]\n')),
                "--workers", "0"]  # fmt: skip
    if args[0] != "network":
        args += ["--results", str(tmp_path / "out")]
    proc = ladera(*args, env=env)
    assert_one_line_error(proc, *words, "allowed: this file's folder", "`--allow DIR`")
    assert not (tmp_path / "out").exists()


def test_a_bundle_name_cannot_write_outside_the_cache(tmp_path: Path):
    bundle = shutil.copytree(DATA / "mini_city", tmp_path / "city")
    toml = bundle / "city.toml"
    toml.write_text('name = "../../escaped"\n' + toml.read_text())
    cache = tmp_path / "deep" / "cache"
    proc = ladera("network", "info", "--city", str(toml), env={"LADERA_CACHE_DIR": str(cache)})
    assert_one_line_error(proc, "`name` (default: the bundle's folder name) is '../../escaped'",
                          "allowed: letters")  # fmt: skip
    assert not list(tmp_path.rglob("escaped*"))


def test_the_shipped_experiment_and_a_folder_named_with_allow_still_work(tmp_path: Path):
    env = {**os.environ}
    env.pop("LADERA_ALLOW", None)  # nothing allowed beyond the rules
    proc = subprocess.run([sys.executable, "-m", "sim.batch", "experiments/cable_vs_roads.toml",
                           "--check"], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "510 runs" in proc.stdout

    city = shutil.copytree(DATA / "mini_city", tmp_path / "cities" / "mini_city")
    scenario = write(tmp_path / "mine" / "s.toml", f'name = "s"\ncity = "{city / "city.toml"}"\n')
    args = ["run", str(scenario), *QUICK, "--results", str(tmp_path / "out")]
    refused = ladera(*args, env={"LADERA_ALLOW": ""})
    assert_one_line_error(refused, "`city` names", "outside the folders")
    allowed = ladera(*args, "--allow", str(tmp_path / "cities"), env={"LADERA_ALLOW": ""})
    assert allowed.returncode == 0, allowed.stderr


# ------------------------------------------------------------------------------ 9: exposure
def _listening(pids: list[int]) -> list[str]:
    import psutil

    out = []
    for pid in pids:
        with_children = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        for proc in with_children:
            out += [c.laddr.ip for c in proc.net_connections(kind="inet") if c.status == "LISTEN"]
    return out


def test_a_local_batch_listens_on_this_machine_only():
    from sim.batch import local_client

    with local_client(1) as client:
        dashboard = client.dashboard_link
        addresses = _listening([os.getpid()])
    assert addresses, "the cluster listens somewhere"
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses
    assert dashboard.startswith("http://127.0.0.1:")


def test_a_dashboard_on_another_address_is_what_the_user_asked_for_and_is_warned(tmp_path: Path):
    experiment = write(tmp_path / "e.toml", f'scenarios = ["{BASE}"]\nseeds = 1\n'
                       "[overrides]\nhouseholds = 100\ndays = 1\n")  # fmt: skip
    proc = ladera("batch", str(experiment), "--workers", "1", "--dashboard", "0.0.0.0:0",
                  "--results", str(tmp_path / "out"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    warnings = [ln for ln in proc.stderr.splitlines() if "Dask dashboard" in ln]
    assert len(warnings) == 1 and warnings[0].startswith("ladera: warning: ")
    assert "0.0.0.0:0" in warnings[0] and "127.0.0.1" in warnings[0]
