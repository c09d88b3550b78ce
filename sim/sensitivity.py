"""One-at-a-time sensitivity of the headline results to assumed parameters (``ladera validate``).

Each case scales one assumed number by ``1 - step`` and ``1 + step`` (default 25%), rebuilds the
baseline with everything else unchanged (same seed and households), solves it, and reports the
change of each headline result (:func:`sim.observed.headline`). The candidates are the assumed
numbers most likely to move the headlines (mode shares, work-trip minutes, the census' 30-minute
band, long walks); the table is sorted by the largest change they caused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sim.choice import ChoiceParams
from sim.city import City
from sim.model import CommuteModel

Change = Callable[[City, ChoiceParams, float], tuple[City, ChoiceParams]]


def _parking(city: City, p: ChoiceParams, f: float) -> tuple[City, ChoiceParams]:
    return replace(city, costs=replace(city.costs, car_parking=city.costs.car_parking * f)), p


def _formal(city: City, p: ChoiceParams, f: float) -> tuple[City, ChoiceParams]:
    b = city.behaviour
    assert b is not None
    shares = tuple(min(1.0, s * f) for s in b.formal_share_by_class)
    return replace(city, behaviour=replace(b, formal_share_by_class=shares)), p


def _penalty(city: City, p: ChoiceParams, f: float) -> tuple[City, ChoiceParams]:
    return city, replace(p, boarding_penalty_min=p.boarding_penalty_min * f)


def _work_peak(city: City, p: ChoiceParams, f: float) -> tuple[City, ChoiceParams]:
    d = city.demand
    assert d is not None
    segs = tuple(replace(s, peak_share=min(1.0, s.peak_share * f)) if s.name == "work" else s
                 for s in d.segments)  # fmt: skip
    return replace(city, demand=replace(d, segments=segs)), p


def _inbound_road(city: City, p: ChoiceParams, f: float) -> tuple[City, ChoiceParams]:
    d = city.demand
    assert d is not None
    streams = tuple(replace(s, flow=s.flow * f) if s.name == "inbound_road" else s
                    for s in d.streams)  # fmt: skip
    return replace(city, demand=replace(d, streams=streams)), p


#: name -> (what is scaled, where it is stated as an assumption, the change)
CASES: dict[str, tuple[str, Change]] = {
    "car_parking": ("costs.car_parking, R$ 5 a trip (city.toml: assumption)", _parking),
    "formal_share": ("behaviour.formal_share_by_class (city.toml: assumption)", _formal),
    "boarding_penalty": (
        "choice.boarding_penalty_min, 5 min (sim/behaviour.py: assumption)",
        _penalty,
    ),  # fmt: skip
    "work_peak_share": (
        "demand work segment peak_share 0.30 (city.toml: assumption)",
        _work_peak,
    ),  # fmt: skip
    "inbound_road": (
        "demand stream inbound_road 16,700 veh/h (city.toml: assumption)",
        _inbound_road,
    ),  # fmt: skip
}


def sensitivity(model: CommuteModel, base: dict[str, float], *, step: float = 0.25,
                max_iterations: int = 30,
                cases: dict[str, tuple[str, Change]] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Rows (case, direction, headline values and their change from ``base``)."""
    from sim.observed import headline

    rows = []
    for name, (what, change) in (cases or CASES).items():
        for f in (1.0 - step, 1.0 + step):
            city, params = change(model.city, model.params, f)
            trial = CommuteModel(city, households=model.households.n, seed=model.seed,
                                 network=model.network, params=params, zones=model.zones,
                                 agents=False)  # fmt: skip
            trial.equilibrate(max_iterations=max_iterations)
            got = headline(trial)
            rows.append({"case": name, "what": what, "factor": f, **got,
                         "change": {k: got[k] - base[k] for k in base}})  # fmt: skip
    return rows


def sensitivity_markdown(rows: list[dict[str, Any]]) -> list[str]:
    """Changes from the baseline, cases sorted by their largest change of a share (points)."""
    if not rows:
        return ["(not run)"]
    keys = list(rows[0]["change"])

    def size(case: str) -> float:
        return max(abs(v) for r in rows if r["case"] == case
                   for k, v in r["change"].items() if k != "work_minutes")  # fmt: skip

    order = sorted({r["case"] for r in rows}, key=lambda c: -size(c))
    out = ["| case | factor | " + " | ".join(f"Δ {k}" for k in keys) + " |",
           "|---|---:|" + "---:|" * len(keys)]  # fmt: skip
    for case in order:
        for r in (r for r in rows if r["case"] == case):
            cells = [f"{v:+.2f} min" if k == "work_minutes" else f"{100 * v:+.1f} pt"
                     for k, v in r["change"].items()]  # fmt: skip
            out.append(f"| {case} | ×{r['factor']:.2f} | " + " | ".join(cells) + " |")
    out += ["", "Cases: " + "; ".join(f"{c}: {CASES[c][0]}" for c in order if c in CASES)]
    return out
