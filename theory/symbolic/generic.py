"""Generic smooth functions for general proofs: undefined functions with clean derivatives.

A proof "for an arbitrary activation, loss and rest of the network" differentiates undefined
functions. sympy's own undefined functions differentiate into ``Subs(Derivative(...))`` objects
whose canonical form depends on dummy names, which makes exact comparisons fragile. Here a
generic function is a :class:`Jet`: an undefined function that carries a multi-index of partial
derivatives, so ``d/d arg_k`` of ``Lam_{(0,1)}(a, b)`` is ``Lam_{(1,1)}(a, b)``. The chain rule is
sympy's own; mixed partials commute by construction (the functions are C^2, so Schwarz holds).

Two applications of the same jet are equal when their arguments expand to the same polynomial;
:func:`canonical` expands every jet argument (innermost first) so that the point at which a
derivative is evaluated has one normal form, and :func:`is_zero` decides whether a difference
is identically 0. A ``False`` answer never proves a claim: the answer "proved" is only given
when the difference reduces to the expression 0.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.rings import ring


SMALL = 60
"""Expressions up to this operation count are expanded directly instead of in a polynomial ring."""

SIMPLIFY_LIMIT = 150
"""Largest leftover (in sympy operation count) that :func:`is_zero` hands to ``simplify``."""


class Jet(sp.Function):
    """Base class of generic (undefined, smooth) functions with a derivative multi-index."""

    _base = "F"
    _index: tuple[int, ...] = ()
    _latex_base = "F"
    _arg_labels: tuple[str, ...] = ()
    _show_args = True

    @classmethod
    def eval(cls, *args):
        """No automatic evaluation: a jet of an undefined function always stays symbolic."""
        return None

    def fdiff(self, argindex=1):
        """Derivative with respect to argument ``argindex`` (1-based): the same jet with that
        argument's derivative order raised by one (docs/symbolic.md).
        """
        index = list(self._index) if self._index else [0] * len(self.args)
        index[argindex - 1] += 1
        return jet(self._base, tuple(index), self._latex_base, self._arg_labels, self._show_args)(*self.args)

    @property
    def order(self) -> int:
        """Total derivative order of this jet (sum of the per-argument orders)."""
        return sum(self._index)

    def _latex(self, printer, exp=None):
        labels = self._arg_labels or tuple(f"x_{k}" for k in range(len(self.args)))
        index = self._index or (0,) * len(self.args)
        if len(self.args) == 1:
            k = index[0]
            head = self._latex_base + ("'" * k if k <= 2 else f"^{{({k})}}")
        else:
            sub = " ".join(
                (labels[i] if n == 1 else f"{labels[i]}^{{{n}}}") for i, n in enumerate(index) if n
            )
            head = f"{{{self._latex_base}}}_{{{sub}}}" if sub else self._latex_base
        if self._show_args:
            inner = ", ".join(printer._print(a) for a in self.args)
            head = rf"{head}\left({inner}\right)"
        elif exp is not None:
            head = rf"\left({head}\right)"
        return head if exp is None else rf"{head}^{{{exp}}}"


@lru_cache(maxsize=None)
def jet(base: str, index: tuple[int, ...], latex_base: str, arg_labels: tuple[str, ...] = (),
        show_args: bool = True) -> type:
    """The jet class ``base`` with derivative multi-index ``index`` (one class per key)."""
    name = base if not any(index) else base + "_" + "".join(str(i) for i in index)
    return type(
        name,
        (Jet,),
        {
            "_base": base,
            "_index": index,
            "_latex_base": latex_base,
            "_arg_labels": arg_labels,
            "_show_args": show_args,
        },
    )


def generic(base: str, nargs: int, latex_base: str | None = None, arg_labels: tuple[str, ...] = (),
            show_args: bool = True) -> type:
    """A generic smooth function of ``nargs`` arguments (no derivative taken yet)."""
    return jet(base, (0,) * nargs, latex_base or base, tuple(arg_labels), show_args)


def _rebuild(expr, as_symbols: bool):
    """Expand the arguments of every function application (jets and elementary functions),
    innermost first; with ``as_symbols`` name each distinct application by a fresh symbol.

    Naming applications by independent symbols is sound for a zero test: a polynomial that
    vanishes for independent values vanishes for the actual ones."""
    seen: dict = {}
    names: dict = {}

    def rebuild(e):
        """Rebuild ``e`` bottom-up with every function's arguments expanded (memoised in ``seen``),
        naming each distinct (expanded) application by a fresh dummy symbol when ``as_symbols`` is set.
        """
        if not e.args:
            return e
        hit = seen.get(e)
        if hit is not None:
            return hit
        args = [rebuild(a) for a in e.args]
        if isinstance(e, sp.Function):
            out = e.func(*[sp.expand(a) if isinstance(a, sp.Expr) else a for a in args])
            if as_symbols:
                out = names.setdefault(out, sp.Dummy(f"j{len(names)}"))
        else:
            out = e.func(*args) if any(a is not b for a, b in zip(args, e.args)) else e
        seen[e] = out
        return out

    return rebuild(sp.sympify(expr))


def canonical(expr):
    """Expand every jet argument (innermost first), then expand the whole expression."""
    return sp.expand(_rebuild(expr, as_symbols=False))


def _polynomial_zero(e) -> bool | None:
    """Exact zero test in a sparse polynomial ring (or rational function field) over QQ;
    None if ``e`` is neither."""
    gens = sorted(e.free_symbols, key=sp.default_sort_key)
    if not gens:
        return bool(e == 0) if e.is_number else None
    for build in (ring,):  # polynomial identity over QQ
        try:
            K, *_ = build(gens, QQ)
            return K.from_expr(e) == 0
        except (ValueError, TypeError, sp.PolynomialError, sp.CoercionFailed):
            continue
    return None


_FORMULAS: dict = {}
"""Jet base name of a stand-in (:func:`stand_in`) -> the concrete function it stands for."""


def stand_in(base: str, formula, latex_base: str = r"\varphi") -> type:
    """An opaque one-argument jet standing for the concrete function ``formula`` (a callable
    sympy expression of one argument), e.g. a library activation in a proof.

    A proof computed with the stand-in is a computation for an arbitrary smooth function: an
    identity that :func:`is_zero` proves with the stand-in's values phi(u), phi'(u), phi''(u)
    left opaque holds for every function, so for ``formula`` in particular, and it needs no
    simplification of the formula (docs/symbolic.md, "Concrete activations"). Only when the
    opaque identity does not hold is the formula substituted (:func:`concretize`)."""
    _FORMULAS[base] = formula
    return generic(base, 1, latex_base)


@lru_cache(maxsize=None)
def _formula_derivative(base: str, order: int):
    s = sp.Dummy("s")
    return s, sp.diff(_FORMULAS[base](s), s, order)


def _stand_ins(expr) -> list:
    return [a for a in sp.sympify(expr).atoms(Jet) if a._base in _FORMULAS]


def concretize(expr):
    """``expr`` with every stand-in application phi^(k)(u) replaced by the k-th derivative of
    its formula at u (innermost first, until none is left)."""
    expr = sp.sympify(expr)
    apps = _stand_ins(expr)
    while apps:
        reps = {}
        for app in apps:
            s, der = _formula_derivative(app._base, app._index[0] if app._index else 0)
            reps[app] = der.xreplace({s: app.args[0]})
        expr = expr.xreplace(reps)
        apps = _stand_ins(expr)
    return expr


def is_zero(expr) -> bool:
    """True when ``expr`` reduces to exactly 0.

    Steps: canonical function arguments, each function application named by a symbol, then an
    exact polynomial identity test; for rational leftovers (e.g. sigmoid) cancellation of
    fractions, and for small leftovers ``sympy.simplify``. Stand-ins of concrete functions
    (:func:`stand_in`) are first kept opaque (an identity for every function); only if that
    fails are their formulas substituted and the steps repeated. "True" is a proof; "False"
    means no step reduced the expression to 0 (docs/symbolic.md)."""
    if _is_zero_as_written(expr):
        return True
    if _stand_ins(expr):
        return _is_zero_as_written(concretize(expr))
    return False


def _is_zero_as_written(expr) -> bool:
    named = _rebuild(expr, as_symbols=True)
    if named == 0:
        return True
    small = sp.count_ops(named) <= SMALL
    if small and sp.expand(named) == 0:  # cheap path; building a ring costs more than this
        return True
    verdict = None if small else _polynomial_zero(named)
    if verdict:
        return True
    if verdict is False and _only_jets(expr):
        # a non-zero polynomial in independent jet values: no identity can make it vanish
        return False
    # naming applications hides identities between elementary functions (exp(a) exp(-a) = 1):
    # fall back to sympy's own normal forms
    e = sp.expand(named)
    if e == 0:
        return True
    if any(p.exp.is_negative for p in e.atoms(sp.Pow)):
        e = sp.cancel(sp.together(e))
        if e == 0:
            return True
    e = canonical(expr)
    if e == 0:
        return True
    if sp.count_ops(e) <= SIMPLIFY_LIMIT:
        return sp.simplify(e) == 0
    return False


def _only_jets(expr) -> bool:
    """True when every function application in ``expr`` is a generic jet (no elementary
    function, no Piecewise): then naming applications by symbols loses no identity."""
    return all(isinstance(f, Jet) for f in sp.sympify(expr).atoms(sp.Function)) and not sp.sympify(expr).has(sp.Piecewise)


def gradient(expr, variables) -> list:
    """``[d expr / d x for x in variables]``."""
    return [sp.diff(expr, x) for x in variables]


def hessian(expr, variables, at=None) -> sp.Matrix:
    """Symmetric Hessian from one gradient pass (mixed partials of C^2 functions commute);
    ``at`` (a substitution dict) is applied to each entry, which is then put in canonical form."""
    g = gradient(expr, variables)
    n = len(variables)
    H = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            e = sp.diff(g[i], variables[j])
            if at is not None:
                e = e.xreplace(at)
            H[i, j] = H[j, i] = canonical(e)
    return H


def derivative(phi, order: int, u):
    """``phi^(order)(u)`` for a generic jet or a concrete sympy-callable activation."""
    s = sp.Dummy("s")
    return sp.diff(phi(s), s, order).subs(s, u) if order else phi(u)


def symbols_vector(name: str, size: int, **assumptions) -> list:
    """``[name_0, ..., name_{size-1}]`` as sympy symbols (real unless told otherwise)."""
    assumptions.setdefault("real", True)
    return [sp.Symbol(f"{name}_{k}", **assumptions) for k in range(size)]


def jet_symbols(expr) -> dict:
    """Map each argument-free jet application in ``expr`` to a short display symbol.

    First derivatives of the per-sample loss Lambda in z_q are shown as delta_q (the backprop
    signal). Used only to print intermediate expressions; proofs never go through it."""
    mapping = {}
    for app in sorted(expr.atoms(Jet), key=sp.default_sort_key):
        if app._show_args:
            continue
        index = app._index
        if app._latex_base == r"\Lambda" and app.order == 1 and app._arg_labels:
            k = index.index(1)
            label = app._arg_labels[k]
            if label.startswith("z_"):
                mapping[app] = sp.Symbol(rf"\delta_{{{label[2:]}}}")
                continue
        mapping[app] = sp.Symbol(sp.latex(app))
    return mapping


def readable(expr, names: dict | None = None):
    """``expr`` with argument-free jets as plain symbols, subexpressions renamed by ``names``
    (e.g. the pre-activation as u), factored where that shortens it."""
    e = canonical(expr)
    if names:
        e = e.xreplace({canonical(k): v for k, v in names.items()})
    e = e.xreplace(jet_symbols(e)) if isinstance(e, sp.Basic) else e
    candidates = [e, sp.factor_terms(e)]
    if sp.count_ops(e) <= SIMPLIFY_LIMIT:
        candidates.append(sp.factor(e))
    return min(candidates, key=sp.count_ops)


def latex_of(expr, names: dict | None = None) -> str:
    """LaTeX of a scalar or matrix after :func:`readable`."""
    if isinstance(expr, sp.MatrixBase):
        return sp.latex(expr.applyfunc(lambda e: readable(e, names)))
    return sp.latex(readable(expr, names))
