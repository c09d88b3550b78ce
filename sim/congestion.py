"""Cost functions of the supply side at the peak: roads (running time, signals, priority
junctions) and transit crowding. numpy only, vectorised over edge arrays, each with its
derivative for line searches.

Roads (:class:`RoadCosts`), per drive edge with flow ``v`` (passenger-car units an hour)::

    t(v) = t0 (1 + alpha (v / c_mid)^beta)                     running time (BPR)
         + n_signals (d1 + d2)                                  signal delay (HCM 2010)
         + priority_delay                                       fixed, minor approaches

    d1 = 0.5 C (1 - g/C)^2 / (1 - min(1, X) g/C)                uniform delay
    d2 = 900 T [(X - 1) + sqrt((X - 1)^2 + 8 k I X / (c T))]    incremental delay
    X = v / c,   c = lanes x saturation flow x g/C              approach capacity

with T = 1 h (the modelled peak hour), k = 0.5 (pretimed) and I = 1 (isolated junction), as in
the Highway Capacity Manual 2010 (TRB); cycles and green ratios are
:mod:`sim.network.junctions`'s. ``vc`` is flow over the bottleneck capacity, the smaller of the
mid-block capacity and, at signals, the approach capacity.

Transit crowding (:class:`TransitCrowding`), local to the segments that are full:

- in-vehicle time multiplier of each in-vehicle edge from its load over capacity
  (:func:`crowding_multiplier`, after Wardman & Whelan 2011), bounded at the full vehicle;
- failure to board (:func:`failure_to_board_wait`): riders joining a segment loaded above its
  capacity miss ``(L - C) / C`` vehicles on average (of the riders wanting the vehicle, the share
  ``(L - C) / L`` is left behind each time, a geometric number of misses), at most
  :data:`MAX_MISSED_VEHICLES`, and wait that many headways more at the stop where they board.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.network.arrays import Layer, MultimodalNetwork, TransitMode
from sim.network.road_classes import SATURATION_FLOW_PCU

FloatArray = NDArray[np.float64]

#: BPR curve of mid-block running time (Bureau of Public Roads, 1964): alpha 0.15, beta 4.
BPR_ALPHA = 0.15
BPR_BETA = 4.0
#: HCM 2010 incremental delay: analysis period (h), pretimed k, isolated-junction I.
PERIOD_H = 1.0
HCM_K = 0.5
HCM_I = 1.0
#: Passenger-car equivalent of a motorbike: "The passenger car equivalent factor for motorcycle
#: obtained in this study was 0.21" (Torquato, Maciel & Castro-Neto, UFC, "Estimation of the
#: effect of motorcycles on the capacity of signalized intersections", TRANSPORTES (ANPET),
#: article 2229), measured at signalised junctions in Fortaleza, Brazil.
MOTORBIKE_PCE = 0.21

#: Crowding multipliers of in-vehicle time (Wardman & Whelan 2011, "Twenty Years of Rail
#: Crowding Valuation Studies", Transport Reviews 31(3), meta-analysis of 208 British
#: valuations; TRB 2010 version): seated riders 1.15 "for load factors between 60% and 100%"
#: of the seats and "almost 1.5 for load factors in excess of 100%"; standing riders 2.32.
SEATED_MULTIPLIER_FULL_SEATS = 1.15
SEATED_MULTIPLIER_FULL_VEHICLE = 1.5
STANDING_MULTIPLIER = 2.32
SEAT_LOAD_NO_CROWDING = 0.6
#: Seats over total capacity by mode. Bus: 43 of 80 (EPTC's 13.2 m buses seat 40-46; NBR 15570
#: "padron" up to 80). Metro: 228 of 1,081 (Trensurb 4-car train, TheCityFix Brasil 2014).
#: Cable: 10 of 10 ("cabinas de 10 pasajeros sentados", Teleférico de Santo Domingo).
SEAT_SHARE: Mapping[int, float] = MappingProxyType(
    {int(TransitMode.BUS): 43 / 80, int(TransitMode.METRO): 228 / 1081, int(TransitMode.CABLE): 1.0}
)
#: At most this many vehicles missed by a rider who fails to board (assumption: beyond it a
#: static peak hour says nothing useful; the bound keeps a hopeless segment from dominating).
MAX_MISSED_VEHICLES = 3.0


# -------------------------------------------------------------------------------------- roads
class RoadCosts:
    """Travel times of the drive edges of a network as functions of their flows.

    Built once per network (an intervention makes a new network, hence a new ``RoadCosts``).
    Arrays are per drive edge, in the order of :attr:`edges` (network edge ids); a flow may be
    given per drive edge (length :attr:`n`) or per network edge (then read at :attr:`edges`).
    Flows are passenger-car units an hour: cars + motorbikes x :data:`MOTORBIKE_PCE` + buses x
    their PCE.
    """

    def __init__(
        self,
        net: MultimodalNetwork,
        *,
        alpha: float = BPR_ALPHA,
        beta: float = BPR_BETA,
        period_h: float = PERIOD_H,
        k: float = HCM_K,
        i: float = HCM_I,
    ) -> None:
        self.n_edges = net.n_edges
        self.edges = np.flatnonzero(net.layer == Layer.DRIVE)
        e = self.edges
        self.alpha, self.beta, self.period_h = float(alpha), float(beta), float(period_h)
        self.ki8 = 8.0 * k * i
        self.t0 = net.time_s[e].astype(np.float64)
        self.capacity_mid = np.maximum(net.capacity[e], 1e-9)
        self.signals = net.signals[e].astype(np.float64)
        self.cycle_s = net.cycle_s[e].astype(np.float64)
        self.green = np.clip(net.green_ratio[e], 1e-3, 1.0)
        sat = np.where(net.saturation_flow[e] > 0, net.saturation_flow[e], SATURATION_FLOW_PCU)
        signalised = self.signals > 0
        lanes = np.maximum(net.lanes[e], 1.0)
        self.capacity_signal = np.where(signalised, lanes * sat * self.green, np.inf)
        self.priority_s = net.priority_delay_s[e].astype(np.float64)
        self.capacity = np.minimum(self.capacity_mid, self.capacity_signal)
        self._sig = np.flatnonzero(signalised)

    @property
    def n(self) -> int:
        return int(self.edges.shape[0])

    def _flow(self, flow_pce: ArrayLike) -> FloatArray:
        v = np.asarray(flow_pce, dtype=np.float64)
        if v.shape == (self.n_edges,) and self.n_edges != self.n:
            v = v[self.edges]
        if v.shape != (self.n,):
            raise ValueError(f"`flow_pce` has shape {v.shape}; expected ({self.n},) drive edges "
                             f"or ({self.n_edges},) network edges")  # fmt: skip
        return np.maximum(v, 0.0)

    def running(self, flow_pce: ArrayLike) -> FloatArray:
        """Mid-block running time (s) by BPR on the mid-block capacity."""
        v = self._flow(flow_pce)
        return self.t0 * (1.0 + self.alpha * (v / self.capacity_mid) ** self.beta)

    def signal_delay(self, flow_pce: ArrayLike) -> FloatArray:
        """Control delay (s) at the edge's signal stop lines: stop lines x (d1 + d2)."""
        v = self._flow(flow_pce)
        out = np.zeros(self.n)
        s = self._sig
        d1, d2, _, _ = self._hcm(v[s], s)
        out[s] = self.signals[s] * (d1 + d2)
        return out

    def _hcm(
        self, v: FloatArray, s: NDArray[np.int64]
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """d1, d2 and their derivatives with respect to X at signalised edges ``s``."""
        c, g, cycle, T = self.capacity_signal[s], self.green[s], self.cycle_s[s], self.period_h
        x = v / c
        xm = np.minimum(x, 1.0)
        a = 0.5 * cycle * (1.0 - g) ** 2
        d1 = a / (1.0 - xm * g)
        dd1 = np.where(x < 1.0, a * g / (1.0 - xm * g) ** 2, 0.0)
        m = self.ki8 / (c * T)
        u = x - 1.0
        root = np.sqrt(u * u + m * x)
        d2 = 900.0 * T * (u + root)
        dd2 = 900.0 * T * (1.0 + (u + 0.5 * m) / np.maximum(root, 1e-12))
        return d1, d2, dd1, dd2

    def times(self, flow_pce: ArrayLike) -> FloatArray:
        """Travel time (s) of every drive edge: running + signal delay + priority delay."""
        return self.running(flow_pce) + self.signal_delay(flow_pce) + self.priority_s

    def free_times(self) -> FloatArray:
        """:meth:`times` at zero flow (running time plus the uniform delay of empty signals)."""
        return self.times(np.zeros(self.n))

    def marginal(self, flow_pce: ArrayLike) -> FloatArray:
        """d times / d flow (s per pcu/h) of every drive edge."""
        v = self._flow(flow_pce)
        a, b, cap = self.alpha, self.beta, self.capacity_mid
        out = self.t0 * a * b * v ** (b - 1.0) / cap**b
        s = self._sig
        _, _, dd1, dd2 = self._hcm(v[s], s)
        out[s] += self.signals[s] * (dd1 + dd2) / self.capacity_signal[s]
        return out

    def vc(self, flow_pce: ArrayLike) -> FloatArray:
        """Flow over the bottleneck capacity (mid-block, or the signal approach if smaller)."""
        return self._flow(flow_pce) / self.capacity


# -------------------------------------------------------------------------------------- transit
def crowding_multiplier(
    load: ArrayLike, capacity: ArrayLike, seat_share: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """In-vehicle time multiplier of the average rider, and its derivative d/d load.

    With ``x = load / capacity`` (passengers an hour over places an hour) and seat share ``s``:
    seated riders' multiplier is 1 up to :data:`SEAT_LOAD_NO_CROWDING` of the seats, rises
    linearly to 1.15 when the seats are full and to 1.5 when the vehicle is full; the standing
    share ``(x - s) / x`` of riders has 2.32. Bounded: constant from ``x = 1`` on (riders
    beyond capacity do not board: :func:`failure_to_board_wait`).
    """
    load = np.maximum(np.asarray(load, dtype=np.float64), 0.0)
    cap = np.maximum(np.asarray(capacity, dtype=np.float64), 1e-9)
    s = np.clip(np.asarray(seat_share, dtype=np.float64), 1e-6, 1.0)
    x = load / cap
    xc = np.minimum(x, 1.0)
    lo = SEAT_LOAD_NO_CROWDING * s
    rise1 = (SEATED_MULTIPLIER_FULL_SEATS - 1.0) / np.maximum(s - lo, 1e-12)
    rise2 = (SEATED_MULTIPLIER_FULL_VEHICLE - SEATED_MULTIPLIER_FULL_SEATS) / np.maximum(
        1.0 - s, 1e-12
    )
    in1 = (xc > lo) & (xc <= s)
    in2 = xc > s
    seated = 1.0 + np.where(in1, rise1 * (xc - lo), 0.0)
    seated = np.where(in2, SEATED_MULTIPLIER_FULL_SEATS + rise2 * (xc - s), seated)
    dseated = np.where(in1, rise1, np.where(in2, rise2, 0.0))
    standing = np.where(in2, (xc - s) / np.maximum(xc, 1e-12), 0.0)
    dstanding = np.where(in2, s / np.maximum(xc, 1e-12) ** 2, 0.0)
    mult = seated + standing * (STANDING_MULTIPLIER - seated)
    dmult = dseated + dstanding * (STANDING_MULTIPLIER - seated) - standing * dseated
    dmult = np.where(x < 1.0, dmult / cap, 0.0)
    return mult, dmult


def failure_to_board_wait(
    load: ArrayLike,
    capacity: ArrayLike,
    headway_s: ArrayLike,
    *,
    max_missed: float = MAX_MISSED_VEHICLES,
) -> tuple[FloatArray, FloatArray]:
    """Extra wait (s) of riders joining a segment with ``load`` passengers an hour over its
    ``capacity``: ``headway x min(max_missed, max(0, load - capacity) / capacity)``, and its
    derivative d/d load."""
    load = np.maximum(np.asarray(load, dtype=np.float64), 0.0)
    cap = np.maximum(np.asarray(capacity, dtype=np.float64), 1e-9)
    h = np.asarray(headway_s, dtype=np.float64)
    missed = np.maximum(load - cap, 0.0) / cap
    wait = h * np.minimum(missed, max_missed)
    dwait = np.where((missed > 0) & (missed < max_missed), h / cap, 0.0)
    return wait, dwait


class TransitCrowding:
    """Crowding on a network's transit edges, from passenger flows per network edge.

    :attr:`ivt` are the in-vehicle edges (fare-level copies included, loaded together with the
    edge they duplicate); :attr:`boarding` the BOARD and TRANSFER edges, each joining the
    segment :attr:`joins` (the in-vehicle edge leaving the stop it boards at; -1 if none).
    """

    def __init__(self, net: MultimodalNetwork) -> None:
        self.n_edges = net.n_edges
        self.base = net.base_edge()
        hop_layers = [Layer.BUS, Layer.METRO, Layer.CABLE]
        self.ivt = np.flatnonzero(np.isin(net.layer, hop_layers))
        self.capacity = net.capacity[self.ivt].astype(np.float64)
        modes = net.lines.mode[net.edge_line[self.ivt]] if self.ivt.size else np.zeros(0, int)
        self.seat_share = np.array([SEAT_SHARE.get(int(m), 1.0) for m in modes], np.float64)
        self.boarding = np.flatnonzero(np.isin(net.layer, [Layer.BOARD, Layer.TRANSFER]))
        leaving = np.full(net.n_nodes, -1, np.int64)
        leaving[net.tail[self.ivt]] = self.base[self.ivt]
        self.joins = leaving[net.indices[self.boarding]]
        line = net.edge_line[self.boarding]
        self.headway_s = net.lines.headway_s[line].astype(np.float64)
        self.join_capacity = np.where(self.joins >= 0, net.capacity[np.maximum(self.joins, 0)],
                                      np.inf)  # fmt: skip

    def segment_loads(self, flow: ArrayLike) -> FloatArray:
        """Passengers an hour on each network edge's vehicle segment (copies summed onto the
        edge they duplicate; 0 off in-vehicle edges), per network edge."""
        f = np.asarray(flow, dtype=np.float64)
        out = np.bincount(self.base[self.ivt], weights=f[self.ivt], minlength=self.n_edges)
        return out.astype(np.float64, copy=False)

    def ivt_multiplier(self, flow: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Multiplier of each in-vehicle edge (order of :attr:`ivt`) and its derivative with
        respect to the segment's load."""
        load = self.segment_loads(flow)[self.base[self.ivt]]
        return crowding_multiplier(load, self.capacity, self.seat_share)

    def boarding_wait(self, flow: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Extra wait of each boarding/transfer edge (order of :attr:`boarding`) and its
        derivative with respect to the load of the segment it joins."""
        seg = self.segment_loads(flow)
        load = np.where(self.joins >= 0, seg[np.maximum(self.joins, 0)], 0.0)
        return failure_to_board_wait(load, self.join_capacity, self.headway_s)
