"""Observed figures of a city (its bundle's ``observed`` file) and the model's value of each.

A figure is a number the model can be held to, with its source, its role and its band::

    [[figure]]
    metric = "boardings_station:ESTACAO MERCADO"   # what the model measures (see MEASURES)
    role = "validation"          # "calibration" (fitted by `ladera calibrate`) or "validation"
    raw = 7534449.0              # the published number, in its own units
    unit = "boardings a year"
    factors = [{ value = 0.003337, what = "weekday / year", source = "..." }, ...]
    band = 0.5                   # allowed difference: relative for counts, points for shares
    source = "..."

``value = raw x the product of the factors``: every conversion (a year to a weekday, a day to
the peak hour, the city to the study area) is a factor with its own source or the word
"assumption". Bands are stated in the file, before the model is run. Shares are compared by
their absolute difference (``band`` in shares, 0.05 = 5 points); counts by their relative
difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from sim.config import read_toml
from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.city import City
    from sim.model import CommuteModel

#: Commute-time bands (minutes) of the census question, and their metric names.
TIME_BANDS: dict[str, tuple[float, float]] = {"commute_le_30": (0, 30), "commute_30_60": (30, 60), "commute_60_120": (60, 120),
              "commute_gt_120": (120, np.inf)}  # fmt: skip
ALTS = ("walk", "transit", "car", "motorbike")


@dataclass(frozen=True)
class Factor:
    value: float
    what: str
    source: str


@dataclass(frozen=True)
class Figure:
    metric: str
    role: Literal["calibration", "validation"]
    raw: float
    unit: str
    band: float
    source: str
    factors: tuple[Factor, ...] = ()
    note: str = ""

    @property
    def value(self) -> float:
        return self.raw * prod(f.value for f in self.factors)

    @property
    def is_share(self) -> bool:
        return not self.metric.startswith(("boardings", "bus_boardings"))

    def difference(self, model_value: float) -> float:
        """Model minus observed: in points for shares, relative for counts."""
        if self.is_share:
            return model_value - self.value
        return model_value / self.value - 1.0 if self.value else np.inf

    def passes(self, model_value: float) -> bool:
        return bool(abs(self.difference(model_value)) <= self.band)


@dataclass(frozen=True)
class Observed:
    figures: tuple[Figure, ...] = field(default_factory=tuple)

    def of_role(self, role: str) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.role == role)

    def get(self, metric: str) -> Figure | None:
        return next((f for f in self.figures if f.metric == metric), None)


def load_observed(city: City) -> Observed:
    """The figures of a city's ``observed`` file (none if it names none)."""
    if not city.observed:
        return Observed()
    path = city.folder / city.observed
    data = read_toml(path)
    figures = []
    for i, row in enumerate(data.get("figure", [])):
        where = f"{path}: figure {i + 1}"
        try:
            factors = tuple(Factor(float(f["value"]), str(f["what"]), str(f["source"]))
                            for f in row.get("factors", []))  # fmt: skip
            fig = Figure(metric=str(row["metric"]), role=row["role"], raw=float(row["raw"]),
                         unit=str(row["unit"]), band=float(row["band"]),
                         source=str(row["source"]), factors=factors,
                         note=str(row.get("note", "")))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise ScenarioError(f"{where}: {exc}; each figure needs metric, role, raw, unit, "
                                "band and source") from None  # fmt: skip
        if fig.role not in ("calibration", "validation"):
            raise ScenarioError(f"{where}: `role` is {fig.role!r}; allowed: calibration, "
                                "validation")  # fmt: skip
        if not fig.source.strip() or any(not f.source.strip() for f in factors):
            raise ScenarioError(f"{where}: every figure and factor needs a source")
        figures.append(fig)
    return Observed(tuple(figures))


# ------------------------------------------------------------------------------ the model side
def _time_min(model: CommuteModel) -> NDArray[np.float64]:
    assert model.last is not None, "solve or run the model first"
    return np.asarray(model.last.out.time_s, float) / 60.0


def commute_bands(model: CommuteModel, segment: str = "work",
                  bands: dict[str, tuple[float, float]] | None = None) -> dict[str, float]:  # fmt: skip
    """Shares of the segment's trips (flow x mode probability) in each time band (lower bound
    excluded, upper included; default the census bands)."""
    tr = model.trips
    rows = tr.chooses & (tr.segment_names() == segment)
    t = _time_min(model)[rows]
    w = tr.flow[rows, None] * model.prob[rows]
    ok = np.isfinite(t) & (w > 0)
    total = float(w[ok].sum()) or 1.0
    use = TIME_BANDS if bands is None else bands
    return {k: float(w[ok & (t > lo) & (t <= hi)].sum() + (w[ok & (t == 0)].sum() if lo == 0
                     else 0.0)) / total for k, (lo, hi) in use.items()}  # fmt: skip


def mode_shares(model: CommuteModel, rows: NDArray[np.bool_] | None = None) -> dict[str, float]:
    """Shares of residents' trips by alternative (flow x probability)."""
    tr = model.trips
    sel = tr.chooses if rows is None else (tr.chooses & rows)
    w = (tr.flow[sel, None] * model.prob[sel]).sum(axis=0)
    total = float(w.sum()) or 1.0
    return {a: float(w[i]) / total for i, a in enumerate(ALTS)}


def walk_over(model: CommuteModel, minutes: float) -> float:
    """Share of walking trips (flow x probability) longer than ``minutes``."""
    tr = model.trips
    t = _time_min(model)[tr.chooses, 0]
    w = tr.flow[tr.chooses] * model.prob[tr.chooses, 0]
    ok = np.isfinite(t)
    return float(w[ok & (t > minutes)].sum() / max(w[ok].sum(), 1e-12))


def station_boardings(model: CommuteModel, name: str, mode: int = 3) -> float:
    """Boardings per modelled hour at the stops called ``name`` of lines of ``mode`` (3: rail),
    counting transfers from other lines there."""
    net = model.network
    stops = net.stop_node[(net.stop_name == name) & (net.lines.mode[net.stop_line] == mode)]
    if stops.size == 0:
        raise ScenarioError(f"no stop called {name!r} on the network's lines of mode {mode}")
    edges = np.concatenate([model.costs.board, model.costs.transfer])
    edges = edges[np.isin(net.indices[edges], stops)]
    return float(model.transit_flow[edges].sum())


def system_boardings(model: CommuteModel, fare_system: int) -> float:
    """Boardings per modelled hour on the lines of one fare system (index in the network)."""
    b = model.boardings()
    return float(b[model.network.lines.fare_system == fare_system].sum())


def entering_riders(model: CommuteModel) -> float:
    """Riders of fixed transit streams entering on the first bus stops inside the extract: their
    first boarding there stands for one made outside the study area, so it is not counted."""
    d = model.city.demand
    names = [s.name for s in (d.streams if d else ()) if s.mode == "transit"
             and s.origins == "bus_entries"]  # fmt: skip
    tr = model.trips
    return float(tr.flow[np.isin(tr.segment_names(), names)].sum()) if names else 0.0


def measure(model: CommuteModel, metric: str) -> float:
    """The model's value of a figure's ``metric``."""
    if metric in TIME_BANDS:
        return commute_bands(model)[metric]
    kind, _, arg = metric.partition(":")
    if kind == "commute_le":  # any threshold, minutes (e.g. for a small test city)
        return commute_bands(model, bands={metric: (0.0, float(arg))})[metric]
    if kind == "mode_share":
        return mode_shares(model)[arg]
    if kind == "households_with":
        hh = model.households
        return float(np.mean(hh.car if arg == "car" else hh.moto))
    if kind == "boardings_station":
        return station_boardings(model, arg)
    if kind == "bus_boardings_system":
        systems = dict(model.network.meta.get("fare_systems", {}))
        if arg not in systems:
            raise ScenarioError(f"no fare system {arg!r}; the network has {sorted(systems)}")
        return system_boardings(model, int(systems[arg])) - entering_riders(model)
    if kind == "walk_over":
        return walk_over(model, float(arg))
    raise ScenarioError(f"unknown observed metric {metric!r}")


def headline(model: CommuteModel) -> dict[str, float]:
    """The results the sensitivity follows."""
    shares = mode_shares(model)
    tr = model.trips
    work = tr.chooses & (tr.segment_names() == "work")
    assert model.last is not None
    t = np.asarray(model.last.out.time_s, float)[work] / 60.0
    w = tr.flow[work, None] * model.prob[work]
    ok = np.isfinite(t)
    out = {f"share_{a}": shares[a] for a in ALTS}
    out["work_minutes"] = float((w[ok] * t[ok]).sum() / max(w[ok].sum(), 1e-12))
    out["commute_le_30"] = commute_bands(model)["commute_le_30"]
    out["walk_over_45"] = measure(model, "walk_over:45")
    return out


def figure_row(fig: Figure, model_value: float) -> dict[str, Any]:
    return {"metric": fig.metric, "role": fig.role, "observed": fig.value,
            "model": model_value, "difference": fig.difference(model_value),
            "kind": "points" if fig.is_share else "relative", "band": fig.band,
            "pass": fig.passes(model_value), "source": fig.source,
            "conversion": "; ".join(f"x {f.value:g} ({f.what}: {f.source})"
                                    for f in fig.factors)}  # fmt: skip
