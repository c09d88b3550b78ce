"""The import rules of ``sim`` (docs/DESIGN.md, "Layers"), read from every module's source.

Each module belongs to a layer; a module imports only from its own layer or lower ones, and the
imports between modules form no circle. Imports inside functions count (a lazy import is for
speed, not a way around a rule); imports under ``if TYPE_CHECKING:`` do not (they never run).
Heavy libraries stay where they belong: numba kernels import only numpy, numba and math; one
module imports osmnx; only the model and the browser app import mesa; only the report and the
browser app import matplotlib; the configuration layer imports nothing heavier than numpy.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"

#: Layers, lowest first: a module's layer is that of the longest prefix naming it. The flow of
#: a run reads upward: configuration -> network and people -> interventions -> model ->
#: measures -> run folders and reports -> batches -> browser app -> command line.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim.kernels",),  # numba kernels on plain arrays
    (
        "sim.errors",
        "sim.constants",
        "sim.numeric",
        "sim.sampling",
        "sim.geo",
        "sim.modes",
        "sim.paths",
        "sim.config",
        "sim.validate_input",
        "sim.limits",
        "sim.rundir.names",
        "sim.rundir.claims",
        "sim.rundir.atomic",
    ),  # fmt: skip
    ("sim.city", "sim.behaviour", "sim.demand_spec", "sim.appraisal_spec", "sim.observed"),
    (
        "sim.network",
        "sim.zones",
        "sim.population",
        "sim.placement",
        "sim.demand",
        "sim.destinations",
        "sim.externals",
        "sim.congestion",
        "sim.choice",
        "sim.metrics",
    ),  # fmt: skip
    ("sim.interventions", "sim.scenario"),
    (
        "sim.model",
        "sim.agents",
        "sim.streams",
        "sim.assign",
        "sim.columns",
        "sim.solver_settings",
        "sim.warm",
        "sim.line_search",
        "sim.gap",
        "sim.equilibrium",
        "sim.routing",
        "sim.skim",
        "sim.catchment",
    ),  # fmt: skip
    ("sim.appraisal", "sim.intervals", "sim.tables"),
    (
        "sim.rundir",
        "sim.runner",
        "sim.report",
        "sim.maps",
        "sim.calibrate",
        "sim.validate",
        "sim.sensitivity",
        "sim.appraisal_runs",
        "sim.estimates",
    ),  # fmt: skip
    ("sim.batch", "sim.compare_seeds"),
    ("sim.viz",),
    ("sim.commands", "sim.cli", "sim.__main__", "sim.batch.__main__", "sim"),
)

#: Third-party libraries and the module prefixes allowed to import them.
HEAVY = {
    "osmnx": ("sim.network.osm",),
    "mesa": ("sim.model", "sim.agents", "sim.viz"),
    "matplotlib": ("sim.report", "sim.viz", "sim.maps"),
}
KERNEL_ALLOWED = {"numpy", "numba", "math", "collections", "__future__"}
#: Modules that load nothing but the standard library and numpy when imported (so reading a
#: configuration is fast), and modules that load none of the heavy libraries when imported.
LIGHT = ("sim.config", "sim.errors", "sim.constants", "sim.modes", "sim.geo", "sim.choice",
         "sim.city", "sim.numeric")  # fmt: skip
NO_HEAVY_AT_IMPORT = ("sim.scenario", "sim.cli")
HEAVY_AT_IMPORT = {"mesa", "numba", "matplotlib", "osmnx", "dask", "solara"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports(path: Path, name: str, *, top_only: bool = False) -> Iterator[str]:
    """Every module name the file imports at run time (absolute, resolved for relative ones);
    with ``top_only``, only those imported when the module itself is (not inside functions)."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(n) for n in ast.walk(node))
        if top_only and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip.update(id(n) for n in ast.walk(node))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            yield base
            yield from (f"{base}.{a.name}" for a in node.names)


def layer(name: str) -> int:
    best, found = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (name == p or name.startswith(p + ".")) and len(p) > best:
                best, found = len(p), i
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        out[name] = {m for m in imports(path, name) if m in mods and m != name}
    return out


def test_every_module_has_a_layer() -> None:
    missing = [m for m in modules() if layer(m) < 0]
    assert not missing, f"modules with no layer in LAYERS: {missing}"


def test_imports_go_down() -> None:
    bad = []
    for name, targets in graph().items():
        for t in targets:
            if name == "sim" or t == "sim":
                continue
            if layer(t) > layer(name):
                bad.append(f"{name} (layer {layer(name)}) imports {t} (layer {layer(t)})")
    assert not bad, "\n".join(sorted(bad))


def test_no_import_circles() -> None:
    g = {k: {t for t in v if t != "sim"} for k, v in graph().items() if k != "sim"}
    # a package's __init__ that imports its own modules is not a circle with them
    for k, v in g.items():
        g[k] = {t for t in v if not (t.startswith(k + ".") or k.startswith(t + "."))}
    circles: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> None:
        state[v] = 1
        stack.append(v)
        for w in sorted(g.get(v, ())):
            if state.get(w) == 1:
                circles.add(tuple(stack[stack.index(w) :]))
            elif w not in state:
                visit(w)
        stack.pop()
        state[v] = 2

    for v in sorted(g):
        if v not in state:
            visit(v)
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in sorted(circles))


@pytest.mark.parametrize("lib", sorted(HEAVY))
def test_heavy_libraries_stay_where_they_belong(lib: str) -> None:
    allowed = HEAVY[lib]
    bad = [
        name
        for name, path in modules().items()
        if any(i == lib or i.startswith(lib + ".") for i in imports(path, name))
        and not any(name == a or name.startswith(a + ".") for a in allowed)
    ]
    assert not bad, f"{lib} imported outside {allowed}: {bad}"


def test_kernels_import_only_numpy_numba_math() -> None:
    bad = []
    for name, path in modules().items():
        if not name.startswith("sim.kernels"):
            continue
        for i in imports(path, name):
            top = i.split(".")[0]
            if top not in KERNEL_ALLOWED and not i.startswith("sim.kernels"):
                bad.append(f"{name} imports {i}")
    assert not bad, "\n".join(bad)


def loaded_on_import(name: str) -> set[str]:
    """Top-level packages loaded by importing ``name`` (its imports outside functions, through
    every ``sim`` module they import, and the packages ``__init__`` of each)."""
    mods = modules()
    seen: set[str] = set()
    libs: set[str] = set()
    todo = [name]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        parts = m.split(".")
        todo.extend(
            ".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in mods
        )
        for i in imports(mods[m], m, top_only=True):
            if i in mods:
                todo.append(i)
            elif not i.startswith("sim."):
                libs.add(i.split(".")[0])
    return libs


@pytest.mark.parametrize("name", LIGHT)
def test_configuration_is_light(name: str) -> None:
    third_party = loaded_on_import(name) - set(sys.stdlib_module_names) - {"numpy", "sim"}
    assert not third_party, f"importing {name} loads {sorted(third_party)}"


@pytest.mark.parametrize("name", NO_HEAVY_AT_IMPORT)
def test_heavy_libraries_load_only_when_needed(name: str) -> None:
    heavy = loaded_on_import(name) & HEAVY_AT_IMPORT
    assert not heavy, f"importing {name} loads {sorted(heavy)}"


def test_the_rules_catch_a_breach(tmp_path: Path) -> None:
    """The reader sees a lazy upward import and ignores a TYPE_CHECKING one."""
    f = tmp_path / "mod.py"
    f.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sim.viz import app\n"
        "def f():\n    from sim.report import figures\n"
    )
    got = set(imports(f, "sim.kernels.mod"))
    assert "sim.report" in got and "sim.report.figures" in got
    assert "sim.viz" not in got
    assert layer("sim.report.figures") > layer("sim.kernels.mod")
