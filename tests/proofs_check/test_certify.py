"""Certified verdicts (proofs_check.certified.certify) and their independent re-check (verify_certificate).

Oracles: the numerical classifier (mpmath eigen-decomposition, descent certificates) and the
theorems' predictions (T4a table, T6, T7, T9); every certificate is re-checked by the verifier,
and tampered certificates must be rejected (negative controls).
"""

import copy
import json
import subprocess
import sys

import mpmath
import numpy as np
import pytest

from numerics import mlp
from numerics.dataset import Dataset
from numerics.io.network_file import save_network
from numerics.precision import workdps
from proofs_check.certified.certify import certify
from proofs_check.landscape.classify import Verdict, classify
from proofs_check.instances.critical_search import find_strict_minimum
from support.critical import find_relu_minimum
from proofs_check.certified.verify_certificate import NotProved, verify
from tests.proofs_check.tamper import digit_changed as _digit_changed, retamper as _retamper
from theory.architecture import Architecture
from theory.embeddings.inactive_unit import add_inactive_unit, draw_dead_incoming
from theory.embeddings.replication import replicate
from theory.errors import InvalidInput
from theory.params import Params

DPS = 50


@pytest.fixture(scope="module")
def tanh_minimum():
    return find_strict_minimum("tanh", (1, 1, 1), 10, seed=2024, dps=DPS, want_A="positive")


@pytest.fixture(scope="module")
def relu_minimum():
    return find_relu_minimum((1, 2, 1), 10, seed=4242, dps=DPS)


def _wide(arch, params, lam):
    with workdps(DPS):
        return replicate(arch, params, 0, 0, mpmath.mpf(lam))


@pytest.mark.parametrize("lam,verdict,theorem", [
    (None, Verdict.STRICT_MINIMUM, "second-order"),
    ("0.5", Verdict.SEMI_FLAT_MINIMUM, "T4a"),
    ("0.25", Verdict.SEMI_FLAT_MINIMUM, "T4a"),
    ("1.5", Verdict.SADDLE, "T4a"),
    ("-0.5", Verdict.SADDLE, "T4a"),
])
def test_fukumizu_amari_table_is_certified(tanh_minimum, lam, verdict, theorem):
    """A_j > 0: lambda in (0, 1) a minimum flat along the line, outside [0, 1] a saddle (T4a);
    the numerical classifier (mpmath eigenvalues, a descent step) agrees independently."""
    arch, params, data, _ = tanh_minimum
    a, p = (arch, params) if lam is None else _wide(arch, params, lam)
    report = classify(a, p, data, dps=DPS, certify=True)
    assert report.certified and report.verdict is verdict and report.theorem.startswith(theorem)
    assert report.statement.startswith("proved: " + verdict.value)
    numerical = classify(a, p, data, dps=DPS)
    assert numerical.verdict is verdict and not numerical.certified
    assert numerical.statement.startswith("numerical:")
    assert verify(report.certificate)[-1].startswith("proved")
    if verdict is Verdict.SADDLE:
        assert numerical.descent_decrease < 0
    if verdict is Verdict.SEMI_FLAT_MINIMUM:
        assert report.flat_dimension == arch.outgoing_size(0) == numerical.flat_dimension


def test_relu_dead_unit_replication_and_slice_are_certified(relu_minimum):
    """One hidden layer: the exact cell proof gives the narrow minimum, the dead unit (T6: its
    incoming vector and v are free, d + 1 + M) and the replication (T7: the pair's incoming vectors
    trade along v_a dw~_a + v_b dw~_b = 0, a (d + 1)-dimensional affine set)."""
    arch, params, data, _ = relu_minimum
    rng = np.random.default_rng(77)
    incoming = draw_dead_incoming(arch, 0, rng, inputs=data.to_float().x, margin=0.25)
    with workdps(DPS):
        dead_arch, dead = add_inactive_unit(arch, params, 0, [mpmath.mpf(v) for v in incoming])
        W = [np.array(w, dtype=object) for w in dead.W]
        W[1][0, -1] = mpmath.mpf("0.7")
        dead = Params.build(dead_arch, W, dead.b)
    rep_arch, rep = _wide(arch, params, "-0.5")
    expected = [((arch, params), Verdict.MINIMUM, 0),
                ((dead_arch, dead), Verdict.SEMI_FLAT_MINIMUM, arch.input_dim + 1 + arch.output_dim),
                ((rep_arch, rep), Verdict.SEMI_FLAT_MINIMUM, arch.input_dim + 1)]
    for (a, p), verdict, flat in expected:
        c = certify(a, p, data, DPS)
        assert c.proved and c.verdict == verdict.value and c.flat_dimension == flat, c.reason
        assert verify(c.certificate)[-1] == f"proved: {verdict.value} (flat dimension {flat})"
        assert classify(a, p, data, dps=DPS).verdict is verdict  # numerical rules agree


def test_zero_error_fit_and_inactive_embedding_are_global_minima():
    """T9: an exact zero of the residual is proved in a box; the inactive-unit embedding too."""
    rng = np.random.default_rng(99)
    arch = Architecture((1, 5, 1), "tanh")
    params = Params.from_vector(arch, rng.normal(size=arch.n_params))
    x = rng.uniform(-1, 1, size=(10, 1))
    data = Dataset(x, mlp.forward(arch, params, x, DPS + 10))
    with workdps(DPS):
        wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf("0.8"), mpmath.mpf("-0.3")])
    for a, p in ((arch, params), (wide_arch, wide)):
        c = certify(a, p, data, DPS)
        assert c.proved and c.verdict == "global-minimum"
        assert "exact zero of the residual" in verify(c.certificate)[-1]
    # Negative control: targets moved by 1e-3 leave L > 0; no global minimum is claimed.
    moved = Dataset(x, np.asarray(data.y, dtype=object) + mpmath.mpf("1e-3"))
    assert certify(arch, params, moved, DPS).verdict != "global-minimum"


def test_tampered_certificates_are_rejected(tanh_minimum):
    arch, params, data, _ = tanh_minimum
    cert = certify(*_wide(arch, params, "0.5"), data, DPS).certificate
    verify(cert)
    # one digit of a parameter, digests left alone: the digest catches it
    plain = copy.deepcopy(cert)
    w = plain["network"]["parameters"]["W"][0][0]
    w[0] = _digit_changed(w[0], 3)
    with pytest.raises(NotProved, match="digest"):
        verify(plain)
    # one digit of a parameter with the digests recomputed: the point is no longer near the box
    with pytest.raises(NotProved, match="within"):
        verify(_retamper(cert, lambda c: c["network"]["parameters"]["W"][0][0].__setitem__(
            0, _digit_changed(c["network"]["parameters"]["W"][0][0][0], 5))))
    # one digit of the box centre: Krawczyk no longer contracts
    with pytest.raises(NotProved, match="Krawczyk"):
        verify(_retamper(cert, lambda c: c["tests"][0]["centre"].__setitem__(
            0, _digit_changed(c["tests"][0]["centre"][0], 8))))
    # a radius too small to hold the critical point
    with pytest.raises(NotProved, match="Krawczyk"):
        verify(_retamper(cert, lambda c: c["tests"][0].__setitem__("radius", "1e-200")))
    # a stronger claim than the tests support
    with pytest.raises(NotProved):
        verify(_retamper(cert, lambda c: c["claim"].__setitem__("verdict", "strict-minimum")))
    with pytest.raises(InvalidInput):
        verify({"format": "something else"})


def _run(*args):
    return subprocess.run([sys.executable, "-m", "proofs_check", *args], capture_output=True, text=True)


def test_cli_classify_certify_and_verify_exit_codes(tanh_minimum, tmp_path):
    arch, params, data, _ = tanh_minimum
    net = tmp_path / "wide.json"
    save_network(net, *_wide(arch, params, "1.5"), DPS, data=data)
    cert = tmp_path / "cert.json"
    out = _run("classify", str(net), "--certify", "--certificate", str(cert), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["certified"] is True and report["verdict"] == "saddle" and report["certificate"] == str(cert)
    ok = _run("verify", str(cert))
    assert ok.returncode == 0 and "proved: saddle" in ok.stdout
    obj = json.loads(cert.read_text())
    obj["tests"][-1]["direction"] = ["0"] * len(obj["tests"][-1]["direction"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(obj))
    assert _run("verify", str(bad)).returncode == 1
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    res = _run("verify", str(junk))
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    text = _run("classify", str(net))
    assert "numerical: saddle" in text.stdout


@pytest.mark.parametrize("shares,verdict", [(("0.2", "0.3", "0.5"), "semi-flat-minimum"),
                                            (("-0.2", "0.7", "0.5"), "saddle")])
def test_three_way_split_is_certified_next_to_the_input(tanh_minimum, shares, verdict):
    """T4c through repeated T4a steps: positive shares a minimum flat on the share plane, a
    negative share a saddle; the proved critical point lies within 1e-45 of the input (the
    merges run at the working precision, not at mpmath's default 53 bits)."""
    from theory.embeddings import split

    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        a, p = split(arch, params, 0, 0, [mpmath.mpf(s) for s in shares])
    c = certify(a, p, data, DPS)
    assert c.proved and c.verdict == verdict
    assert float(c.certificate["claim"]["distance"]) < 1e-45
    assert c.flat_dimension == (2 if verdict != "saddle" else 0)
    assert verify(c.certificate)[-1].startswith(f"proved: {verdict}")


def test_trained_fit_zero_training_error_is_certified():
    """The paper's claim for a trained N_H0 (tanh, H = 5, 10 noisy teacher points): an exact zero
    of the residual lies next to the trained parameters; the verifier re-checks it."""
    from numerics.teacher import teacher_data
    from numerics.training import train

    data = teacher_data("tanh", n=10, noise=0.1, seed=3).dataset
    fit = train(data, "tanh", 5, seed=3)
    c = certify(fit.arch, fit.params, data, DPS)
    assert c.proved and c.verdict == "global-minimum"
    assert float(c.certificate["claim"]["distance"]) < 1e-20
    assert "exact zero of the residual" in verify(c.certificate)[-1]
