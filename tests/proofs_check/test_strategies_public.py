"""The public hypothesis strategies (proofs_check.instances.strategies) keep their documented contracts.

Oracles: the mpf and float versions of drawn parameters define the same network (mpmath vs
float64 evaluators); critical points have zero gradient by three independent computations
(numerics.mlp at dps, numerics.batched float64, sympy differentiation of theory.network.loss);
edge cases promised by the docstrings are reachable (hypothesis.find). Negative controls: moved
targets break criticality; too few samples are refused with the fix.
"""

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import find, given, settings, strategies as st

from numerics import batched, mlp
from numerics.dataset import Dataset
from numerics.precision import rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.instances.critical_points import exact_critical_point, min_kink_distance, min_samples
from theory.activations import EXAMPLES, PAPER_ACTIVATION_NAMES
from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.network import loss as sym_loss
from theory.params import Params

DPS = 30
EPS = np.finfo(float).eps
# float64 evaluation of these small nets (<= 3 layers of width <= 3, <= 4 samples): a few ulp of
# the output scale per entry (measured worst case 1.5 eps over 200 examples); 64 ulp of margin.
F64_TOL = 64 * EPS


@given(arch=sf.architectures(min_layers=2, max_layers=3, max_width=2, activations=("tanh", "relu"), bias=False))
def test_architectures_respect_their_bounds(arch):
    assert 3 <= len(arch.widths) <= 4 and max(arch.widths) <= 2
    assert arch.activation in ("tanh", "relu") and arch.bias is False and arch.n_hidden_layers >= 1


@pytest.mark.parametrize("condition", [
    lambda a: a.widths == (1, 1, 1),
    lambda a: len(a.widths) == 5 and a.widths[-1] == 4,
    lambda a: not a.bias and a.activation == "sigmoid",
])
def test_architecture_edge_cases_are_reachable(condition):
    assert condition(find(sf.architectures(), condition, settings=settings(max_examples=2000, database=None)))


@pytest.mark.parametrize("name", PAPER_ACTIVATION_NAMES)
def test_every_activation_is_drawn(name):
    assert find(sf.architectures(), lambda a: a.activation == name,
                settings=settings(max_examples=2000, database=None)).activation == name


@pytest.mark.parametrize("name", ["leaky_relu:0.1", "expr:x*tanh(log(1+exp(x)))", "selu"])
def test_any_activation_name_can_be_drawn(name):
    arch = find(sf.architectures(activations=EXAMPLES), lambda a: a.activation == name,
                settings=settings(max_examples=2000, database=None))
    assert arch.phi.name == name


@pytest.mark.parametrize("target", [0.0, 1.0, 0.5])
def test_lambda_edge_cases_are_drawn(target):
    assert find(sf.lambdas(), lambda v: v == target, settings=settings(database=None)) == target


@given(lam=sf.lambdas())
def test_lambdas_stay_in_range(lam):
    assert -3 <= lam <= 3


@given(net=sf.networks(dtype="mpf", max_width=3), data=st.data())
def test_mpf_and_float_parameters_define_the_same_network(net, data):
    arch, p_mp = net
    assert all(isinstance(v, mpmath.mpf) for v in p_mp.to_vector())
    d = data.draw(sf.datasets(arch, max_n=4))
    assert 1 <= d.n <= 4 and np.all(np.abs(d.x) <= 2) and np.all(np.abs(d.y) <= 2)
    vec = np.array([float(v) for v in p_mp.to_vector()])
    f_mp = mlp.forward(arch, p_mp, d.x, dps=DPS)
    f_64 = batched.forward(arch, vec[None, :], d.x)[0]
    scale = 1 + np.abs(f_64).max()
    assert max(abs(float(a) - b) for a, b in zip(f_mp.reshape(-1), f_64.reshape(-1))) <= F64_TOL * scale


def crit_tolerance(arch, params, d):
    with workdps(DPS):
        scale = (1 + mlp.loss(arch, params, d.x, d.y, dps=DPS)) * (1 + max(abs(v) for v in params.to_vector())) ** 4
        return rounding_band(DPS, scale, lost_digits=3)


@settings(max_examples=10)
@given(point=sf.critical_points(dps=DPS))
def test_critical_points_have_zero_gradient_and_positive_loss(point):
    arch, params, d = point
    assert d.n == min_samples(arch) or d.n <= min_samples(arch) + 2
    assert d.n * arch.output_dim > arch.n_params
    with workdps(DPS):
        g = mlp.gradient(arch, params, d.x, d.y, dps=DPS)
        L = mlp.loss(arch, params, d.x, d.y, dps=DPS)
        assert mlp.norm(g) <= crit_tolerance(arch, params, d)
        assert L > 0
    # float64 (independent evaluator, targets rounded to float64): zero to rounding level,
    # unless a ReLU datum sits within rounding of a kink (then the two worlds may take other sides)
    if arch.activation == "relu" and 0 < min_kink_distance(arch, params, d.x, dps=DPS) < 1e-9:
        return
    d64 = d.to_float()
    g64 = batched.gradient(arch, params.to_vector()[None, :].astype(float), d64.x, d64.y)[0]
    J64 = batched.jacobian(arch, params.to_vector()[None, :].astype(float), d64.x)[0]
    r64 = np.sqrt(2 * float(L))
    # g64 = J^T r in float64, with targets rounded to float64: |g64| <= c eps sum|J| (|r| + |y|);
    # measured c <= 0.1 over 40 critical points, F64_TOL = 64 eps leaves margin.
    assert np.linalg.norm(g64) <= F64_TOL * (1 + np.abs(J64).sum()) * (1 + r64 + np.abs(d64.y).max())


@settings(max_examples=10)
@given(point=sf.critical_points(dps=DPS), where=st.integers(0, 100), by=st.floats(0.01, 1.0))
def test_negative_control_moved_targets_are_not_critical(point, where, by):
    arch, params, d = point
    y = np.array(d.y, dtype=object)
    i = where % y.size
    with workdps(DPS):
        y.reshape(-1)[i] = y.reshape(-1)[i] + mpmath.mpf(by)
        g = mlp.gradient(arch, params, d.x, y, dps=DPS)
        J = mlp.jacobian(arch, params, d.x, dps=DPS)
        moved = mlp.norm(J[i] * by)  # the gradient moves by -by * J[i]^T exactly
        if moved > 1e-10:
            assert mlp.norm(g) > 1e12 * crit_tolerance(arch, params, Dataset(d.x, y))


def test_critical_point_gradient_by_sympy_differentiation():
    """Third oracle: sympy.diff of theory.network.loss, evaluated with mpmath at DPS digits."""
    arch = Architecture((1, 2, 1), "sigmoid")
    params = Params.from_vector(arch, [0.7, -1.1, 0.3, 0.2, 1.3, -0.4, 0.1], dtype=float)
    d, residual = exact_critical_point(arch, params, np.linspace(-1, 1, 8).reshape(8, 1), dps=DPS, seed=3)
    symbols = sympy.symbols(f"t0:{arch.n_params}")
    exact = np.frompyfunc(lambda v: sympy.Float(v, DPS + 20) if isinstance(v, float)  # binary value, exactly
                          else sympy.Float(mpmath.nstr(v, DPS + 20), DPS + 20), 1, 1)
    L = sym_loss(arch, Params.from_vector(arch, symbols), exact(d.x), exact(d.y))
    with workdps(DPS):
        values = {s: sympy.Float(v, DPS + 20) for s, v in zip(symbols, params.to_vector())}  # floats: exact
        grad = [sympy.diff(L, s).evalf(DPS + 10, subs=values) for s in symbols]
        assert max(abs(g) for g in grad) <= crit_tolerance(arch, params, d)
        assert residual <= crit_tolerance(arch, params, d)
        assert mlp.loss(arch, params, d.x, d.y, dps=DPS) > mpmath.mpf("1e-3")


def test_too_few_samples_are_refused_with_the_minimum():
    arch = Architecture((2, 3, 1), "tanh")
    params = Params.from_vector(arch, np.ones(arch.n_params), dtype=float)
    with pytest.raises(InvalidInput, match=rf"x has 5 samples.*D = 13.*at least {min_samples(arch)} samples"):
        exact_critical_point(arch, params, np.ones((5, 2)))
    # min_samples is the smallest n with n M > D (a null space of J^T of dimension >= 1), found by search
    for widths in ((2, 3, 1), (1, 5, 1), (2, 2, 3), (3, 1, 2, 2)):
        a = Architecture(widths, "tanh")
        assert min_samples(a) == next(n for n in range(1, 10 * a.n_params) if n * a.output_dim > a.n_params)


@given(net=sf.networks(max_width=2, max_layers=3), data=st.data())
def test_embedding_steps_add_one_unit_each(net, data):
    arch, params = net
    steps = data.draw(sf.embedding_steps(arch, max_steps=6))
    wide_arch, wide = sf.apply_steps(arch, params, steps)
    assert sum(wide_arch.widths) == sum(arch.widths) + len(steps)
    assert wide_arch.widths[0] == arch.widths[0] and wide_arch.widths[-1] == arch.widths[-1]
    # each step is an embedding: the wide network computes the narrow function (float64 world)
    x = data.draw(sf.datasets(arch, max_n=3)).x
    f = batched.forward(arch, params.to_vector().astype(float)[None, :], x)[0]
    g = batched.forward(wide_arch, wide.to_vector().astype(float)[None, :], x)[0]
    # rounding is relative to the intermediate values, bounded by (1 + max|theta|)^K (1 + |f|)
    scale = (1 + np.abs(f).max()) * (1 + np.abs(wide.to_vector().astype(float)).max()) ** wide_arch.n_layers
    assert np.abs(f - g).max() <= F64_TOL * scale


# --- strategies for theorists: registry constants, mpf at a chosen dps, units, deep nets -------


def test_smooth_and_piecewise_linear_constants_follow_the_registry():
    from theory.activations import ACTIVATION_NAMES, get_activation

    assert set(sf.SMOOTH_ACTIVATIONS) <= set(ACTIVATION_NAMES) and set(sf.PIECEWISE_LINEAR_ACTIVATIONS) <= set(ACTIVATION_NAMES)
    assert "relu" in sf.PIECEWISE_LINEAR_ACTIVATIONS and "relu" not in sf.SMOOTH_ACTIVATIONS
    assert "tanh" in sf.SMOOTH_ACTIVATIONS and "tanh" not in sf.PIECEWISE_LINEAR_ACTIVATIONS
    for name in sf.PIECEWISE_LINEAR_ACTIVATIONS:  # phi'' = 0 off the kink
        phi = get_activation(name)
        assert phi.d2(0.7) == 0 and phi.d2(-0.7) == 0
    for name in sf.SMOOTH_ACTIVATIONS:  # C^2: phi' has no jump at 0 (one-sided differences agree)
        phi = get_activation(name)
        assert abs(float(phi.d1(1e-9)) - float(phi.d1(-1e-9))) < 1e-6
    # negative control: ReLU's derivative jumps at 0, so it is not in the smooth list
    relu = get_activation("relu")
    assert float(relu.d1(1e-9)) - float(relu.d1(-1e-9)) == 1.0


@settings(max_examples=10)
@given(net=sf.networks(dtype="mpf", dps=40, max_width=2))
def test_mpf_parameters_at_a_chosen_dps_carry_more_than_float64_digits(net):
    arch, params = net
    values = params.to_vector()
    assert all(isinstance(v, mpmath.mpf) for v in values)
    with workdps(40):
        # each value is k / 10^40 * 2: exactly so at 40 digits, and (unless k is tiny) not a float
        assert all(abs(v) <= 2 for v in values)
        assert any(v != mpmath.mpf(float(v)) for v in values) or all(abs(v) < 1e-20 for v in values)


@given(value=sf.reals(2.0))
def test_mp_reals_negative_control_float_draws_are_float_representable(value):
    with workdps(40):
        v = mpmath.mpf(value)
        assert v == mpmath.mpf(float(v))


@settings(max_examples=5)
@given(point=sf.critical_points(dps=DPS, max_width=2))
def test_critical_points_return_mpf_parameters_like_their_data(point):
    arch, params, d = point
    assert all(isinstance(v, mpmath.mpf) for v in params.to_vector())
    assert all(isinstance(v, mpmath.mpf) for v in np.asarray(d.y).reshape(-1))


@given(unit=sf.network_units(max_width=3), deep=sf.deep_networks(min_hidden=2, max_hidden=3))
def test_network_units_and_deep_networks_respect_their_bounds(unit, deep):
    arch, params, (layer, u) = unit
    assert 0 <= layer < arch.n_hidden_layers and 0 <= u < arch.widths[layer + 1]
    assert 2 <= deep[0].n_hidden_layers <= 3


@settings(max_examples=10)
@given(case=st.data())
def test_permutations_are_permutations_and_permute_reorders_units(case):
    arch, params = case.draw(sf.networks(max_width=3))
    perm = case.draw(sf.permutations(arch))
    q = sf.permute(arch, params, perm)
    for l, order in enumerate(perm):
        assert sorted(order) == list(range(arch.widths[l + 1]))
        expected = params.W[l][list(order), :]
        if l > 0:  # its inputs are the previous hidden layer's units, reordered too
            expected = expected[:, list(perm[l - 1])]
        assert np.array_equal(q.W[l], expected)
    # the inverse permutations restore the parameters exactly
    assert np.array_equal(sf.permute(arch, q, [tuple(np.argsort(o)) for o in perm]).to_vector(), params.to_vector())
