"""A float64 network from elsewhere, made exact and then certified: import -> classify --snap
--polish --certify -> verify.

The network is a float64 copy of a critical point of a 1-2-1 tanh fit, widened by replicating
unit 0 with lambda = 1.5 and 1e-9 of noise on the copy. Oracle: ``semiflat verify`` re-checks the
certificate from scratch (ball arithmetic, independent of the classifier's floating decisions).
Negative control: without snapping and polishing the same file is not a saddle: it is proved
not critical at 50 digits (a float64 point), which is what --certify certifies instead.
"""

import json

import numpy as np

from numerics.teacher import teacher_data
from numerics.interop.exact import to_binary
from numerics.training import train
from proofs_check.commands.cli import main


def test_snapped_and_polished_import_is_certified(tmp_path, capsys):
    data = teacher_data("tanh", n=10, noise=0.1, seed=3).dataset
    fit = train(data, "tanh", 2, seed=3, objective="critical")
    W, b = [to_binary(w) for w in fit.params.W], [to_binary(v) for v in fit.params.b]
    W0 = np.vstack([W[0], W[0][:1] + 1e-9])
    W1 = np.hstack([1.5 * W[1][:, :1], W[1][:, 1:], -0.5 * W[1][:, :1]])
    np.savez(tmp_path / "wide.npz", W0=W0, b0=np.append(b[0], b[0][0]), W1=W1, b1=b[1],
             activation=np.array("tanh"), x=data.x, y=data.y)
    net, cert = tmp_path / "wide.json", tmp_path / "cert.json"
    assert main(["import", str(tmp_path / "wide.npz"), "--out", str(net)]) == 0
    capsys.readouterr()
    assert main(["classify", str(net), "--certify", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["verdict"] == "not-critical"  # proved so with --certify: the descent along -grad is enclosed
    assert main(["classify", str(net), "--snap", "--polish", "--certify", "--certificate", str(cert),
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "saddle" and report["certified"] is True and "T4a" in report["theorem"]
    assert report["near_structure"]["items"][0]["units"] == [0, 2]
    assert main(["verify", str(cert)]) == 0
