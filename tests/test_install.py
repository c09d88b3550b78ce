"""Finding the city bundles: the folder passed in, ``LADERA_CITIES``, a checkout's
``scenarios/cities``, or the copy installed with the package."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.city import available_cities, load_city
from sim.errors import ScenarioError
from sim.paths import CITIES_ENV, SCENARIOS_DIR, cities_root, contained

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"


@pytest.fixture()
def bundles(tmp_path: Path) -> Path:
    """A folder of bundles holding one: a copy of the mini city, named ``mini``."""
    shutil.copytree(DATA / "mini_city", tmp_path / "bundles" / "mini")
    return tmp_path / "bundles"


def test_a_checkout_reads_its_own_scenarios_cities(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(CITIES_ENV, raising=False)
    assert SCENARIOS_DIR == ROOT / "scenarios"
    assert cities_root() == ROOT / "scenarios" / "cities"
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
