"""`semiflat info`: printed loss and gradient norm against independent oracles.

Loss: theory.network.loss evaluated on mpmath numbers in the test (not numerics.mlp). Gradient
norm: a central finite difference of that loss at dps 60 with step 1e-20, whose error
(truncation h^2, cancellation 10^-(60+GUARD)/h) costs about 20 digits. Negative control: the
finite-difference norm of a network with one weight moved by 1e-12 disagrees.
"""

import json

import mpmath
import numpy as np
import pytest

from numerics.dataset import Dataset
from numerics.derivative_check import central_differences
from numerics.io.network_file import load_network, save_data, save_network
from numerics.precision import rounding_band, workdps
from proofs_check.commands.cli import main
from theory import Architecture, Params
from theory.network import loss

DPS = 50


def decimal(rng):
    digits = "".join(str(v) for v in rng.integers(0, 10, DPS))
    return f"{'-' if rng.integers(2) else ''}0.{digits}"


@pytest.fixture(params=[("sigmoid", (2, 3, 2)), ("gelu", (1, 2, 2, 1))], ids=["sigmoid-J3", "gelu-J4"])
def files(tmp_path, request):
    activation, widths = request.param
    rng = np.random.default_rng(len(widths))
    arch = Architecture(widths, activation)
    params = Params.from_vector(arch, [decimal(rng) for _ in range(arch.n_params)])
    data = Dataset([[decimal(rng) for _ in range(widths[0])] for _ in range(5)],
                   [[decimal(rng) for _ in range(widths[-1])] for _ in range(5)])
    with workdps(DPS):
        save_network(tmp_path / "net.json", arch, params.map(mpmath.mpf), dps=DPS, provenance={"seed": 1},
                     data=data.to_mp())
        save_data(tmp_path / "data.csv", data.to_mp(), dps=DPS)
    return tmp_path


def oracle_loss(net, dps, params=None):
    with mpmath.workdps(dps):
        x, y = net.data.x, net.data.y
        return loss(net.arch, net.params if params is None else params, x, y)


def fd_gradient_norm(net, params=None, dps=60, h_exp=20):
    """Norm of the central differences of theory.network.loss at ``dps`` (+GUARD) digits."""
    params = net.params if params is None else params
    fd = central_differences(lambda v: loss(net.arch, Params.from_vector(net.arch, v), net.data.x, net.data.y),
                             params.to_vector(), dps, h_exp)
    with workdps(dps):
        return mpmath.sqrt(mpmath.fsum(g ** 2 for g in fd))


def run_info(capsys, *argv):
    assert main(["info", *map(str, argv)]) == 0
    return capsys.readouterr().out


def test_json_loss_and_gradient_norm_match_the_oracles(files, capsys):
    net = load_network(files / "net.json")
    out = json.loads(run_info(capsys, files / "net.json", "--data", files / "data.csv", "--json"))
    assert out["widths"] == list(net.arch.widths) and out["dps"] == DPS
    assert out["n_params"] == sum((a + 1) * b for a, b in zip(net.arch.widths, net.arch.widths[1:]))
    with mpmath.workdps(70):
        L = oracle_loss(net, 70)
        assert abs(mpmath.mpf(out["loss"]) - L) <= rounding_band(DPS, L, lost_digits=1)
        assert abs(mpmath.mpf(out["sse"]) - 2 * L) <= rounding_band(DPS, L, lost_digits=1)
        g = fd_gradient_norm(net)
        assert abs(mpmath.mpf(out["gradient_norm"]) - g) <= rounding_band(60, g, lost_digits=22)


def test_stored_data_is_the_default_and_text_mode_has_20_digits(files, capsys):
    net = load_network(files / "net.json")
    text = run_info(capsys, files / "net.json")
    fields = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    with mpmath.workdps(70):
        L = oracle_loss(net, 70)
        printed = mpmath.mpf(fields["loss"][1])
        assert abs(printed - L) <= rounding_band(19, L)
        assert len(fields["loss"][1].split("e")[0].replace("-", "").replace(".", "").lstrip("0")) <= 20
        assert abs(mpmath.mpf(fields["SSE"][1]) - 2 * L) <= rounding_band(19, L)
        g = fd_gradient_norm(net)
        norm_line = [line for line in text.splitlines() if line.startswith("gradient norm")][0]
        assert abs(mpmath.mpf(norm_line.split()[2]) - g) <= rounding_band(19, g)


def test_finite_difference_oracle_detects_a_moved_weight(files, capsys):
    """Negative control: the oracle is sharp enough to see a weight moved by 1e-12."""
    net = load_network(files / "net.json")
    out = json.loads(run_info(capsys, files / "net.json", "--json"))
    with workdps(DPS):
        vec = net.params.to_vector().copy()
        vec[0] += mpmath.mpf(10) ** -12
        moved = Params.from_vector(net.arch, vec)
    g = fd_gradient_norm(net, moved)
    with mpmath.workdps(70):
        assert abs(mpmath.mpf(out["gradient_norm"]) - g) > rounding_band(60, g, lost_digits=22)
        printed_loss = mpmath.mpf(out["loss"])
        assert abs(printed_loss - oracle_loss(net, 70, moved)) > rounding_band(DPS, printed_loss, lost_digits=1)
