"""The registry of intervention types: a type written outside the package, named in
``LADERA_INTERVENTIONS``, is read from a scenario, applied and run like a built-in one."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.interventions import PLUGINS_ENV, CableLine, kinds, register
from sim.interventions import base as registry
from sim.network.arrays import Layer
from sim.runner import apply_interventions, run_scenario
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
MINI_CITY = Path(__file__).parent / "data" / "mini_city" / "city.toml"
BUILT_IN = ["cable_line", "road_upgrade", "new_road", "bus_route", "fare_policy",
            "remove_line", "bundled_line"]  # fmt: skip

PLUGIN = '''"""A test intervention type: every road's capacity times a factor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sim.errors import ScenarioError
from sim.interventions import register
from sim.network.arrays import Layer


@dataclass(frozen=True)
class RoadCapacity:
    type: Literal["road_capacity"]
    name: str
    factor: float = 2.0

    def __post_init__(self) -> None:
        if self.factor <= 0:
            raise ScenarioError(f"road_capacity `{self.name}`: `factor` must be > 0")


@register("road_capacity", RoadCapacity)
def apply_road_capacity(net, item):
    drive = net.layer == Layer.DRIVE
    capacity = net.capacity.copy()
    capacity[drive] = capacity[drive] * item.factor
    return net.with_edges(capacity=capacity), {"edges": int(drive.sum())}
'''


@pytest.fixture()
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder holding the plugin, named in the environment; the registry as it was after."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "road_capacity.py").write_text(PLUGIN)
    monkeypatch.setenv(PLUGINS_ENV, str(folder))
    saved = dict(registry._KINDS), dict(registry._BY_CLASS)
    yield folder
    registry._KINDS.clear()
    registry._KINDS.update(saved[0])
    registry._BY_CLASS.clear()
    registry._BY_CLASS.update(saved[1])
    for name in list(sys.modules):
        if name.startswith("ladera_intervention_"):
            del sys.modules[name]


def scenario_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'name = "s"\ncity = "{MINI_CITY.as_posix()}"\nseed = 7\n'
                    f"[[interventions]]\n{body}")  # fmt: skip
    return path


def test_the_built_in_types_are_registered_in_the_readme_order():
    assert list(kinds()) == BUILT_IN
    assert kinds()["cable_line"] is CableLine


def test_a_type_from_a_folder_in_the_environment_is_read_applied_and_run(
    plugins, tmp_path, mini_network
):
    path = scenario_file(tmp_path, 'type = "road_capacity"\nname = "Double"\nfactor = 3.0\n')
    scenario = load_scenario(path)
    assert list(kinds()) == [*BUILT_IN, "road_capacity"]
    (item,) = scenario.interventions
    assert (item.type, item.name, item.factor) == ("road_capacity", "Double", 3.0)

    applied = apply_interventions(mini_network, scenario)
    drive = mini_network.layer == Layer.DRIVE
    new = applied.network
    assert np.allclose(new.capacity[drive], 3.0 * mini_network.capacity[drive])
    assert np.array_equal(new.capacity[~drive], mini_network.capacity[~drive])
    assert applied.reports == [{"type": "road_capacity", "name": "Double",
                                "edges": int(drive.sum())}]  # fmt: skip

    # overrides reach its fields, and a run takes it like a built-in type
    small = with_overrides(scenario, {"interventions.Double.factor": 2, "households": 200})
    run = run_scenario(small, results=None, base_network=mini_network, progress=False)
    assert run.summary["mode_shares"]


def test_a_fresh_process_unpickles_it_as_a_batch_worker_does(plugins, tmp_path):
    scenario = load_scenario(scenario_file(tmp_path, 'type = "road_capacity"\nname = "D"\n'))
    (tmp_path / "s.pickle").write_bytes(pickle.dumps(scenario))
    code = ("import pickle, sys\n"
            "s = pickle.loads(open(sys.argv[1], 'rb').read())\n"
            "from sim.interventions import kinds\n"
            "print(type(s.interventions[0]).__name__, kinds()['road_capacity'].__name__)")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.pickle")], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["RoadCapacity", "RoadCapacity"]


def test_its_own_checks_and_the_readers_name_the_file_and_field(plugins, tmp_path):
    path = scenario_file(tmp_path, 'type = "road_capacity"\nname = "D"\nfactor = -1.0\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value) == (f"{path}: [interventions[0] (road_capacity)] road_capacity `D`: "
                              "`factor` must be > 0")  # fmt: skip
    path = scenario_file(tmp_path, 'type = "road_capacty"\nname = "D"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value) == (f"{path}: [interventions[0]] unknown type `road_capacty`; did you "
                              f"mean `road_capacity`? (allowed: {', '.join(BUILT_IN)}, "
                              "road_capacity)")  # fmt: skip


def test_an_unknown_type_without_plugins_lists_the_built_in_ones(tmp_path, monkeypatch):
    monkeypatch.delenv(PLUGINS_ENV, raising=False)
    path = scenario_file(tmp_path, 'type = "road_capacity"\nname = "D"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).endswith(f"unknown type `road_capacity` (allowed: {', '.join(BUILT_IN)})")


def test_a_missing_plugin_path_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv(PLUGINS_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ScenarioError, match=f"environment variable {PLUGINS_ENV} names"):
        kinds()


def test_a_type_name_is_registered_once(plugins):
    kinds()  # imports the plugin
    with pytest.raises(ScenarioError, match="`road_capacity` is registered twice"):
        register("road_capacity", CableLine)(lambda net, item: (net, {}))
    with pytest.raises(ScenarioError, match="`cable_line` is registered twice"):
        register("cable_line", CableLine)(lambda net, item: (net, {}))
