"""The invariants hold for every kind of activation the strategies can draw: function
preservation (I1) under random chains of embeddings and gradient congruence of replication (T2)
for the new built-ins, both families and a user expression (theory.activations.EXAMPLES), at
any depth; with a negative control (a wrong split ratio breaks I1 for every activation)."""

import mpmath
import numpy as np
from hypothesis import given, settings, strategies as st

from numerics import mlp
from numerics.precision import to_mp_params, rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.invariants.base import output_scale
from proofs_check.instances.critical_points import min_kink_distance
from theory.activations import EXAMPLES
from theory.embeddings import replicate, replication_map, split
from numerics.precision import to_mp_array

DPS = 30
NETS = sf.networks(activations=EXAMPLES, max_width=2, max_layers=3, scale=1.0)

@settings(max_examples=6)
@given(net=NETS, data=st.data())
def test_chains_of_embeddings_preserve_the_function_for_every_activation(net, data):
    arch, params = net
    chain = data.draw(sf.embedding_steps(arch, max_steps=4))
    x = data.draw(sf.datasets(arch, max_n=3)).x
    with workdps(DPS):
        narrow = to_mp_params(params)
        wide_arch, wide = sf.apply_steps(arch, narrow, chain)
        f, g = mlp.forward(arch, narrow, x, dps=DPS), mlp.forward(wide_arch, wide, x, dps=DPS)
        err = max(abs(a - b) for a, b in zip(f.reshape(-1), g.reshape(-1)))
        scale = output_scale(wide, x)
        # the activations grow at most like exp: a bound on |phi| along the way enters the scale
        assert err <= rounding_band(DPS, scale ** 3 * (1 + max(abs(v) for v in f.reshape(-1))), lost_digits=2)


@settings(max_examples=6)
@given(net=NETS, data=st.data(), lam=sf.lambdas())
def test_replication_gradient_congruence_for_every_activation(net, data, lam):
    arch, params = net
    d = data.draw(sf.datasets(arch, max_n=3))
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    unit = data.draw(st.integers(0, arch.widths[layer + 1] - 1))
    if arch.phi.properties.has_kink and min_kink_distance(arch, params, d.x, dps=DPS) < 1e-9:
        return  # T2 needs no datum on a kink
    with workdps(DPS):
        p = to_mp_params(params)
        lam = mpmath.mpf(lam)
        wide_arch, wide = replicate(arch, p, layer, unit, lam)
        T = to_mp_array(replication_map(arch, layer, unit, lam))
    g = mlp.gradient(arch, p, d.x, d.y, dps=DPS)
    gw = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)
    with workdps(DPS):
        pulled = T.T @ gw
        err = max(abs(a - b) for a, b in zip(pulled[: len(g)], g))
        rest = max((abs(v) for v in pulled[len(g):]), default=mpmath.mpf(0))
        bound = rounding_band(DPS, (1 + max(abs(v) for v in g)) * output_scale(wide, d.x) ** 3, lost_digits=3)
    assert err <= bound and rest <= bound


@settings(max_examples=6)
@given(net=sf.networks(activations=EXAMPLES, max_width=2, min_layers=2, max_layers=2, scale=1.0), data=st.data())
def test_negative_control_a_wrong_split_changes_the_function(net, data):
    """Shares (1/2, 3/4) add v_0 phi(u_0) / 4 to f (one hidden layer): I1's bound catches it."""
    arch, params = net
    x = data.draw(sf.datasets(arch, max_n=3)).x
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = split(arch, p, 0, 0, [mpmath.mpf("0.5"), mpmath.mpf("0.75")], validate=False)
        change = mlp.forward(wide_arch, wide, x, dps=DPS) - mlp.forward(arch, p, x, dps=DPS)
        xs = to_mp_array(x)
        u = xs @ p.W[0][0] + (p.b[0][0] if arch.bias else 0)
        predicted = np.array([[p.W[1][q, 0] * arch.phi(ui) / 4 for q in range(arch.output_dim)] for ui in u])
        tol = rounding_band(DPS, output_scale(wide, x) ** 3, lost_digits=2)
        assert max(abs(v) for v in (change - predicted).reshape(-1)) <= tol
        if max(abs(v) for v in predicted.reshape(-1)) > 10 ** 6 * tol:
            assert max(abs(v) for v in change.reshape(-1)) > tol  # the I1 assertion above would fail
