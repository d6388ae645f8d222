"""Re-check a certificate (``semiflat.certificate/1``) from scratch with ball arithmetic only.

Independent of the classifier's decisions (docs/certified.md "Verifying"): this module shares
with it only the definitions of the network (numerics.balls, the ball forward pass and its
derivatives) and of the embedding maps (proofs_check.landscape.structure.apply_step / lift and
step_analysis.pair_direction); its Krawczyk, Gershgorin and Rayleigh tests are its own. It
accepts only when the digests match, every enclosure it recomputes passes its test, and the
tests together imply the claimed verdict:

- ``global-minimum``: a zero-residual Krawczyk test (an exact zero of f(x_i) - y_i in the box);
- ``strict-minimum``: Krawczyk on the gradient of the (unreduced) network, every Gershgorin disc
  of Q^T H(X) Q positive;
- ``semi-flat-minimum`` / ``minimum``: the same on the reduced network (ReLU: on the scaling
  slice, T8), and every reduction step certified (dead margin < 0, or replication with a non-zero
  merged v, M = 1, and for smooth activations lambda(1-lambda) A_j positive definite);
- ``saddle``: Krawczyk on the reduced network, every dead step certified, and a Rayleigh
  quotient of the input network's Hessian over the lifted box below 0.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import mpmath
import sympy
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat

from numerics.io.ball_files import data_balls, digest, network_balls, network_strings
from numerics.ball_functions import SignUndecided, ball_precision
from numerics.balls import evaluate, pre_activations, to_ball
from proofs_check.landscape import structure as st
from proofs_check.landscape.step_analysis import pair_direction
from theory.errors import InvalidInput, SemiflatError
from theory.params import Params, outgoing_indices

FORMAT = "semiflat.certificate/1"


class NotProved(Exception):
    """A test failed: the certificate does not prove its claim."""


def _require(cond, message):
    if not cond:
        raise NotProved(message)


def _contracts(F_mid, J, r, rho):
    """Own Krawczyk test: K(X) - m inside (-r, r)^N, with X - m widened by rho."""
    N = len(F_mid)
    try:
        Y = J.mid().inv().mid()
    except (ZeroDivisionError, ValueError):
        return False
    step = Y * arb_mat([[f] for f in F_mid])
    YJ = Y * J
    spread = arb_mat([[arb(0, 1) * (r + rho)] for _ in range(N)])
    IYJ = arb_mat([[(1 if i == j else 0) - YJ[i, j] for j in range(N)] for i in range(N)])
    K = IYJ * spread
    return all(((K[i, 0] - step[i, 0]).abs_upper() + rho) < r for i in range(N))


def _gershgorin_positive(H, digits=None):
    """Lower bound > 0 of every eigenvalue of every matrix in H (own Q, Sylvester + Gershgorin), or
    None; Q from float64, or from mpmath at ``digits`` (retried for small matrices)."""
    n = H.nrows()
    if digits is None:
        mid = np.array([[float(H[i, j].mid()) for j in range(n)] for i in range(n)])
        _, Q = np.linalg.eigh((mid + mid.T) / 2)
        Qa = arb_mat([[arb(float(v)) for v in row] for row in Q])
    else:
        with mpmath.workdps(digits):
            A = mpmath.matrix([[mpmath.mpf(H[i, j].mid().str(digits + 5, radius=False)) for j in range(n)]
                               for i in range(n)])
            _, Q = mpmath.eigsy((A + A.T) / 2)
            Qa = arb_mat([[arb(mpmath.nstr(Q[i, j], digits)) .mid() for j in range(n)] for i in range(n)])
    E = Qa.transpose() * Qa
    eps = sum(((E[i, j] - (1 if i == j else 0)) ** 2 for i in range(n) for j in range(n)), arb(0))
    if not eps < 1:
        return None
    M = Qa.transpose() * H * Qa
    lows = [M[i, i] - sum((M[i, j].abs_upper() for j in range(n) if j != i), arb(0)) for i in range(n)]
    if all(lo > 0 for lo in lows):
        return min(lows)
    if digits is None and n <= 80:
        return _gershgorin_positive(H, int(ctx.prec / 3.33) - 10)
    return None


def _box(centre, free, radius):
    out = []
    for k, c in enumerate(centre):
        b = to_ball(c)
        out.append(b + arb(0, 1) * radius if k in free else b)
    return out


def _gradient_krawczyk(arch, centre, fixed, radius, x, y):
    D = arch.n_params
    _require(len(centre) == D, f"the reduced centre has {len(centre)} entries, the reduced network {D} parameters")
    free = [k for k in range(D) if k not in set(fixed)]
    rho = max((to_ball(centre[k]).rad() for k in free), default=arb(0))
    at = evaluate(arch, _box(centre, (), arb(0)), x, y, hessian=False)
    over = evaluate(arch, _box(centre, free, radius), x, y)
    J = arb_mat([[over.hessian[i, j] for j in free] for i in free])
    _require(_contracts([at.gradient[k] for k in free], J, radius, rho),
             "Krawczyk: K(X) is not inside X for the reduced network's gradient")
    return free, J


def verify(cert) -> list[str]:
    """Re-check ``cert`` (a parsed certificate). Returns the lines of the accepted proof.

    Raises:
        InvalidInput: the certificate is malformed (bad input).
        NotProved: a digest or a test fails, or the tests do not imply the claim.
    """
    if not isinstance(cert, dict) or cert.get("format") != FORMAT:
        raise InvalidInput(f"not a certificate: expected \"format\": \"{FORMAT}\"")
    try:
        bits, claim, tests = int(cert["bits"]), cert["claim"], cert["tests"]
        network, data, digests = cert["network"], cert["data"], cert["digests"]
        verdict = claim["verdict"]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"certificate: missing or malformed field ({exc})") from None
    if not 64 <= bits <= 40000:
        raise InvalidInput(f"certificate: bits {bits} out of range 64..40000")
    _require(digest({k: v for k, v in cert.items() if k != "digest"}) == cert.get("digest"),
             "the certificate's digest does not match its content (it was changed)")
    _require(digest(network) == digests.get("network"), "the network digest does not match")
    _require(digest(data) == digests.get("data"), "the data digest does not match")
    lines = []
    with ball_precision(bits):
        arch, params = network_balls(network)
        x, y = data_balls(data, arch)
        theta = list(params.to_vector())
        try:
            strings = network_strings(network, arch)
            if [t.get("test") for t in tests] == ["relu-cell"]:
                lines += _check_cell(verdict, claim, tests[0], arch, strings, data)
            else:
                lines += _check(verdict, claim, tests, cert.get("reduction", []), arch, params, theta, x, y, strings)
        except SignUndecided as exc:
            raise NotProved(f"a pre-activation ball contains a ReLU kink: {exc}") from None
        except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError) as exc:
            raise InvalidInput(f"certificate: malformed test ({exc})") from None
        except SemiflatError as exc:
            raise InvalidInput(f"certificate: {exc}") from None
    return lines


def _distance_ok(claim, wide_box, theta):
    d = max((a - b).abs_upper() for a, b in zip(wide_box, theta))
    _require(d < to_ball(claim["distance"]), f"the input point is not within {claim['distance']} of the proved box")
    return d


def _check(verdict, claim, tests, reduction, arch, params, theta, x, y, strings):
    kinds = [t["test"] for t in tests]
    if verdict == "not-critical":
        _require(kinds == ["gradient"], "not-critical needs exactly one gradient test")
        k = int(tests[0]["index"])
        _require(0 <= k < arch.n_params, "the gradient index is out of range")
        g = evaluate(arch, theta, x, y, hessian=False).gradient[k]
        _require(not g.contains(0), f"dL/dtheta_{k} is not certified non-zero")
        return [f"proved: dL/dtheta_{k} in {g.str(5, radius=True)} excludes 0: not-critical"]
    if verdict == "global-minimum":
        _require(kinds == ["zero-residual"], "global-minimum needs exactly one zero-residual test")
        t = tests[0]
        free, centre, r = list(t["free"]), list(t["centre"]), to_ball(t["radius"])
        n, M = x.shape[0], arch.output_dim
        _require(len(free) == n * M and len(centre) == arch.n_params and len(set(free)) == len(free),
                 "the zero-residual subsystem is not square")
        for k in range(arch.n_params):
            if k not in free:
                _require(str(centre[k]).strip() == strings[k].strip(), "a fixed coordinate differs from the network")
        rho = max(to_ball(centre[k]).rad() for k in free)
        at = evaluate(arch, _box(centre, (), arb(0)), x, y, hessian=False)
        over = evaluate(arch, _box(centre, free, r), x, y, hessian=False, jacobian=True)
        F = [at.residuals[i, m] for i in range(n) for m in range(M)]
        J = arb_mat([[over.jacobian[m][i, j] for j in free] for i in range(n) for m in range(M)])
        _require(_contracts(F, J, r, rho), "Krawczyk: no exact zero of the residual proved in the box")
        d = _distance_ok(claim, _box(centre, free, r), theta)
        return [f"proved: an exact zero of the residual within {d.str(3, radius=False)} of the input (T9): "
                "global-minimum"]
    _require(kinds and kinds[0] == "krawczyk", "the first test must be the reduced network's Krawczyk test")
    # rebuild the stages from the input network and the recorded reduction
    stages, steps, lams = [(arch, params)], [], []
    for r in reduction:
        step = st.ReductionStep(str(r["kind"]), int(r["layer"]), int(r["unit"]),
                                None if r["partner"] is None else int(r["partner"]))
        _require(step.kind in ("dead", "replicated", "zero-outgoing"), f"reduction kind {step.kind!r} is not certified")
        stages[-1][0].check_unit(step.layer, step.unit)
        stages.append(st.apply_step(*stages[-1], step))
        steps.append(step)
        lams.append(r["lambda"])
    arch_n = stages[-1][0]
    t0 = tests[0]
    _require(list(t0["widths"]) == list(arch_n.widths), "the reduced widths do not match the reduction")
    fixed, r0 = list(t0["fixed"]), to_ball(t0["radius"])
    homogeneous = arch_n.phi.properties.piecewise_linear and arch_n.phi.properties.positively_homogeneous
    if homogeneous:
        units = [(l, j) for l in range(arch_n.n_hidden_layers) for j in range(arch_n.widths[l + 1])]
        owners = [next(((l, j) for l, j in units if k in outgoing_indices(arch_n, l, j)), None) for k in fixed]
        _require(sorted(o for o in owners if o is not None) == units,
                 "the ReLU slice must fix one outgoing weight of every hidden unit")
        _require(all(not to_ball(t0["centre"][k]).contains(0) for k in fixed),
                 "a fixed outgoing weight may be 0: the slice is not transverse to the scaling orbit")
    else:
        _require(not fixed, "a slice is only valid for ReLU scaling orbits")
    free, J = _gradient_krawczyk(arch_n, list(t0["centre"]), fixed, r0, x, y)
    lines = [f"Krawczyk: a unique critical point of the reduced {list(arch_n.widths)} network in the box"]
    boxes = [None] * len(steps) + [_box(list(t0["centre"]), free, r0)]
    for i in reversed(range(len(steps))):
        boxes[i] = [to_ball(v) for v in st.lift(*stages[i], steps[i], np.array(boxes[i + 1], dtype=object),
                                                point=True, number=to_ball, lam=lams[i])]
    d = _distance_ok(claim, boxes[0], theta)
    lines.append(f"the input point is within {d.str(3, radius=False)} of the lifted box")
    for k, step in enumerate(steps):
        if step.kind == "dead":
            a = stages[k][0]
            top = max(pre_activations(a, boxes[k], x)[step.layer][i, step.unit].upper() for i in range(x.shape[0]))
            _require(top < 0, f"step {k + 1}: the dead margin is not certified")
            lines.append(f"step {k + 1}: dead unit, pre-activations <= {top.str(3, radius=False)} < 0 (T6)")
    for k, step in enumerate(steps):
        if step.kind == "zero-outgoing":
            a, p = stages[k]
            w = list(p.W[step.layer][step.unit, :])
            b0 = p.b[step.layer][step.unit] if a.bias else arb(0)
            exact = lambda v: v.is_exact() and v == 0  # noqa: E731
            _require(all(exact(v) for v in w) and (a.bias or (exact(b0) and a.phi.properties.vanishes_at_zero)),
                     f"step {k + 1}: an inactive unit whose criticality is not forced (w = 0 with a next-layer bias)")
            lines.append(f"step {k + 1}: inactive unit with w = 0: g_alpha = phi(b0) dL/db = 0 (T3)")
    if verdict == "saddle":
        cubic = [t for t in tests if t["test"] == "cubic"]
        if cubic:
            lines.append(_cubic_ok(stages, steps, lams, boxes, int(cubic[0]["step"]), cubic[0]["alpha"], x, y))
            lines.append("proved: saddle")
            return lines
        rays = [t for t in tests if t["test"] == "rayleigh"]
        _require(rays, "a saddle needs a Rayleigh test")
        H = evaluate(arch, boxes[0], x, y).hessian
        q = arb_mat([[to_ball(v)] for v in rays[0]["direction"]])
        _require(q.nrows() == arch.n_params, "the Rayleigh direction has the wrong length")
        up = ((q.transpose() * H * q)[0, 0]).upper()
        _require(up < 0, "the Rayleigh quotient is not certified negative")
        lines.append(f"Rayleigh: q^T H q <= {up.str(3, radius=False)} < 0 over the lifted box")
        lines.append("proved: saddle")
        return lines
    _require(verdict in ("strict-minimum", "semi-flat-minimum", "minimum"), f"unknown verdict {verdict!r}")
    _require(all(s.kind in ("dead", "replicated") for s in steps), "an inactive unit at L > 0 is not a minimum proof")
    low = _gershgorin_positive(J)
    _require(low is not None, "the reduced Hessian is not certified positive definite over the box")
    lines.append(f"Gershgorin: the reduced Hessian is positive definite over the box (discs >= {low.str(3, radius=False)})")
    replicated = [k for k, s in enumerate(steps) if s.kind == "replicated"]
    if replicated:
        H = evaluate(arch, boxes[0], x, y).hessian
    for k in replicated:
        lines.append(_replication_ok(stages, steps, lams, boxes, k, H))
    flat = sum(stages[k][0].incoming_size(s.layer) + stages[k][0].outgoing_size(s.layer) if s.kind == "dead"
               else stages[k][0].outgoing_size(s.layer) for k, s in enumerate(steps))
    expected = "semi-flat-minimum" if flat else ("minimum" if fixed else "strict-minimum")
    _require(verdict == expected, f"the tests prove {expected}, not {verdict}")
    _require(int(claim.get("flat_dimension", 0)) == flat, "the flat dimension does not follow from the steps")
    lines.append(f"proved: {verdict} (flat dimension {flat})")
    return lines


def _lift_dir(stages, steps, lams, k, vec):
    for i in reversed(range(k)):
        vec = st.lift(*stages[i], steps[i], np.array(vec, dtype=object), number=to_ball, lam=lams[i])
    return [to_ball(v) for v in vec]


def _replication_ok(stages, steps, lams, boxes, k, H):
    step, (arch_b, _) = steps[k], stages[k]
    l = step.layer
    n_in, n_out = arch_b.incoming_size(l), arch_b.outgoing_size(l)
    _require(n_out == 1, f"step {k + 1}: a replication minimum needs one outgoing weight (B_j = 0 forced)")
    v = Params.from_vector(stages[k + 1][0], np.array(boxes[k + 1], dtype=object)).W[l + 1][0, step.partner]
    _require(not v.contains(0), f"step {k + 1}: the merged outgoing weight is not certified non-zero")
    if arch_b.phi.properties.piecewise_linear and arch_b.phi.properties.positively_homogeneous:
        return (f"step {k + 1}: ReLU replication feeding one unit, v != 0, signs certified over the box: the wide "
                "loss is the merged narrow loss near the point (T7)")
    lam = to_ball(lams[k])
    unit = lambda a: np.array([arb(1) if i == a else arb(0) for i in range(n_in)], dtype=object)  # noqa: E731
    Z = [_lift_dir(stages, steps, lams, k, [to_ball(c) for c in pair_direction(arch_b, step, lam, zeta=unit(a))])
         for a in range(n_in)]
    Zm = arb_mat([[Z[a][i] for a in range(n_in)] for i in range(len(Z[0]))])
    low = _gershgorin_positive(Zm.transpose() * H * Zm)
    _require(low is not None, f"step {k + 1}: lambda(1-lambda) A_j is not certified positive definite")
    return f"step {k + 1}: lambda(1-lambda) A_j >= {low.str(3, radius=False)} > 0 over the box (T4a)"


def _q(text) -> fmpq:
    f = Fraction(str(text).strip())
    return fmpq(f.numerator, f.denominator)


def _check_cell(verdict, claim, test, arch, strings, data):
    """Own exact check of a ReLU-cell certificate (docs/certified.md "ReLU cells"): at the rational
    point every pre-activation is non-zero; within that cell f is linear in U_j = v_j w~_j^T and c,
    so a zero gradient of the cell's quadratic (sum_i s_ij r_i x~_i^T = 0, sum_i r_i = 0) proves a
    local minimum, and r = 0 a global one."""
    props = arch.phi.properties
    _require(arch.n_hidden_layers == 1 and props.piecewise_linear and props.positively_homogeneous,
             "a ReLU-cell proof needs one hidden layer and a piecewise-linear homogeneous activation")
    d, H, M = arch.widths
    point = [_q(t) for t in test["point"]]
    _require(len(point) == arch.n_params, "the cell point has the wrong length")
    xs = [[_q(v) for v in row] for row in data["x"]]
    ys = [[_q(v) for v in row] for row in data["y"]]
    p = Params.from_vector(arch, np.array(point, dtype=object))
    up = _q(str(sympy.Rational(arch.phi(sympy.Integer(1)))))
    down = -_q(str(sympy.Rational(arch.phi(sympy.Integer(-1)))))
    xt = [row + [fmpq(1)] if arch.bias else row for row in xs]
    wt = [list(p.W[0][j]) + ([p.b[0][j]] if arch.bias else []) for j in range(H)]
    z = [[sum((a * b for a, b in zip(wt[j], row)), fmpq(0)) for j in range(H)] for row in xt]
    _require(all(v != 0 for row in z for v in row), "a datum lies on a kink at the cell point")
    slope = [[up if v > 0 else down for v in row] for row in z]
    r = [[(p.b[1][m] if arch.bias else fmpq(0)) + sum((p.W[1][m, j] * slope[i][j] * z[i][j] for j in range(H)),
                                                       fmpq(0)) - ys[i][m] for m in range(M)] for i in range(len(xs))]
    for j in range(H):
        for m in range(M):
            for k in range(len(xt[0])):
                g = sum((slope[i][j] * r[i][m] * xt[i][k] for i in range(len(xs))), fmpq(0))
                _require(g == 0, f"unit {j}: the cell quadratic's gradient is not 0")
    if arch.bias:
        _require(all(sum((r[i][m] for i in range(len(xs))), fmpq(0)) == 0 for m in range(M)),
                 "the output bias gradient is not 0")
    zero = all(v == 0 for row in r for v in row)
    # the affine flat set: (w~, c) along the null space of the design with v fixed, and v of dead units
    rows = [[p.W[1][m, j] * slope[i][j] * xt[i][k] for j in range(H) for k in range(len(xt[0]))]
            + ([fmpq(1 if m == mm else 0) for mm in range(M)] if arch.bias else [])
            for i in range(len(xs)) for m in range(M)]
    ncols = len(rows[0])
    rank = fmpq_mat(len(rows), ncols, [v for row in rows for v in row]).rank()
    dead = sum(1 for j in range(H) if all(slope[i][j] == 0 for i in range(len(xs))))
    flat = ncols - rank + M * dead
    _require(int(claim.get("flat_dimension", -1)) == flat, "the flat dimension does not follow from the cell")
    expected = "global-minimum" if zero else ("semi-flat-minimum" if flat else "minimum")
    _require(verdict == expected, f"the cell proves {expected}, not {verdict}")
    distance = max(abs(a - _q(b)) for a, b in zip(point, strings))
    _require(distance <= _q(claim["distance"]), f"the input point is not within {claim['distance']} of the cell point")
    margin = min(abs(v) for row in z for v in row)
    return [f"exact: every pre-activation at the cell point is non-zero (margin >= {float(margin):.3g})",
            "exact: " + ("the residual is 0" if zero else "the cell quadratic's gradient is 0 (a local minimum)"),
            f"proved: {verdict} (flat dimension {flat})"]


def _cubic_ok(stages, steps, lams, boxes, k, alpha, x, y):
    """lambda in {0, 1} with one outgoing weight: alpha^T A_j alpha != 0 makes the third-order term
    of the loss along (t eta, -t eta, t alpha) non-zero (docs/theorems.md, T4a): not a minimum."""
    _require(0 <= k < len(steps) and steps[k].kind == "replicated", "the cubic test names no replication step")
    step, (arch_b, params_b) = steps[k], stages[k]
    lam = to_ball(lams[k])
    _require(lam.is_exact() and (lam == 0 or lam == 1), f"step {k + 1}: lambda is not exactly 0 or 1")
    _require(arch_b.phi.smooth, f"step {k + 1}: the third-order argument needs a C2 activation")
    _require(arch_b.outgoing_size(step.layer) == 1, f"step {k + 1}: the unit must feed one unit (B_j = 0 forced)")
    v = Params.from_vector(stages[k + 1][0], np.array(boxes[k + 1], dtype=object)).W[step.layer + 1][0, step.partner]
    _require(not v.contains(0), f"step {k + 1}: the merged outgoing weight is not certified non-zero")
    n_in = arch_b.incoming_size(step.layer)
    _require(len(alpha) == n_in, f"step {k + 1}: alpha has the wrong length")
    half = arb(1) / 2
    box = [to_ball(c) for c in st.lift(arch_b, params_b, step, np.array(boxes[k + 1], dtype=object), point=True,
                                       number=to_ball, lam=half)]
    H = evaluate(arch_b, box, x, y).hessian
    unit = lambda a: np.array([arb(1) if i == a else arb(0) for i in range(n_in)], dtype=object)  # noqa: E731
    Z = [[to_ball(c) for c in pair_direction(arch_b, step, half, zeta=unit(a))] for a in range(n_in)]
    Zm = arb_mat([[Z[a][i] for a in range(n_in)] for i in range(len(Z[0]))])
    a = arb_mat([[to_ball(c)] for c in alpha])
    value = (a.transpose() * (Zm.transpose() * H * Zm) * a)[0, 0] * 4
    _require(not value.contains(0), f"step {k + 1}: alpha^T A_j alpha is not certified non-zero")
    return (f"step {k + 1}: lambda = {lams[k]}, B_j = 0, alpha^T A_j alpha in {value.str(5, radius=True)} excludes 0: "
            "a non-zero third-order term (T4a)")
