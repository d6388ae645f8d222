"""Inertia with the dps-derived zero tolerance (planted spectra), and the classify command line.

Oracles: spectra planted by an exact orthogonal similarity (eigenvalues known by construction);
the CLI's JSON against the Python API on the same file; bad input -> exit 2, one line on stderr.
"""

import json

import mpmath
import numpy as np
import pytest

from numerics.io.network_file import save_network
from numerics.precision import rounding_band, workdps, zero_eigenvalue_tolerance
from proofs_check.landscape.classify import classify
from proofs_check.commands.cli import main
from proofs_check.instances.critical_search import find_strict_minimum
from proofs_check.landscape.eigen import inertia, spectral_scale, symmetric_eigen
from theory.embeddings import replicate

DPS = 40


def planted(values, seed=0):
    """Q diag(values) Q^T with Q an exact rotation product (Givens rotations by rational angles' cos/sin)."""
    n = len(values)
    rng = np.random.default_rng(seed)
    with workdps(DPS):
        M = mpmath.diag([mpmath.mpf(v) for v in values])
        for _ in range(3 * n):
            i, j = rng.choice(n, size=2, replace=False)
            t = mpmath.mpf(rng.uniform(0, 3))
            G = mpmath.eye(n)
            G[i, i] = G[j, j] = mpmath.cos(t)
            G[i, j], G[j, i] = -mpmath.sin(t), mpmath.sin(t)
            M = G * M * G.T
        return np.array(M.tolist(), dtype=object)


def test_inertia_counts_planted_zeros_and_keeps_small_nonzero():
    tiny = mpmath.mpf(10) ** (-(DPS + 5))
    small = mpmath.mpf(10) ** (-(DPS // 4))  # far above 10^-(dps/2): must not count as zero
    values = [-2, -small, 0, tiny, small, 1, 7]
    eig = symmetric_eigen(planted(values), DPS)
    tau = zero_eigenvalue_tolerance(DPS, spectral_scale(eig.values))
    counts = inertia(eig.values, tau)
    assert (counts.negative, counts.zero, counts.positive) == (2, 2, 3)
    with workdps(DPS):
        for got, want in zip(eig.values, sorted(mpmath.mpf(v) for v in values)):
            # planted at DPS digits through 3n rotations: 3 digits lost, relative to |lambda|max = 7
            assert abs(got - want) <= rounding_band(DPS, 7, lost_digits=3)
    # Negative control: an almost-critical point (large gradient) widens tau and absorbs +-small.
    loose = inertia(eig.values, zero_eigenvalue_tolerance(DPS, spectral_scale(eig.values), mpmath.mpf(10) ** (-(DPS // 4) + 2)))
    assert loose.zero == 4


@pytest.fixture(scope="module")
def wide_file(tmp_path_factory):
    arch, params, data, _ = find_strict_minimum("tanh", (1, 1, 1), 10, seed=3030, dps=DPS, want_A="positive")
    with workdps(DPS):
        wide_arch, wide = replicate(arch, params, 0, 0, mpmath.mpf("1.5"))
    path = tmp_path_factory.mktemp("classify") / "wide.json"
    save_network(path, wide_arch, wide, dps=DPS, data=data)
    return path


def test_cli_json_matches_api(wide_file, capsys):
    from numerics.io.network_file import load_network

    assert main(["classify", str(wide_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    net = load_network(wide_file)
    report = classify(net.arch, net.params, net.data, dps=net.dps)
    assert out["verdict"] == report.verdict.value == "saddle"
    assert out["inertia"] == report.inertia.to_json()
    assert out["flat_dimension"] == report.flat_dimension
    assert out["dps"] == DPS
    assert mpmath.mpf(out["descent"]["decrease"]) < 0
    with workdps(DPS):
        # the JSON carries the norm to DPS significant digits (to_decimal_string); the floor covers
        # a norm that is exactly 0 at working precision (DPS + GUARD digits)
        assert abs(mpmath.mpf(out["gradient_norm"]) - report.gradient_norm) <= rounding_band(DPS, max(
            report.gradient_norm, mpmath.mpf(10) ** -60))


def test_cli_text_names_verdict_and_theorem(wide_file, capsys):
    assert main(["classify", str(wide_file), "--dps", "30"]) == 0
    text = capsys.readouterr().out
    assert "verdict: saddle" in text and "theorem: T4a" in text and "descent certificate" in text
    # the printed loss (15 significant digits) is the loss of the file, recomputed independently
    # with theory.network at 30 digits; the certificate's decrease is negative (a saddle)
    from numerics.io.network_file import load_network
    from theory.network import loss

    fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line and not line.startswith(" "))
    net = load_network(wide_file)
    with workdps(30):
        L = loss(net.arch, net.params, net.data.x, net.data.y)
        assert abs(mpmath.mpf(fields["loss"]) - L) <= rounding_band(14, L)
        decrease = mpmath.mpf(fields["descent certificate"].split("= ")[2].split()[0])
        assert decrease < 0


@pytest.mark.parametrize("argv,needle", [
    (["--dps", "2"], "--dps"),
    (["--data", "/nonexistent/data.csv"], "nonexistent"),
])
def test_cli_bad_input_exits_2(wide_file, capsys, argv, needle):
    assert main(["classify", str(wide_file)] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("semiflat: error:") and needle in err and "Traceback" not in err
