"""Near structure, snapping and polishing (proofs_check.instances.snap).

Oracles: distances recomputed in float64 NumPy from the arrays; after a snap, the exact detector
(proofs_check.landscape.structure.detect, an independent module) must find the structure; the recorded
output change against a float64 forward pass; polishing keeps the pair exactly replicated and
lowers the gradient below the classifier's tolerance. Negative controls: a perturbation above
the threshold is not reported as near (only as the closest pair); without snapping the exact
detector finds nothing.
"""

import json

import mpmath
import numpy as np
import pytest

from numerics import interop, mlp
from numerics.io.network_file import load_network
from proofs_check.landscape import structure as st
from proofs_check.commands.cli import main
from proofs_check.instances.snap import near_structure, polish, snap


def wide_arrays(delta, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    W0, b0 = rng.normal(size=(2, 1)), rng.normal(size=2)
    W1, b1 = rng.normal(size=(1, 2)), rng.normal(size=1)
    W0w = np.vstack([W0, W0[:1] + delta])
    b0w = np.append(b0, b0[0])
    W1w = np.hstack([0.4 * W1[:, :1], W1[:, 1:], 0.6 * W1[:, :1]])
    return [W0w, W1w], [b0w, b1]


def forward64(Ws, bs, x, act=np.tanh):
    return act(x @ Ws[0].T + bs[0]) @ Ws[1].T + bs[1]


@pytest.mark.parametrize("delta", [1e-9, 3e-7])
def test_near_pair_distance_and_snap(delta):
    Ws, bs = wide_arrays(delta)
    net = interop.from_arrays(Ws, bs, activation="tanh")
    x = np.linspace(-1, 1, 7).reshape(-1, 1)
    near = near_structure(net.arch, net.params, x, dps=40)
    scale = max(1.0, max(np.max(np.abs(a)) for a in Ws + bs))
    expected = np.max(np.abs(Ws[0][2] - Ws[0][0])) / scale
    (item,) = near.items
    assert item.kind == "replicated" and item.units == (0, 2) and not item.exact
    assert float(item.distance) == pytest.approx(expected, rel=1e-12)
    assert st.detect(net.arch, net.params, x, dps=40).replicated == ()  # negative control: not exact
    params, records = snap(net.arch, net.params, near, x, dps=40)
    found = st.detect(net.arch, params, x, dps=40)
    assert [(p.layer, p.j, p.k) for p in found.replicated] == [(0, 0, 2)]
    change = float(mpmath.mpf(records[-1]["max_output_change_on_data"]))
    snapped64 = [np.array(w, dtype=float) for w in params.W], [np.array(v, dtype=float) for v in params.b]
    ref = np.max(np.abs(forward64(*snapped64, x) - forward64(Ws, bs, x)))
    assert change == pytest.approx(ref, rel=1e-6, abs=1e-15)
    assert 0 < change <= 2 * delta * np.max(np.abs(Ws[1]))


def test_far_pair_is_only_the_closest_pair():
    Ws, bs = wide_arrays(1e-3)
    net = interop.from_arrays(Ws, bs, activation="tanh")
    near = near_structure(net.arch, net.params, None, dps=40)
    assert near.items == () and near.closest_pairs[0][1:3] == (0, 2)
    assert float(near.closest_pairs[0][3]) > 1e-6


def test_near_zero_outgoing_and_near_dead_relu_snap_to_exact():
    W0 = np.array([[1.0], [-1.0], [2.0]])
    b0 = np.array([0.1, -1.0 + 1e-9, 0.3])  # unit 1: u = -x - 1 + 1e-9 > 0 only at x = -1, by 1e-9
    W1 = np.array([[0.5, 0.8, 1e-10]])      # unit 2: outgoing weight 1e-10
    net = interop.from_arrays([W0, W1], [b0, np.array([0.2])], activation="relu")
    x = np.array([[-1.0], [-0.3], [0.4], [1.0]])
    near = near_structure(net.arch, net.params, x, dps=40)
    kinds = {(i.kind, i.units) for i in near.items}
    assert ("near-dead", (1,)) in kinds and ("zero-outgoing", (2,)) in kinds
    params, _ = snap(net.arch, net.params, near, x, dps=40)
    found = st.detect(net.arch, params, x, dps=40)
    assert (0, 2) in found.zero_outgoing and [(d.layer, d.unit) for d in found.dead] == [(0, 1)]
    assert found.kinks == ()
    margin = next(d.margin for d in found.dead)
    assert margin >= mpmath.mpf("1e-9") * (1 - mpmath.mpf(10) ** -20)


def test_polish_keeps_the_pair_and_reaches_criticality():
    """A float64 copy of a critical point (gradient ~1e-16), widened by an exact replication."""
    from numerics.teacher import teacher_data
    from numerics.interop.exact import to_binary
    from numerics.training import train

    data = teacher_data("tanh", n=10, noise=0.1, seed=5).dataset
    x, y = data.x, data.y
    fit = train(data, "tanh", 2, seed=5, objective="critical", dps=40)
    W, b = [to_binary(w) for w in fit.params.W], [to_binary(v) for v in fit.params.b]
    Ws = [np.vstack([W[0], W[0][:1]]), np.hstack([0.4 * W[1][:, :1], W[1][:, 1:], 0.6 * W[1][:, :1]])]
    bs = [np.append(b[0], b[0][0]), b[1]]
    net = interop.from_arrays(Ws, bs, activation="tanh")
    assert mlp.norm(mlp.gradient(net.arch, net.params, x, y, 40)) > mpmath.mpf(10) ** -20
    polished, record = polish(net.arch, net.params, x, y, dps=40)
    W0 = polished.W[0]
    assert W0[0, 0] == W0[2, 0] and polished.b[0][0] == polished.b[0][2]
    g = mlp.norm(mlp.gradient(net.arch, polished, x, y, 40))
    assert g <= mpmath.mpf(10) ** -30 and mpmath.mpf(record["gradient_norm_after"]) == pytest.approx(g, rel=1e-6)
    assert record["reached_critical"] is True


def test_cli_snap_records_and_refuses(tmp_path, capsys):
    Ws, bs = wide_arrays(1e-9)
    x = np.linspace(-1, 1, 6).reshape(-1, 1)
    np.savez(tmp_path / "w.npz", W0=Ws[0], b0=bs[0], W1=Ws[1], b1=bs[1], activation=np.array("tanh"),
             x=x, y=np.sin(x))
    net_file, out = tmp_path / "w.json", tmp_path / "s.json"
    assert main(["import", str(tmp_path / "w.npz"), "--out", str(net_file)]) == 0
    capsys.readouterr()
    assert main(["classify", str(net_file), "--dps", "30", "--snap", "--snap-out", str(out), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["near_structure"]["items"][0]["kind"] == "replicated"
    prov = load_network(out).provenance
    assert prov["command"] == "snap" and prov["operations"][0]["units"] == [0, 2]
    assert prov["parent"]["command"] == "import"
    for argv, needle in [(["--snap-out", str(tmp_path / "x.json")], "--snap-out needs"),
                         (["--near", "abc"], "--near"), (["--near", "2"], "--near")]:
        assert main(["classify", str(net_file), *argv]) == 2
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1
    assert not (tmp_path / "x.json").exists()
    assert main(["info", str(net_file)]) == 0
    assert "replicated: layer 0 units 0, 2" in capsys.readouterr().out
