"""`semiflat embed` preserves the function of networks it did not create (docs/embeddings.md, invariant I3).

For every method, J = 3 and 4, d and M in 1..3 and every activation, a random narrow network
(50-digit decimal strings, with training data) is written by the test, widened by the CLI
in-process, and the outputs of wide and narrow networks on random inputs must agree to 45
significant digits at dps 50. Widths and the bookkeeping of I3 are checked on the file contents.
Negative control: tampering one weight of the wide file makes the function check fail.
"""

import json
import subprocess
import sys

import mpmath
import numpy as np
import pytest

from numerics.dataset import Dataset
from numerics.io.network_file import load_network, save_network
from numerics.precision import rounding_band, workdps
from proofs_check.commands.cli import main
from theory import ACTIVATION_NAMES, Architecture, Params
from theory.network import forward, hidden_values

DPS = 50
METHODS = ("replication", "inactive-unit", "inactive-propagation")


def decimal(rng, scale=1):
    """A random 50-digit decimal string."""
    digits = "".join(str(v) for v in rng.integers(0, 10, DPS))
    sign = "-" if rng.integers(2) else ""
    return f"{sign}{rng.integers(0, 2)}.{digits}e{int(np.log10(scale)) if scale != 1 else 0}"


def write_narrow(path, widths, activation, seed):
    rng = np.random.default_rng(seed)
    arch = Architecture(tuple(widths), activation, True)
    params = Params.from_vector(arch, [decimal(rng) for _ in range(arch.n_params)])
    data = Dataset([[decimal(rng) for _ in range(widths[0])] for _ in range(4)],
                   [[decimal(rng) for _ in range(widths[-1])] for _ in range(4)])
    with workdps(DPS):
        save_network(path, arch, params.map(mpmath.mpf), dps=DPS, provenance={"command": "test", "seed": seed},
                     data=data.to_mp())
    return load_network(path)


def agrees(narrow, wide, seed, n=5):
    """Outputs agree to 45 significant digits (relative to 1 + |f|) on random inputs at dps 50."""
    rng = np.random.default_rng(seed + 1000)
    with workdps(DPS):
        x = np.array([[mpmath.mpf(decimal(rng)) for _ in range(narrow.arch.input_dim)] for _ in range(n)], dtype=object)
        f0 = forward(narrow.arch, narrow.params, x)
        f1 = forward(wide.arch, wide.params, x)
        return all(abs(a - b) <= rounding_band(DPS, 1 + abs(a), lost_digits=5)
                   for a, b in zip(f0.reshape(-1), f1.reshape(-1)))


def method_args(method, arch, layer, activation, extra, seed):
    rng = np.random.default_rng(seed)
    if method == "replication":
        lam = ["0.3", "-0.75", "1.6"][seed % 3]
        return ["--unit", str(seed % arch.widths[layer + 1]), "--lambda", lam]
    if method == "inactive-unit":
        return ["--dead-margin", "0.5"] if activation == "relu" else ["--seed", str(seed)]
    if extra == 1:
        v0 = ",".join(decimal(rng) for _ in range(arch.outgoing_size(layer)))
        return ["--b0", "0.37", "--v0", v0]
    return ["--b0", "-0.2", "--seed", str(seed)]


def check_bookkeeping(method, narrow, wide, layer, argv):
    """I3 on the file contents: widths, untouched parameters, and each method's relation."""
    a0, a1 = narrow.arch, wide.arch
    H = a0.widths[layer + 1]
    new = list(range(H, a1.widths[layer + 1]))
    assert a1.widths[:layer + 1] == a0.widths[:layer + 1] and a1.widths[layer + 2:] == a0.widths[layer + 2:]
    assert a1.n_params == a0.n_params + len(new) * (a0.incoming_size(layer) + a0.outgoing_size(layer))
    p0, p1 = narrow.params, wide.params
    for l in range(a0.n_layers):
        if l not in (layer, layer + 1):
            assert (p0.W[l] == p1.W[l]).all()
            assert (p0.b[l] == p1.b[l]).all()
    assert (p0.W[layer] == p1.W[layer][:H]).all() and (p0.b[layer] == p1.b[layer][:H]).all()
    tol = lambda v: rounding_band(DPS, 1 + abs(v), lost_digits=2)  # noqa: E731
    with workdps(DPS):
        if method == "replication":
            j = int(argv[argv.index("--unit") + 1])
            others = [k for k in range(H) if k != j]
            assert (p0.W[layer + 1][:, others] == p1.W[layer + 1][:, others]).all()
            for k in new:  # w~_new = w~_j
                assert (p1.W[layer][k] == p1.W[layer][j]).all() and p1.b[layer][k] == p1.b[layer][j]
            total = p1.W[layer + 1][:, [j] + new].sum(axis=1)  # v_j + v_new(s) = v_j old
            assert all(abs(s - v) <= tol(v) for s, v in zip(total, p0.W[layer + 1][:, j]))
            if len(new) == 1:
                lam = mpmath.mpf(argv[argv.index("--lambda") + 1])
                assert all(abs(s - lam * v) <= tol(v) for s, v in zip(p1.W[layer + 1][:, j], p0.W[layer + 1][:, j]))
        elif method == "inactive-unit":
            assert (p0.W[layer + 1] == p1.W[layer + 1][:, :H]).all() and (p0.b[layer + 1] == p1.b[layer + 1]).all()
            assert all(v == 0 for v in p1.W[layer + 1][:, new].reshape(-1))  # v_new = 0
            if a0.activation == "relu":  # dead on the layer's inputs (the file's data)
                h = hidden_values(a0, p0, narrow.data.x)[layer]
                z = h @ p1.W[layer][new].T + p1.b[layer][new]
                assert all(v < 0 for v in z.reshape(-1))
        else:
            assert (p0.W[layer + 1] == p1.W[layer + 1][:, :H]).all()
            b0 = mpmath.mpf(argv[argv.index("--b0") + 1])
            assert all(v == 0 for v in p1.W[layer][new].reshape(-1))  # w_new = 0
            assert all(abs(v - b0) <= tol(b0) for v in p1.b[layer][new])
            comp = p1.b[layer + 1] + p1.W[layer + 1][:, new].dot(a0.phi(p1.b[layer][new]))
            assert all(abs(c - b) <= tol(b) for c, b in zip(comp, p0.b[layer + 1]))  # b' + v_new phi(b0) = b


CASES = [(m, J, d, M, act) for m in METHODS for J in (3, 4) for act in ACTIVATION_NAMES
         for d in (1, 2, 3) for M in (1, 2, 3)]


@pytest.mark.parametrize("method,J,activation", sorted({(c[0], c[1], c[4]) for c in CASES}))
def test_embed_preserves_the_function(tmp_path, method, J, activation):
    for d in (1, 2, 3):
        for M in (1, 2, 3):
            seed = 100 * J + 10 * d + M
            widths = (d, 2, M) if J == 3 else (d, 2, 2, M)
            layer = (d + M) % (J - 2)
            extra = 1 + (d + M) % 2
            narrow = write_narrow(tmp_path / "narrow.json", widths, activation, seed)
            argv = method_args(method, narrow.arch, layer, activation, extra, seed)
            out = tmp_path / f"wide_{d}_{M}.json"
            target = widths[layer + 1] + extra
            code = main(["embed", str(tmp_path / "narrow.json"), "--method", method, "--layer", str(layer),
                         "--to", str(target), *argv, "--out", str(out)])
            assert code == 0
            wide = load_network(out)
            assert wide.arch.widths[layer + 1] == target and wide.dps == DPS
            assert agrees(narrow, wide, seed), (d, M)
            check_bookkeeping(method, narrow, wide, layer, argv)
            assert wide.provenance["method"] == method and wide.provenance["parent"]["seed"] == seed


def tamper(path, where, delta):
    obj = json.loads(path.read_text())
    kind, *idx = where
    node = obj["parameters"][kind]
    for i in idx[:-1]:
        node = node[i]
    with workdps(DPS):
        node[idx[-1]] = mpmath.nstr(mpmath.mpf(node[idx[-1]]) + mpmath.mpf(delta), DPS + 5)
    path.write_text(json.dumps(obj))
    return load_network(path)


@pytest.mark.parametrize("method,where", [
    ("replication", ("W", 1, 0, 2)),           # the copy's outgoing weight v_new
    ("inactive-unit", ("W", 1, 0, 2)),         # v_new != 0
    ("inactive-propagation", ("b", 1, 0)),     # the compensated output bias
    ("replication", ("W", 0, 0, 0)),           # any weight of the narrow part
])
def test_tampered_wide_file_fails_the_function_check(tmp_path, method, where):
    narrow = write_narrow(tmp_path / "narrow.json", (1, 2, 1), "tanh", 5)
    argv = method_args(method, narrow.arch, 0, "tanh", 1, 5)
    assert main(["embed", str(tmp_path / "narrow.json"), "--method", method, *argv, "--out", str(tmp_path / "w.json")]) == 0
    assert agrees(narrow, load_network(tmp_path / "w.json"), 5)
    broken = tamper(tmp_path / "w.json", where, "1e-30")
    assert not agrees(narrow, broken, 5)


def test_shares_split_and_output_is_exact(tmp_path):
    """--shares a,b,c adds two copies whose outgoing weights are the shares of v_j (exact decimals)."""
    narrow = write_narrow(tmp_path / "narrow.json", (2, 3, 2), "sigmoid", 9)
    code = main(["embed", str(tmp_path / "narrow.json"), "--method", "replication", "--unit", "1",
                 "--shares", "0.5,0.25,0.25", "--out", str(tmp_path / "w.json")])
    assert code == 0
    wide = load_network(tmp_path / "w.json")
    assert wide.arch.widths == (2, 5, 2) and agrees(narrow, wide, 9)
    with workdps(DPS):
        for col, share in ((1, "0.5"), (3, "0.25"), (4, "0.25")):
            expect = narrow.params.W[1][:, 1] * mpmath.mpf(share)
            assert all(abs(a - b) <= rounding_band(DPS, abs(b)) for a, b in zip(wide.params.W[1][:, col], expect))


def test_exit_code_and_stderr_in_a_subprocess(tmp_path):
    """The real console entry point: bad input -> exit 2, one line on stderr, no traceback, no file."""
    write_narrow(tmp_path / "narrow.json", (1, 2, 1), "tanh", 3)
    before = set(tmp_path.iterdir())
    proc = subprocess.run([sys.executable, "-m", "proofs_check", "embed", str(tmp_path / "narrow.json"),
                           "--method", "replication", "--layer", "3", "--lambda", "0.5",
                           "--out", str(tmp_path / "wide.json")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "--layer 3" in proc.stderr and proc.stdout == ""
    assert set(tmp_path.iterdir()) == before
