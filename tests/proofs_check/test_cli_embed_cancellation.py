"""`embed` never writes a network that computes another function: a huge ratio (--lambda 1e60)
makes v*lam and v*(1-lam) cancel 60 digits, so the file's precision is raised until the written
network reproduces the narrow one to dps digits, or the request is refused when no precision up
to the limit can. Oracle: the narrow network's SSE on its data (computed from the narrow file).
Negative control: the same wide network written at the narrow file's dps computes another
function (its SSE is far from the narrow one's)."""

import json

import mpmath
import numpy as np
import pytest

from numerics import mlp
from numerics.dataset import Dataset
from numerics.io.network_file import load_network, save_network
from numerics.precision import workdps
from proofs_check.commands.cli import main
from theory import Architecture, Params
from theory.embeddings import replicate
from theory.network import forward

DPS = 40


@pytest.fixture
def narrow(tmp_path):
    arch = Architecture((1, 2, 1), "tanh")
    with workdps(DPS):
        params = Params.from_vector(arch, [mpmath.mpf(v) / 8 for v in (3, -5, 1, 2, 7, -4, 1)])
        x = np.array([[mpmath.mpf(k) / 5] for k in range(-2, 3)], dtype=object)
        data = Dataset(x, forward(arch, params, x))
    path = tmp_path / "net.json"
    save_network(path, arch, params, dps=DPS, data=data)
    return path


def _sse(net):
    with workdps(net.dps):
        return 2 * mlp.loss(net.arch, net.params, net.data.to_mp().x, net.data.to_mp().y, net.dps)


def test_huge_lambda_raises_the_precision_and_keeps_the_function(narrow, tmp_path, capsys):
    out = tmp_path / "wide.json"
    assert main(["embed", str(narrow), "--method", "replication", "--lambda", "1e60", "--out", str(out)]) == 0
    assert "dps raised" in capsys.readouterr().out
    wide = load_network(out)
    assert wide.dps > DPS + 60
    assert _sse(wide) <= mpmath.mpf(10) ** -(2 * DPS - 6)
    assert abs(_sse(wide) - _sse(load_network(narrow))) <= mpmath.mpf(10) ** -(2 * DPS - 6)


def test_negative_control_writing_at_the_narrow_dps_changes_the_function(narrow, tmp_path):
    net = load_network(narrow)
    with workdps(DPS):
        arch, wide = replicate(net.arch, net.params, 0, 0, mpmath.mpf("1e60"))
    save_network(tmp_path / "bad.json", arch, wide, dps=DPS, data=net.data)
    assert _sse(load_network(tmp_path / "bad.json")) > mpmath.mpf(10) ** -10


def test_cancellation_beyond_the_precision_limit_is_refused(narrow, tmp_path, capsys):
    out = tmp_path / "wide.json"
    assert main(["embed", str(narrow), "--method", "replication", "--lambda", "1e20000", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "digits" in err[0] and not out.exists()


def test_ordinary_lambda_keeps_the_files_dps(narrow, tmp_path):
    out = tmp_path / "wide.json"
    assert main(["embed", str(narrow), "--method", "replication", "--lambda", "0.3", "--to", "4", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["dps"] == DPS
