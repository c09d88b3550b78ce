"""The appraisal of finished runs: each scenario against the baseline, by the city's book.

:func:`appraisal_section` reads run directories (see :mod:`sim.runner`) and returns a
JSON-ready ``appraisal`` section; :func:`write_appraisal` merges it into a comparison folder's
``summary.json``. The formulas and conventions are in :mod:`sim.appraisal`; the city's
conventions (discount rate, period, annualisation, CO2 value, emission factors, cable O&M,
asset lives, value-of-time rule, distributional weights) come from the ``[appraisal]`` table of
its bundle, recorded in each run's ``summary.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim import appraisal as ap
from sim.appraisal_spec import ANNUALISATION_RULE, AppraisalSpec
from sim.errors import ScenarioError
from sim.rundir.atomic import atomic_file

_HH = ("income_class", "peak_cost_min", "vot_per_min", "trips_peak", "fares_peak")


def _read(run: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    summary = json.loads((run / "summary.json").read_text())
    cols = [*_HH, "household_income", "income"]
    names = set(pq.read_schema(run / "households.parquet").names)
    missing = [c for c in _HH if c not in names]
    if missing:
        raise ScenarioError(f"{run / 'households.parquet'}: lacks column(s) {', '.join(missing)} "
                            "(a run written before the peak-hour columns: run it again)")  # fmt: skip
    hh = pd.read_parquet(run / "households.parquet", columns=[c for c in cols if c in names])
    return summary, hh


def _spec(summary: dict[str, Any]) -> AppraisalSpec | None:
    data = summary.get("appraisal_inputs")
    if not isinstance(data, dict):
        return None
    return AppraisalSpec(**data)


def _fares_peak(hh: pd.DataFrame) -> float:
    """Fares the synthetic households are expected to pay in the modelled hour."""
    return float(np.nansum(hh["fares_peak"].to_numpy(float)))


def _co2_t_per_hour(summary: dict[str, Any], spec: AppraisalSpec) -> float:
    vkm = summary.get("vehicle_km_per_hour")
    if isinstance(vkm, dict) and spec.g_co2_per_vkm:
        grams = sum(float(vkm.get(m, 0.0)) * spec.g_co2_per_vkm.get(m, 0.0) for m in vkm)
        return grams / 1e6
    return float(summary.get("co2_kg_per_hour") or 0.0) / 1000.0


def capital_items(scenario: dict[str, Any], base: dict[str, Any],
                  spec: AppraisalSpec) -> list[dict[str, Any]]:  # fmt: skip
    """The scenario's capital items not in the baseline (by name), with their profile, life
    and O&M filled from the city's defaults; each says where its O&M came from."""
    in_base = {r.get("name") for r in base.get("interventions", [])}
    items = []
    for r in scenario.get("interventions", []):
        if r.get("name") in in_base or not float(r.get("capex") or 0.0) > 0:
            continue
        kind = str(r.get("type"))
        life = float(r.get("life_years") or 0.0) or spec.asset_life_years.get(kind, 0.0)
        om, om_source = r.get("om_per_year"), str(r.get("om_source") or "stated")
        if om is None and kind == "cable_line" and r.get("length_m"):
            om = spec.cable_om_per_km_year * float(r["length_m"]) / 1000.0
            om_source = f"city default per km x {float(r['length_m']) / 1000:.2f} km: " + \
                spec.cable_om_source  # fmt: skip
        elif om is None:
            om, om_source = 0.0, "none stated"
        items.append({
            "name": r.get("name"), "type": kind, "capex": float(r["capex"]),
            "profile": list(r.get("capex_profile") or []),
            "life_years": life or float(spec.period_years),
            "life_source": "stated" if r.get("life_years") else (
                spec.asset_life_source if life else "none stated: the appraisal period"),
            "om_per_year": float(om), "om_source": om_source,
        })  # fmt: skip
    return items


def _benefits(new: pd.DataFrame, old: pd.DataFrame, vot: np.ndarray, scale: float,
              spec: AppraisalSpec) -> pd.Series:  # fmt: skip
    """Yearly user benefit by income class: :func:`sim.appraisal.yearly_user_benefit`, the
    rule the comparison's table uses too."""
    money = ap.yearly_user_benefit(old["peak_cost_min"], new["peak_cost_min"], vot, scale=scale,
                                   days_per_year=spec.days_per_year)  # fmt: skip
    return pd.Series(money).groupby(old["income_class"].astype(str).to_numpy()).sum()


def _variant(items: list[dict[str, Any]], spec: AppraisalSpec, benefit: float,
             revenue: float) -> dict[str, Any]:  # fmt: skip
    flows = ap.schedule(items, period_years=spec.period_years, annual_benefit=benefit,
                        annual_revenue=revenue)  # fmt: skip
    return ap.npv_bcr(flows, spec.discount_rate)


def appraise_pair(run: Path, base: Path) -> dict[str, Any]:
    """The appraisal of run directory ``run`` against ``base`` (same city and population)."""
    s_new, new = _read(Path(run))
    s_old, old = _read(Path(base))
    spec = _spec(s_new)
    if spec is None:
        return {"status": "no appraisal inputs: the city bundle has no [appraisal] table"}
    if len(new) != len(old) or not np.array_equal(new["income_class"], old["income_class"]):
        return {"status": "not appraised: the runs hold different synthetic populations"}
    f = spec.annualisation_factor
    scale = ap.households_scale(s_old, len(old))
    vot = old["vot_per_min"].to_numpy(float)
    trips = np.nan_to_num(old["trips_peak"].to_numpy(float))
    mean_vot = float(np.average(np.nan_to_num(vot), weights=trips)) if trips.sum() > 0 else 0.0
    own = _benefits(new, old, vot, scale, spec)
    equal = _benefits(new, old, np.full(len(old), mean_vot), scale, spec)
    income = old["household_income"] if "household_income" in old else old["income"]
    by_income = income.groupby(old["income_class"].astype(str).to_numpy()).mean()
    weights = ap.equity_weights(by_income, float(income.mean()), aversion=spec.inequality_aversion,
                                explicit=spec.distributional_weights)  # fmt: skip
    weighted = equal * weights.reindex(equal.index)
    co2_t = (_co2_t_per_hour(s_new, spec) - _co2_t_per_hour(s_old, spec)) * f
    co2_value = -co2_t * spec.co2_value
    revenue = (_fares_peak(new) - _fares_peak(old)) * scale * f
    items = capital_items(s_new, s_old, spec)
    standard = own if spec.standard_vot == "own" else equal
    variants = {
        "standard": standard, "own_vot": own, "equity_vot": equal,
        "equity_vot_weighted": weighted,
    }  # fmt: skip
    whole_day = spec.whole_day_factor / f  # the sensitivity: every trip of the day at peak value
    result: dict[str, Any] = {
        "status": "appraised" if items else "no capital cost stated: NPV and BCR not computed",
        "annual": {
            "user_benefit_own_vot": float(own.sum()),
            "user_benefit_equity_vot": float(equal.sum()),
            "co2_t_change": co2_t, "co2_value": co2_value,
            "fare_revenue_change": revenue,
            "om": float(sum(i["om_per_year"] for i in items)),
            "mean_vot_per_min": mean_vot,
        },
        "capital_items": items,
        "by_class": _class_rows(own, equal, weights, old),
    }  # fmt: skip
    if items:
        result["variants"] = {k: _variant(items, spec, float(v.sum()) + co2_value, revenue)
                              for k, v in variants.items()}  # fmt: skip
        result["variants"]["whole_day"] = _variant(
            items, spec, whole_day * (float(standard.sum()) + co2_value), whole_day * revenue
        )
        result["financial"] = {
            "npv": result["variants"]["standard"]["financial_npv"],
            "annual_revenue_change": revenue, "annual_om": result["annual"]["om"],
            "revenue_covers_om": revenue / result["annual"]["om"] if result["annual"]["om"]
            else math.nan,
        }  # fmt: skip
    return result


def _class_rows(own: pd.Series, equal: pd.Series, weights: pd.Series,
                old: pd.DataFrame) -> list[dict[str, Any]]:  # fmt: skip
    counts = old["income_class"].astype(str).value_counts()
    rows = []
    for c in sorted(own.index, key=lambda x: (len(x), x)):
        rows.append({
            "income_class": c, "households": int(counts.get(c, 0)),
            "annual_benefit_own_vot": float(own[c]),
            "share_own_vot": float(own[c] / own.sum()) if own.sum() else math.nan,
            "annual_benefit_equity_vot": float(equal[c]),
            "share_equity_vot": float(equal[c] / equal.sum()) if equal.sum() else math.nan,
            "weight": float(weights.get(c, 1.0)),
        })  # fmt: skip
    return rows


def appraisal_section(runs: Sequence[Path], baseline: int = 0,
                      labels: Sequence[str] | None = None) -> dict[str, Any]:  # fmt: skip
    """The ``appraisal`` section of a comparison: the inputs with their sources, then each
    scenario against the baseline (``runs[baseline]``)."""
    runs = [Path(r) for r in runs]
    names = list(labels) if labels else [r.name for r in runs]
    base = runs[baseline]
    spec = _spec(json.loads((base / "summary.json").read_text()))
    out: dict[str, Any] = {"baseline": names[baseline], "scenarios": {}}
    if spec is None:
        out["inputs"] = None
        out["status"] = "no appraisal inputs: the city bundle has no [appraisal] table"
        return out
    inputs = {k: getattr(spec, k) for k in spec.__dataclass_fields__}
    inputs["annualisation_factor"] = spec.annualisation_factor
    inputs["annualisation_rule"] = ANNUALISATION_RULE
    inputs["whole_day_factor"] = spec.whole_day_factor
    inputs["co2_value_per_t"] = spec.co2_value
    out["inputs"] = inputs
    out["conventions"] = (ap.__doc__ or "").split("Conventions (stated once, used everywhere):")[-1].split(":mod:")[0].strip()  # fmt: skip
    for i, (run, name) in enumerate(zip(runs, names, strict=True)):
        if i != baseline % len(runs):
            out["scenarios"][name] = appraise_pair(run, base)
    return out


def write_appraisal(out_dir: Path, runs: Sequence[Path], baseline: int = 0,
                    labels: Sequence[str] | None = None) -> Path:  # fmt: skip
    """Merge the ``appraisal`` section into ``out_dir/summary.json`` (created if absent)."""
    path = Path(out_dir) / "summary.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    data["appraisal"] = appraisal_section(runs, baseline, labels)
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(_clean(data), indent=1, allow_nan=False))
    return path


def _clean(x: Any) -> Any:
    """NaN and infinities become ``null`` (strict JSON)."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def write_seed_appraisal(out_dir: Path, seeds: Sequence[Sequence[Path]], baseline: int = 0,
                         labels: Sequence[str] | None = None) -> Path:  # fmt: skip
    """The ``appraisal`` section of a comparison on several seeds: the first seed's section
    (inputs, conventions, each scenario's appraisal), every seed's scenarios under
    ``by_seed``, and under ``intervals`` each scenario's annual figures and each variant's NPV
    and benefit-cost ratio as ``{"mean", "low", "high", "n_seeds"}`` across seeds."""
    from sim.intervals import interval

    sections = [appraisal_section(runs, baseline, labels) for runs in seeds]
    section = sections[0]
    section["by_seed"] = [s["scenarios"] for s in sections]
    spans: dict[str, dict[str, Any]] = {}
    for name in section["scenarios"]:
        per = [s["scenarios"].get(name, {}) for s in sections]
        leaves: dict[str, list[float]] = {}
        for result in per:
            for key, value in (result.get("annual") or {}).items():
                if isinstance(value, int | float):
                    leaves.setdefault(f"annual.{key}", []).append(float(value))
            for variant, figures in (result.get("variants") or {}).items():
                for key, value in (figures or {}).items():
                    if isinstance(value, int | float):
                        leaves.setdefault(f"{variant}.{key}", []).append(float(value))
        spans[name] = {k: interval(v) for k, v in leaves.items() if len(v) == len(per)}
    section["intervals"] = spans
    path = Path(out_dir) / "summary.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    data["appraisal"] = section
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(_clean(data), indent=1, allow_nan=False))
    return path
