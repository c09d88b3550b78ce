"""Packaging beyond ``pyproject.toml``: which packages the wheel holds.

The wheel holds the ``sim`` packages and, as package data, the city bundles: the checkout's
``scenarios/cities/`` becomes ``sim/cities/`` in the wheel, where :func:`sim.paths.cities_root`
finds them when Ladera is installed (a checkout reads ``scenarios/cities/`` in place); and the
bundled scenario files, ``scenarios/<city>/*.toml``, become ``sim/scenarios/<city>/*.toml``, where
:func:`sim.paths.scenarios_root` finds them (the browser app offers them). This mapping of folders
outside ``sim/`` into the package is the one thing ``pyproject.toml``'s ``[tool.setuptools]``
table cannot say next to the automatic search for ``sim*`` packages.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["sim*"]), "sim.cities", "sim.scenarios"],
    package_dir={"sim.cities": "scenarios/cities", "sim.scenarios": "scenarios"},
    # one level down only: scenarios/<city>/*.toml (the bundles are sim.cities)
    package_data={"sim.cities": ["**/*"], "sim.scenarios": ["*/*.toml"]},
)
