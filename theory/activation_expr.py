"""The user's own activation, ``expr:<expression in x>``, parsed safely into sympy.

The text is never given to ``eval`` or ``sympify``: a tokenizer and a recursive-descent parser
accept only numbers, the variable ``x``, the constant ``pi``, ``+ - * / **``, parentheses and a
whitelist of analytic functions (:data:`FUNCTIONS`), and build the sympy expression from
sympy constructors. Anything else is refused with a message naming the offending token and its
position. Length, token count, nesting depth and constant powers are bounded, so no input
can make the parser (or sympy's exact arithmetic) run away (docs/activations.md, "Your own
activation").

Grammar::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("+" | "-") unary | power
    power  := atom ("**" unary)?          (right associative, as in Python)
    atom   := NUMBER | "x" | "pi" | FUNCTION "(" expr ")" | "(" expr ")"
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy

from theory import activation_worlds as worlds
from theory.activation_properties import Properties
from theory.activation_worlds import _erf_vec
from theory.errors import InvalidArchitecture

X = sympy.Symbol("x", real=True)
"""The variable of an expression activation."""

MAX_LENGTH = 400
MAX_TOKENS = 200
MAX_DEPTH = 24
MAX_POWER = 64
"""A constant exponent must satisfy |p| <= MAX_POWER."""
MAX_CONSTANT_DIGITS = 300
"""A constant power b**p is refused when |p| log10 |b| exceeds this (exact arithmetic would explode)."""


def _sigmoid(u):
    return 1 / (1 + sympy.exp(-u))


def _softplus(u):
    return sympy.log(1 + sympy.exp(u))


FUNCTIONS = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos,
    "tanh": sympy.tanh, "sinh": sympy.sinh, "cosh": sympy.cosh, "atan": sympy.atan, "erf": sympy.erf,
    "sigmoid": _sigmoid, "softplus": _softplus,
}
"""The functions an expression may call (one argument each; all analytic where defined)."""

KINKED = ("abs", "max", "min", "relu", "sign", "heaviside", "floor", "ceil")
"""Names refused with a pointer to the built-in piecewise activations (expressions are smooth)."""

_TOKEN = re.compile(r"\s*(?:(?P<number>(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
                    r"|(?P<op>\*\*|[-+*/()]))")


class ExpressionError(InvalidArchitecture):
    """An ``expr:`` activation that the restricted parser refuses."""


@dataclass(frozen=True)
class Token:
    """One token: kind ("number", "name", "op", "end"), its text and its position."""

    kind: str  # "number", "name", "op", "end"
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; refuses any character outside the grammar."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            bad = text[pos:].lstrip()[:1]
            where = len(text) - len(text[pos:].lstrip())
            hint = " (use ** for powers)" if bad == "^" else ""
            raise ExpressionError(f"unexpected character {bad!r} at position {where} of {text!r}{hint}; "
                                  "allowed: numbers, x, pi, + - * / **, parentheses and "
                                  f"{', '.join(FUNCTIONS)}")
        kind = m.lastgroup
        tokens.append(Token(kind, m.group(kind), m.start(kind)))
        if kind == "name":
            _check_name(tokens[-1], text)  # refuse an unknown name before looking further
        pos = m.end()
        if len(tokens) > MAX_TOKENS:
            raise ExpressionError(f"expression has more than {MAX_TOKENS} tokens")
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            found = "the end" if tok.kind == "end" else repr(tok.text)
            raise ExpressionError(f"expected {text!r} at position {tok.position} of {self.text!r}, found {found}")

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels")

    def parse(self):
        out = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise ExpressionError(f"unexpected {tok.text!r} at position {tok.position} of {self.text!r}")
        return out

    def expr(self):
        out = self.term()
        while self.peek().text in ("+", "-"):
            op = self.take().text
            right = self.term()
            out = out + right if op == "+" else out - right
        return out

    def term(self):
        out = self.unary()
        while self.peek().text in ("*", "/"):
            tok = self.take()
            right = self.unary()
            if tok.text == "/" and right.is_number and right == 0:
                raise ExpressionError(f"division by zero at position {tok.position} of {self.text!r}")
            out = out * right if tok.text == "*" else out / right
        return out

    def unary(self):
        if self.peek().text in ("+", "-"):
            self.nest()
            op = self.take().text
            inner = self.unary()
            self.depth -= 1
            return inner if op == "+" else -inner
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek().text != "**":
            return base
        tok = self.take()
        self.nest()
        exponent = self.unary()
        self.depth -= 1
        _check_power(base, exponent, tok.position, self.text)
        return base ** exponent

    def atom(self):
        tok = self.take()
        if tok.kind == "number":
            return _number(tok, self.text)
        if tok.kind == "name":
            return self.name(tok)
        if tok.text == "(":
            self.nest()
            inner = self.expr()
            self.expect(")")
            self.depth -= 1
            return inner
        found = "the end of the expression" if tok.kind == "end" else repr(tok.text)
        raise ExpressionError(f"expected a number, x, pi, a function or '(' at position {tok.position} of "
                              f"{self.text!r}, found {found}")

    def name(self, tok: Token):
        _check_name(tok, self.text)
        if tok.text == "x":
            return X
        if tok.text == "pi":
            return sympy.pi
        if tok.text in FUNCTIONS:
            self.expect("(")
            self.nest()
            arg = self.expr()
            self.depth -= 1
            self.expect(")")
            return FUNCTIONS[tok.text](arg)
        raise AssertionError(tok)  # _check_name admits nothing else


def _check_name(tok: Token, text: str) -> None:
    if tok.text in ("x", "pi") or tok.text in FUNCTIONS:
        return
    if tok.text.lower() in KINKED:
        raise ExpressionError(f"{tok.text!r} at position {tok.position} is not allowed: expression activations "
                              "must be smooth; use a built-in piecewise activation (relu, leaky_relu:A, elu, "
                              "selu, softsign) instead")
    raise ExpressionError(f"unknown name {tok.text[:40]!r} at position {tok.position} of {text[:80]!r}; allowed "
                          f"names: x, pi, {', '.join(FUNCTIONS)}")


def _number(tok: Token, text: str):
    mantissa, _, exponent = tok.text.lower().partition("e")
    if len(tok.text) > 60 or (exponent and abs(int(exponent)) > MAX_CONSTANT_DIGITS):
        raise ExpressionError(f"number {tok.text[:60]!r} at position {tok.position} of {text!r} is out of range "
                              f"(at most 60 characters, exponent within +-{MAX_CONSTANT_DIGITS})")
    return sympy.Rational(tok.text)


def _check_power(base, exponent, position: int, text: str) -> None:
    if not exponent.is_number:
        return
    where = f"at position {position} of {text!r}"
    p = _magnitude(exponent, where)
    if p > MAX_POWER:
        raise ExpressionError(f"exponent {str(exponent)[:30]} {where} is too large; constant exponents must lie within "
                              f"+-{MAX_POWER}")
    if base.is_number:
        if base == 0 and (exponent.is_negative or exponent == 0):
            raise ExpressionError(f"0 ** {exponent} {where} is undefined")
        b = _magnitude(base, where)
        if b > 0 and p * abs(math.log10(b)) > MAX_CONSTANT_DIGITS:
            raise ExpressionError(f"the constant power {where} exceeds 10^{MAX_CONSTANT_DIGITS}")


def _magnitude(value, where: str) -> float:
    try:
        v = complex(sympy.N(value, 15))
    except (TypeError, ValueError, OverflowError):
        raise ExpressionError(f"constant {value} {where} cannot be evaluated") from None
    if v.imag != 0 or not math.isfinite(v.real):
        raise ExpressionError(f"constant {value} {where} is not a finite real number")
    return abs(v.real)


def parse(text: str) -> sympy.Expr:
    """The sympy expression of ``text`` (in the symbol :data:`X`), or :class:`ExpressionError`.

    >>> parse("x*tanh(log(1+exp(x)))")
    x*tanh(log(exp(x) + 1))
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression activation needs text, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("expr: needs an expression in x, e.g. expr:x*tanh(log(1+exp(x)))")
    expr = _Parser(text).parse()
    if X not in expr.free_symbols:
        raise ExpressionError(f"expression {text!r} does not depend on x; an activation must")
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        raise ExpressionError(f"expression {text!r} contains an infinite, undefined or complex constant")
    return expr


class ExpressionRule:
    """phi, phi', phi'' of a parsed expression: sympy differentiation, then lambdify per world.

    ``lambdify`` prints the sympy expression (never the user's text) into a numpy or mpmath
    function; mpmath constants are evaluated at the caller's precision on every call."""

    def __init__(self, text: str):
        self.text = text
        phi = parse(text)
        self.expressions = (phi, sympy.diff(phi, X), sympy.diff(phi, X, 2))
        self._np = tuple(sympy.lambdify(X, e, modules=[{"erf": _erf_vec}, "numpy"]) for e in self.expressions)
        self._mp = tuple(sympy.lambdify(X, e, modules="mpmath") for e in self.expressions)
        self._zeros = np.zeros_like

    def __call__(self, z, w, order):
        if w is worlds.Sympy:
            return self.expressions[order].subs(X, z)
        if w is worlds.Mpmath:
            try:
                value = self._mp[order](z)
            except (ZeroDivisionError, ValueError) as exc:
                raise ExpressionError(f"activation expr:{self.text} cannot be evaluated at z = "
                                      f"{sympy.Float(str(z), 15)}: {exc}") from None
            if isinstance(value, (complex, mpmath.mpc)):
                if value.imag != 0:
                    raise ExpressionError(f"activation expr:{self.text} is not real at z = "
                                          f"{sympy.Float(str(z), 15)}")
                value = value.real
            return mpmath.mpf(value)
        value = self._np[order](z)
        return value + self._zeros(z, dtype=float)

    def _vanishes(self, expr) -> bool:
        """expr == 0 identically: refuted by any non-zero value at a few points, else simplify."""
        probes = [sympy.Rational(p, 7) for p in (-11, -3, 2, 5, 13)]
        for p in probes:
            value = expr.subs(X, p).evalf(30)
            if value.is_number and value.is_finite and abs(value) > sympy.Float("1e-20"):
                return False
        return sympy.simplify(expr) == 0

    def properties(self):
        """Derived from the expression (docs/activations.md "Your own activation")."""
        phi, d1, d2 = self.expressions
        affine = self._vanishes(d2)
        at0 = phi.subs(X, 0)
        slope0 = d1.subs(X, 0)
        return Properties("C2", piecewise_linear=bool(affine), dead_zone=False,
                          vanishes_at_zero=bool(at0.is_number and at0 == 0),
                          positively_homogeneous=bool(affine and at0 == 0),
                          stationary_at_zero=bool(slope0.is_number and slope0 == 0))
