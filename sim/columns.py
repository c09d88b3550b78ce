"""The columns of the equilibrium solver: compact shortest-path trees of every destination and
group, and each trip's flow on them (:mod:`sim.kernels.columns`).

A pass at given link costs yields, per destination, one tree per group (the car, and transit by
routing class); :meth:`Columns.add` keeps the part of each tree its trips use, unless an equal
column is kept already. :meth:`Columns.direction` runs the gradient-projection kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np
from numpy.typing import NDArray

from sim.kernels import columns as KC
from sim.kernels import day as K
from sim.kernels import paths as KP
from sim.kernels import roads as KR

if TYPE_CHECKING:
    from sim.congestion import RoadCosts
    from sim.model import CommuteModel

#: Columns kept per destination and group at the least (:func:`room_for`). When a group is
#: full, a new tree takes the place of a column no trip uses, or is not kept at all.
MAX_COLUMNS = 16


def room_for(iterations: int) -> int:
    """Columns each destination's group keeps in a solve of ``iterations`` iterations, so that
    no tree it grows is turned away: one an iteration, the first pass's, and a warm start's own
    first column beside the ones it adopts (:mod:`sim.warm`), at least :data:`MAX_COLUMNS`.

    A tree of a destination with many origins almost never loses all its flow, so a group
    fills one column an iteration. On Porto Alegre's cable scenario (seed 44, 20,000
    households) a cap of 16 turned away the new trees of 108 of 475 groups at the 16th
    iteration and 153 at the 24th: those trips could not reach their least-cost routes, and the
    columns' gap read 1.58e-4 where a full pass at the same point read 1.66e-4 (room for 26: the
    columns read 1.66e-4, the same as the pass, in about the same time).
    """
    return max(MAX_COLUMNS, iterations + 4)


@dataclass
class Direction:
    """The master's direction: per trip ``prob`` and column flows, per network edge flows."""

    prob: NDArray[np.float64]
    fcol: NDArray[np.float64]
    car: NDArray[np.float64]
    transit: NDArray[np.float64]
    m1: NDArray[np.float64]
    m2: NDArray[np.float64]
    egress: float
    rows: NDArray[np.int64] | None = None  # the trips that move (None: all)


class Columns:
    """Every destination's columns by group, and every trip's flow on its groups' columns."""

    def __init__(self, model: CommuteModel, max_columns: int = MAX_COLUMNS) -> None:
        self.model = model
        kt = model.ktrips
        self.n_dest = model.dest.n
        self.n_groups = 1 + model.classes.n
        self.max_columns = max_columns
        self.parts: list[list[list[tuple[NDArray, ...]]]] = [
            [[] for _ in range(self.n_groups)] for _ in range(self.n_dest)
        ]
        self.fcol = np.zeros((model.trips.n, 2, max_columns))
        self._room = np.zeros((self.n_dest, self.n_groups), np.int64)  # see :meth:`add`
        self._origins(kt)
        self._pack()

    def _origins(self, kt: K.Trips) -> None:
        """Origins (block nodes) of every group of every destination, flat by d x group."""
        lists: list[list[int]] = [[] for _ in range(self.n_dest * self.n_groups)]
        for d in range(self.n_dest):
            for i in range(kt.ptr[d], kt.ptr[d + 1]):
                h = kt.order[i]
                if kt.node[1, h] >= 0:
                    lists[d * self.n_groups].append(int(kt.node[1, h]))
                if kt.node[2, h] >= 0:
                    lists[d * self.n_groups + 1 + int(kt.klass[h])].append(int(kt.node[2, h]))
        sizes = np.array([len(x) for x in lists], np.int64)
        self.origins_ptr = np.zeros(sizes.size + 1, np.int64)
        np.cumsum(sizes, out=self.origins_ptr[1:])
        flat = [np.unique(np.asarray(x, np.int64)) for x in lists]
        self.origins = np.concatenate(flat) if flat else np.zeros(0, np.int64)
        sizes = np.array([x.size for x in flat], np.int64)
        self.origins_ptr[1:] = np.cumsum(sizes)
        # each trip's index among its car group's origins (column 0) and its transit group's
        # (column 1), -1 where it has no such group: the key (group, node) sorts the flat list
        n_nodes = int(self.origins.max()) + 1 if self.origins.size else 1
        group = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
        keys = group * n_nodes + self.origins
        dest = np.empty(kt.order.shape[0], np.int64)
        dest[kt.order] = np.repeat(np.arange(self.n_dest, dtype=np.int64), np.diff(kt.ptr))
        self.oidx = np.full((kt.order.shape[0], 2), -1, np.int64)
        car, transit = kt.node[1] >= 0, kt.node[2] >= 0
        for s, has, gi in ((0, car, dest * self.n_groups),
                           (1, transit, dest * self.n_groups + 1 + kt.klass.astype(np.int64))):  # fmt: skip
            at = np.searchsorted(keys, gi[has] * n_nodes + kt.node[1 + s][has])
            self.oidx[has, s] = at - self.origins_ptr[gi[has]]
        self.org = (self.origins, self.origins_ptr, self.oidx)

    def _pack(self) -> None:
        """Flat buffers of the kept columns, with their starts and lengths."""
        d_n, g_n, j_n = self.n_dest, self.n_groups, self.max_columns
        self.n_cols = np.zeros((d_n, g_n), np.int64)
        self.col_start = np.zeros((d_n, g_n, j_n), np.int64)
        self.col_len = np.zeros((d_n, g_n, j_n), np.int64)
        chunks: list[list[NDArray]] = [[], [], [], []]
        at = 0
        for d in range(d_n):
            for grp in range(g_n):
                cols = self.parts[d][grp]
                self.n_cols[d, grp] = len(cols)
                for j, col in enumerate(cols):
                    self.col_start[d, grp, j] = at
                    self.col_len[d, grp, j] = col[0].size
                    at += col[0].size
                    for b in range(4):
                        chunks[b].append(col[b])
        kinds = (np.int64, np.int64, np.int64, np.float64)
        self.cols = tuple(
            np.concatenate(c).astype(t, copy=False) if c else np.zeros(0, t)
            for c, t in zip(chunks, kinds, strict=True)
        )

    def add(self, kcosts: K.Costs, params: K.Params) -> int:
        """Keep the trees of the pass at ``kcosts`` as new columns; returns how many are new."""
        m = self.model
        args = (m.graph, kcosts, m.ktrips, params, self.origins_ptr, self.origins)
        # room for each group's column: its last size and a margin (trees change little
        # between passes); when one does not fit, its size is known and a second call regrows
        # the trees of its destination only (the same weights give the same trees)
        everyone = np.ones(self.n_dest, np.bool_)
        sizes = np.zeros_like(self._room)
        first = self._buffers(self._room)
        KC.grow_columns(*args, everyone, sizes, self._room, *first)
        redo = np.asarray((sizes > self._room).any(axis=1))
        written = [first] * self.n_dest
        if redo.any():
            again = self._buffers(np.where(redo[:, None], sizes, 0))
            KC.grow_columns(*args, redo, np.zeros_like(sizes), sizes, *again)
            written = [again if r else first for r in redo]
        self._room = sizes + sizes // 4 + 16
        added = 0
        for d in range(self.n_dest):
            start, node, slot, seed, egress = written[d]
            for grp in range(self.n_groups):
                a, n = start[d, grp], sizes[d, grp]
                if n == 0:
                    continue
                col = (node[a : a + n], slot[a : a + n], seed[a : a + n], egress[a : a + n])
                added += self._keep(d, grp, col)
        self._pack()
        return added

    @staticmethod
    def _buffers(cap: NDArray[np.int64]) -> tuple[NDArray, ...]:
        """Each group's start in flat buffers holding ``cap`` entries per group, and the
        buffers (node, slot, seed slot, egress)."""
        flat = np.zeros(cap.size + 1, np.int64)
        np.cumsum(cap.ravel(), out=flat[1:])
        total = int(flat[-1])
        return (flat[:-1].reshape(cap.shape), *(np.empty(total, np.int64) for _ in range(3)),
                np.empty(total))  # fmt: skip

    def _keep(self, d: int, grp: int, col: tuple[NDArray, ...]) -> int:
        cols = self.parts[d][grp]
        for old in cols:
            if (
                old[0].size == col[0].size
                and np.array_equal(old[0], col[0])
                and np.array_equal(old[1], col[1])
            ):
                return 0
        if len(cols) < self.max_columns:
            cols.append(tuple(c.copy() for c in col))
            return 1
        # full: replace the column that carries no flow, if any
        s = 0 if grp == 0 else 1
        rows = self._rows(d, grp)
        load = self.fcol[rows, s, :].sum(axis=0) if rows.size else np.zeros(self.max_columns)
        idle = np.flatnonzero(load[: len(cols)] <= 0.0)
        if idle.size == 0:
            return 0
        cols[int(idle[0])] = tuple(c.copy() for c in col)
        return 1

    def prune(self) -> int:
        """Merge each trip's flow on columns whose paths from its origin are equal onto one of
        them (link flows do not change), then drop the columns no trip uses, so a group's room
        goes to paths that differ. Returns the number of columns dropped."""
        m = self.model
        KP.merge_equal_paths(m.graph, m.ktrips, self.cols, self.col_start, self.col_len,
                             self.n_cols, self.fcol, m.classes.n)  # fmt: skip
        dropped = 0
        for d in range(self.n_dest):
            for grp in range(self.n_groups):
                cols = self.parts[d][grp]
                if not cols:
                    continue
                s = 0 if grp == 0 else 1
                rows = self._rows(d, grp)
                load = self.fcol[rows, s, : len(cols)].sum(axis=0)
                keep = np.flatnonzero(load > 0.0)
                if keep.size == len(cols):
                    continue
                if keep.size == 0:  # a group nobody rides keeps its first column
                    keep = np.array([0])
                dropped += len(cols) - keep.size
                self.parts[d][grp] = [cols[int(j)] for j in keep]
                block = self.fcol[rows, s, :]
                block[:, : keep.size] = block[:, keep]
                block[:, keep.size :] = 0.0
                self.fcol[rows, s, :] = block
        self._pack()
        return dropped

    def _rows(self, d: int, grp: int) -> NDArray[np.int64]:
        kt = self.model.ktrips
        rows = kt.order[kt.ptr[d] : kt.ptr[d + 1]]
        if grp == 0:
            return rows[kt.node[1, rows] >= 0]
        return rows[(kt.node[2, rows] >= 0) & (kt.klass[rows] == grp - 1)]

    def loads(self, prob: NDArray[np.float64], rows: NDArray[np.int64] | slice = slice(None)
              ) -> NDArray[np.float64]:  # fmt: skip
        """What trips ``rows`` with mode probabilities ``prob`` (one row each) load on their
        car group (car units) and transit group (riders); 0 where a trip has no such group."""
        m = self.model
        tr, mp, kt = m.trips, m.params.moto_pce, m.ktrips
        q, pce = tr.flow[rows], tr.pce[rows]
        car = q * (pce * prob[:, K.ALT_CAR] + mp * prob[:, K.ALT_MOTO])
        transit = q * prob[:, K.ALT_TRANSIT]
        return np.stack([np.where(kt.node[1, rows] >= 0, car, 0.0),
                         np.where(kt.node[2, rows] >= 0, transit, 0.0)], axis=1)  # fmt: skip

    def start_from(self, prob: NDArray[np.float64]) -> None:
        """Every trip's flow on its groups' first column, from mode probabilities ``prob``."""
        self.fcol[:] = 0.0
        self.fcol[:, :, 0] = self.loads(prob)

    def block_rows(self, block: int, n_blocks: int) -> tuple[slice, NDArray[np.int64]]:
        """The chunks (a slice) and the trips (rows) of one block of a Gauss-Seidel sweep:
        the chunks ``c`` with ``c * n_blocks // n_chunks == block``, contiguous."""
        kt = self.model.ktrips
        n_chunks = kt.chunks.size - 1
        cs = [c for c in range(n_chunks) if c * n_blocks // n_chunks == block]
        if not cs:
            return slice(0, 0), np.zeros(0, np.int64)
        lo, hi = int(kt.chunks[cs[0]]), int(kt.chunks[cs[-1] + 1])
        return slice(cs[0], cs[-1] + 1), kt.order[kt.ptr[lo] : kt.ptr[hi]]

    def _workspace(self, n_chunks: int) -> None:
        m = self.model
        n_t, n_s = m.trips.n, m.blocks.n_slots
        self._ccost = np.full((n_t, 2, self.max_columns), np.inf)
        self._cder = np.zeros((n_t, 2, self.max_columns))
        self._cextra = np.zeros((n_t, 2, self.max_columns))
        self._cskim = np.full((n_t, m.prob.shape[1]), np.inf)
        self._static = _static_attributes(m)
        self._dprob = np.zeros((n_t, m.prob.shape[1]))
        self._dfcol = np.zeros_like(self.fcol)
        self._dflow = np.zeros((3, n_chunks, n_s))  # all, boardings, transfers
        self._degress = np.zeros(n_chunks)

    def direction(self, kcosts: K.Costs, slope: NDArray[np.float64], params: K.Params,
                  nonroute: NDArray[np.float64], prob: NDArray[np.float64],
                  *, shares_only: bool, block: int = -1, n_blocks: int = 1) -> Direction:  # fmt: skip
        """The gradient-projection direction at the model's point (costs ``kcosts``): of
        every trip, or with ``block`` >= 0 of one block's trips (:meth:`block_rows`; the other
        trips' entries are zero). Its arrays are this object's workspace, valid until the
        next call."""
        from sim.assign import N_CHUNKS

        m = self.model
        bg = m.blocks
        if getattr(self, "_dfcol", None) is None or self._dfcol.shape != self.fcol.shape:
            self._workspace(N_CHUNKS)
        ccost, cder, dprob, dfcol = self._ccost, self._cder, self._dprob, self._dfcol
        dflow, degress = self._dflow, self._degress
        if block < 0:
            chunks, rows = slice(0, N_CHUNKS), None
            ccost.fill(np.inf)
            dprob.fill(0.0)
            dfcol.fill(0.0)
        else:
            chunks, rows = self.block_rows(block, n_blocks)
            dprob[rows] = 0.0
            dfcol[rows] = 0.0
        dflow[:, chunks] = 0.0
        degress[chunks] = 0.0
        KC.master(m.graph, kcosts, slope, self._static, m.params.moto_delay_share, m.ktrips,
                  params, nonroute, self.cols, self.col_start, self.col_len, self.n_cols,
                  self.fcol, prob, shares_only, ccost, cder, self._cextra, self._cskim, dprob,
                  dfcol, dflow[0], dflow[1], dflow[2], degress, block, n_blocks, self.org,
                  numba.get_num_threads())  # fmt: skip
        e = m.network.n_edges
        slot = dflow[0, chunks].sum(axis=0)
        car = np.zeros(bg.n_slots)
        car[bg.slot_off[1] : bg.slot_off[2]] = slot[bg.slot_off[1] : bg.slot_off[2]]
        if block < 0:
            self.last_costs = ccost
        self.choice_costs = self._cskim  # the block's rows are new
        return Direction(
            prob=dprob, fcol=dfcol, car=bg.scatter(car, e), transit=bg.scatter(slot - car, e),
            m1=bg.scatter(dflow[1, chunks].sum(axis=0), e),
            m2=bg.scatter(dflow[2, chunks].sum(axis=0), e),
            egress=float(degress[chunks].sum()) / 60.0, rows=rows,
        )  # fmt: skip

    def last_least(self, rows: NDArray[np.int64] | slice = slice(None)) -> NDArray[np.float64]:
        """Trips ``rows``' cheapest column costs at the last direction's costs (minutes; column
        0 transit, 1 one car unit; only the last block's rows are new after a block's)."""
        return self._ccost[rows].min(axis=2)[:, ::-1]

    def clear(self, dirn: Direction) -> None:
        """Zero a block direction's rows in the workspace once it has been used."""
        if dirn.rows is None:
            self._dprob.fill(0.0)
            self._dfcol.fill(0.0)
        else:
            self._dprob[dirn.rows] = 0.0
            self._dfcol[dirn.rows] = 0.0

    def shift_roads(self, passes: int) -> float:
        """``passes`` road sweeps (:func:`sim.kernels.roads.road_sweep`): every trip's car flow
        moves between its car columns by its own Newton step, link times updated trip by trip.
        The model's car flows follow; mode probabilities and transit do not move. Returns the
        flow moved (PCE an hour)."""
        m = self.model
        if passes <= 0 or not (self.n_cols[:, 0] > 1).any():
            return 0.0
        if getattr(self, "_road", None) is None:
            self._road = _road_arrays(m)
        slot_drive, const, road = self._road
        roads = m.costs.roads
        v = m.car_flow[roads.edges] + m.costs.bus_preload[roads.edges]
        dflow = np.zeros(roads.n)
        lo, hi = m.blocks.off[1], m.blocks.off[2]
        moved = KR.road_sweep(m.ktrips, self.cols, self.col_start, self.col_len, self.n_cols,
                              self.fcol, m.graph.slot_head, slot_drive, const, lo, hi - lo, road,
                              v, dflow, passes)  # fmt: skip
        car = m.car_flow.copy()  # a new array: a caller may hold the old one
        car[roads.edges] += dflow
        m.car_flow = car
        return float(moved)


def _static_attributes(model: CommuteModel) -> NDArray[np.float64]:
    """Per slot, what a column's choice costs add up beside its routing cost
    (:func:`sim.kernels.columns.master`): the free-flow seconds of the car block's slots (row 0)
    and the boarding and transfer fares of the transit block's (rows 0 and 1)."""
    costs, bg = model.costs, model.blocks
    static = np.zeros((2, bg.n_slots))
    lo, hi = bg.slot_off[1], bg.slot_off[2]
    drive = costs.is_drive[bg.slot_edge[lo:hi]]
    static[0, lo:hi] = np.where(drive, costs.free[bg.slot_edge[lo:hi]], 0.0)
    lo, hi = bg.slot_off[2], bg.slot_off[3]
    static[0, lo:hi] = costs.fare_board[bg.slot_edge[lo:hi]]
    static[1, lo:hi] = costs.fare_transfer[bg.slot_edge[lo:hi]]
    return static


def _road_arrays(model: CommuteModel) -> tuple[NDArray, NDArray, NDArray]:
    """For :func:`sim.kernels.roads.road_sweep`: each car slot's drive edge (-1 elsewhere),
    the constant seconds of car slots that are not drive edges, and the drive edges' cost
    parameters (:func:`sim.kernels.roads.edge_time`)."""
    net, bg, roads = model.network, model.blocks, model.costs.roads
    lo, hi = bg.slot_off[1], bg.slot_off[2]
    index = np.full(net.n_edges, -1, np.int64)
    index[roads.edges] = np.arange(roads.n)
    slot_drive = np.full(bg.n_slots, -1, np.int64)
    slot_drive[lo:hi] = index[bg.slot_edge[lo:hi]]
    const = np.where(slot_drive < 0, net.time_s[bg.slot_edge], 0.0).astype(np.float64)
    return slot_drive, const, road_parameters(roads)


def road_parameters(roads: RoadCosts) -> NDArray[np.float64]:
    """The drive edges' cost parameters as :func:`sim.kernels.roads.edge_time` reads them."""
    n = roads.n
    road = np.zeros((8, max(n, 4)))
    road[0, :n], road[1, :n], road[2, :n] = roads.t0, roads.capacity_mid, roads.signals
    road[3, :n], road[4, :n], road[5, :n] = roads.capacity_signal, roads.green, roads.cycle_s
    road[6, :n] = roads.priority_s
    road[7, :4] = roads.alpha, roads.beta, roads.period_h, roads.ki8
    return road
