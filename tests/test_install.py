"""Finding the city bundles: the folder passed in, ``LADERA_CITIES``, a checkout's
``scenarios/cities``, or the copy installed with the package; and the wheel, built offline and
installed in a fresh environment, runs and reads its bundled city away from the checkout, and its
browser app finds the bundled scenario files there (and a design saved beside may extend them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from sim.city import available_cities, load_city
from sim.errors import ScenarioError
from sim.paths import CITIES_ENV, SCENARIOS_DIR, cities_root, contained, scenarios_root

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
#: What the wheel is built from (a copy, so the build leaves nothing in the checkout).
SOURCES = ("pyproject.toml", "setup.py", "README.md", "sim", "scenarios")


@pytest.fixture()
def bundles(tmp_path: Path) -> Path:
    """A folder of bundles holding one: a copy of the mini city, named ``mini``."""
    shutil.copytree(DATA / "mini_city", tmp_path / "bundles" / "mini")
    return tmp_path / "bundles"


def test_a_checkout_reads_its_own_scenarios_cities(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(CITIES_ENV, raising=False)
    assert SCENARIOS_DIR == ROOT / "scenarios"
    assert cities_root() == ROOT / "scenarios" / "cities"
    assert scenarios_root() == ROOT / "scenarios"
    assert available_cities() == ["medellin", "porto_alegre"]
    assert load_city("porto_alegre").folder == ROOT / "scenarios" / "cities" / "porto_alegre"


def test_the_argument_then_the_environment_choose_the_folder(
    bundles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(CITIES_ENV, str(bundles))
    assert cities_root() == bundles.resolve()
    assert available_cities() == ["mini"]
    assert load_city("mini").folder == (bundles / "mini").resolve()
    with pytest.raises(ScenarioError, match="unknown city `porto_alegre`"):
        load_city("porto_alegre")
    # the argument wins over the environment
    assert load_city("porto_alegre", cities_dir=ROOT / "scenarios" / "cities").name == (
        "porto_alegre"
    )
    assert available_cities(tmp_path / "empty") == []
    monkeypatch.delenv(CITIES_ENV)
    assert load_city("mini", cities_dir=bundles).folder == (bundles / "mini").resolve()


def test_the_folder_of_bundles_is_an_allowed_root(
    bundles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LADERA_ALLOW", "")
    naming = tmp_path / "work" / "s.toml"
    toml = bundles / "mini" / "city.toml"
    monkeypatch.delenv(CITIES_ENV, raising=False)
    with pytest.raises(ScenarioError, match=r"outside the folders.*project's scenarios"):
        contained(toml, naming, "city")  # the checkout's bundles only
    monkeypatch.setenv(CITIES_ENV, str(bundles))
    assert contained(toml, naming, "city") == toml.resolve()
    monkeypatch.setenv(CITIES_ENV, str(tmp_path / "other"))
    with pytest.raises(ScenarioError, match=r"the city bundles \(.*other\)"):
        contained(toml, naming, "city")


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
    assert proc.returncode == 0, f"{' '.join(args)}\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_the_installed_wheel_runs_and_reads_its_bundled_city(tmp_path: Path):
    """Build the wheel offline, install it in a new environment (the machine's packages visible,
    the checkout not) and, from a folder outside the checkout, run ``python -m sim --help`` and
    load the Porto Alegre bundle from the installed copy."""
    src = tmp_path / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
        else:
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", str(dist), str(src)], cwd=tmp_path)  # fmt: skip
    (wheel,) = dist.glob("ladera-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    python = env_dir / "bin" / "python"
    # the packages of the environment running the tests (a user's own venv, whose base python
    # may have none of them), as plain paths: their .pth files, and so an editable install of
    # the checkout, are not processed
    parent = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    (site,) = (env_dir / "lib").glob("python*/site-packages")
    (site / "_parent_packages.pth").write_text("\n".join(parent) + "\n")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed",
          "-q", str(wheel)], cwd=tmp_path)  # fmt: skip

    away = tmp_path / "away"
    away.mkdir()
    drop = ("PYTHONPATH", CITIES_ENV, "LADERA_ALLOW")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    helped = _run([str(python), "-m", "sim", "--help"], cwd=away, env=env)
    assert "usage: ladera" in helped.stdout
    script = ("import sim, sim.paths; from sim.city import available_cities, load_city; "
              "city = load_city('porto_alegre'); "
              "print(sim.__file__, sim.paths.SCENARIOS_DIR, city.folder, city.title, "
              "' '.join(available_cities()), sep='\\n')")  # fmt: skip
    out = _run([str(python), "-c", script], cwd=away, env=env).stdout.splitlines()
    package = Path(out[0]).parent
    assert package.is_relative_to(env_dir) and not package.is_relative_to(ROOT), out
    assert out[1] == "None", out  # no checkout in sight
    assert Path(out[2]) == package / "cities" / "porto_alegre", out
    assert out[3].startswith("Porto Alegre"), out
    assert out[4] == "medellin porto_alegre", out

    # the browser app lists the bundled scenarios from the installed copy, and a design saved
    # in a folder of the user's extends the installed baseline and loads
    script = ("from pathlib import Path; import sim.paths; "
              "from sim.viz.app import control_defaults, scenario_files; "
              "from sim.viz.design import Design, save_design; from sim.scenario import "
              "load_scenario; files = scenario_files('porto_alegre'); "
              "print(sim.paths.scenarios_root()); print(' '.join(sorted(files))); "
              "print(' '.join(str(p) for p in files.values())); "
              "print(control_defaults('porto_alegre')['cable_fare']); "
              "d = Design(stations=((-51.17, -30.07), (-51.18, -30.06))); "
              "out = save_design(d, files['baseline'], Path('designs/mine.toml'), "
              "currency='BRL', year=2019); print(load_scenario(out).interventions[0].name)")  # fmt: skip
    out = _run([str(python), "-c", script], cwd=away, env=env).stdout.splitlines()
    assert Path(out[0]) == package / "scenarios", out
    assert out[1] == "baseline cable combined road", out
    assert all(Path(p).is_relative_to(package / "scenarios" / "porto_alegre")
               for p in out[2].split()), out  # fmt: skip
    assert float(out[3]) == 4.70, out
    assert out[4] == "my_cable", out
