"""Every general claim is proved symbolically, and a deliberately broken map makes it fail.

Oracle: the claim's own statement (a difference that must vanish identically); negative
control: the same proof with the embedding map broken (wrong split shares, a non-zero
"inactive" weight, a wrong bias compensation, a non-zero residual, a negative ReLU scale).
"""

import pytest
import sympy as sp

from theory.errors import InvalidInput
from theory.symbolic import CLAIM_IDS, EMBEDDING_GROUPS, prove, prove_all
from theory.symbolic.generic import generic, is_zero
from theory.symbolic.registry import PROOFS
from theory.symbolic.applicability import CLAIM_STATEMENTS, applies
from theory.symbolic.result import run

ISSUE_IDS = {
    "replication.function", "replication.gradient", "replication.hessian", "replication.fa_direction",
    "replication.kway", "inactive_unit.function", "inactive_unit.gradient", "inactive_unit.hessian_block",
    "inactive_unit.relu_dead_flat", "inactive_propagation.function", "inactive_propagation.gradient",
    "inactive_propagation.hessian_block", "zero_error.gauss_newton", "zero_error.trace", "relu.homogeneity",
    # the library's maps are the proofs' maps
    "replication.library_map", "inactive_unit.library_map", "inactive_propagation.library_map",
    "inactive_propagation.bias_compensation",
    # second-order theorems
    "replication.fa_sign_table", "replication.saddle_direction", "inactive_unit.saddle",
    "relu.replication_minimum", "relu.replication_saddle",
    # which rows of the T4a table an activation allows
    "replication.fa_rows",
}


def test_claim_ids_and_groups_cover_the_issue():
    assert set(CLAIM_IDS) == ISSUE_IDS
    grouped = [i for ids in EMBEDDING_GROUPS.values() for i in ids]
    assert sorted(grouped) == sorted(CLAIM_IDS)
    assert set(EMBEDDING_GROUPS) == {"replication", "inactive-unit", "inactive-propagation", "zero-error", "relu"}


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_is_proved_for_a_generic_activation(claim_id):
    result = prove(claim_id)
    assert result.status == "proved", result.details[-1]
    assert result.details[-1] == ("verdict", "proved (difference simplifies to 0)")
    assert result.seconds >= 0 and result.generality


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_broken_map_makes_the_proof_fail(claim_id):
    """Negative control per claim: the perturbed embedding must not be 'proved'."""
    result = prove(claim_id, perturb=True)
    assert result.status == "failed"
    assert result.details[-1][1].startswith("failed: non-zero difference in")


def test_perturbation_is_a_hook_a_test_can_inject():
    """A proof run through the public runner with its own broken map (shares 1/3, 1/3) fails."""
    from theory.symbolic import replication

    def broken(activation, perturb):
        return replication.prove_function(activation, perturb=True)

    assert run("replication.function", broken, "generic", False).status == "failed"
    assert run("replication.function", PROOFS["replication.function"], "generic", False).status == "proved"


@pytest.mark.parametrize("claim_id", ["replication.hessian", "inactive_propagation.gradient", "zero_error.trace"])
def test_concrete_tanh_is_proved(claim_id):
    assert prove(claim_id, "tanh").status == "proved"


@pytest.mark.parametrize("claim_id", ["replication.gradient", "inactive_unit.hessian_block"])
def test_relu_is_proved_piece_by_piece(claim_id):
    assert prove(claim_id, "relu").status == "proved"
    # the same claim fails for ReLU too when the map is broken
    assert prove(claim_id, "relu", perturb=True).status == "failed"


@pytest.mark.parametrize("claim_id", ["relu.homogeneity", "inactive_unit.relu_dead_flat",
                                      "relu.replication_minimum", "relu.replication_saddle"])
def test_relu_claims_are_not_applicable_to_tanh(claim_id):
    result = prove(claim_id, "tanh")
    assert result.status == "not-applicable"
    assert prove(claim_id, "relu").status == "proved"


def test_prove_all_follows_report_order_and_rejects_bad_names():
    assert [r.id for r in prove_all("zero-error")] == list(EMBEDDING_GROUPS["zero-error"])
    with pytest.raises(InvalidInput):
        prove_all("nope")
    with pytest.raises(InvalidInput):
        prove("replication.function", "cosh")
    with pytest.raises(InvalidInput):
        prove("no.such.claim")


def test_zero_test_is_sound_on_known_identities_and_non_identities():
    """is_zero proves true identities (incl. across elementary functions) and refuses false ones."""
    phi = generic("phi", 1)
    F = generic("F", 2)
    a, b = sp.symbols("a b", real=True)
    # Schwarz: mixed partials of a generic C^2 function commute
    assert is_zero(F(a * b, a + b).diff(a).diff(b) - F(a * b, a + b).diff(b).diff(a))
    # the point is canonical: the same derivative at (a+b)^2 written two ways
    assert is_zero(phi((a + b) ** 2).diff(a) - 2 * (a + b) * phi(a**2 + 2 * a * b + b**2).diff(a) / (2 * (a + b)))
    assert is_zero(sp.exp(a) * sp.exp(-a) - 1)
    assert not is_zero(phi(a) - phi(b))
    assert not is_zero(F(a, b).diff(a) - F(a, b).diff(b))
    assert not is_zero(sp.tanh(a) - a)


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus", "gelu", "identity", "relu", "leaky_relu:0.1",
                                        "expr:x*tanh(log(1+exp(x)))"])
def test_every_claim_holds_for_each_concrete_activation(activation):
    """Substituting a concrete phi for the generic one never breaks a proof (slow: ~10-80 s each)."""
    for result in prove_all("all", activation):
        assert result.status in ("proved", "not-applicable"), (result.id, result.details[-1])
        assert (result.status == "not-applicable") == (not applies(result.id, activation))


MISH = "expr:x*tanh(log(1+exp(x)))"


def test_saddle_direction_is_proved_for_a_user_expression_and_its_control_fails():
    """The user's mish: its saddle-direction difference has thousands of operations once the
    formula is substituted (simplify gives up); with the stand-in it is an exact polynomial
    identity. Tampered maps must still fail with a stand-in (the same claim with tanh; a cheap
    claim with mish itself: a failing control substitutes the formula, which is slow for mish)."""
    assert prove("replication.saddle_direction", MISH).status == "proved"
    assert prove("replication.saddle_direction", "tanh", perturb=True).status == "failed"
    assert prove("replication.function", MISH, perturb=True).status == "failed"


def test_stand_in_zero_test_is_sound():
    """Oracle: the stand-in's formula. An opaque identity proves the concrete one; an identity
    that needs the formula is proved by substituting it; a false one is refused."""
    from theory.symbolic.generic import stand_in

    a, b = sp.symbols("a b", real=True)
    phi = stand_in("phi<test-tanh>", sp.tanh)
    assert is_zero(phi(a + b).diff(a) - phi(b + a).diff(b))       # holds for every phi
    assert is_zero(phi(a).diff(a) - (1 - phi(a) ** 2))             # needs tanh' = 1 - tanh^2
    assert is_zero(phi(a) - sp.tanh(a))
    assert not is_zero(phi(a).diff(a) - (1 + phi(a) ** 2))          # false for tanh
    other = stand_in("phi<test-sin>", sp.sin)
    assert not is_zero(other(a).diff(a) - (1 - other(a) ** 2))      # tanh's identity is not sin's


@pytest.mark.parametrize("activation", ["leaky_relu:0.1", "identity", "tanh", "elu"])
@pytest.mark.parametrize("claim_id", sorted(CLAIM_STATEMENTS))
def test_property_claims_follow_the_properties(activation, claim_id):
    """The claims first written for ReLU run exactly where their statement holds
    (theory.activation_properties), and fail there for a tampered map (negative control)."""
    from theory.activation_properties import holds
    from theory.activations import get_activation

    props = get_activation(activation).properties
    expected = holds(props, CLAIM_STATEMENTS[claim_id]) and (claim_id != "relu.replication_saddle" or props.has_kink)
    result = prove(claim_id, activation)
    assert result.status == ("proved" if expected else "not-applicable"), result.details[-1]
    if expected:
        assert prove(claim_id, activation, perturb=True).status == "failed"
    else:
        assert CLAIM_STATEMENTS[claim_id] in result.details[-1][1] or "no kink" in result.details[-1][1]
