"""Shared fixtures: a private network cache, the mini test city and the bundled city."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Every test session builds into its own cache: no state leaks in from the machine."""
    path = tmp_path_factory.mktemp("ladera-cache")
    old = os.environ.get("LADERA_CACHE_DIR")
    os.environ["LADERA_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("LADERA_CACHE_DIR", None)
    else:
        os.environ["LADERA_CACHE_DIR"] = old


@pytest.fixture(scope="session", autouse=True)
def _allow_test_data():
    """The test scenarios name the mini city and each other across tests/data's folders: allow
    that tree as a user would (``LADERA_ALLOW``; subprocesses inherit it)."""
    old = os.environ.get("LADERA_ALLOW")
    os.environ["LADERA_ALLOW"] = str(DATA.resolve())
    yield
    if old is None:
        os.environ.pop("LADERA_ALLOW", None)
    else:
        os.environ["LADERA_ALLOW"] = old


@pytest.fixture()
def mini_dir(tmp_path: Path) -> Path:
    """A writable copy of the mini city bundle."""
    dst = tmp_path / "mini_city"
    shutil.copytree(DATA / "mini_city", dst)
    return dst


@pytest.fixture(scope="session")
def mini_city():
    from sim.city import load_city

    return load_city(DATA / "mini_city" / "city.toml")


@pytest.fixture(scope="session")
def mini_network(mini_city):
    from sim.network.cache import load_network

    return load_network(mini_city)


@pytest.fixture(scope="session")
def poa_city():
    from sim.city import load_city

    return load_city("porto_alegre")


@pytest.fixture(scope="session")
def poa_network(poa_city):
    """The bundled default city, built once per test session (about half a minute)."""
    from sim.network.cache import load_network

    return load_network(poa_city)
