"""The equilibrium solver and its gap, against closed forms on toy networks and on the mini
city (two starts reach the same flows)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from sim import equilibrium as E
from sim import solver_settings as S
from sim.choice import ChoiceParams
from sim.kernels import day as K
from sim.model import CommuteModel
from tests.toy import households, toy_city, two_route_network, two_zones

Q = 3000.0  # trips an hour


def bpr(t0: float, x: float, cap: float) -> float:
    return t0 * (1 + 0.15 * (x / cap) ** 4)


def toy(n: int = 60, *, walk_asc: float | None = None, seed: int = 1) -> CommuteModel:
    """Two congestible car routes; with ``walk_asc`` a walk alternative competes by logit."""
    asc = {"car": 0.0} if walk_asc is None else {"car": 0.0, "walk": walk_asc}
    return CommuteModel(
        toy_city(car_per_km=0.0),
        seed=seed,
        network=two_route_network(),
        zones=two_zones(float(n)),
        population=households(n, weight=Q / n, vot=1e9),
        # walking the whole way at 1.6, the weight the walk constants here were chosen for
        params=ChoiceParams(
            peak_hour_factor=1.0, asc=asc, max_walk_min=1000.0, scale=0.1, walk_mode_weight=1.6
        ),  # fmt: skip
        agents=False,
    )


def route_links(model: CommuteModel) -> tuple[int, int]:
    net = model.network
    a = np.flatnonzero((net.tail == 2) & (net.indices == 4))[0]
    b = np.flatnonzero((net.tail == 2) & (net.indices == 5))[0]
    return int(a), int(b)


def wardrop_split(q: float) -> float:
    """Route A's flow at which both routes take the same time (all of ``q`` if A stays the
    faster route with everything on it)."""
    if bpr(300, q, 1000) <= 450:
        return q
    return brentq(lambda x: 2 * bpr(300, x, 1000) - 2 * bpr(450, q - x, 2000), 0, q)


def test_fixed_demand_reaches_wardrop_to_1e_6():
    model = toy()
    conv = model.equilibrate(tol=1e-6, max_iterations=60)
    assert conv.converged and model.relative_gap <= 1e-6
    a, b = route_links(model)
    x_star = wardrop_split(Q)
    assert model.car_flow[a] == pytest.approx(x_star, rel=1e-4)
    # every trip drives (walking 11 km has a probability of about 1e-8)
    assert model.car_flow[a] + model.car_flow[b] == pytest.approx(Q, rel=1e-6)


def test_logit_mode_choice_with_congested_routes_matches_the_closed_form():
    walk_asc = 185.0
    model = toy(walk_asc=walk_asc)
    # the gap is quadratic in a probability's error: 1e-10 pins probabilities to about 1e-5
    model.equilibrate(tol=1e-10, max_iterations=80)
    assert model.relative_gap <= 1e-10
    # flow-independent parts of each alternative's cost, read off the model's own skims
    skim = model.last.out.skim[0]
    route_min = model.last.out.route[0, 1]
    car_rest = skim[K.ALT_CAR] - route_min
    walk_cost = skim[K.ALT_WALK]
    theta = 0.1

    def p_car_given(p: float) -> float:
        x_a = wardrop_split(p * Q)
        t_min = 2 * bpr(300, x_a, 1000) / 60
        v_car, v_walk = theta * (0.0 - car_rest - t_min), theta * (walk_asc - walk_cost)
        return 1 / (1 + np.exp(v_walk - v_car))

    p_star = brentq(lambda p: p_car_given(p) - p, 1e-6, 1 - 1e-6)
    assert 0.2 < p_star < 0.8  # both modes matter
    assert model.prob[:, K.ALT_CAR].mean() == pytest.approx(p_star, abs=1e-5)
    a, b = route_links(model)
    assert model.car_flow[a] == pytest.approx(wardrop_split(p_star * Q), rel=1e-4)


def test_gap_is_positive_away_from_equilibrium_and_zero_at_it():
    model = toy(walk_asc=185.0)
    model.equilibrate(tol=1e-9, max_iterations=100)
    at_eq = E.relative_gap(model, model.run_pass())
    assert 0 <= at_eq.relative <= 1e-8
    a, b = route_links(model)
    # move 300 trips from route B to route A (both links of each route), probabilities held
    net = model.network
    for edge, sign in ((a, 1), (b, -1)):
        nxt = np.flatnonzero(net.tail == net.indices[edge])
        for e in (edge, *nxt[model.costs.is_drive[nxt]]):
            model.car_flow[e] += sign * 300.0
    off_route = E.relative_gap(model, model.run_pass())
    assert off_route.road > 0 and off_route.relative > 1e-4
    # and a mode split that is not the logit of the costs
    model.equilibrate(tol=1e-9, max_iterations=100)
    model.prob[:, [K.ALT_CAR, K.ALT_WALK]] = model.prob[:, [K.ALT_WALK, K.ALT_CAR]]
    scale = model.prob[:, K.ALT_CAR].mean() / max(1e-12, model.prob[:, K.ALT_WALK].mean())
    model.car_flow = model.car_flow * scale  # flows consistent with the swapped split
    off_choice = E.relative_gap(model, model.run_pass())
    assert off_choice.choice > 0 and off_choice.absolute > 0


def test_gap_stays_positive_where_the_old_measure_was_negative():
    # the old measure: (today's all-or-nothing cost - averaged flows' cost) / averaged cost,
    # with the all-or-nothing load of one day's draws against averaged flows of more demand
    model = toy()
    model.equilibrate(tol=1e-3, max_iterations=2)
    res = model.run_pass()
    t = model.costs.state(model.car_flow, model.transit_flow).time_s
    old = (res.car_flow @ t - 1.1 * model.car_flow @ t) / (1.1 * model.car_flow @ t)
    assert old < 0
    assert E.relative_gap(model, res).relative > 0


@pytest.mark.parametrize("start", ["empty", "aon"])
def test_starts_are_named(start):
    model = toy()
    conv = model.equilibrate(tol=1e-6, max_iterations=60, start=start)
    assert conv.converged


def test_an_unknown_start_is_refused():
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="start"):
        toy().equilibrate(start="warm")


def test_two_starts_give_the_same_flows_on_the_mini_city(mini_city, mini_network):
    """Road flows are unique at equilibrium (every road's time rises strictly with its flow),
    and so are mode probabilities; transit flows on uncrowded lines are not (two equally
    good paths may share riders in any proportion), so they are not compared. At a gap of
    1e-5 probabilities may still differ by 1e-3, so both run on, and a full pass confirms
    their gap (the solver charges each alternative as a pass does)."""
    models = []
    for start in ("empty", "aon"):
        model = CommuteModel(mini_city, 400, seed=7, network=mini_network, agents=False)
        conv = model.equilibrate(tol=1e-8, max_iterations=60, start=start)
        assert conv.final_gap <= 1e-7, conv.relative_gap[-5:]
        models.append(model)
    a, b = models
    assert np.abs(a.car_flow - b.car_flow).max() <= 1e-5 * a.car_flow.max()
    assert np.abs(a.prob - b.prob).max() <= 1e-4


def _solved_columns(model: CommuteModel, iterations: int = 6):
    """The solver's columns after a few iterations of Jacobi steps (no pruning yet)."""
    from sim.columns import Columns

    first = E._start(model, "empty")
    params = model._params(dynamic=False)
    zero = np.zeros(model.network.n_edges)
    columns = Columns(model)
    kfirst = model.costs.kernel_costs(model.costs.state(zero, zero), model.classes)
    columns.add(kfirst, params)
    columns.start_from(model.prob)
    nonroute = E.nonroute_costs(model, first, columns, kfirst, params)
    for _ in range(iterations):
        columns.add(E._kernel_costs(model), params)
        for k in range(2):
            dirn = columns.direction(E._kernel_costs(model), E._slot_slopes(model), params,
                                     nonroute, model.prob, shares_only=k == 1)  # fmt: skip
            E._move(model, columns, dirn)
    return columns, nonroute, params


def test_pruning_columns_moves_no_link_flow(mini_city, mini_network):
    """A copy of a used column, holding half of each trip's flow, is merged back: the copy is
    dropped, every trip's flow and cost stay as they were (so do the link flows)."""
    model = CommuteModel(mini_city, 400, seed=7, network=mini_network, agents=False)
    columns, nonroute, params = _solved_columns(model)
    kc, sl = E._kernel_costs(model), E._slot_slopes(model)
    columns.prune()
    grp = 0  # a car group whose first column carries flow
    for d in range(columns.n_dest):
        rows = columns._rows(d, grp)
        rows = rows[columns.fcol[rows, 0, 0] > 0]
        if rows.size:
            break
    assert rows.size > 0
    j = len(columns.parts[d][grp])
    columns.parts[d][grp].append(tuple(c.copy() for c in columns.parts[d][grp][0]))
    columns._pack()
    columns.fcol[rows, 0, j] = 0.5 * columns.fcol[rows, 0, 0]
    columns.fcol[rows, 0, 0] -= columns.fcol[rows, 0, j]

    def flows_and_costs():
        columns.direction(kc, sl, params, nonroute, model.prob, shares_only=True)
        used = columns.fcol > 0
        paid = (columns.fcol * np.where(used, columns.last_costs, 0.0)).sum(axis=2)
        return columns.fcol.sum(axis=2), paid, int(used.sum())

    flow0, paid0, used0 = flows_and_costs()
    n0 = int(columns.n_cols.sum())
    assert columns.prune() == 1
    flow1, paid1, used1 = flows_and_costs()
    assert int(columns.n_cols.sum()) == n0 - 1 and len(columns.parts[d][grp]) == j
    assert used1 == used0 - rows.size
    np.testing.assert_allclose(flow1, flow0, rtol=0, atol=1e-9)
    np.testing.assert_allclose(paid1, paid0, rtol=1e-12, atol=1e-9)


def test_a_block_sweep_reaches_the_jacobi_solution(mini_city, mini_network):
    """Gauss-Seidel sweeps by blocks of destinations and Jacobi steps of all trips at once
    reach the same road flows and mode probabilities. Both are run well past a gap of 1e-5,
    which a full pass confirms."""
    models = []
    for blocks in (1, S.BLOCKS):  # the mini city alone would get one block
        model = CommuteModel(mini_city, 400, seed=7, network=mini_network, agents=False)
        conv = E.solve(model, tol=1e-8, max_iterations=60, blocks=blocks)
        assert conv.final_gap <= 1e-7, conv.relative_gap[-5:]
        models.append(model)
    a, b = models
    assert np.abs(a.car_flow - b.car_flow).max() <= 1e-5 * a.car_flow.max()
    assert np.abs(a.prob - b.prob).max() <= 1e-4


def test_blocks_grow_with_the_trips():
    assert S.default_blocks(100) == 1
    assert S.default_blocks(2 * S.BLOCK_TRIPS) == 2
    assert S.default_blocks(10**7) == S.BLOCKS


def test_a_shift_weighs_only_the_links_one_path_uses_and_the_other_does_not():
    """Newton's curvature of a shift between two routes is the slope summed over the links of
    one route and not the other (Jayakrishnan et al., 1994): a shared trunk does not count."""
    from sim.kernels.columns import _own_curvature

    # origin 0 -> 1 -> 2 -> root 3 (slots 0, 1, 2) or 0 -> 1 -> 4 -> root 3 (slots 0, 3, 4)
    slot_head = np.array([1, 2, 3, 4, 3])
    slope = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # seconds per unit, by slot
    par = np.full((2, 5), -1, np.int64)
    par[0, [0, 1, 2]] = [0, 1, 2]
    par[1, [0, 1, 4]] = [0, 3, 4]
    full = [slope[[0, 1, 2]].sum(), slope[[0, 3, 4]].sum()]
    ccost = np.array([[[10.0, 12.0]]])  # the first route is the cheaper
    cder = np.array([[[full[0] / 60.0, full[1] / 60.0]]])
    fcol = np.array([[[1.0, 1.0]]])
    mark = np.full(5, -1, np.int64)
    _own_curvature(0, 0, 2, 0, par, slot_head, slope, fcol, ccost, cder, mark, 0)
    one_not_other = slope[[1, 2, 3, 4]].sum() / 60.0
    assert cder[0, 0, 0] + cder[0, 0, 1] == pytest.approx(one_not_other)
    assert cder[0, 0, 0] == pytest.approx(full[0] / 60.0)  # the cheapest's own sum stays


def test_columns_that_do_not_fit_are_regrown_alike(mini_city, mini_network):
    """Columns that do not fit their room are regrown for their destinations only: the columns
    kept (and the room for the next pass) are the same as with room for every one of them."""
    from sim.columns import Columns

    model = CommuteModel(mini_city, 400, seed=7, network=mini_network, agents=False)
    kcosts, params = E._kernel_costs(model), model._params(dynamic=False)
    roomy, tight = Columns(model), Columns(model)
    roomy._room = np.full_like(roomy._room, model.network.n_nodes)
    tight._room = roomy._room.copy()
    tight._room[::2] = 0  # every other destination's columns do not fit
    assert roomy.add(kcosts, params) == tight.add(kcosts, params) > 0
    assert np.array_equal(roomy._room, tight._room)
    for a, b in zip(roomy.parts, tight.parts, strict=True):
        for cols_a, cols_b in zip(a, b, strict=True):
            assert len(cols_a) == len(cols_b)
            for ca, cb in zip(cols_a, cols_b, strict=True):
                assert all(np.array_equal(x, y) for x, y in zip(ca, cb, strict=True))


def test_the_columns_charge_each_alternative_what_a_pass_charges(mini_city, mini_network):
    """On congested roads and with fares that differ by class, the generalised minutes the
    solver chooses on (its cheapest columns, with the non-route minutes held from the first
    pass) are those a full pass computes at the same flows: a motorbike pays its share of the
    car's delay, and transit its fares at the trip's own money weights."""
    from sim.kernels import day as K

    model = CommuteModel(mini_city, 400, seed=7, network=mini_network, agents=False)
    columns, nonroute, params = _solved_columns(model, iterations=3)
    kc = E._kernel_costs(model)
    columns.add(kc, params)  # today's trees are columns, so the cheapest are the pass's paths
    columns.direction(kc, E._slot_slopes(model), params, nonroute, model.prob, shares_only=True)
    mine = columns.choice_costs
    full = model.run_pass().out.skim
    np.testing.assert_array_equal(np.isfinite(mine), np.isfinite(full))
    ok = np.isfinite(full)
    np.testing.assert_allclose(mine[ok], full[ok], rtol=1e-9, atol=1e-9)
    # what makes the check bite: motorbikes that meet delay, transit riders off their class's
    # money weights
    least = columns.last_costs.argmin(axis=2)
    rows = np.arange(model.trips.n)
    delay = columns.last_costs[rows, 0, least[:, 0]] - columns._cextra[rows, 0, least[:, 0]]
    moto = np.isfinite(full[:, K.ALT_MOTO])
    assert (delay[moto] > 0.05).sum() >= 10
    fares = columns._cextra[rows, 1, least[:, 1]]
    assert (np.abs(fares[np.isfinite(full[:, K.ALT_TRANSIT])]) > 0.05).sum() >= 10


@pytest.mark.parametrize(("tol", "converged"), [(1e-4, True), (1e-7, False)])
def test_a_solve_whose_last_moves_reach_the_tolerance_has_converged(tol, converged):
    """Convergence is the gap of the point the solve ends at: a last iteration that starts
    above the tolerance and moves below it has converged (runs warned of a gap under it)."""
    model = toy(walk_asc=185.0)
    conv = model.equilibrate(tol=tol, max_iterations=1)
    assert conv.relative_gap[-1] > 1e-4  # the gap at the top of the only iteration
    assert (conv.final_gap <= tol) is converged
    assert conv.converged is converged


def test_column_flows_pushed_onto_links_follow_each_trips_own_path(mini_city, mini_network):
    """The kernels sum trips' column flows by origin before pushing them (a trip's row is read
    once); walking every trip's own path in Python gives the same link flows."""
    from sim import warm

    model = CommuteModel(mini_city, 400, seed=7, network=mini_network, agents=False)
    columns, _, _ = _solved_columns(model, iterations=3)
    kt, bg = model.ktrips, model.blocks
    node, slot, seed, _ = columns.cols
    slots = np.zeros(bg.n_slots)
    walked = 0
    for d in range(columns.n_dest):
        for i in range(kt.ptr[d], kt.ptr[d + 1]):
            h = kt.order[i]
            for s, grp in ((0, 0), (1, 1 + int(kt.klass[h]))):
                origin = int(kt.node[1 + s, h])
                if origin < 0:
                    continue
                at = columns.origins_ptr[d * columns.n_groups + grp] + columns.oidx[h, s]
                assert columns.origins[at] == origin
                for j in range(columns.n_cols[d, grp]):
                    f = columns.fcol[h, s, j]
                    if f == 0.0:
                        continue
                    a0 = columns.col_start[d, grp, j]
                    up = {int(node[a]): a for a in range(a0, a0 + columns.col_len[d, grp, j])}
                    v = origin
                    while slot[up[v]] >= 0:  # to the root, then the root's seed hop
                        slots[slot[up[v]]] += f
                        v = int(model.graph.slot_head[slot[up[v]]])
                    if seed[up[v]] >= 0:
                        slots[seed[up[v]]] += f
                    walked += 1
    assert walked > 100
    warm.load(model, columns)
    e = model.network.n_edges
    np.testing.assert_allclose(model.car_flow + model.transit_flow, bg.scatter(slots, e),
                               rtol=1e-12, atol=1e-9)  # fmt: skip


def test_a_solve_that_averages_ends_at_the_mean_of_its_last_points(mini_city, mini_network):
    """With ``average`` = 3 a solve ends at the mean of the points its last three iterations
    moved to (flows and probabilities alike), each the point a solve stopped there ends at,
    and measures that mean's gap on a full pass."""
    ends = []
    for limit in (4, 5, 6):
        model = CommuteModel(mini_city, 300, seed=3, network=mini_network, agents=False)
        E.solve(model, tol=1e-12, max_iterations=limit, average=0)
        ends.append((model.car_flow.copy(), model.transit_flow.copy(), model.prob.copy()))
    model = CommuteModel(mini_city, 300, seed=3, network=mini_network, agents=False)
    conv = E.solve(model, tol=1e-12, max_iterations=6, average=3)
    for got, want in zip(
        (model.car_flow, model.transit_flow, model.prob), zip(*ends, strict=True), strict=True
    ):
        assert np.allclose(got, np.mean(want, axis=0), rtol=1e-12, atol=1e-12)
        assert not np.allclose(got, want[-1])  # the points differ, so the mean is not the last
    assert conv.averaged == model.averaged == 3
    assert conv.final_gap == model.relative_gap == E.relative_gap(model, model.last).relative


def test_a_solve_that_averages_runs_past_its_tolerance(mini_city, mini_network):
    """Every run of a comparison ends the same way: a solve that averages takes all its
    iterations, where one that does not stops at the first point within the tolerance."""
    stops = CommuteModel(mini_city, 300, seed=3, network=mini_network, agents=False)
    runs = CommuteModel(mini_city, 300, seed=3, network=mini_network, agents=False)
    a = E.solve(stops, tol=1e-2, max_iterations=8, average=0)
    b = E.solve(runs, tol=1e-2, max_iterations=8, average=2)
    assert a.converged and a.iterations < 8
    assert b.iterations == 8 and b.averaged == 2
    assert b.converged is (b.final_gap <= 1e-2)
    assert b.final_gap < a.final_gap


def test_the_share_of_points_averaged_comes_from_the_scenario(mini_city, mini_network):
    from sim.choice import ChoiceParams
    from sim.errors import ScenarioError

    params = ChoiceParams(average_share=0.25, max_iterations=8, gap_tolerance=1e-2)
    model = CommuteModel(mini_city, 300, seed=3, network=mini_network, agents=False,
                         params=params)  # fmt: skip
    conv = model.equilibrate()
    assert conv.iterations == 8 and conv.averaged == 2
    with pytest.raises(ScenarioError, match="average_share"):
        ChoiceParams(average_share=0.5)


def test_a_solve_keeps_room_for_every_tree_it_grows(mini_city, mini_network, monkeypatch):
    """Each iteration's trees are kept however many iterations run: with the least room cut to
    two columns a group, a solve of eight iterations still turns no new tree away (a fixed room
    of two would: groups here hold more than two)."""
    import sim.columns as C

    monkeypatch.setattr(C, "MAX_COLUMNS", 2)
    turned_away, most = [0], [0]
    keep = C.Columns._keep

    def counting(self, d, grp, col):
        cols = self.parts[d][grp]
        new = not any(np.array_equal(o[0], col[0]) and np.array_equal(o[1], col[1]) for o in cols)
        kept = keep(self, d, grp, col)
        turned_away[0] += int(new and not kept)
        most[0] = max(most[0], len(self.parts[d][grp]))
        return kept

    monkeypatch.setattr(C.Columns, "_keep", counting)
    model = CommuteModel(mini_city, 400, seed=7, network=mini_network, agents=False)
    E.solve(model, tol=0.0, max_iterations=8, average=0)
    assert most[0] > 2
    assert turned_away[0] == 0
    assert C.room_for(8) == 12 and C.room_for(40) == 44
