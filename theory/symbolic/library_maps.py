"""The library's maps are the proofs' maps (docs/embeddings.md; docs/symbolic.md "Library maps").

The proofs take their parameter maps from :mod:`theory.embeddings` (through
:mod:`theory.symbolic.maps`) on a one-hidden-unit network. These claims close the loop on whole
networks: for a list of architectures (several depths, layers, units, with and without biases)
the library's maps applied to symbols are compared entry by entry with the maps as the
statements write them,

- replication: ``replication_map(arch, layer, unit, lambda)`` (theta, zeta, eta) equals T_lambda
  (v_j = lambda v + eta, v_new = (1 - lambda) v - eta, w~_j = w~ + (1 - lambda) zeta,
  w~_new = w~ - lambda zeta, every other entry copied), ``T_lambda(theta, 0, 0)`` equals
  ``replicate`` (gamma_lambda), the closed-form inverse is exact and det(T_lambda)^2 = 1;
- inactive unit: ``add_inactive_unit`` appends (w~0, 0) and copies every other entry;
- inactive propagation: ``add_inactive_propagation`` appends (0, b0, v0) and replaces the next
  bias by c - v0 phi(b0), for a generic phi (handed to the map as its activation) and every other entry
  is copied;
- bias compensation: for every library activation, the library's network function is exactly
  unchanged by the library's inactive propagation (symbolic inputs, symbolic parameters).

These are statements about code, so they are checked on the listed architectures only (the
report lists them). Negative controls (``perturb=True``) tamper with the library's output.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from theory import network
from theory.activations import ACTIVATION_NAMES
from theory.architecture import Architecture
from theory.embeddings import (
    add_inactive_propagation,
    add_inactive_unit,
    inactive_propagation,
    replicate,
    replication_map,
    replication_map_inverse,
)
from theory.params import Params, flat_index, incoming_indices, narrow_positions, outgoing_indices
from theory.symbolic.generic import symbols_vector
from theory.symbolic.layer import PHI
from theory.symbolic.result import EPS, Derivation

LAM = sp.Symbol("lambda", real=True)
B0 = sp.Symbol("b_0", real=True)

CASES = (
    ((1, 2, 1), 0, 1, True),
    ((2, 3, 2), 0, 0, True),
    ((2, 2, 3, 1), 1, 1, True),
    ((3, 2, 2), 0, 1, False),
    ((1, 2, 2, 2), 0, 1, True),
)
"""(widths, layer, unit, bias) of the architectures every library-map claim is checked on."""

COMPENSATION_WIDTHS = ((1, 1, 1), (2, 2, 3, 1))


def _sizes(with_unit: bool = True):
    return [f"{list(w)} layer {l}" + (f" unit {u}" if with_unit else "") + ("" if b else " no bias")
            for w, l, u, b in CASES]


def _theta(arch: Architecture):
    theta = symbols_vector("theta", arch.n_params)
    return theta, Params.from_vector(arch, np.array(theta, dtype=object))


def _copied(arch, wide_arch, layer, theta) -> list:
    """The wide flat vector with every narrow entry of ``theta`` copied to its position, 0 elsewhere."""
    out = [sp.Integer(0)] * wide_arch.n_params
    for i, p in enumerate(narrow_positions(arch, wide_arch, layer)):
        out[p] = theta[i]
    return out


def spec_replication(arch, layer, unit, theta, zeta, eta, lam=LAM) -> list:
    """T_lambda(theta, zeta, eta) as the statement writes it, entry by entry (docs/embeddings.md (i));
    ``lam`` any number or symbol (the proofs: the symbol lambda)."""
    wide = arch.widened(layer)
    out = _copied(arch, wide, layer, theta)
    w = [theta[i] for i in incoming_indices(arch, layer, unit)]
    v = [theta[i] for i in outgoing_indices(arch, layer, unit)]
    new = arch.widths[layer + 1]
    for k, p in enumerate(incoming_indices(wide, layer, unit)):
        out[p] = w[k] + (1 - lam) * zeta[k]
    for k, p in enumerate(incoming_indices(wide, layer, new)):
        out[p] = w[k] - lam * zeta[k]
    for k, p in enumerate(outgoing_indices(wide, layer, unit)):
        out[p] = lam * v[k] + eta[k]
    for k, p in enumerate(outgoing_indices(wide, layer, new)):
        out[p] = (1 - lam) * v[k] - eta[k]
    return out


def prove_replication_map(activation: str, perturb: bool = False) -> Derivation:
    """replication.library_map: the library's T_lambda and gamma_lambda are the proofs' maps."""
    d = Derivation(
        "The library's replication_map applied to symbols is exactly T_lambda of the proofs "
        "(v_j = lambda v + eta, v_new = (1-lambda) v - eta, w~_j = w~ + (1-lambda) zeta, "
        "w~_new = w~ - lambda zeta, all else copied); T_lambda(theta, 0, 0) = replicate(theta) = "
        "gamma_lambda(theta); replication_map_inverse is its exact inverse and det(T_lambda)^2 = 1.",
        "the library's code on the listed architectures; symbolic lambda and parameters",
        sizes=_sizes(), method="entry-by-entry exact comparison of object matrices (sympy)",
    )
    for widths, layer, unit, bias in CASES:
        arch = Architecture(widths, "identity", bias)
        theta, params = _theta(arch)
        zeta = symbols_vector("zeta", arch.incoming_size(layer))
        eta = symbols_vector("eta", arch.outgoing_size(layer))
        T = np.array(replication_map(arch, layer, unit, LAM), dtype=object)
        if perturb:
            wide = arch.widened(layer)
            row = outgoing_indices(wide, layer, arch.widths[layer + 1])[0]
            col = outgoing_indices(arch, layer, unit)[0]
            T[row, col] = T[row, col] + EPS
        T = sp.Matrix(T)
        coords = sp.Matrix(list(theta) + zeta + eta)
        tag = f"{list(widths)} layer {layer} unit {unit}"
        d.require_zero(f"library T_lambda - T_lambda of the proofs, {tag}",
                       T * coords - sp.Matrix(spec_replication(arch, layer, unit, theta, zeta, eta)))
        _, gamma = replicate(arch, params, layer, unit, LAM)
        at_zero = T * sp.Matrix(list(theta) + [0] * (len(zeta) + len(eta)))
        d.require_zero(f"T_lambda(theta, 0, 0) - replicate(theta), {tag}", at_zero - sp.Matrix(list(gamma.to_vector())))
        S = sp.Matrix(replication_map_inverse(arch, layer, unit, LAM))
        d.require_zero(f"library T^-1 T - I, {tag}", S * T - sp.eye(T.shape[0]))
        if T.shape[0] <= 20:
            d.require_zero(f"det(T_lambda)^2 - 1, {tag}", sp.cancel(T.det(method="bareiss") ** 2 - 1))
        if widths == (1, 2, 1):
            d.show("T_lambda, widths [1, 2, 1], unit 1 (columns theta, zeta, eta)", T)
    return d


def prove_inactive_unit_map(activation: str, perturb: bool = False) -> Derivation:
    """inactive_unit.library_map: add_inactive_unit appends (w~0, v = 0), all else copied."""
    d = Derivation(
        "The library's add_inactive_unit applied to symbols appends a unit with incoming w~0 and "
        "outgoing v = 0 and copies every other parameter: the map of the proofs.",
        "the library's code on the listed architectures; symbolic w~0 and parameters",
        sizes=_sizes(False), method="entry-by-entry exact comparison (sympy)",
    )
    for widths, layer, _, bias in CASES:
        arch = Architecture(widths, "identity", bias)
        theta, params = _theta(arch)
        w0 = symbols_vector("w0", arch.incoming_size(layer))
        wide_arch, wide = add_inactive_unit(arch, params, layer, np.array(w0, dtype=object))
        got = [sp.sympify(x) for x in wide.to_vector()]
        if perturb:
            got[outgoing_indices(wide_arch, layer, arch.widths[layer + 1])[0]] += EPS
        expected = _copied(arch, wide_arch, layer, theta)
        for k, p in enumerate(incoming_indices(wide_arch, layer, arch.widths[layer + 1])):
            expected[p] = w0[k]
        d.require_zero(f"library alpha - (theta, w~0, 0), {list(widths)} layer {layer}",
                       sp.Matrix(got) - sp.Matrix(expected))
    d.show("parameter map", r"v_{new} = 0,\ \tilde w_{new} = \tilde w_0,\ \text{all else copied}")
    return d


def prove_propagation_map(activation: str, perturb: bool = False) -> Derivation:
    """inactive_propagation.library_map: add_inactive_propagation appends (w = 0, b0, v0) and
    compensates the next bias by -v0 phi(b0), for a generic phi (the map's ``phi`` argument)."""
    d = Derivation(
        "The library's add_inactive_propagation applied to symbols appends a unit with incoming "
        "weights 0, bias b0 and outgoing v0, replaces the next bias c by c - v0 phi(b0) for a generic "
        "phi, and copies every other parameter: the map of the proofs.",
        "the library's code on the listed architectures with biases; symbolic b0, v0, parameters; generic phi",
        sizes=[s for s, case in zip(_sizes(False), CASES) if case[3]],
        method="entry-by-entry exact comparison (sympy); phi(b0) by the generic phi handed to the library's map",
    )
    for widths, layer, _, bias in CASES:
        if not bias:
            continue
        arch = Architecture(widths, "identity", bias)
        theta, params = _theta(arch)
        v0 = symbols_vector("v0", arch.outgoing_size(layer))
        wide_arch, wide = inactive_propagation.apply(arch, params, layer, B0, np.array(v0, dtype=object), phi=PHI)
        got = [sp.sympify(x) for x in wide.to_vector()]
        if perturb:
            got[outgoing_indices(wide_arch, layer, arch.widths[layer + 1])[0]] += EPS
        expected = _copied(arch, wide_arch, layer, theta)
        new = arch.widths[layer + 1]
        expected[incoming_indices(wide_arch, layer, new)[-1]] = B0
        for k, p in enumerate(outgoing_indices(wide_arch, layer, new)):
            expected[p] = v0[k]
        for k in range(arch.widths[layer + 2]):
            p = flat_index(wide_arch, "b", layer + 1, k)
            expected[p] = expected[p] - v0[k] * PHI(B0)
        d.require_zero(f"library beta - (theta, 0, b0, v0, c - v0 phi(b0)), {list(widths)} layer {layer}",
                       sp.Matrix(got) - sp.Matrix(expected))
    d.show("parameter map", r"w_{new} = 0,\ b_{new} = b_0,\ v_{new} = v_0,\ b^{(l+1)} \leftarrow b^{(l+1)} - v_0\varphi(b_0)")
    return d


def prove_bias_compensation(activation: str, perturb: bool = False) -> Derivation:
    """inactive_propagation.bias_compensation: with every library activation, the library's
    forward pass is exactly unchanged by the library's inactive propagation."""
    names = ACTIVATION_NAMES if activation == "generic" else (activation,)
    d = Derivation(
        "Bias compensation: for every library activation phi (" + ", ".join(names) + "), "
        "f(x; beta_{b0,v0}(theta)) = f(x; theta) exactly, for symbolic x, theta, b0 and v0, with the "
        "library's map and the library's forward pass.",
        "the library's code; symbolic inputs, parameters, b0 and v0",
        sizes=[str(list(w)) + " layer 0" for w in COMPENSATION_WIDTHS],
        method="exact comparison of the two forward passes (sympy)",
    )
    for name in names:
        for widths in COMPENSATION_WIDTHS:
            if d.failures:  # one counterexample settles the claim
                return d
            arch = Architecture(widths, name, True)
            theta, params = _theta(arch)
            x = np.array([symbols_vector("x", widths[0])], dtype=object)
            v0 = symbols_vector("v0", arch.outgoing_size(0))
            wide_arch, wide = add_inactive_propagation(arch, params, 0, B0, np.array(v0, dtype=object))
            if perturb:
                W, b = [np.array(w, dtype=object) for w in wide.W], [np.array(v, dtype=object) for v in wide.b]
                b[1] = b[1] + EPS
                wide = Params.build(wide_arch, W, b)
            gap = network.forward(wide_arch, wide, x) - network.forward(arch, params, x)
            d.require_zero(f"f(beta theta) - f(theta), {name}, {list(widths)}", sp.Matrix(gap.reshape(-1).tolist()))
    return d
