"""Every claim with its stable id, its group and its proof; ``prove`` and ``prove_all``.

Results are cached per (claim, activation, perturb) with :func:`functools.lru_cache` (the
derivations inside are cached per size and activation as well), so a report that asks twice
pays once.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from theory.errors import InvalidInput
from theory.symbolic import (
    fa_classes,
    inactive_propagation,
    inactive_unit,
    library_maps,
    relu,
    replication,
    second_order,
    zero_error,
)
from theory.symbolic.layer import check_activation
from theory.symbolic.result import ClaimResult, run

PROOFS = {
    "replication.library_map": library_maps.prove_replication_map,
    "replication.function": replication.prove_function,
    "replication.gradient": replication.prove_gradient,
    "replication.hessian": replication.prove_hessian,
    "replication.fa_direction": replication.prove_fa_direction,
    "replication.fa_sign_table": second_order.prove_fa_sign_table,
    "replication.fa_rows": fa_classes.prove_fa_rows,
    "replication.saddle_direction": second_order.prove_saddle_direction,
    "replication.kway": replication.prove_kway,
    "inactive_unit.library_map": library_maps.prove_inactive_unit_map,
    "inactive_unit.function": inactive_unit.prove_function,
    "inactive_unit.gradient": inactive_unit.prove_gradient,
    "inactive_unit.hessian_block": inactive_unit.prove_hessian_block,
    "inactive_unit.saddle": inactive_unit.prove_saddle,
    "inactive_unit.relu_dead_flat": inactive_unit.prove_relu_dead_flat,
    "inactive_propagation.library_map": library_maps.prove_propagation_map,
    "inactive_propagation.bias_compensation": library_maps.prove_bias_compensation,
    "inactive_propagation.function": inactive_propagation.prove_function,
    "inactive_propagation.gradient": inactive_propagation.prove_gradient,
    "inactive_propagation.hessian_block": inactive_propagation.prove_hessian_block,
    "zero_error.gauss_newton": zero_error.prove_gauss_newton,
    "zero_error.trace": zero_error.prove_trace,
    "relu.homogeneity": relu.prove_homogeneity,
    "relu.replication_minimum": second_order.prove_relu_replication_minimum,
    "relu.replication_saddle": second_order.prove_relu_replication_saddle,
}

CLAIM_IDS: tuple[str, ...] = tuple(PROOFS)
"""Every claim id, in report order."""

EMBEDDING_GROUPS: dict[str, tuple[str, ...]] = {
    "replication": tuple(i for i in CLAIM_IDS if i.startswith("replication.")),
    "inactive-unit": tuple(i for i in CLAIM_IDS if i.startswith("inactive_unit.")),
    "inactive-propagation": tuple(i for i in CLAIM_IDS if i.startswith("inactive_propagation.")),
    "zero-error": tuple(i for i in CLAIM_IDS if i.startswith("zero_error.")),
    "relu": tuple(i for i in CLAIM_IDS if i.startswith("relu.")),
}
"""Group name (the ``--embedding`` choices) -> claim ids."""


def claims_of(embedding: str) -> tuple[str, ...]:
    """Claim ids of a group, or all of them for ``"all"``."""
    if embedding == "all":
        return CLAIM_IDS
    try:
        return EMBEDDING_GROUPS[embedding]
    except KeyError:
        raise InvalidInput(
            f"--embedding {embedding!r} is not known; use all or one of {', '.join(EMBEDDING_GROUPS)}"
        ) from None


def prove(claim_id: str, activation: str = "generic", perturb: bool = False) -> ClaimResult:
    """Prove one claim symbolically.

    Arguments:
        claim_id: one of :data:`CLAIM_IDS`.
        activation: ``"generic"`` (an undefined smooth phi; ReLU claims use ReLU) or any library
            name (tanh, leaky_relu:0.1, poly:..., expr:...), entered as an opaque stand-in
            (docs/symbolic.md, "Concrete activations"); a kinked one is proved piece by piece.
        perturb: replace the embedding by a deliberately broken one (negative control); the
            result must then be ``"failed"``.

    Returns:
        A :class:`ClaimResult` with status ``"proved"`` only if every difference is exactly 0.
    """
    if claim_id not in PROOFS:
        raise InvalidInput(f"claim {claim_id!r} is not known; use one of {', '.join(CLAIM_IDS)}")
    check_activation(activation)
    return _prove_cached(claim_id, activation, bool(perturb))


RELU_CLAIMS = ("inactive_unit.relu_dead_flat", "relu.homogeneity", "relu.replication_minimum",
               "relu.replication_saddle")
"""Claims first written for ReLU (proved with ReLU for ``generic``); each runs for every activation
where the statement it proves holds (theory.symbolic.applicability)."""


@lru_cache(maxsize=None)
def _prove_cached(claim_id: str, activation: str, perturb: bool) -> ClaimResult:
    result = run(claim_id, PROOFS[claim_id], activation, perturb)
    if activation == "relu" and claim_id not in RELU_CLAIMS and result.status != "not-applicable":
        note = "; ReLU proved on each linear piece (u > 0: phi(u) = u; u < 0: phi(u) = 0), i.e. at every point with no datum on a kink"
        result = replace(result, generality=result.generality.replace("any activation phi", "relu") + note)
    elif activation != "generic" and result.status != "not-applicable":
        note = (f"; {activation} (each piece u > 0, u < 0 where it has a kink) enters as an opaque phi with its "
                "derivatives, its formula substituted only where an identity needs it")
        result = replace(result, generality=result.generality + note)
    return result


def prove_all(embedding: str = "all", activation: str = "generic") -> list[ClaimResult]:
    """Prove every claim of ``embedding`` (a group name or ``"all"``), in report order."""
    ids = claims_of(embedding)
    check_activation(activation)
    return [prove(i, activation) for i in ids]
