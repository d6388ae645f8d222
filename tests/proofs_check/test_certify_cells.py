"""Exact ReLU-cell proofs (one hidden layer) and deep ReLU replication (T7).

Oracles: the loss in mpmath at the rational cell point (exactly 0 for a zero-error fit), the
numerical classifier, random perturbations (no decrease at a minimum), and the Rayleigh proof of
a multi-output saddle (B_j != 0), which the cell proof must refuse.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import to_mp_params, workdps
from proofs_check.certified.certify import certify
from proofs_check.checks._instances import critical_instance, zero_error_instance
from proofs_check.checks._perturb import min_loss_change
from proofs_check.landscape.classify import classify
from proofs_check.instances.critical_points import exact_critical_point
from proofs_check.certified.relu_cell import rational, stationary_point
from proofs_check.certified.verify_certificate import NotProved, verify
from tests.proofs_check.tamper import digit_changed, retamper
from theory.architecture import Architecture
from theory.embeddings.replication import replicate
from theory.params import Params

DPS = 40


def test_zero_error_relu_fit_is_an_exact_global_minimum():
    """T9 for ReLU: on the dyadic grid the residual is the rational number 0 at the input itself."""
    inst = zero_error_instance((1, 5, 1), "relu", seed=0, dps=DPS)
    c = certify(inst.arch, inst.params, (inst.x, inst.y), DPS)
    assert c.proved and c.verdict == "global-minimum" and c.certificate["tests"][0]["test"] == "relu-cell"
    assert c.certificate["claim"]["distance"] == "0"
    assert mlp.loss(inst.arch, inst.params, inst.x, inst.y, dps=DPS) == 0
    assert verify(c.certificate)[-1].startswith("proved: global-minimum")
    # negative control: one target moved by 2^-20 has no exact zero in this cell (rank 8 < 10 data)
    y = np.array(inst.y, dtype=object)
    y[3, 0] = y[3, 0] + mpmath.mpf(2) ** -20
    moved = certify(inst.arch, inst.params, (inst.x, y), DPS)
    assert moved.verdict != "global-minimum"


@pytest.mark.parametrize("lam", ["0.5", "-0.5", "0", "1"])
def test_relu_replication_is_a_minimum_for_every_lambda(lam):
    """T7: one hidden layer, M = 1: the replicated critical point is a minimum for every lambda,
    including lambda in {0, 1}; no perturbation lowers the loss."""
    inst = critical_instance((1, 3, 1), "relu", seed=0, dps=DPS)
    with workdps(DPS):
        wide, p = replicate(inst.arch, to_mp_params(inst.params), 0, 0, mpmath.mpf(lam))
    c = certify(wide, p, (inst.x, inst.y), DPS)
    assert c.proved and c.verdict == "semi-flat-minimum" and c.theorem == "T7", c.reason
    assert float(c.certificate["claim"]["distance"]) < 1e-35
    assert verify(c.certificate)[-1].startswith("proved: semi-flat-minimum")
    rng = np.random.default_rng(1)
    change = min_loss_change(wide, p, inst.x, inst.y, radius=mpmath.mpf("1e-4"), count=20, rng=rng, dps=DPS)
    assert change > -mpmath.mpf(10) ** (-DPS // 2)


def _mp(q):
    """An exact rational (fmpq or Fraction) as an mpf at the current precision."""
    num, den = (q.p, q.q) if hasattr(q, "p") else (q.numerator, q.denominator)
    return mpmath.mpf(int(num)) / int(den)


def test_cell_point_is_exactly_stationary_and_its_loss_matches_mpmath():
    """The exact least-squares step: gradient of the cell quadratic exactly 0, and the loss at the
    rational point agrees with the mpmath loss at that point (independent forward pass)."""
    from numerics.io.ball_files import network_strings
    from numerics.io.data_file import dataset_to_json
    from numerics.io.network_file import network_to_json

    inst = critical_instance((1, 3, 1), "relu", seed=0, dps=DPS)
    net = network_to_json(inst.arch, inst.params, DPS)
    data = dataset_to_json(Dataset(np.asarray(inst.x, dtype=object), np.asarray(inst.y, dtype=object)), DPS)
    cp = stationary_point(inst.arch, network_strings(net, inst.arch), data["x"], data["y"])
    assert cp.defect == 0 and cp.margin > 0
    with workdps(DPS + 20):
        point = Params.from_vector(inst.arch, [_mp(q) for q in cp.point])
        xs = [[_mp(Fraction(v)) for v in row] for row in data["x"]]
        ys = [[_mp(Fraction(v)) for v in row] for row in data["y"]]
        loss = mlp.loss(inst.arch, point, np.array(xs, dtype=object), np.array(ys, dtype=object), dps=DPS + 20)
        assert abs(loss - _mp(cp.loss)) < mpmath.mpf(10) ** (-DPS)


def test_datum_on_a_kink_is_refused():
    """Adversarial: a datum exactly on a kink (w x + b = 0 in rationals): no Hessian, no cell; the
    verdict must not be a minimum."""
    arch = Architecture((1, 2, 1), "relu")
    params = Params.from_vector(arch, [0.5, -1.0, 0.25, 0.75, 1.5, -2.0, 0.125])
    x = np.array([[-0.5], [-0.25], [0.0], [0.5], [1.0], [0.75]])  # 0.5 * -0.5 + 0.25 = 0
    y = np.array([[0.1], [0.3], [-0.2], [0.4], [0.0], [0.2]])
    assert stationary_point(arch, [str(v) for v in params.to_vector()], [[str(v) for v in r] for r in x],
                            [[str(v) for v in r] for r in y]) is None
    c = certify(arch, params, (x, y), DPS)
    assert not c.proved and c.verdict == "undecided" and "kink" in c.reason
    assert not classify(arch, params, Dataset(x, y), dps=DPS).verdict.value.endswith("minimum")


def test_multi_output_saddle_is_not_a_cell_minimum():
    """M = 2 with B_j != 0 (T7, second bullet): the cell quadratic's gradient is not 0 there, so the
    cell proof refuses and the Rayleigh proof of the saddle decides."""
    inst = critical_instance((2, 3, 2), "relu", seed=0, dps=DPS)
    with workdps(DPS):
        wide, p = replicate(inst.arch, to_mp_params(inst.params), 0, 0, mpmath.mpf("0.5"))
    c = certify(wide, p, (inst.x, inst.y), DPS)
    assert c.proved and c.verdict == "saddle" and c.certificate["tests"][-1]["test"] == "rayleigh"
    assert verify(c.certificate)[-1] == "proved: saddle"


def test_tampered_cell_certificates_are_rejected():
    inst = critical_instance((1, 3, 1), "relu", seed=0, dps=DPS)
    cert = certify(inst.arch, inst.params, (inst.x, inst.y), DPS).certificate
    verify(cert)
    with pytest.raises(NotProved, match="gradient"):  # one digit of the cell point
        verify(retamper(cert, lambda c: c["tests"][0]["point"].__setitem__(
            0, digit_changed(c["tests"][0]["point"][0], 3))))
    with pytest.raises(NotProved, match="within"):  # one digit of a parameter
        verify(retamper(cert, lambda c: c["network"]["parameters"]["W"][0][0].__setitem__(
            0, digit_changed(c["network"]["parameters"]["W"][0][0][0], 20))))
    with pytest.raises(NotProved, match="flat dimension"):
        verify(retamper(cert, lambda c: c["claim"].__setitem__("flat_dimension", c["claim"]["flat_dimension"] + 1)))
    with pytest.raises(NotProved, match="digest"):
        bad = dict(cert, tests=[{"test": "relu-cell", "point": cert["tests"][0]["point"][::-1]}])
        verify(bad)
    assert rational("0.125") == rational("1/8")


def _deep_relu_minimum():
    """A [1, 2, 2, 1] ReLU critical point (null-space targets) whose slice Hessian is positive
    definite: every unit active on 30-90% of 16 spread inputs, J of rank D - #units."""
    arch = Architecture((1, 2, 2, 1), "relu")
    rng = np.random.default_rng(76)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x = np.linspace(-2, 2, 16).reshape(-1, 1) + rng.normal(scale=0.05, size=(16, 1))
    return arch, params, exact_critical_point(arch, params, x, dps=DPS, seed=76, scale=0.02).data


def test_deep_relu_replication_feeding_one_unit_is_a_minimum():
    """T7 at depth 2: the pair in the last hidden layer feeds the one output; near the point the wide
    loss is the narrow loss of the merged unit, so the narrow minimum (T8 slice) stays a minimum.
    A pair in the first hidden layer feeds two units (B_j != 0 possible): never called a minimum
    unless B_j = 0 is forced, which it is not."""
    arch, params, data = _deep_relu_minimum()
    narrow = certify(arch, params, data, DPS)
    assert narrow.proved and narrow.verdict == "minimum", narrow.reason
    with workdps(DPS):
        wide, p = replicate(arch, to_mp_params(params), 1, 0, mpmath.mpf("0.3"))
        first, q = replicate(arch, to_mp_params(params), 0, 0, mpmath.mpf("0.3"))
    c = certify(wide, p, data, DPS)
    assert c.proved and c.verdict == "semi-flat-minimum" and "T7" in c.theorem
    assert verify(c.certificate)[-1].startswith("proved: semi-flat-minimum")
    rng = np.random.default_rng(2)
    change = min_loss_change(wide, p, data.x, data.y, radius=mpmath.mpf("1e-5"), count=20, rng=rng, dps=DPS)
    assert change > -mpmath.mpf(10) ** (-DPS // 2)
    other = certify(first, q, data, DPS)
    assert other.verdict in ("saddle", "undecided")
