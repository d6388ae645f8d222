"""The generic network around one hidden layer, used by every general proof.

Per-sample reduction (docs/network.md): ``L = sum_i l(y_i, f(x_i))``. Gradients and Hessians
are linear in the per-sample losses, so an identity between per-sample derivatives carries over
to L. For one sample, all of the network that is not the embedded unit(s) is generic:

- ``rho = (rho_0, rho_1)``: two generic parameters standing for *every* other parameter. A
  Hessian entry involves at most two parameters, so two generic ones cover every entry
  (earlier layers, other units of the layer, later layers).
- ``h~(rho) = (h_0(rho), ..., h_{P-2}(rho), 1)``: the layer input, a generic function of the
  earlier parameters (for a three-layer net it is the data ``x~``); its last entry is the bias 1.
- ``R(rho) in R^Q``: the contribution of all other units of the layer to the next pre-activation.
- ``Lambda(rho, z) = l(y, g(rho, z))``: the per-sample loss composed with every later layer
  ``g``, a generic smooth function of the next pre-activation ``z in R^Q`` and of ``rho``.

The next pre-activation is ``z = R(rho) + sum over units of v phi(w~ . h~)``. The activation
``phi`` is a generic smooth function, a concrete one, or one linear piece of ReLU (under the
no-data-on-kinks assumption ReLU is linear near the point on each sample, docs/network.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import sympy as sp

from theory.activations import get_activation
from theory.errors import InvalidArchitecture, InvalidInput
from theory.symbolic.generic import derivative, generic, stand_in, symbols_vector

N_REST = 2
"""Generic parameters standing for all other parameters (2 cover every Hessian entry)."""

ACTIVATION_CHOICES = ("generic", "tanh", "sigmoid", "relu", "softplus", "gelu", "identity")

PHI = generic("phi", 1, r"\varphi")


def activation_pieces(activation: str) -> tuple[tuple[str, object], ...]:
    """The activations a smooth claim is proved for, as ``(label, callable)`` pairs.

    ``generic`` is one undefined smooth phi; a smooth activation (any name of
    :mod:`theory.activations`, including ``poly:...`` and ``expr:...``) gives its sympy formula;
    an activation with a kink at 0 (relu, leaky_relu:A, elu, selu, softsign) gives its two
    pieces (u > 0 and u < 0), each exact on an open set of pre-activations, which covers every
    point without data on a kink (docs/activations.md)."""
    if activation == "generic":
        return (("generic smooth phi", PHI),)
    return _concrete_pieces(activation)


@lru_cache(maxsize=None)
def _concrete_pieces(activation: str):
    """The pieces of a concrete activation, each as a stand-in (theory.symbolic.generic.stand_in):
    the proofs compute with phi, phi', phi'' opaque, and :func:`is_zero` substitutes the formula
    only when an identity needs it (docs/symbolic.md, "Concrete activations")."""
    try:
        act = get_activation(activation)
    except InvalidArchitecture as exc:
        raise InvalidInput(f"--activation {activation!r}: {exc}; or use generic") from None
    if act.smooth:
        return ((act.name, stand_in(f"phi<{act.name}>", lambda t: act(t))),)
    u = sp.Symbol("u", real=True)
    (positive, _), (negative, _) = act(u).args
    return ((f"{act.name}, piece u > 0",
             stand_in(f"phi<{act.name}>+", lambda t, e=positive: e.xreplace({u: t}), r"\varphi_{+}")),
            (f"{act.name}, piece u < 0",
             stand_in(f"phi<{act.name}>-", lambda t, e=negative: e.xreplace({u: t}), r"\varphi_{-}")))


def cases(derivation, sizes, activation: str):
    """Yield ``(P, Q, k, label, phi)`` for every size and activation piece of a proof.

    Stops before the next size once ``derivation`` has a failure: one counterexample settles a
    claim."""
    for P, Q in sizes:
        if derivation.failures:
            return
        for k, (label, phi) in enumerate(activation_pieces(activation)):
            yield P, Q, k, label, phi


def check_activation(activation: str) -> str:
    """Return ``activation`` unchanged if the symbolic prover accepts it (``generic`` or any
    library activation, see :func:`activation_pieces`); otherwise raise
    :class:`theory.errors.InvalidInput` (docs/symbolic.md).
    """
    activation_pieces(activation)
    return activation


@dataclass(frozen=True)
class Layer:
    """The generic surroundings of a hidden layer: sizes ``P = dim w~`` and ``Q = dim v``.

    ``free=True`` makes every entry of the layer input a generic function (no constant bias
    entry): this is the reduced layer of the pairing reduction (docs/symbolic.md), where the
    entries of h~ are the pairings of the claim's k input-side vectors with the true h~."""

    P: int
    Q: int
    free: bool = False

    @cached_property
    def rho(self) -> list:
        """Symbols rho_0, ..., rho_{N_REST-1}: the parameters of the rest of the network, outside the layer."""
        return symbols_vector("rho", N_REST)

    @cached_property
    def h(self) -> list:
        """Layer input h~(rho): generic entries, then the bias entry 1 (unless ``free``)."""
        n = self.P if self.free else self.P - 1
        entries = [
            generic(f"h{k}", N_REST, f"h_{{{k}}}", (r"\rho_0", r"\rho_1"), False)(*self.rho)
            for k in range(n)
        ]
        return entries if self.free else entries + [sp.Integer(1)]

    @cached_property
    def rest(self) -> list:
        """R(rho): the other units' contribution to each next pre-activation."""
        return [
            generic(f"R{q}", N_REST, f"R_{{{q}}}", (r"\rho_0", r"\rho_1"), False)(*self.rho)
            for q in range(self.Q)
        ]

    @cached_property
    def loss_fn(self) -> type:
        """The generic per-sample loss Lambda(rho, z_0, ..., z_{Q-1}) of the rest parameters and the
        Q outputs of the layer, as an undefined sympy function (docs/symbolic.md).
        """
        labels = tuple(rf"\rho_{k}" for k in range(N_REST)) + tuple(f"z_{q}" for q in range(self.Q))
        return generic("Lam", N_REST + self.Q, r"\Lambda", labels, False)

    def sample_loss(self, z) -> sp.Expr:
        """Lambda(rho, z): loss of one sample composed with all later layers."""
        return self.loss_fn(*self.rho, *z)

    def pre(self, w) -> sp.Expr:
        """Pre-activation w~ . h~."""
        return sum((wk * hk for wk, hk in zip(w, self.h)), sp.Integer(0))

    def z(self, units, phi, extra=None) -> list:
        """z = R(rho) [+ extra] + sum over (v, w~) in ``units`` of v phi(w~ . h~)."""
        out = []
        for q in range(self.Q):
            zq = self.rest[q] + (extra[q] if extra is not None else 0)
            for v, w in units:
                zq += v[q] * phi(self.pre(w))
            out.append(zq)
        return out

    # --- the per-unit matrices of docs/network.md, at the narrow point z --------------------------

    def loss_zz(self, z) -> sp.Matrix:
        """d^2 Lambda / dz^2 at z (Q x Q)."""
        syms = [sp.Dummy(f"z{q}") for q in range(self.Q)]
        lam = self.sample_loss(syms)
        return sp.hessian(lam, syms).subs(dict(zip(syms, z)), simultaneous=True)

    def A(self, v, w, phi, z) -> sp.Matrix:
        """A = (v . delta) phi''(u) h~ h~^T (P x P), one sample."""
        d = self.delta_at(z)
        u = self.pre(w)
        vd = sum((v[q] * d[q] for q in range(self.Q)), sp.Integer(0))
        hh = sp.Matrix(self.h)
        return vd * derivative(phi, 2, u) * (hh * hh.T)

    def B(self, w, phi, z) -> sp.Matrix:
        """B = delta phi'(u) h~^T (Q x P), one sample."""
        return self.delta_at(z) * derivative(phi, 1, self.pre(w)) * sp.Matrix(self.h).T

    def C(self, w, phi, z) -> sp.Matrix:
        """C(w~0) = phi'(w~0 . h~) h~ delta^T (P x Q), one sample; B_j = C(w~_j)^T."""
        return self.B(w, phi, z).T

    def delta_at(self, z) -> sp.Matrix:
        """delta = dLambda/dz at z (Q x 1): the backprop signal into the next layer."""
        syms = [sp.Dummy(f"z{q}") for q in range(self.Q)]
        lam = self.sample_loss(syms)
        grads = [sp.diff(lam, s) for s in syms]
        return sp.Matrix([g.subs(dict(zip(syms, z)), simultaneous=True) for g in grads])
