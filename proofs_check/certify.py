"""Certified verdicts: reduce, prove the narrow point in ball arithmetic, lift through the theorems.

``certify(arch, params, data, dps)`` (docs/certified.md) returns a :class:`Certification`: a
proved verdict with its certificate (``semiflat verify`` re-checks it from scratch), or
``undecided`` with the reason. Steps:

1. The network and the data are written as decimal strings (the canonical text of
   numerics.files) and read back as balls; every proof is about those decimals.
2. Zero loss: Krawczyk on a square subsystem of the residual r(theta) = 0 (D - nM coordinates
   fixed) proves an exact zero, so L attains its minimum 0 (T9): ``global-minimum``. Otherwise
   the point is only near-interpolating: no minimiser is proved.
3. L > 0: the detected structure is undone (proofs_check.structure: dead ReLU units, replicated
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

from numerics.ball_files import data_balls, digest, network_balls
from numerics.ball_functions import SignUndecided, ball_precision, bits_for
from numerics.balls import evaluate, pre_activations, to_ball
from numerics.precision import near_interpolation_band, newton_target, zero_loss_band
from numerics.datafile import dataset_to_json
from numerics.dataset import Dataset
from numerics.files import network_to_json
from proofs_check import structure as st
from proofs_check.interval_proofs import (
    approximate_eigenvectors,
    certified_inertia,
    digits_of,
    krawczyk,
    rayleigh_upper,
)
from theory.params import Params, outgoing_indices

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
    """Refine the free coordinates of ``centre`` (decimal strings) by Newton at the working precision."""
    centre = list(centre)
    tiny = to_ball(newton_target(digits))
    for _ in range(iterations):
        F, J = fn(_box(centre, free, arb(0)), need_jacobian=True)
        try:
            step = J.mid().solve(arb_mat([[f.mid()] for f in F]))
        except (ZeroDivisionError, ValueError):
            return centre, False
        for a, k in enumerate(free):
            centre[k] = _decimal(to_ball(centre[k]) - step[a, 0], digits)
        if all(abs(step[a, 0].mid()) < tiny * (1 + abs(to_ball(centre[k]).mid())) for a, k in enumerate(free)):
            return centre, True
    return centre, False


def _radii(digits):
    return [arb(10) ** (-e) for e in range(digits - 8, 6, -6)]


def _prove_zero(fn, centre, free, digits):
    for r in _radii(digits):
        proof, _ = _krawczyk_on(fn, centre, free, r)
        if proof is not None:
            return proof
    return None


def _greedy_columns(J: np.ndarray, count: int) -> list[int]:
    """``count`` well-conditioned columns of J (Gram-Schmidt with column pivoting, float64)."""
    A = np.array(J, dtype=float)
    chosen = []
    for _ in range(count):
        norms = np.linalg.norm(A, axis=0)
        norms[chosen] = -1
        k = int(np.argmax(norms))
        if norms[k] <= 0:
            break
        chosen.append(k)
        q = A[:, k] / norms[k]
        A = A - np.outer(q, q @ A)
    return sorted(chosen)


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
                from numerics.precision import to_mp_array, workdps
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
    free = _greedy_columns(J, n * M)
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


def _certify_critical(arch, params, arch_b, params_b, theta, x, y, digits, structure, cert):
    steps = st.plan(arch, structure)
    bad = [s for s in steps if s.kind in ("zero-outgoing", "zero-incoming")]
    if bad:
        s = bad[0]
        return Certification(False, "undecided", "T3", reason=(
            f"layer {s.layer} unit {s.original[0]} is an inactive unit ({s.kind}) at L > 0: the embedded point is "
            "critical only where g_alpha = 0 exactly (T3), which this certifier does not prove"))
    with mpmath.workprec(ctx.prec):  # the merges v_p + v_u and the ratios at the working precision
        stages_m = [(arch, params)]
        for step in steps:
            stages_m.append(st.apply_step(*stages_m[-1], step))
        lams = [None if s.kind != "replicated" else
                _decimal(to_ball(st.stage_ratio(stages_m[i][1], s)), digits) for i, s in enumerate(steps)]
    stages = [(arch_b, params_b)]
    for step in steps:
        stages.append(st.apply_step(*stages[-1], step))
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

    dead_ok = all(_step(stages, steps, lams, boxes, k, wide, x)["effect"] == "flat"
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
        found = _step(stages, steps, lams, boxes, k, wide, x)
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


def _step(stages, steps, lams, boxes, k, wide, x):
    """The certified contribution of reduction step ``k`` (dict: effect, theorem, text, test, ...)."""
    from proofs_check.step_analysis import pair_direction

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
        return {"effect": "undecided", "theorem": name,
                "text": f"{where}: K_lambda = 0 for a deep ReLU network; T7 covers one hidden layer only"}
    if relu:
        return {"effect": "flat", "theorem": "T7", "flat": n_out, "test": test,
                "claims": ["replication.gradient", "replication.hessian"],
                "text": f"{where}: M = 1 and v != 0 give B_j = 0; A_j = 0 under the certified activation pattern "
                        "(T7: convex quadratic in U_j within the pattern)"}
    inertia = certified_inertia(K_zz)
    if inertia is not None and inertia.negative:
        Q = _eigvectors(K_zz)
        i = _negative_disc(K_zz, Q)
        q = [sum((arb(float(Q[a, i])) * zetas[a][r] for a in range(n_in)), arb(0)) for r in range(len(zetas[0]))]
        up = rayleigh_upper(H, q)
        if up < 0:
            return {"effect": "saddle", "theorem": "T4a",
                    "text": f"{where}: lambda(1-lambda) A_j has a certified negative eigenvalue, Rayleigh quotient "
                            f"<= {up.str(3, radius=False)}",
                    "test": {"test": "rayleigh", "direction": [_decimal(c, 25) for c in q]},
                    "claims": ["replication.hessian", "replication.fa_direction"]}
    if inertia is None or inertia.undecided or inertia.negative:
        return {"effect": "undecided", "theorem": "T4a", "text": (
            f"{where}: the enclosure of lambda(1-lambda) A_j is not certified definite (lambda in {{0, 1}} or A_j "
            "singular): second order does not decide")}
    return {"effect": "flat", "theorem": "T4a", "flat": n_out, "test": test,
            "claims": ["replication.gradient", "replication.hessian", "replication.fa_direction"],
            "text": f"{where}: B_j = 0 (M = 1, v != 0) and lambda(1-lambda) A_j >= "
                    f"{inertia.lower.str(3, radius=False)} > 0 over the box (T4a: minimum, flat along the split of v)"}
