"""Packaging beyond ``pyproject.toml``: which packages the wheel holds.

The wheel holds the ``sim`` packages and, as package data, the city bundles: the checkout's
``scenarios/cities/`` becomes ``sim/cities/`` in the wheel, where :func:`sim.paths.cities_root`
finds them when Ladera is installed (a checkout reads ``scenarios/cities/`` in place). This
mapping of a folder outside ``sim/`` into the package is the one thing ``pyproject.toml``'s
``[tool.setuptools]`` table cannot say next to the automatic search for ``sim*`` packages.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["sim*"]), "sim.cities"],
    package_dir={"sim.cities": "scenarios/cities"},
    package_data={"sim.cities": ["**/*"]},
)
