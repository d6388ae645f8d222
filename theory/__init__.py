"""semiflat.theory: networks, activations and the three embeddings, over any number type.

Never imports :mod:`numerics` or :mod:`proofs_check` (enforced by tests/test_architecture.py).
"""

from theory.activations import ACTIVATION_NAMES, Activation, get_activation
from theory.architecture import Architecture
from theory.errors import (
    FileFormatError,
    IncompatibleEmbedding,
    InvalidArchitecture,
    InvalidInput,
    InvalidParameters,
    NotConverged,
    SemiflatError,
)
from theory.network import forward, loss, pre_activations, residuals
from theory.params import Params

__version__ = "0.1.0"

__all__ = [
    "ACTIVATION_NAMES",
    "Activation",
    "Architecture",
    "FileFormatError",
    "IncompatibleEmbedding",
    "InvalidArchitecture",
    "InvalidInput",
    "InvalidParameters",
    "NotConverged",
    "Params",
    "SemiflatError",
    "forward",
    "get_activation",
    "loss",
    "pre_activations",
    "residuals",
]
