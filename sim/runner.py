"""Run a scenario: build its model, simulate it, and write its run folder.

:func:`run_scenario` is the pipeline: the run folder is checked and claimed before the
simulation starts (:func:`sim.rundir.write.run_dir`, :func:`sim.rundir.claims.claimed_folder`),
the model is built (:func:`build_model`: the city's network with the scenario's interventions
applied, households drawn) and simulated, and the folder is written
(:func:`sim.rundir.write.write_run`, format described there).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.city import City, load_city
from sim.errors import ScenarioError
from sim.interventions import Applied, apply
from sim.model import CommuteModel
from sim.network.arrays import MultimodalNetwork
from sim.paths import contained
from sim.rundir.claims import claimed_folder
from sim.rundir.summary import summarise
from sim.rundir.write import feature_collection, run_dir, write_run
from sim.scenario import Scenario, intervention_origin
from sim.warm import WarmState
from sim.zones import load_zones


@dataclass
class RunResult:
    path: Path | None
    summary: dict[str, Any]
    model: CommuteModel


def build_model(
    scenario: Scenario,
    *,
    base_network: MultimodalNetwork | None = None,
    agents: bool = False,
) -> tuple[CommuteModel, list[dict[str, Any]]]:
    """The scenario's model: city network (cached), interventions applied, households drawn.

    Households are drawn on the city's own network (``base_network``), so every scenario of a
    city with the same seed and size holds the same population.
    """
    city = city_of(scenario)
    if base_network is None:
        from sim.network.cache import load_network

        base_network = load_network(city)
    check_capex(scenario, city)
    applied = apply_interventions(base_network, scenario)
    params = scenario.choice
    if applied.fare_subsidy:
        params = replace(params, fare_subsidy={**params.fare_subsidy, **applied.fare_subsidy})
    model = CommuteModel(
        city, households=scenario.households, seed=scenario.seed, network=applied.network,
        params=params, zones=load_zones(city), reference=base_network, agents=agents,
    )  # fmt: skip
    return model, applied.reports


def check_scenario(scenario: Scenario) -> None:
    """Fail now, with the scenario's one-line error, if its interventions do not fit its city
    or its city's zone tables are bad.

    Applies the interventions to the (cached) network and drops the result, so a batch of runs
    is checked before the first one starts.
    """
    from sim.network.cache import load_network

    city = city_of(scenario)
    check_capex(scenario, city)
    load_zones(city)  # a bad data table fails now, not after the run is claimed
    apply_interventions(load_network(city), scenario)


def check_capex(scenario: Scenario, city: City) -> None:
    """Capital costs must be in the city's currency: benefits (in it) are divided by them.

    A cost in another price year is allowed but warned about: fares and incomes are in the
    city's ``currency_year``, so the ratio is like for like only when the capex is too.
    """
    for i, item in enumerate(scenario.interventions):
        capex = getattr(item, "capex", None)
        if capex is None or capex.amount == 0:
            continue
        source, j = intervention_origin(scenario, i)
        where = f"{source}: [interventions[{j}]] `capex"
        if capex.currency and capex.currency != city.currency:
            raise ScenarioError(f"{where}.currency` is {capex.currency!r}; state it in the "
                                f"city's currency, {city.currency!r} (of {city.currency_year})")  # fmt: skip
        if capex.year and capex.year != city.currency_year:
            warnings.warn(f"{where}.year` is {capex.year} but fares and incomes are in "
                          f"{city.currency_year} prices: restate it in {city.currency_year} "
                          "prices for a like-for-like benefit ratio", stacklevel=2)  # fmt: skip


def apply_interventions(net: MultimodalNetwork, scenario: Scenario) -> Applied:
    """:func:`sim.interventions.apply`, one intervention at a time, so that an error names the
    scenario file and the ``[interventions[i]]`` entry it comes from (the file that declares
    it, when the scenario ``extends`` another)."""
    out = Applied(network=net)
    for i, item in enumerate(scenario.interventions):
        try:
            step = apply(out.network, (item,))
        except ScenarioError as exc:
            source, j = intervention_origin(scenario, i)
            raise ScenarioError(f"{source}: [interventions[{j}]] {exc}") from None
        out.network = step.network
        out.reports += step.reports
        out.fare_subsidy.update(step.fare_subsidy)
    return out


def run_scenario(
    scenario: Scenario,
    *,
    results: Path | str | None,
    run_id: str | None = None,
    base_network: MultimodalNetwork | None = None,
    progress: bool = True,
    figures: bool = True,
    warm: WarmState | None = None,
    hand_over: bool = False,
) -> RunResult:
    """Simulate ``scenario.days`` days and write the run directory (unless ``results`` is None).

    The directory (:func:`run_dir`) is checked and claimed before the simulation starts (a
    second run of the same id is refused at once), written under a hidden name and renamed into
    place; an existing run directory is never replaced. A failed run leaves nothing behind (a
    failed write names the folder), and temporary folders of killed runs are removed.

    ``hand_over`` keeps the equilibrium's point after :func:`sim.solver_settings.hand_over_at`
    of its iterations as ``result.model.warm_state``; ``warm`` starts from such a point of
    another scenario of the seed (:mod:`sim.warm`; ``ladera compare`` does both).
    """
    start = time.perf_counter()
    if results is None:
        model, summary, _ = _simulated(scenario, base_network, progress, warm, hand_over)
        return RunResult(None, summary, model)
    final = run_dir(scenario, results, run_id)
    with claimed_folder(final, default_id=run_id is None) as final:
        model, summary, written = _simulated(scenario, base_network, progress, warm, hand_over)
        path = write_run(model, scenario, summary, written, final, start=start, figures=figures,
                          default_id=run_id is None)  # fmt: skip
    return RunResult(path, summary, model)


def _simulated(
    scenario: Scenario,
    base_network: MultimodalNetwork | None,
    progress: bool,
    warm: WarmState | None = None,
    hand_over: bool = False,
) -> tuple[CommuteModel, dict[str, Any], tuple[list[dict[str, Any]], dict[str, Any], int]]:
    """The model after the run, its summary, and what the run folder needs besides."""
    model, reports = build_model(scenario, base_network=base_network)
    geometry = feature_collection(reports)
    days = _simulate(model, scenario, progress, warm, hand_over)
    summary = summarise(model, scenario, reports, days)
    return model, summary, (reports, geometry, days)


def _simulate(model: CommuteModel, scenario: Scenario, progress: bool,
              warm: WarmState | None = None, hand_over: bool = False) -> int:  # fmt: skip
    """Solve the equilibrium, or simulate the days of learning; returns iterations or days."""
    if scenario.solver == "equilibrium":
        from sim.solver_settings import hand_over_at

        at = hand_over_at(model.params.max_iterations) if hand_over else None
        conv = model.equilibrate(progress=progress, warm=warm, hand_over=at)
        if not conv.converged:
            warnings.warn(f"{scenario.name}: relative gap {conv.final_gap:.2e} after "
                          f"{model.iterations} iterations, above the tolerance {conv.tolerance:g} "
                          "(raise `choice.max_iterations`)", stacklevel=2)  # fmt: skip
        return model.iterations
    from tqdm.auto import tqdm

    bar = tqdm(range(scenario.days), desc=scenario.name, unit="day", disable=not progress,
               leave=False)  # fmt: skip
    for day in bar:
        model.step()
        bar.set_postfix(gap=f"{model.relative_gap:.3f}", switching=f"{model.switching:.3f}")
        if (
            scenario.stop_early
            and day > 2
            and model.relative_gap < model.params.tolerance
            and model.switching < model.params.tolerance
        ):
            return day + 1
    return scenario.days


def city_of(scenario: Scenario) -> City:
    """The scenario's city: a bundled name, or a city.toml path relative to the scenario file.

    An error names the scenario file and its `city` field: ``<file>: `city`: <problem>``.
    """
    target: str | Path = scenario.city
    if scenario.city.endswith(".toml") and scenario.source:
        target = contained(scenario.city, scenario.source, "city")
    try:
        return load_city(target)
    except ScenarioError as exc:
        raise ScenarioError(f"{scenario.source or scenario.name}: `city`: {exc}") from None
