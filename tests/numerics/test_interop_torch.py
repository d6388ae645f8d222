"""The PyTorch path: duck-typed stand-ins in the default suite, real torch in a slow test.

The stand-ins have the attributes the importer reads (class name, ``weight``/``bias`` tensors
with ``detach``/``cpu``/``numpy``, ``children()``), nothing else: the importer must not need torch.
Oracles: bit equality of the weights; a float64 NumPy forward pass of the module's own layer
list against semiflat's mpmath forward; for real torch, torch's own forward pass. Every refusal
is checked as one line with exit code 2 (CLI) or an UnsupportedNetwork naming the layer (API).
"""

import json

import numpy as np
import pytest

from numerics import interop, mlp
from numerics.io.network_file import load_network
from numerics.interop.exact import to_binary
from numerics.interop.layers import UnsupportedNetwork
from proofs_check.commands.cli import main


class Tensor:
    def __init__(self, array):
        self._a = np.asarray(array)
        self.dtype = f"torch.{self._a.dtype}"

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self._a


def module(cls_name, **attrs):
    return type(cls_name, (), {})() if not attrs else _with(type(cls_name, (), {})(), attrs)


def _with(obj, attrs):
    for k, v in attrs.items():
        setattr(obj, k, v)
    return obj


def linear(rng, n_in, n_out, bias=True, dtype=np.float64):
    return module("Linear", weight=Tensor(rng.normal(size=(n_out, n_in)).astype(dtype)),
                  bias=Tensor(rng.normal(size=n_out).astype(dtype)) if bias else None)


class Sequential:
    def __init__(self, *mods):
        self._mods = mods

    def children(self):
        return iter(self._mods)


def numpy_forward(seq_layers, x):
    """Float64 forward of a stand-in layer list: Linear -> x W^T + b, activations by name."""
    acts = {"Tanh": np.tanh, "ReLU": lambda z: np.maximum(z, 0), "Sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    h = x
    for m in seq_layers:
        name = type(m).__name__
        if name == "Linear":
            h = h @ m.weight.numpy().T + (0 if m.bias is None else m.bias.numpy())
        elif name in acts:
            h = acts[name](h)
    return h


@pytest.mark.parametrize("act", ["Tanh", "ReLU", "Sigmoid"])
def test_stand_in_sequential_is_read_exactly_and_computes_its_function(act):
    rng = np.random.default_rng(7)
    layers = [linear(rng, 2, 4), module(act), module("Dropout", p=0.5), linear(rng, 4, 3), module(act),
              linear(rng, 3, 1)]
    net = interop.from_torch(Sequential(layers[0], Sequential(*layers[1:4]), *layers[4:]))
    assert net.arch.widths == (2, 4, 3, 1) and net.arch.activation == act.lower()
    lin = [m for m in layers if type(m).__name__ == "Linear"]
    for l, m in enumerate(lin):
        assert np.array_equal(to_binary(net.params.W[l]), m.weight.numpy())
        assert np.array_equal(to_binary(net.params.b[l]), m.bias.numpy())
    x = rng.normal(size=(5, 2))
    ours = np.array(mlp.forward(net.arch, net.params, x, 30), dtype=float)
    ref = numpy_forward(layers, x)
    assert np.max(np.abs(ours - ref)) <= 64 * np.finfo(float).eps * max(1, np.max(np.abs(ref)))
    assert any("Dropout" in n for n in net.provenance["notes"])
    assert net.provenance["format"] == "torch-module"


def test_stand_in_state_dict_needs_the_activation_and_checks_widths():
    rng = np.random.default_rng(8)
    state = {"0.weight": Tensor(rng.normal(size=(5, 1))), "0.bias": Tensor(rng.normal(size=5)),
             "2.weight": Tensor(rng.normal(size=(1, 5))), "2.bias": Tensor(rng.normal(size=1))}
    with pytest.raises(Exception, match="activation"):
        interop.from_torch(state)
    net = interop.from_torch(state, activation="tanh", widths=(1, 5, 1))
    assert np.array_equal(to_binary(net.params.W[1]), state["2.weight"].numpy())
    with pytest.raises(UnsupportedNetwork, match=r"\[1, 4, 1\]"):
        interop.from_torch(state, activation="tanh", widths=(1, 4, 1))


def refuse(mods, *needles):
    with pytest.raises(UnsupportedNetwork) as info:
        interop.from_torch(Sequential(*mods))
    text = str(info.value)
    assert "\n" not in text
    for needle in needles:
        assert needle in text, text
    return text


def test_every_refused_layer_kind_is_named():
    rng = np.random.default_rng(9)
    L = lambda i, o, **kw: linear(rng, i, o, **kw)  # noqa: E731
    refuse([module("Conv2d"), L(3, 1)], "layer 0 (Conv2d)", "convolution")
    refuse([L(1, 3), module("BatchNorm1d"), module("Tanh"), L(3, 1)], "layer 1 (BatchNorm1d)", "normalisation")
    refuse([L(1, 3), module("LayerNorm"), L(3, 1)], "layer 1 (LayerNorm)", "normalisation")
    refuse([L(1, 3), module("Tanh"), L(3, 1), module("Tanh")], "layer 3 (Tanh)", "output")
    refuse([L(1, 3), module("Tanh"), L(3, 3), module("ReLU"), L(3, 1)], "layer 3 (ReLU)", "layer 1 (Tanh)")
    refuse([L(1, 3), L(3, 1)], "layers 0 and 1", "no activation")
    refuse([module("Tanh"), L(1, 1)], "layer 0 (Tanh)", "before any Linear")
    refuse([L(1, 3), module("Tanh"), module("Tanh"), L(3, 1)], "layer 2 (Tanh)", "another activation")
    refuse([L(1, 3), module("Softplus", beta=2.0), L(3, 1)], "layer 1 (Softplus)", "beta")
    refuse([L(1, 3), module("GELU", approximate="tanh"), L(3, 1)], "layer 1 (GELU)", "approximate")
    refuse([L(1, 3), module("MaxPool1d"), L(3, 1)], "layer 1 (MaxPool1d)", "pooling")
    refuse([L(1, 3), module("Hardswish"), L(3, 1)], "layer 1 (Hardswish)")
    refuse([L(1, 3), module("ELU", alpha=0.5), L(3, 1)], "layer 1 (ELU)", "elu:0.5")
    refuse([L(1, 3, bias=False), module("Tanh"), L(3, 1)], "bias")
    with pytest.raises(UnsupportedNetwork, match="forward pass is not known"):
        interop.from_torch(module("MyNet", children=lambda: iter(())))


def test_gelu_softplus_and_biasless_networks_are_accepted():
    rng = np.random.default_rng(10)
    for act, name in [(module("GELU", approximate="none"), "gelu"), (module("Softplus", beta=1.0), "softplus"),
                      (module("SiLU"), "silu"), (module("SELU"), "selu"), (module("Softsign"), "softsign"),
                      (module("ELU", alpha=1.0), "elu"), (module("LeakyReLU", negative_slope=0.2), "leaky_relu:0.2")]:
        assert interop.from_torch(Sequential(linear(rng, 1, 2), act, linear(rng, 2, 1))).arch.activation == name
    net = interop.from_torch(Sequential(linear(rng, 1, 2, bias=False), module("Tanh"), linear(rng, 2, 1, bias=False)))
    assert net.arch.bias is False


# --- real torch --------------------------------------------------------------------------------


def fit_paper_data_in_torch(torch, seed=0):
    """A 1-5-1 tanh network fitted in float64 by L-BFGS to the paper's data (seed 0)."""
    from numerics.teacher import teacher_data

    data = teacher_data("tanh", n=10, noise=0.1, seed=seed).dataset
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(1, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    x, y = torch.from_numpy(data.x), torch.from_numpy(data.y)
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=400, tolerance_grad=1e-14,
                            tolerance_change=0, history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = 0.5 * ((model(x) - y) ** 2).sum()
        loss.backward()
        return loss

    for _ in range(2):
        opt.step(closure)
    return model, data


@pytest.mark.slow
def test_torch_float64_fit_round_trips_import_classify_export(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    model, data = fit_paper_data_in_torch(torch)
    torch.save(model.state_dict(), tmp_path / "fit.pt")
    np.savetxt(tmp_path / "data.csv", np.hstack([data.x, data.y]), delimiter=",", header="x,y", comments="",
               fmt="%.17g")
    net_file = tmp_path / "net.json"
    assert main(["import", str(tmp_path / "fit.pt"), "--activation", "tanh", "--arch", "1,5,1",
                 "--data", str(tmp_path / "data.csv"), "--out", str(net_file)]) == 0
    net = load_network(net_file)
    # the function: semiflat's high-precision forward vs torch's float64 forward
    x = np.linspace(-1.5, 1.5, 41).reshape(-1, 1)
    ours = np.array(mlp.forward(net.arch, net.params, x, net.dps), dtype=float)
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)).numpy()
    assert np.max(np.abs(ours - theirs)) <= 16 * np.finfo(float).eps * max(1, np.max(np.abs(theirs)))
    capsys.readouterr()
    assert main(["classify", str(net_file), "--dps", "24", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    g = np.array(mlp.gradient(net.arch, net.params, net.data.x, net.data.y, 30), dtype=float)
    assert float(report["gradient_norm"]) == pytest.approx(np.linalg.norm(g), rel=1e-9)
    assert report["verdict"] in {"strict-minimum", "not-critical", "saddle", "minimum", "undecided"}
    out_pt = tmp_path / "back.pt"
    assert main(["export", str(net_file), "--format", "torch", "--out", str(out_pt)]) == 0
    fresh = torch.nn.Sequential(torch.nn.Linear(1, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    fresh.load_state_dict(torch.load(out_pt, weights_only=True))
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values()):
        assert torch.equal(a, b)
    with torch.no_grad():
        assert torch.equal(fresh(torch.from_numpy(x)), model(torch.from_numpy(x)))


@pytest.mark.slow
def test_torch_fit_as_flax_npz_round_trips(tmp_path, capsys):
    """The same float64 fit stored as a Flax tree (kernels in x out): import -> classify ->
    export --layout flax gives the same bits; the function agrees with Flax's x @ kernel + bias
    convention evaluated in NumPy; polishing is recorded with its outcome."""
    torch = pytest.importorskip("torch")
    model, data = fit_paper_data_in_torch(torch)
    sd = {k: v.numpy() for k, v in model.state_dict().items()}
    tree = {"params/Dense_0/kernel": sd["0.weight"].T, "params/Dense_0/bias": sd["0.bias"],
            "params/Dense_1/kernel": sd["2.weight"].T, "params/Dense_1/bias": sd["2.bias"]}
    np.savez(tmp_path / "flax.npz", x=data.x, y=data.y, **tree)
    net_file = tmp_path / "net.json"
    assert main(["import", str(tmp_path / "flax.npz"), "--activation", "tanh", "--out", str(net_file)]) == 0
    net = load_network(net_file)
    x = np.linspace(-1.5, 1.5, 41).reshape(-1, 1)
    flax = np.tanh(x @ tree["params/Dense_0/kernel"] + tree["params/Dense_0/bias"]) @ \
        tree["params/Dense_1/kernel"] + tree["params/Dense_1/bias"]
    ours = np.array(mlp.forward(net.arch, net.params, x, net.dps), dtype=float)
    assert np.max(np.abs(ours - flax)) <= 16 * np.finfo(float).eps * max(1, np.max(np.abs(flax)))
    capsys.readouterr()
    polished = tmp_path / "polished.json"
    assert main(["classify", str(net_file), "--polish", "--snap-out", str(polished), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    record = load_network(polished).provenance
    assert record["command"] == "polish" and record["parent"]["format"] == "npz"
    g = float(report["gradient_norm"])
    assert g == pytest.approx(float(record["gradient_norm_after"]), rel=1e-9)
    assert record["reached_critical"] == (g < 1e-25)
    moved = load_network(polished)
    change = np.max(np.abs(np.array(mlp.forward(moved.arch, moved.params, net.data.x, 50), dtype=float)
                           - np.array(mlp.forward(net.arch, net.params, net.data.x, 50), dtype=float)))
    assert change == pytest.approx(float(record["max_output_change_on_data"]), rel=1e-6, abs=1e-300)
    assert main(["export", str(net_file), "--format", "npz", "--layout", "flax", "--out",
                 str(tmp_path / "back.npz")]) == 0
    with np.load(tmp_path / "back.npz") as back:
        for k, v in tree.items():
            assert np.array_equal(back[k], v), k


@pytest.mark.slow
def test_real_torch_modules_refused_or_accepted():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    cases = [
        (nn.Sequential(nn.Conv1d(1, 2, 3), nn.Tanh(), nn.Linear(2, 1)), "layer 0 (Conv1d)"),
        (nn.Sequential(nn.Linear(1, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 1)), "layer 1 (BatchNorm1d)"),
        (nn.Sequential(nn.Linear(1, 3), nn.LayerNorm(3), nn.Linear(3, 1)), "layer 1 (LayerNorm)"),
        (nn.Sequential(nn.Linear(1, 3), nn.Tanh(), nn.Linear(3, 1), nn.Sigmoid()), "layer 3 (Sigmoid)"),
        (nn.Sequential(nn.Linear(1, 3), nn.Tanh(), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1)), "layer 3 (ReLU)"),
    ]
    for model, needle in cases:
        with pytest.raises(UnsupportedNetwork, match=needle.replace("(", r"\(").replace(")", r"\)")):
            interop.from_torch(model)
    # a BatchNorm state_dict is refused by its running statistics
    bn = nn.Sequential(nn.Linear(1, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 1))
    with pytest.raises(UnsupportedNetwork, match="normalisation"):
        interop.from_torch(bn.state_dict(), activation="tanh")
    # float32 modules are exact, and to_torch gives back the same module
    m32 = nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Dropout(0.2), nn.Linear(3, 2))
    net = interop.from_torch(m32)
    back = interop.to_torch(net.arch, net.params, "float32")
    assert all(torch.equal(a, b) for a, b in zip(m32.state_dict().values(), back.state_dict().values()))
