"""A training data set: inputs ``x`` (n x d) and targets ``y`` (n x M).

Entries may be floats, mpmath numbers or decimal strings; ``to_mp`` reads them exactly at the
current mpmath precision, ``to_float`` rounds to float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.precision import to_mp_array
from theory.errors import InvalidInput


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs ``x`` (shape n x d) and targets ``y`` (shape n x M)."""

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        x = np.asarray(self.x, dtype=object if np.asarray(self.x).dtype == object else float)
        y = np.asarray(self.y, dtype=object if np.asarray(self.y).dtype == object else float)
        if x.ndim == 1:
            x = x.reshape(-1, 1)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
            raise InvalidInput(
                f"data has inputs of shape {list(x.shape)} and targets of shape {list(y.shape)}; "
                "both need one row per sample and the same number of rows"
            )
        if x.shape[0] == 0:
            raise InvalidInput("data has no samples; give at least one row")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def n(self) -> int:
        """Number of samples n (rows of ``x``)."""
        return self.x.shape[0]

    @property
    def input_dim(self) -> int:
        """Input dimension d (columns of ``x``)."""
        return self.x.shape[1]

    @property
    def output_dim(self) -> int:
        """Output dimension M (columns of ``y``)."""
        return self.y.shape[1]

    def to_mp(self) -> "Dataset":
        """Entries as mpmath numbers at the current precision (use inside ``workdps``)."""
        return Dataset(to_mp_array(self.x), to_mp_array(self.y))

    def to_float(self) -> "Dataset":
        """This data set as float64 arrays (decimal strings are parsed; digits beyond double precision
        are lost, so use it only for float64 code).
        """
        conv = np.frompyfunc(lambda v: float(v) if not isinstance(v, str) else float(v.strip()), 1, 1)
        return Dataset(conv(self.x).astype(float), conv(self.y).astype(float))
