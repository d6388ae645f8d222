"""The trained narrow network N_H0 and its data, as the float64 arrays phase 2 needs.

For d = M = 1 a three-layer network is f(x) = c + sum_j v_j phi(w_j x + b_j) (docs/network.md); the
teacher N_1 has the same form with one unit. The exact (mpmath) parameters are kept as decimal
strings for the record; phase 2 runs in float64 (docs/experiment.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from numerics.experiment.generalization import phi_float
from numerics.precision import to_decimal_string
from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.params import Params


@dataclass(frozen=True, eq=False)
class BaseNetwork:
    """A trained 1-H0-1 network with its training data and noise-free teacher.

    Attributes:
        activation: activation name.
        w, b, v: (H0,) float64 unit parameters; c: output bias.
        x, y: (n,) training inputs and noisy targets.
        teacher: (w*, b*, v*, c*) arrays of the teacher's units (1-H*-1 network).
        sse: the verified squared training error (decimal string, from the trainer).
        params_exact: the trained parameters as decimal strings in flat order.
        data_seed: the data seed that was used; skipped: data seeds redrawn, with reasons.
        info: further trainer facts (restarts, certificate, minimal width).
    """

    activation: str
    w: np.ndarray
    b: np.ndarray
    v: np.ndarray
    c: float
    x: np.ndarray
    y: np.ndarray
    teacher: tuple[np.ndarray, np.ndarray, np.ndarray, float]
    sse: str = "0"
    params_exact: tuple[str, ...] = ()
    data_seed: int = 0
    skipped: tuple[dict, ...] = ()
    info: dict = field(default_factory=dict)

    @property
    def h0(self) -> int:
        """Number of hidden units H0 of the trained base network."""
        return int(self.w.shape[0])

    @property
    def theta(self) -> np.ndarray:
        """Flat parameter vector [w, b, v, c] (the order of docs/network.md)."""
        return np.concatenate([self.w, self.b, self.v, [self.c]])

    def output(self, x: np.ndarray) -> np.ndarray:
        """Float64 outputs f(x) = c + sum_j v_j phi(w_j x + b_j) at the 1-d inputs ``x`` (shape ``(n,)``)."""
        x = np.asarray(x, dtype=float)
        return self.c + np.sum(self.v[:, None] * phi_float(self.activation, np.outer(self.w, x) + self.b[:, None]), axis=0)

    def teacher_output(self, x: np.ndarray) -> np.ndarray:
        """Float64 outputs of the teacher network f*(x) at inputs ``x`` of any shape (same shape returned)."""
        tw, tb, tv, tc = self.teacher
        x = np.asarray(x, dtype=float)
        flat = x.reshape(-1)
        out = tc + np.sum(tv[:, None] * phi_float(self.activation, np.outer(tw, flat) + tb[:, None]), axis=0)
        return out.reshape(x.shape)

    def teacher_kinks(self) -> np.ndarray:
        """-b*/w* of the teacher's units with w* != 0 (the only kinks of a ReLU teacher)."""
        tw, tb, _, _ = self.teacher
        keep = tw != 0
        return -tb[keep] / tw[keep]

    def to_record(self) -> dict:
        """JSON-ready description (exact parameters as decimal strings)."""
        tw, tb, tv, tc = self.teacher
        return {
            "activation": self.activation,
            "H0": self.h0,
            "architecture": {"widths": [1, self.h0, 1], "activation": self.activation, "bias": True},
            "parameters_exact": list(self.params_exact) or [repr(float(t)) for t in self.theta],
            "parameters_float": [float(t) for t in self.theta],
            "norm": float(np.linalg.norm(self.theta)),
            "sse": self.sse,
            "data_seed": self.data_seed,
            "skipped_data_seeds": list(self.skipped),
            "data": {"x": [float(t) for t in self.x], "y": [float(t) for t in self.y]},
            "teacher": {"w": tw.tolist(), "b": tb.tolist(), "v": tv.tolist(), "c": float(tc)},
            "trainer": dict(self.info),
        }

    @staticmethod
    def from_record(rec: dict) -> "BaseNetwork":
        """Rebuild a base network from its phase-1 JSON record (float64 parameters, exact strings kept
        in ``params_exact``; docs/experiment.md).
        """
        h0 = int(rec["H0"])
        t = np.asarray(rec["parameters_float"], dtype=float)
        te = rec["teacher"]
        return BaseNetwork(
            activation=rec["activation"], w=t[:h0], b=t[h0:2 * h0], v=t[2 * h0:3 * h0], c=float(t[-1]),
            x=np.asarray(rec["data"]["x"], dtype=float), y=np.asarray(rec["data"]["y"], dtype=float),
            teacher=(np.asarray(te["w"], float), np.asarray(te["b"], float), np.asarray(te["v"], float), float(te["c"])),
            sse=rec["sse"], params_exact=tuple(rec["parameters_exact"]), data_seed=int(rec["data_seed"]),
            skipped=tuple(rec["skipped_data_seeds"]), info=dict(rec.get("trainer", {})),
        )


def _exact_text(value, dps: int = 50) -> str:
    """Decimal text that round-trips: repr for floats, ``dps``-digit strings for mpmath numbers."""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))

    return to_decimal_string(value, dps)


def base_from_params(arch: Architecture, params: Params, x, y, teacher_arch: Architecture,
                     teacher_params: Params, **extra) -> BaseNetwork:
    """Build a :class:`BaseNetwork` from a 1-H0-1 network and a 1-H*-1 teacher (any number type)."""
    for name, a in (("network", arch), ("teacher", teacher_arch)):
        if a.n_layers != 2 or a.input_dim != 1 or a.output_dim != 1 or not a.bias:
            raise InvalidInput(
                f"the Figure-2 experiment needs a 1-H-1 {name} with biases; got {a.describe()}"
            )
    exact = tuple(_exact_text(t) for t in params.to_vector())
    p = params.to_float()
    tp = teacher_params.to_float()
    return BaseNetwork(
        activation=arch.activation,
        w=p.W[0][:, 0].copy(), b=p.b[0].copy(), v=p.W[1][0, :].copy(), c=float(p.b[1][0]),
        x=np.asarray(x, dtype=float).reshape(-1), y=np.asarray(y, dtype=float).reshape(-1),
        teacher=(tp.W[0][:, 0].copy(), tp.b[0].copy(), tp.W[1][0, :].copy(), float(tp.b[1][0])),
        params_exact=exact, **extra,
    )
