"""Which classes of the Fukumizu-Amari matrix A_j can occur at a strict minimum of a 1-1-1 network,
decided from the activation alone (docs/activations.md, "Which rows of the T4a table can occur").

For f(x) = v phi(w x + b) + c with data (x_i, y_i), residuals e_i and u_i = w x_i + b, the
gradient in c, v, b, w vanishes iff (with v != 0) the residual vector is orthogonal on the data to

    1,  phi(u),  phi'(u),  u phi'(u)                       (the four constraint functions)

(the last from the w and b components: sum e phi'(u) x = 0 and sum e phi'(u) = 0 give
sum e phi'(u) u = 0). With w != 0, (x, 1) = M^-1 (u, 1) for M = [[w, b], [0, 1]], so

    A_j = v sum_i e_i phi''(u_i) (x_i, 1)(x_i, 1)^T   is congruent to   v G,
    G = [[G_2, G_1], [G_1, G_0]],   G_k = sum_i e_i u_i^k phi''(u_i),

and det G = G_0 G_2 - G_1^2 decides the class: > 0 definite, < 0 indefinite. (At a strict
minimum w = 0 leaves A_j singular, and v = 0 gives A_j = 0.) An identity

    b_0 phi'' + b_1 u phi'' + b_2 u^2 phi''  =  a combination of the constraint functions,

true for every u, forces b_0 G_0 + b_1 G_1 + b_2 G_2 = 0 at every critical point. The identities are
found numerically (a rank-revealing elimination of the seven functions sampled at 20 points) and
then PROVED by sympy (the candidate combination simplifies to 0); an identity sympy does not prove
is dropped. G then lies in the null space N of the proved identities, and a class is excluded when
the form G_0 G_2 - G_1^2 restricted to N has no value of the needed sign. An exclusion is a proof;
"possible" only means no proved identity excludes the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy as sp

from theory.activations import get_activation
from theory.symbolic.generic import generic
from theory.symbolic.result import EPS, Derivation

FUNCTION_NAMES = ("1", "phi", "phi'", "z phi'", "phi''", "z phi''", "z^2 phi''")
"""The seven functions of z: the four constraint functions, then u^k phi'' for k = 0, 1, 2."""

CONSTRAINTS = 4
"""How many of :data:`FUNCTION_NAMES` are constraint functions (the first ones)."""

SAMPLES = tuple(sp.Rational(k, 4) * s for k in range(1, 11) for s in (1, -1))
"""Sample points z = +-k/4, k = 1..10: off the kink z = 0 of every built-in activation."""

SEARCH_DPS = 80
"""Digits of the numeric elimination; a column counts as dependent below 10^-(SEARCH_DPS/2)."""

MAX_DENOMINATOR = 10 ** 12
"""Largest denominator tried when reading a numeric coefficient as a rational."""

KINDS = ("positive", "negative", "indefinite")
"""The classes of A_j (the rows of the T4a table)."""


@dataclass(frozen=True)
class FaClasses:
    """The classes of A_j that a strict minimum of a 1-1-1 network may show (module docstring).

    Attributes:
        activation: the activation's name.
        definite: no proved identity excludes det G > 0 (positive and negative definite rows:
            the sign of v is free).
        indefinite: no proved identity excludes det G < 0.
        identities: the proved identities, as text (``"phi'' = 2"``).
    """

    activation: str
    definite: bool
    indefinite: bool
    identities: tuple[str, ...]

    def possible(self, kind: str) -> bool:
        """Whether the row ``kind`` ("positive", "negative" or "indefinite") is not excluded."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        return self.indefinite if kind == "indefinite" else self.definite

    def reason_not(self, kind: str) -> str:
        """"" when ``kind`` is possible, else the proof in one line."""
        if self.possible(kind):
            return ""
        what = "A_j = 0" if not (self.definite or self.indefinite) else (
            "det A_j <= 0 (A_j is never definite)" if kind != "indefinite" else "det A_j >= 0 (A_j is never indefinite)")
        return (f"for {self.activation}, the identities {'; '.join(self.identities)} (proved by sympy) give {what} "
                "at every strict minimum of a 1-1-1 network")


def _functions(phi, z):
    return (sp.Integer(1) if not isinstance(z, mpmath.mpf) else mpmath.mpf(1),
            phi(z), phi.d1(z), z * phi.d1(z), phi.d2(z), z * phi.d2(z), z * z * phi.d2(z))


def _sample_matrix(phi):
    """Rows: the seven functions at each sample point, mpf at SEARCH_DPS; None if one is not real."""
    rows = []
    with mpmath.workdps(SEARCH_DPS):
        for s in SAMPLES:
            try:
                values = [mpmath.mpmathify(v) for v in _functions(phi, mpmath.mpf(s.p) / s.q)]
            except (ValueError, TypeError, ZeroDivisionError, OverflowError):
                return None
            if any(not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v) for v in values):
                return None
            rows.append(values)
    return rows


def _candidates(rows):
    """Candidate identities: per dependent column j, coefficients c with f_j = sum_p c_p f_p over
    the independent columns p before it (a column-ordered elimination with row pivoting)."""
    with mpmath.workdps(SEARCH_DPS):
        m = [list(r) for r in rows]
        n_cols = len(m[0])
        tol = mpmath.mpf(10) ** (-(SEARCH_DPS // 2))
        overall = max(abs(v) for r in m for v in r)  # > 0: the column of 1
        # a column at rounding level against the others is zero, not noise to be scaled up
        # (phi'' = sigmoid'(z) - sigmoid'(-z) of a disguised identity evaluates to ~10^-80, not 0)
        scales = [max(abs(r[j]) for r in m) for j in range(n_cols)]
        zero = [s <= tol * overall for s in scales]
        scales = [mpmath.mpf(1) if z else s for s, z in zip(scales, zero)]
        m = [[mpmath.mpf(0) if zero[j] else r[j] / scales[j] for j in range(n_cols)] for r in m]
        pivots, row = [], 0
        for j in range(n_cols):
            best = max(range(row, len(m)), key=lambda i: abs(m[i][j]), default=None)
            if best is None or abs(m[best][j]) < tol:
                continue
            m[row], m[best] = m[best], m[row]
            piv = m[row][j]
            m[row] = [v / piv for v in m[row]]
            for i in range(len(m)):
                if i != row and m[i][j] != 0:
                    f = m[i][j]
                    m[i] = [a - f * b for a, b in zip(m[i], m[row])]
            pivots.append(j)
            row += 1
        out = []
        for j in range(n_cols):
            if j in pivots:
                continue
            # reduced echelon form: rows whose pivot lies after j are zero in column j
            out.append((j, {p: m[r][j] * scales[j] / scales[p] for r, p in enumerate(pivots) if p < j}))
        return out


def _rational(value):
    q = Fraction(mpmath.nstr(value, SEARCH_DPS // 2, strip_zeros=False)).limit_denominator(MAX_DENOMINATOR)
    with mpmath.workdps(SEARCH_DPS):
        if abs(mpmath.mpf(q.numerator) / q.denominator - value) > mpmath.mpf(10) ** (-(SEARCH_DPS // 3)):
            return None
    return sp.Rational(q.numerator, q.denominator)


def _combination(values, coeffs):
    """sum_p coeffs[p] values[p] (sympy; 0 for no coefficients)."""
    return sum((c * values[p] for p, c in coeffs.items()), sp.Integer(0))


def proved_identity(phi, column: int, coeffs: dict) -> bool:
    """Whether f_column = sum_p coeffs[p] f_p holds for every z, by sympy (exact)."""
    f = _functions(phi, sp.Symbol("z", real=True))
    diff = f[column] - _combination(f, coeffs)
    try:
        return sp.simplify(diff) == 0
    except (TypeError, ValueError, NotImplementedError):
        return False


def _text(column, coeffs):
    """``"z phi'' = 2 phi' - 1"``: the identity f_column = sum_p c_p f_p as text."""
    terms = []
    for p, c in sorted(coeffs.items(), reverse=True):
        name = FUNCTION_NAMES[p]
        terms.append(str(c) if name == "1" else name if c == 1 else f"-{name}" if c == -1 else f"{c} {name}")
    rhs = " + ".join(terms).replace("+ -", "- ") if terms else "0"
    return f"{FUNCTION_NAMES[column]} = {rhs}"


def decide(identities) -> tuple[bool, bool]:
    """(definite possible, indefinite possible) once ``identities`` ((column, coeffs) pairs, each
    proved) hold: G = (G_0, G_1, G_2) lies in the null space of their u^k phi'' coefficients."""
    rows = []
    for column, coeffs in identities:
        b = [sp.Integer(0)] * 3
        for p, c in list(coeffs.items()) + [(column, -1)]:
            if p >= CONSTRAINTS:
                b[p - CONSTRAINTS] -= c
        if any(v != 0 for v in b):
            rows.append(b)
    basis = sp.Matrix(rows).nullspace() if rows else [sp.eye(3)[:, k] for k in range(3)]
    if not basis:
        return False, False
    P = sp.Matrix.hstack(*basis)
    half = sp.Rational(1, 2)
    form = P.T * sp.Matrix([[0, 0, half], [0, -1, 0], [half, 0, 0]]) * P  # G0 G2 - G1^2 on N
    return (not form.is_negative_semidefinite), (not form.is_positive_semidefinite)


@lru_cache(maxsize=None)
def _proved(activation: str) -> tuple:
    """The proved identities ``(column, coeffs)`` with a u^k phi'' column (module docstring)."""
    phi = get_activation(activation)
    rows = _sample_matrix(phi)
    if rows is None:
        return ()
    found = []
    for column, coeffs in _candidates(rows):
        if column < CONSTRAINTS:
            continue  # among the constraint functions only: no condition on G
        exact = {p: _rational(c) for p, c in coeffs.items()}
        if any(c is None for c in exact.values()):
            continue
        exact = {p: c for p, c in exact.items() if c != 0}
        if proved_identity(phi, column, exact):
            found.append((column, exact))
    return tuple(found)


@lru_cache(maxsize=None)
def fa_classes(activation: str) -> FaClasses:
    """The classes of A_j a strict minimum of a 1-1-1 network with ``activation`` may show.

    >>> c = fa_classes("square")
    >>> (c.definite, c.indefinite)
    (False, False)
    >>> fa_classes("erf").possible("indefinite"), fa_classes("erf").possible("positive")
    (True, False)
    """
    found = _proved(activation)
    definite, indefinite = decide(found)
    return FaClasses(get_activation(activation).name, definite, indefinite, tuple(_text(c, k) for c, k in found))


def render_rows_table(names) -> str:
    """The Markdown table of which T4a rows can occur on 1-1-1 networks, per activation name, with
    the proved identities; the README's table is this function's output (a test compares them)."""
    lines = ["| activation | A_j definite | A_j indefinite | proved identities (z = pre-activation) |", "|---|---|---|---|"]
    word = {True: "possible", False: "excluded"}
    for name in names:
        c = fa_classes(name)
        lines.append(f"| `{c.activation}` | {word[c.definite]} | {word[c.indefinite]} | "
                     f"{'; '.join(c.identities) or '-'} |")
    return "\n".join(lines)


def prove_fa_rows(activation: str, perturb: bool = False) -> Derivation:
    """T4a rows: the reduction of the class of A_j to det G on 1-1-1 networks, for every phi, and,
    for a library activation, the identities that exclude rows (module docstring).

    Generic part (any phi, one datum, symbols w != 0, b, x, v, c, y): (x, 1)(x, 1)^T =
    M^-1 (u, 1)(u, 1)^T M^-T with u = w x + b, and w dL/dw + b dL/db = e v u phi'(u) (so u phi'
    is a constraint function). Concrete part: each identity that :func:`fa_classes` uses is
    re-proved here by sp. The negative control shifts u by epsilon in the congruence."""
    d = Derivation(
        "Rows of the T4a table on 1-1-1 networks f = v phi(w x + b) + c: at a critical point with v != 0 "
        "the residual is orthogonal on the data to 1, phi(u), phi'(u), u phi'(u); with w != 0, A_j = v sum_i "
        "e_i phi''(u_i) (x_i, 1)(x_i, 1)^T = v M^-1 G M^-T, G = sum_i e_i phi''(u_i) (u_i, 1)(u_i, 1)^T, "
        "M = [[w, b], [0, 1]]; an identity b_0 phi'' + b_1 u phi'' + b_2 u^2 phi'' = (a combination of the "
        "constraint functions) forces b . (G_0, G_1, G_2) = 0, and the rows that det G = G_0 G_2 - G_1^2 "
        "cannot reach on that null space do not occur (docs/activations.md).",
        "any activation phi (generic part); the identities of the named activation (concrete part); "
        "any number of data",
        sizes="all", argument="per datum: the sums over the data are sums of these identities",
        method="exact identities in one datum (sympy); the activation's identities by sympy simplification",
        hypotheses="one input, one hidden unit, one output, biases in both layers; v != 0 and w != 0",
    )
    w = sp.Symbol("w", real=True, nonzero=True)
    b, x, v, c, y = sp.symbols("b x v c y", real=True)
    u = w * x + b
    phi = generic("phi", 1, r"\varphi")
    Minv = sp.Matrix([[1 / w, -b / w], [0, 1]])
    shifted = u + (EPS if perturb else 0)
    d.require_zero("(x, 1)(x, 1)^T - M^-1 (u, 1)(u, 1)^T M^-T",
                   sp.Matrix([[x * x, x], [x, 1]]) - Minv * sp.Matrix([[shifted ** 2, shifted], [shifted, 1]]) * Minv.T)
    f = v * phi(u) + c
    loss = (f - y) ** 2 / 2
    e = f - y
    d.require_zero("w dL/dw + b dL/db - e v u phi'(u)",
                   w * loss.diff(w) + b * loss.diff(b) - e * v * u * phi(u).diff(b))
    d.show(r"G", r"\sum_i e_i \varphi''(u_i) \begin{pmatrix} u_i^2 & u_i \\ u_i & 1 \end{pmatrix}")
    if activation == "generic":
        d.show("identities", r"\text{the activation's identities are proved for a named activation (derive --activation)}")
        return d
    f_z = _functions(get_activation(activation), sp.Symbol("z", real=True))
    z_sym, p0, p1, p2 = sp.symbols(r"z \varphi \varphi' \varphi''")
    shown = (sp.Integer(1), p0, p1, z_sym * p1, p2, z_sym * p2, z_sym ** 2 * p2)  # FUNCTION_NAMES as symbols
    for column, coeffs in _proved(activation):
        d.require_zero(_text(column, coeffs), f_z[column] - _combination(f_z, coeffs))
        d.show("identity", sp.Eq(shown[column], _combination(shown, coeffs)))
    classes = fa_classes(activation)
    d.show("rows that can occur", r"\text{" + (", ".join(k for k in KINDS if classes.possible(k)) or "none") + "}")
    return d
