"""Certified verdicts: reduce, prove the narrow point in ball arithmetic, lift through the theorems.

``certify(arch, params, data, dps)`` (docs/certified.md) returns a :class:`Certification`: a
proved verdict with its certificate (``semiflat verify`` re-checks it from scratch), or
``undecided`` with the reason. Steps:

1. The network and the data are written as decimal strings (the canonical text of
   numerics.io.network_file) and read back as balls; every proof is about those decimals.
2. Zero loss: Krawczyk on a square subsystem of the residual r(theta) = 0 (D - nM coordinates
   fixed) proves an exact zero, so L attains its minimum 0 (T9): ``global-minimum``. Otherwise
   the point is only near-interpolating: no minimiser is proved.
3. L > 0: the detected structure is undone (proofs_check.landscape.structure: dead ReLU units, replicated
   pairs); ReLU scaling orbits are cut by fixing one outgoing weight per unit (T8). The reduced
   centre is refined by Newton at the working precision; Krawczyk on the gradient proves a unique
   critical point in a box; Gershgorin on Q^T H(X) Q gives its inertia.
4. Lift: the embedding maps (structure.lift) carry the box to the input network, where the wide
   critical point lies (replication.gradient, inactive_unit.relu_dead_flat). A certified negative
   Rayleigh quotient of the wide Hessian over that box proves a saddle; the blocks of K_lambda
   (replication.hessian) enclosed over the box decide T4a / T4b / T7; certified dead margins T6.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import mpmath
from flint import arb, arb_mat, ctx

from numerics import newton
from numerics.io.ball_files import data_balls, digest, network_balls
from numerics.ball_functions import SignUndecided, ball_precision, bits_for
from numerics.balls import evaluate, pre_activations, to_ball
from numerics.precision import near_interpolation_band, newton_target, zero_loss_band
from numerics.io.data_file import dataset_to_json
from numerics.dataset import Dataset
from numerics.io.network_file import network_to_json
from numerics.precision import to_mp_array, workdps
from proofs_check.certified import relu_cell
from proofs_check.landscape import structure as st
from proofs_check.certified.interval_proofs import (
    approximate_eigenvectors,
    certified_inertia,
    digits_of,
    krawczyk,
    rayleigh_upper,
)
from proofs_check.landscape.step_analysis import pair_direction
from theory.embeddings._units import incoming
from theory.params import Params, incoming_indices, outgoing_indices

FORMAT = "semiflat.certificate/1"

HIGH_PRECISION_BASIS_MAX = 80
"""Largest reduced size for which Gershgorin retries with eigenvectors at the working precision."""


@dataclass(frozen=True, eq=False)
class Certification:
    """``proved`` verdict (a Verdict value) with its ``statement`` ("saddle (T4b, ...)"), or not
    proved with ``reason``; ``certificate`` is the JSON object that ``semiflat verify`` re-checks."""

    proved: bool
    verdict: str
    theorem: str
    statement: str = ""
    reason: str = ""
    flat_dimension: int = 0
    certificate: dict | None = None
    evidence: tuple = field(default_factory=tuple)


def _s(b: arb, digits=6) -> str:
    return b.str(digits, radius=True)


def _decimal(b: arb, digits: int) -> str:
    """The midpoint of ``b`` as a decimal string of ``digits`` significant digits, zeros stripped."""
    text = b.mid().str(digits, radius=False)
    mant, _, exp = text.partition("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant + ("e" + exp if exp else "")


def _upward(b: arb) -> str:
    """A short decimal upper bound of the ball ``b`` (1% margin over the printing's rounding)."""
    return (b.abs_upper() * arb("1.01")).str(3, radius=False)


def _box(centre_strings, free, radius):
    """Balls: free coordinates centre +- radius, the others their decimal (module docs)."""
    out = []
    for k, c in enumerate(centre_strings):
        b = to_ball(c)
        if k in free:
            b = b + arb(0, 1) * radius
        out.append(b)
    return out


def _krawczyk_on(fn, centre_strings, free, radius):
    """Krawczyk for F = fn(theta)[0] restricted to ``free`` with Jacobian fn(theta)[1] (free x free)."""
    F_mid, _ = fn(_box(centre_strings, (), arb(0)), need_jacobian=False)
    _, J = fn(_box(centre_strings, free, radius), need_jacobian=True)
    # an inexact decimal centre is a ball: widen X - m by its radius (docs/certified.md "Krawczyk")
    rho = max((to_ball(centre_strings[k]).rad() for k in free), default=arb(0))
    proof = krawczyk(F_mid, J, radius + rho)
    if proof is None or not all((k.abs_upper() + rho) < radius for k in proof.enclosure):
        return None, J
    return proof, J


def _gradient_system(arch, x, y, free):
    def fn(theta, need_jacobian):
        e = evaluate(arch, theta, x, y, hessian=need_jacobian)
        F = [e.gradient[k] for k in free]
        if not need_jacobian:
            return F, None
        J = arb_mat(len(free), len(free))
        for a, i in enumerate(free):
            for b, j in enumerate(free):
                J[a, b] = e.hessian[i, j]
        return F, J
    return fn


def _residual_system(arch, x, y, free):
    M = arch.output_dim

    def fn(theta, need_jacobian):
        e = evaluate(arch, theta, x, y, hessian=False, jacobian=need_jacobian)
        n = e.residuals.nrows()
        F = [e.residuals[i, m] for i in range(n) for m in range(M)]
        if not need_jacobian:
            return F, None
        J = arb_mat(n * M, len(free))
        for i in range(n):
            for m in range(M):
                for b, j in enumerate(free):
                    J[i * M + m, b] = e.jacobian[m][i, j]
        return F, J
    return fn


def _newton(fn, centre, free, digits, iterations=12):
    """Refine the free coordinates of ``centre`` (decimal strings) by Newton at the working precision
    (numerics.newton.iterate, docs/certified.md "Prove existence"): the step solves the midpoint
    system ``mid(J) step = mid(F)``, the new centre is written as decimals of ``digits`` digits,
    and the loop stops once every step is below ``newton_target(digits)`` relative to its
    coordinate. Returns the centre and whether that stop rule was met."""
    tiny = to_ball(newton_target(digits))

    def solve(F, J):
        try:
            return J.mid().solve(arb_mat([[f.mid()] for f in F]))
        except (ZeroDivisionError, ValueError):
            return None

    def update(state, step):
        moved = list(state[0])
        for a, k in enumerate(free):
            moved[k] = _decimal(to_ball(moved[k]) - step[a, 0], digits)
        return (moved, step), True

    def small(state):
        at, step = state
        return step is not None and all(abs(step[a, 0].mid()) < tiny * (1 + abs(to_ball(at[k]).mid()))
                                        for a, k in enumerate(free))

    def evaluate(state):
        return fn(_box(state[0], free, arb(0)), need_jacobian=True)

    found = newton.iterate((list(centre), None), evaluate=evaluate, solve=solve, update=update, stop=small,
                           max_steps=iterations)
    return found.state[0], found.converged


def _radii(digits):
    return [arb(10) ** (-e) for e in range(digits - 8, 6, -6)]


def _prove_zero(fn, centre, free, digits):
    for r in _radii(digits):
        proof, _ = _krawczyk_on(fn, centre, free, r)
        if proof is not None:
            return proof
    return None


def certify(arch, params: Params, data, dps: int, *, structure=None, zero_loss: bool | None = None,
            critical: bool = True) -> Certification:
    """Prove the verdict at ``params`` with ball arithmetic (module docstring).

    Arguments:
        arch, params: the network (mpf or exact numbers).
        data: a Dataset or (x, y).
        dps: working precision (digits); the balls use ``bits_for(dps) + 64`` bits.
        structure: the detected structure (``structure.detect``), computed when None.
        zero_loss: take the zero-training-error route (None: decided from the loss in balls).
        critical: False proves instead that the gradient at the point is not zero.
    Returns:
        Certification (``proved`` False with a reason when no proof was found).
    """
    x, y = (data.x, data.y) if isinstance(data, Dataset) else data
    dataset = Dataset(np.asarray(x, dtype=object), np.asarray(y, dtype=object))
    net = network_to_json(arch, params, dps)
    network = {"architecture": net["architecture"], "parameters": net["parameters"]}
    data_obj = dataset_to_json(dataset, dps)
    bits = bits_for(dps) + 64
    digits = digits_of(bits)
    cert = {"format": FORMAT, "bits": bits, "network": network, "data": data_obj,
            "digests": {"network": digest(network), "data": digest(data_obj)}}
    with ball_precision(bits):
        arch_b, params_b = network_balls(network)
        xb, yb = data_balls(data_obj, arch_b)
        theta = [str(v) for v in _flat_strings(network, arch_b)]
        try:
            if not critical:
                return _certify_not_critical(arch_b, theta, xb, yb, cert)
            if relu_cell.applies(arch_b):
                proof = _certify_cell(arch_b, theta, data_obj, dps, dict(cert), zero_loss)
                if proof.proved:
                    return proof
            if zero_loss is None:
                e = evaluate(arch_b, [to_ball(t) for t in theta], xb, yb, hessian=False)
                scale = sum((v * v for v in yb.reshape(-1)), arb(0)) / 2
                zero_loss = bool(e.loss.upper() <= to_ball(zero_loss_band(dps)) * max(scale.upper(), arb(1)))
                # a near-interpolating point (a trained fit, SSE ~ 1e-30): an exact zero of the
                # residual may lie next to it (Newton converges quadratically); try that first
                if not zero_loss and e.loss.upper() <= to_ball(near_interpolation_band(dps)) * max(scale.upper(), arb(1)):
                    proof = _certify_zero(arch_b, theta, xb, yb, digits, dict(cert))
                    if proof.proved:
                        return proof
            if zero_loss:
                return _certify_zero(arch_b, theta, xb, yb, digits, cert)
            if structure is None:
                with workdps(dps):
                    structure = st.detect(arch, params, to_mp_array(dataset.x), dps=dps)
            return _certify_critical(arch, params, arch_b, params_b, theta, xb, yb, digits, structure, cert)
        except SignUndecided as exc:
            return Certification(False, "undecided", "NK", reason=f"a pre-activation ball contains a ReLU kink ({exc})")


def _certify_not_critical(arch, theta, x, y, cert):
    e = evaluate(arch, [to_ball(t) for t in theta], x, y, hessian=False)
    k = max(range(arch.n_params), key=lambda i: e.gradient[i].abs_lower())
    g = e.gradient[k]
    if g.contains(0):
        return Certification(False, "undecided", "first-order condition",
                             reason="every gradient component's ball contains 0")
    statement = f"not-critical (dL/dtheta_{k} in {_s(g, 5)} excludes 0)"
    cert["claim"] = {"verdict": "not-critical", "theorems": ["first-order condition"], "claims": [],
                     "flat_dimension": 0, "distance": "0"}
    cert["tests"] = [{"test": "gradient", "index": k}]
    cert["digest"] = digest({k: v for k, v in cert.items() if k != "digest"})
    return Certification(True, "not-critical", "first-order condition", statement, certificate=cert,
                         evidence=(("gradient", statement),))


def _flat_strings(network, arch):
    p = network["parameters"]
    W = [np.array(w, dtype=object) for w in p["W"]]
    b = [np.array(v, dtype=object) for v in p["b"]] if arch.bias else None
    return Params.build(arch, W, b).to_vector()


def _certify_zero(arch, theta, x, y, digits, cert):
    n, M, D = x.shape[0], arch.output_dim, arch.n_params
    if n * M > D:
        return Certification(False, "undecided", "T9", reason=(
            f"near-interpolating (zero loss to the working precision) but the residual has {n * M} equations "
            f"for {D} parameters: no exact zero is proved, no minimiser proved"))
    e = evaluate(arch, [to_ball(t) for t in theta], x, y, hessian=False, jacobian=True)
    J = np.array([[float(e.jacobian[m][i, k].mid()) for k in range(D)] for i in range(n) for m in range(M)])
    free = relu_cell.greedy_columns(J, n * M)
    fn = _residual_system(arch, x, y, free)
    centre, _ = _newton(fn, theta, free, digits)
    proof = _prove_zero(fn, centre, free, digits) if len(free) == n * M else None
    loss_upper = e.loss.upper()
    if proof is None:
        return Certification(False, "undecided", "T9", reason=(
            f"near-interpolating, L <= {loss_upper.str(3, radius=False)}, no minimiser proved (Krawczyk on the "
            f"{n * M} x {n * M} residual subsystem did not contract)"))
    radius = proof.radius
    distance = max(((to_ball(theta[k]) - to_ball(centre[k])).abs_upper() for k in free), default=arb(0))
    statement = (f"global-minimum (T9: an exact zero of the residual in the box of radius {_s(radius, 3)} around "
                 f"a point within {distance.str(3, radius=False)} of the input, Krawczyk contraction "
                 f"{proof.ratio.str(3, radius=False)})")
    cert["claim"] = {"verdict": "global-minimum", "theorems": ["T9"], "claims": ["zero_error.gauss_newton"],
                     "flat_dimension": 0, "distance": _upward(distance + radius)}
    cert["tests"] = [{"test": "zero-residual", "free": free, "centre": centre,
                      "radius": radius.mid().str(5, radius=False)}]
    cert["digest"] = digest({k: v for k, v in cert.items() if k != "digest"})
    return Certification(True, "global-minimum", "T9", statement, certificate=cert,
                         evidence=(("zero residual", statement),))


def _certify_cell(arch, theta, data_obj, dps, cert, zero_loss):
    """One hidden layer, piecewise-linear phi: an exact stationary point of the cell's convex
    quadratic next to the input is a local minimum, an exact zero residual a global one
    (proofs_check.certified.relu_cell, docs/certified.md "ReLU cells")."""
    cp = relu_cell.stationary_point(arch, theta, data_obj["x"], data_obj["y"])
    if cp is None:
        return Certification(False, "undecided", "NK", reason="a datum lies exactly on a kink at the input point")
    zero = all(r == 0 for row in cp.residuals for r in row)
    scale = max([relu_cell.rational(1)] + [abs(relu_cell.rational(t)) for t in theta])
    near = arb(cp.distance) <= arb(10) ** (-(dps // 2)) * arb(scale)
    if cp.margin == 0 or cp.defect != 0 or not near or (zero_loss and not zero):
        why = ("the exact least-squares point of the cell leaves the cell" if cp.margin == 0 else
               "the cell's quadratic has a non-zero gradient in U_j = v_j w~_j^T there (B_j or C not 0)"
               if cp.defect != 0 else "the exact stationary point of the cell is not next to the input"
               if not near else "the cell's least-squares residual is not 0")
        return Certification(False, "undecided", "T7", reason=why)
    dead = sum(1 for j in range(arch.widths[1]) if all(row[j] < 0 for row in _cell_z(arch, cp.point, data_obj)))
    flat = cp.flat + (arch.widths[2] * dead if arch.phi.properties.dead_zone else 0)
    margin, distance = arb(cp.margin), arb(cp.distance)
    loss = arb(cp.loss)
    if zero:
        verdict, theorems, claims = "global-minimum", ["T9"], ["zero_error.gauss_newton"]
        statement = (f"global-minimum (T9: the residual is exactly 0 at a rational point within "
                     f"{distance.str(3, radius=False)} of the input, kink margin {margin.str(3, radius=False)})")
    else:
        verdict = "semi-flat-minimum" if flat else "minimum"
        theorems, claims = ["T7"] + (["T6"] if dead else []), ["relu.replication_minimum"]
        statement = (f"{verdict} (T7: the gradient of the cell's convex quadratic is exactly 0 at a rational point "
                     f"within {distance.str(3, radius=False)} of the input, kink margin "
                     f"{margin.str(3, radius=False)}, L = {loss.str(5, radius=False)}, flat dimension {flat})")
    cert["claim"] = {"verdict": verdict, "theorems": theorems, "claims": claims, "flat_dimension": flat,
                     "distance": _upward(distance) if cp.distance else "0"}
    cert["tests"] = [{"test": "relu-cell", "point": [relu_cell.to_text(q) for q in cp.point]}]
    cert["digest"] = digest({k: v for k, v in cert.items() if k != "digest"})
    return Certification(True, verdict, " + ".join(theorems), statement, flat_dimension=flat, certificate=cert,
                         evidence=(("relu cell", statement),))


def _cell_z(arch, point, data_obj):
    x = [[relu_cell.rational(v) for v in row] for row in data_obj["x"]]
    return relu_cell.pre_activations(arch, point, x)


def _homogeneous(arch) -> bool:
    """Positively homogeneous, piecewise linear phi (relu, leaky_relu:A, identity): scaling orbits
    (T8) and, within an activation pattern, A_j = 0 and convexity in U_j (T7)."""
    p = arch.phi.properties
    return bool(p.piecewise_linear and p.positively_homogeneous)


def _slice(arch, params):
    """For ReLU: one fixed coordinate per hidden unit, its largest outgoing weight (T8 slice)."""
    if not _homogeneous(arch):
        return []
    fixed = []
    for l in range(arch.n_hidden_layers):
        for j in range(arch.widths[l + 1]):
            idx = outgoing_indices(arch, l, j)
            vals = params.to_vector()
            k = max(idx, key=lambda i: abs(to_ball(vals[i]).mid()))
            fixed.append(k)
    return fixed


def _lift_all(stages, steps, lams, k, vector, point):
    """A vector of stage ``k`` carried to the input network (points or directions, in balls)."""
    for i in reversed(range(k)):
        vector = st.lift(*stages[i], steps[i], np.array(vector, dtype=object), point=point,
                         number=to_ball, lam=lams[i])
    return [to_ball(v) for v in vector]


def _columns(vectors) -> arb_mat:
    D = len(vectors[0])
    M = arb_mat(D, len(vectors))
    for j, v in enumerate(vectors):
        for i in range(D):
            M[i, j] = v[i]
    return M


def _exact_replicas(arch, params, steps):
    """The plan with every zero-outgoing unit whose incoming vector equals another unit's exactly
    read as a replication at lambda in {0, 1} (the same point, docs/certified.md "lambda in {0, 1}"),
    with the plan's indices kept current."""
    out, cur = [], (arch, params)
    alive = [list(range(arch.widths[l + 1])) for l in range(arch.n_hidden_layers)]
    for s in steps:
        if s.kind == "zero-outgoing":
            a, p = cur
            mine = list(incoming(a, p, s.layer, s.unit))
            twin = next((j for j in range(a.widths[s.layer + 1]) if j != s.unit
                         and list(incoming(a, p, s.layer, j)) == mine), None)
            if twin is not None:  # the partner precedes the removed unit (the convention of structure.plan)
                keep, drop = min(twin, s.unit), max(twin, s.unit)
                s = st.ReductionStep("replicated", s.layer, drop, keep, None,
                                     (alive[s.layer][keep], alive[s.layer][drop]))
        alive[s.layer].pop(s.unit)
        out.append(s)
        cur = st.apply_step(*cur, s)
    return out


def _forced_critical(arch, params, step) -> bool:
    """An inactive unit (v = 0) whose embedded point is critical whenever the narrower one is (T3):
    w = 0 exactly with a bias in the next layer (g_alpha = phi(b0) sum_i delta_i = phi(b0) dL/db = 0),
    or w~ = 0 exactly with phi(0) = 0."""
    w = incoming(arch, params, step.layer, step.unit)
    exact_zero = [to_ball(c).is_exact() and to_ball(c) == 0 for c in w]
    weights = exact_zero[:arch.widths[step.layer]]
    return all(weights) and (arch.bias or (all(exact_zero) and arch.phi.vanishes_at_zero))


def _certify_critical(arch, params, arch_b, params_b, theta, x, y, digits, structure, cert):
    with mpmath.workprec(ctx.prec):  # the merges v_p + v_u and the ratios at the working precision
        steps = _exact_replicas(arch, params, st.plan(arch, structure))
        stages_m = [(arch, params)]
        for step in steps:
            stages_m.append(st.apply_step(*stages_m[-1], step))
        lams = [None if s.kind != "replicated" else
                _decimal(to_ball(st.stage_ratio(stages_m[i][1], s)), digits) for i, s in enumerate(steps)]
    stages = [(arch_b, params_b)]
    for step in steps:
        stages.append(st.apply_step(*stages[-1], step))
    for k, s in enumerate(steps):
        if s.kind == "zero-incoming" or (s.kind == "zero-outgoing" and not _forced_critical(*stages[k], s)):
            proof = _certify_not_critical(arch_b, theta, x, y, dict(cert))
            if proof.proved:
                return proof
            what = "inactive propagation, g_beta" if s.kind == "zero-incoming" else "inactive unit, g_alpha"
            return Certification(False, "undecided", "T3", reason=(
                f"layer {s.layer} unit {s.original[0]} ({what}) at L > 0: the embedded point is critical only where "
                "that gradient block is 0, which no structure forces here (w0 != 0 or v0 != 0), and no gradient "
                "component at the input is certified non-zero"))
    arch_n, params_n = stages[-1]
    D_n = arch_n.n_params
    centre0 = [_decimal(to_ball(v), digits) for v in params_n.to_vector()]
    fixed = _slice(arch_n, params_n)
    free = [k for k in range(D_n) if k not in fixed]
    fn = _gradient_system(arch_n, x, y, free)
    centre, converged = _newton(fn, centre0, free, digits)
    proof, radius = None, None
    for r in _radii(digits):
        proof, J = _krawczyk_on(fn, centre, free, r)
        if proof is not None:
            radius = r
            break
    if proof is None:
        return Certification(False, "undecided", "Krawczyk", reason=(
            f"no isolated critical point proved near the reduced {list(arch_n.widths)} point (Krawczyk did not "
            "contract for radii 1e-" + str(digits - 8) + " .. 1e-8: the reduced Hessian may be singular"
            + ("" if converged else "; Newton did not converge from the input point: a true critical point of "
               "the data as written may be farther away or absent (near-degenerate)") + ")"))
    inertia = certified_inertia(J)
    if (inertia is None or inertia.undecided) and len(free) <= HIGH_PRECISION_BASIS_MAX:
        # float64 eigenvectors leave off-diagonals of 1e-16 s: near-degenerate eigenvalues need Q
        # at the working precision (mpmath.eigsy, affordable for small reduced networks)
        inertia = certified_inertia(J, approximate_eigenvectors(J, digits - 10))
    tests = [{"test": "krawczyk", "widths": list(arch_n.widths), "centre": centre, "fixed": fixed,
              "radius": radius.mid().str(5, radius=False)}]
    evidence = [("krawczyk", f"unique critical point of the reduced {list(arch_n.widths)} network "
                 f"{'on the ReLU scaling slice ' if fixed else ''}in the box of radius {_s(radius, 3)} "
                 f"(contraction {proof.ratio.str(3, radius=False)})")]
    if inertia is None or (inertia.undecided and not inertia.negative):
        return Certification(False, "undecided", "Gershgorin", reason=(
            "the reduced Hessian's Gershgorin discs over the box contain 0: its inertia is not proved"),
            evidence=tuple(evidence))
    evidence.append(("reduced inertia", f"negative {inertia.negative}, positive {inertia.positive} "
                     f"(||Q^T Q - I|| <= {inertia.orthogonality.str(3, radius=False)}"
                     + (f", lambda_min >= {inertia.lower.str(3, radius=False)})" if not inertia.negative else ")")))

    boxes = [None] * len(steps) + [_box(centre, free, radius)]
    for i in reversed(range(len(steps))):
        boxes[i] = [to_ball(v) for v in st.lift(*stages[i], steps[i], np.array(boxes[i + 1], dtype=object),
                                                point=True, number=to_ball, lam=lams[i])]
    wide_box = boxes[0]
    input_theta = [to_ball(t) for t in theta]
    distance = max((a - b).abs_upper() for a, b in zip(wide_box, input_theta))
    evidence.append(("lifted box", f"the input point lies within {distance.str(3, radius=False)} of the box "
                     "holding the wide critical point"))
    wide = evaluate(arch, wide_box, x, y) if (steps or inertia.negative) else None

    def finish(verdict, theorem, statement, extra_tests, claims, flat=0):
        cert["claim"] = {"verdict": verdict, "theorems": theorem.split(" + "), "claims": claims,
                         "flat_dimension": flat, "distance": _upward(distance)}
        cert["reduction"] = [{"kind": s.kind, "layer": s.layer, "unit": s.unit, "partner": s.partner,
                              "lambda": lams[i]} for i, s in enumerate(steps)]
        cert["tests"] = tests + extra_tests
        cert["digest"] = digest({k: v for k, v in cert.items() if k != "digest"})
        return Certification(True, verdict, theorem, statement, flat_dimension=flat, certificate=cert,
                             evidence=tuple(evidence))

    dead_ok = all(_step(stages, steps, lams, boxes, k, wide, x, y)["effect"] == "flat"
                  for k in range(len(steps)) if steps[k].kind == "dead")
    if inertia.negative and dead_ok:
        Q = _eigvectors(J)
        i = _negative_disc(J, Q)
        q = [arb(0)] * D_n
        for a, k in enumerate(free):
            q[k] = arb(float(Q[a, i]))
        qw = _lift_all(stages, steps, lams, len(steps), q, point=False)
        up = rayleigh_upper(wide.hessian, qw)
        if up < 0:
            statement = f"saddle (Sylvester: the reduced Hessian has {inertia.negative} negative eigenvalue(s); " \
                        f"Rayleigh quotient of the input network's Hessian <= {up.str(3, radius=False)})"
            return finish("saddle", "Sylvester", statement,
                          [{"test": "rayleigh", "direction": [_decimal(v, 20) for v in qw]}],
                          ["replication.hessian"] if steps else [])
    extra, flat, theorems, claims, pending = [], 0, [], [], None
    order = [k for k in reversed(range(len(steps))) if steps[k].kind == "dead"]
    order += [k for k in reversed(range(len(steps))) if steps[k].kind != "dead"]
    for k in order:
        found = _step(stages, steps, lams, boxes, k, wide, x, y)
        evidence.append((f"step {k + 1} ({found['theorem']})", found["text"]))
        if found["effect"] == "saddle" and pending is None:
            statement = f"saddle ({found['theorem']}, {found['text']})"
            return finish("saddle", found["theorem"], statement, [found["test"]], found["claims"])
        if found["effect"] == "undecided":
            pending = pending or found
            continue
        extra.append(found["test"])
        flat += found["flat"]
        theorems.append(found["theorem"])
        claims += found["claims"]
    if pending is not None:
        return Certification(False, "undecided", pending["theorem"], reason=pending["text"],
                             evidence=tuple(evidence))
    if inertia.undecided:
        return Certification(False, "undecided", "Gershgorin", reason="reduced inertia not proved",
                             evidence=tuple(evidence))
    theorem = " + ".join(dict.fromkeys(theorems + (["T8"] if fixed else [])))
    bound = inertia.lower.str(3, radius=False)
    if flat:
        statement = f"semi-flat-minimum ({theorem}; reduced Hessian lambda_min >= {bound}, flat dimension {flat})"
        return finish("semi-flat-minimum", theorem, statement, extra, list(dict.fromkeys(claims)), flat)
    if fixed:
        statement = f"minimum (T8: strict minimum on the ReLU scaling slice, lambda_min >= {bound})"
        return finish("minimum", theorem or "T8", statement, extra, ["relu.homogeneity"])
    statement = f"strict-minimum (second-order sufficient condition, lambda_min >= {bound})"
    return finish("strict-minimum", "second-order sufficient condition", statement, extra, [])


def _eigvectors(J):
    return approximate_eigenvectors(J)


def _negative_disc(J, Q):
    n = J.nrows()
    mid = np.array([[float(J[i, j].mid()) for j in range(n)] for i in range(n)])
    vals = np.diag(Q.T @ ((mid + mid.T) / 2) @ Q)
    return int(np.argmin(vals))


def _unit(n, a):
    return np.array([arb(1) if i == a else arb(0) for i in range(n)], dtype=object)


def _step(stages, steps, lams, boxes, k, wide, x, y):
    """The certified contribution of reduction step ``k`` (dict: effect, theorem, text, test, ...)."""
    step = steps[k]
    arch_b, _ = stages[k]
    l = step.layer
    n_in, n_out = arch_b.incoming_size(l), arch_b.outgoing_size(l)
    if step.kind == "dead":
        u = step.unit
        upper = max(pre_activations(arch_b, boxes[k], x)[l][i, u].upper() for i in range(x.shape[0]))
        where = f"layer {l} unit {step.original[0]}"
        if upper < 0:
            return {"effect": "flat", "theorem": "T6", "flat": n_in + n_out, "test": {"test": "dead", "step": k},
                    "claims": ["inactive_unit.relu_dead_flat"],
                    "text": f"{where} dead on every datum over the box (pre-activations <= "
                            f"{upper.str(3, radius=False)} < 0): loss constant on the cone x R^{n_out}"}
        return {"effect": "undecided", "theorem": "T6",
                "text": f"{where}: its dead margin is not certified (pre-activation upper bound {_s(upper, 3)})"}
    if step.kind == "zero-outgoing":
        return _inactive_step(stages, steps, lams, k, wide)
    lam = to_ball(lams[k])
    zetas = [_lift_all(stages, steps, lams, k, [to_ball(v) for v in
                                                pair_direction(arch_b, step, lam, zeta=_unit(n_in, a))],
                       point=False) for a in range(n_in)]
    etas = [_lift_all(stages, steps, lams, k, [to_ball(v) for v in
                                               pair_direction(arch_b, step, lam, eta=_unit(n_out, b))],
                      point=False) for b in range(n_out)]
    Z, E = _columns(zetas), _columns(etas)
    H = wide.hessian
    K_zz = Z.transpose() * H * Z
    B_T = Z.transpose() * H * E  # (n_in x n_out): B_j^T over the box (replication.hessian)
    relu = _homogeneous(arch_b)
    name = "T7" if relu else ("T4b" if n_out >= 2 else "T4a")
    where = f"layer {l} units ({step.original[0]}, {step.original[1]}), lambda = {lams[k]}"
    test = {"test": "replication", "step": k}
    if n_out >= 2:
        for a in range(n_in):
            for b in range(n_out):
                if not B_T[a, b].contains(0):
                    t = -(K_zz[a, a].abs_upper() + 1) / B_T[a, b].mid()
                    q = [za + t * eb for za, eb in zip(zetas[a], etas[b])]
                    up = rayleigh_upper(H, q)
                    if up < 0:
                        return {"effect": "saddle", "theorem": "T7 (T4b with A_j = 0)" if relu else "T4b",
                                "text": f"{where}: B_j[{b},{a}] in {_s(B_T[a, b], 5)} excludes 0, Rayleigh "
                                        f"quotient <= {up.str(3, radius=False)}",
                                "test": {"test": "rayleigh", "direction": [_decimal(v, 25) for v in q]},
                                "claims": ["replication.gradient", "replication.hessian"]}
        return {"effect": "undecided", "theorem": name, "text": (
            f"{where}: every entry of the B_j enclosure contains 0 and H_{{l+1}} = {n_out} >= 2, so B_j = 0 is not "
            "structurally forced: B_j = 0 (minimum) and B_j != 0 (saddle, T4b) are not told apart at this precision")}
    arch_a = stages[k + 1][0]
    v = list(Params.from_vector(arch_a, np.array(boxes[k + 1], dtype=object)).W[l + 1][:, step.partner])
    if any(c.contains(0) for c in v):
        return {"effect": "undecided", "theorem": name,
                "text": f"{where}: the merged outgoing weight may be 0, so B_j = 0 is not forced"}
    if relu and arch_b.n_hidden_layers > 1:
        return {"effect": "flat", "theorem": "T7", "flat": n_out, "test": test,
                "claims": ["replication.gradient", "relu.homogeneity"],
                "text": f"{where}: the pair feeds one unit with v != 0 and no datum on a kink over the box: near the "
                        "point the wide loss is the narrow loss of the merged unit (v_a + v_b, (v_a w~_a + v_b w~_b) / "
                        "(v_a + v_b)), so a narrow minimum stays a minimum (T7, any depth)"}
    if relu:
        return {"effect": "flat", "theorem": "T7", "flat": n_out, "test": test,
                "claims": ["replication.gradient", "replication.hessian"],
                "text": f"{where}: M = 1 and v != 0 give B_j = 0; A_j = 0 under the certified activation pattern "
                        "(T7: convex quadratic in U_j within the pattern)"}
    if lams[k] in ("0", "1"):
        return _cubic_step(stages, steps, lams, boxes, k, x, y, where)
    inertia = certified_inertia(K_zz)
    if inertia is not None and inertia.negative:
        Q = _eigvectors(K_zz)
        i = _negative_disc(K_zz, Q)
        q = [sum((arb(float(Q[a, i])) * zetas[a][r] for a in range(n_in)), arb(0)) for r in range(len(zetas[0]))]
        up = rayleigh_upper(H, q)
        if up < 0:
            return _rayleigh_saddle("T4a", f"{where}: lambda(1-lambda) A_j has a certified negative eigenvalue", q, up,
                                    ["replication.hessian", "replication.fa_direction"])
    if inertia is None or inertia.undecided or inertia.negative:
        return {"effect": "undecided", "theorem": "T4a", "text": (
            f"{where}: the enclosure of lambda(1-lambda) A_j is not certified definite (lambda in {{0, 1}} or A_j "
            "singular): second order does not decide")}
    return {"effect": "flat", "theorem": "T4a", "flat": n_out, "test": test,
            "claims": ["replication.gradient", "replication.hessian", "replication.fa_direction"],
            "text": f"{where}: B_j = 0 (M = 1, v != 0) and lambda(1-lambda) A_j >= "
                    f"{inertia.lower.str(3, radius=False)} > 0 over the box (T4a: minimum, flat along the split of v)"}


def _rayleigh_saddle(theorem, text, q, up, claims):
    """A step's saddle found by a certified negative Rayleigh quotient ``up`` along ``q``."""
    return {"effect": "saddle", "theorem": theorem, "text": f"{text}, Rayleigh quotient <= {up.str(3, radius=False)}",
            "test": {"test": "rayleigh", "direction": [_decimal(c, 25) for c in q]}, "claims": claims}


def _inactive_step(stages, steps, lams, k, wide):
    """T5 at a forced-critical inactive unit: the (w~_new, v_new) Hessian block is [[0, C], [C^T, P]];
    a C entry whose enclosure excludes 0 gives q = e_a + t e_b with q^T H q < 0 (a saddle)."""
    step = steps[k]
    arch_k = stages[k][0]
    l, u = step.layer, step.unit
    where = f"layer {l} unit {step.original[0]} (v = 0)"

    def lifted(i):
        e = [arb(0)] * arch_k.n_params
        e[i] = arb(1)
        return _lift_all(stages, steps, lams, k, e, point=False)

    W = [lifted(i) for i in incoming_indices(arch_k, l, u)]
    V = [lifted(i) for i in outgoing_indices(arch_k, l, u)]
    H = wide.hessian
    C = _columns(W).transpose() * H * _columns(V)
    P = _columns(V).transpose() * H * _columns(V)
    for a in range(len(W)):
        for b in range(len(V)):
            c = C[a, b]
            if c.contains(0):
                continue
            cm, pm = float(c.mid()), float(P[b, b].mid())
            t = arb(-cm / max(pm, abs(cm)))
            q = [wa + t * vb for wa, vb in zip(W[a], V[b])]
            up = rayleigh_upper(H, q)
            if up < 0:
                return _rayleigh_saddle("T5", f"{where}: the embedded point is critical (w = 0: g_alpha = phi(b0) dL/db "
                                        f"= 0), C[{a},{b}] in {_s(c, 5)} excludes 0", q, up,
                                        ["inactive_unit.gradient", "inactive_unit.hessian_block", "inactive_unit.saddle"])
    return {"effect": "undecided", "theorem": "T5", "text": (
        f"{where}: every entry of the enclosure of C(w~0) contains 0: the new unit's block [[0, C], [C^T, P]] may be "
        "positive semi-definite, and second order does not decide")}


def _cubic_step(stages, steps, lams, boxes, k, x, y, where):
    """lambda in {0, 1}, one outgoing weight (B_j = 0, K_lambda = 0): along (v_u, v_p, w~_u) =
    (t eta, -t eta, t alpha) the loss is L* + t^3 eta alpha^T A_j alpha / (2 v) + O(t^4)
    (docs/theorems.md, T4a), so alpha^T A_j alpha != 0 proves the point is not a local minimum.
    A_j is enclosed as 4 x the zeta block of the same narrow box embedded at lambda = 1/2 (T4)."""
    step = steps[k]
    arch_k, params_k = stages[k]
    n_in = arch_k.incoming_size(step.layer)
    half = arb(1) / 2
    box = [to_ball(v) for v in st.lift(arch_k, params_k, step, np.array(boxes[k + 1], dtype=object), point=True,
                                       number=to_ball, lam=half)]
    Hk = evaluate(arch_k, box, x, y).hessian
    Z = _columns([[to_ball(c) for c in pair_direction(arch_k, step, half, zeta=_unit(n_in, a))] for a in range(n_in)])
    A = (Z.transpose() * Hk * Z) * 4
    mid = np.array([[float(A[i, j].mid()) for j in range(n_in)] for i in range(n_in)])
    vals, vecs = np.linalg.eigh((mid + mid.T) / 2)
    alpha = [arb(float(c)) for c in vecs[:, int(np.argmax(np.abs(vals)))]]
    a = arb_mat([[c] for c in alpha])
    value = (a.transpose() * A * a)[0, 0]
    if value.contains(0):
        return {"effect": "undecided", "theorem": "T4a", "text": (
            f"{where}: lambda in {{0, 1}} with one outgoing weight (K_lambda = 0), and alpha^T A_j alpha in "
            f"{_s(value, 3)} contains 0: the third-order term is not certified non-zero")}
    return {"effect": "saddle", "theorem": "T4a (lambda in {0, 1}, third order)",
            "text": f"{where}: B_j = 0 and K_lambda = 0, but alpha^T A_j alpha in {_s(value, 5)} excludes 0, so "
                    "L - L* = t^3 eta alpha^T A_j alpha / (2 v) + O(t^4) along (v_u, v_p, w~_u) = (t eta, -t eta, "
                    "t alpha): not a local minimum (a saddle of third order; the Hessian is positive semi-definite)",
            "test": {"test": "cubic", "step": k, "alpha": [_decimal(c, 20) for c in alpha]},
            "claims": ["replication.gradient", "replication.hessian"]}
