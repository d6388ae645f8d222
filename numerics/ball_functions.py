"""Activations in ball arithmetic (python-flint ``arb``): phi, phi', phi'' over a ball, in one table.

Every value returned encloses the true value for every real number in the input ball
(docs/certified.md "Balls"). :data:`BALL_ACTIVATIONS` maps an activation name to a function
``z -> (phi(z), phi'(z), phi''(z))``; a new activation joins with one line. Activations without
an entry (user expressions, parametrised names) are evaluated from their sympy form
(``theory.activations``' own definition applied to a sympy symbol) by :func:`sympy_ball_function`,
a whitelisted sympy -> arb evaluator. Piecewise definitions (ReLU and its relatives) are evaluated
only where every condition is decided over the ball; otherwise :class:`SignUndecided` is raised
(a datum may sit on a kink, where the loss has no Hessian).
"""

from __future__ import annotations

import contextlib
from typing import Callable

import sympy
from flint import arb, ctx, fmpq

from theory.activations import get_activation
from theory.errors import InvalidInput, SemiflatError

BITS_PER_DIGIT = 3.3219280948873626
"""log2(10): digits -> bits."""


class SignUndecided(SemiflatError):
    """A ball straddles a kink (or a branch condition) of a piecewise activation."""


@contextlib.contextmanager
def ball_precision(bits: int):
    """Scope python-flint's working precision to ``bits`` (restored on exit)."""
    old = ctx.prec
    ctx.prec = int(bits)
    try:
        yield
    finally:
        ctx.prec = old


def bits_for(dps: int) -> int:
    """Working precision in bits for ``dps`` decimal digits plus guard bits (docs/certified.md)."""
    return int(dps * BITS_PER_DIGIT) + 64


def _tanh(z, upto=2):
    t = z.tanh()
    if upto == 0:
        return (t,)
    s = 1 - t * t
    return (t, s) if upto == 1 else (t, s, -2 * t * s)


def _sigmoid(z, upto=2):
    s = 1 / (1 + (-z).exp())
    if upto == 0:
        return (s,)
    d = s * (1 - s)
    return (s, d) if upto == 1 else (s, d, d * (1 - 2 * s))


def _softplus(z, upto=2):
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): no overflow for large |z|
    value = z + (-z).exp().log1p() if z > 0 else z.exp().log1p()
    if upto == 0:
        return (value,)
    s = 1 / (1 + (-z).exp())
    return (value, s) if upto == 1 else (value, s, s * (1 - s))


def _gelu(z, upto=2):
    cdf = (1 + (z / arb(2).sqrt()).erf()) / 2
    if upto == 0:
        return (z * cdf,)
    pdf = (-z * z / 2).exp() / (2 * arb.pi()).sqrt()
    return (z * cdf, cdf + z * pdf, pdf * (2 - z * z))[:upto + 1]


def _identity(z, upto=2):
    return (z, arb(1), arb(0))[:upto + 1]


def _relu(z, upto=2):
    if z > 0:
        return (z, arb(1), arb(0))[:upto + 1]
    if z < 0:
        return (arb(0), arb(0), arb(0))[:upto + 1]
    raise SignUndecided(f"the pre-activation ball {z.str(5, radius=True)} contains the ReLU kink 0")


BALL_ACTIVATIONS: dict[str, Callable] = {
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "gelu": _gelu,
    "identity": _identity,
    "relu": _relu,
}
"""name -> (z, upto=2 -> (phi(z), phi'(z), phi''(z))[:upto + 1]) for balls z; one line per
activation. ``upto`` < 2 skips the higher derivatives (a residual needs phi alone)."""


def ball_activation(name: str) -> Callable:
    """The ball function of activation ``name``: the table entry, else the activation's sympy form
    (same signature as the table's entries).

    >>> ball_activation("identity")(arb(3))[1]
    1.00000000000000
    """
    if name in BALL_ACTIVATIONS:
        return BALL_ACTIVATIONS[name]
    return _from_definition(name)


_CACHE: dict[str, Callable] = {}


def _from_definition(name: str) -> Callable:
    if name not in _CACHE:
        z = sympy.Symbol("z", real=True)
        act = get_activation(name)
        expr = act.formula(z) if hasattr(act, "formula") else act(z)
        fns = tuple(sympy_ball_function(sympy.diff(expr, z, k) if k else expr, z) for k in range(3))
        _CACHE[name] = lambda b, upto=2: tuple(f(b) for f in fns[:upto + 1])
    return _CACHE[name]


# --- whitelisted sympy -> arb ----------------------------------------------------------------

_FUNCTIONS = {
    sympy.exp: arb.exp,
    sympy.log: arb.log,
    sympy.tanh: arb.tanh,
    sympy.sinh: arb.sinh,
    sympy.cosh: arb.cosh,
    sympy.atan: arb.atan,
    sympy.sin: arb.sin,
    sympy.cos: arb.cos,
    sympy.erf: arb.erf,
    sympy.erfc: arb.erfc,
}


def sympy_ball_function(expr, symbol) -> Callable:
    """A function ball -> ball evaluating the sympy expression ``expr`` in ``symbol``.

    Whitelist: numbers (integers, rationals, decimal floats read from their text, pi, E), +, *,
    powers (integer exponents directly, others as exp(e log b)), exp, log, tanh, sinh, cosh, atan,
    sin, cos, erf, erfc, and Piecewise / Heaviside whose conditions are decided over the ball
    (else :class:`SignUndecided`). Anything else raises :class:`InvalidInput` when the function
    is built. Each result encloses the exact value (docs/certified.md "Balls").

    >>> z = sympy.Symbol("z"); f = sympy_ball_function(z**2 / 2 + 1, z)
    >>> f(arb(3))
    5.50000000000000
    """
    _check(expr, symbol)
    return lambda z: _eval(expr, symbol, z)


def _check(expr, symbol):
    for node in sympy.preorder_traversal(expr):
        if node.is_Symbol:
            if node != symbol:
                raise InvalidInput(f"the expression {expr} has a free symbol {node}; only {symbol} is allowed")
        elif node.is_Number or node in (sympy.pi, sympy.E) or isinstance(
                node, (sympy.Add, sympy.Mul, sympy.Pow, sympy.Piecewise, sympy.Heaviside,
                       sympy.logic.boolalg.BooleanTrue, sympy.logic.boolalg.BooleanFalse,
                       sympy.core.relational.Relational, sympy.And, sympy.Or, sympy.Not,
                       sympy.functions.elementary.piecewise.ExprCondPair, sympy.Tuple)):
            continue
        elif getattr(node, "func", None) in _FUNCTIONS:
            continue
        else:
            raise InvalidInput(f"{node} in the activation {expr} has no ball evaluation; allowed: numbers, "
                               "+, *, powers, exp, log, tanh, sinh, cosh, atan, sin, cos, erf, erfc, Piecewise")


def _number(node):
    if node.is_Integer:
        return arb(int(node))
    if node.is_Rational:
        return arb(fmpq(int(node.p), int(node.q)))
    if node.is_Float:
        return arb(str(node))
    if node == sympy.pi:
        return arb.pi()
    if node == sympy.E:
        return arb.const_e()
    raise InvalidInput(f"the number {node} has no ball evaluation")


def _condition(cond, symbol, z) -> bool:
    if cond is sympy.true:
        return True
    if cond is sympy.false:
        return False
    if isinstance(cond, sympy.And):
        return all(_condition(c, symbol, z) for c in cond.args)
    if isinstance(cond, sympy.Or):
        return any(_condition(c, symbol, z) for c in cond.args)
    if isinstance(cond, sympy.Not):
        return not _condition(cond.args[0], symbol, z)
    d = _eval(cond.lhs - cond.rhs, symbol, z)
    op = cond.rel_op
    if op in (">", ">="):
        yes, no = (d > 0, d < 0) if op == ">" else (d >= 0, d < 0)
    elif op in ("<", "<="):
        yes, no = (d < 0, d > 0) if op == "<" else (d <= 0, d > 0)
    else:
        yes, no = (d == 0, d != 0)
    if yes:
        return True
    if no:
        return False
    raise SignUndecided(f"the condition {cond} is not decided over the ball {z.str(5, radius=True)}")


def _eval(node, symbol, z):
    if node == symbol:
        return z
    if node.is_Number or node in (sympy.pi, sympy.E):
        return _number(node)
    if isinstance(node, sympy.Add):
        out = arb(0)
        for a in node.args:
            out = out + _eval(a, symbol, z)
        return out
    if isinstance(node, sympy.Mul):
        out = arb(1)
        for a in node.args:
            out = out * _eval(a, symbol, z)
        return out
    if isinstance(node, sympy.Pow):
        base, e = node.args
        b = _eval(base, symbol, z)
        if e.is_Integer:
            return b ** int(e)
        if e == sympy.Rational(1, 2):
            return b.sqrt()
        return (_eval(e, symbol, z) * b.log()).exp()
    if isinstance(node, sympy.Piecewise):
        for value, cond in node.args:
            if _condition(cond, symbol, z):
                return _eval(value, symbol, z)
        raise SignUndecided(f"no branch of {node} holds over the ball")
    if isinstance(node, sympy.Heaviside):
        d = _eval(node.args[0], symbol, z)
        if d > 0:
            return arb(1)
        if d < 0:
            return arb(0)
        raise SignUndecided(f"Heaviside's argument {d.str(5, radius=True)} contains 0")
    return _FUNCTIONS[node.func](_eval(node.args[0], symbol, z))
