"""semiflat.numerics: evaluation at any precision (mpmath) and vectorised float64, training and
the experiment engine. May import :mod:`theory`, never :mod:`proofs_check`.

Entry points (loaded on first use):

- ``numerics.forward / loss / gradient / hessian / jacobian`` (mpmath at ``dps``; :mod:`numerics.mlp`);
- ``numerics.train``, ``numerics.train_many`` (:mod:`numerics.training`);
- ``numerics.run_experiment``, ``numerics.ExperimentConfig`` (:mod:`numerics.experiment`);
- ``numerics.load_network``, ``numerics.save_network``, ``numerics.load_data`` (:mod:`numerics.io.network_file`).
"""

from numerics.lazy import lazy_getattr

_EXPORTS = {
    "forward": "numerics.mlp",
    "loss": "numerics.mlp",
    "gradient": "numerics.mlp",
    "hessian": "numerics.mlp",
    "jacobian": "numerics.mlp",
    "train": "numerics.training",
    "train_many": "numerics.training",
    "run_experiment": "numerics.experiment",
    "ExperimentConfig": "numerics.experiment",
    "load_network": "numerics.io.network_file",
    "save_network": "numerics.io.network_file",
    "load_data": "numerics.io.network_file",
    "Dataset": "numerics.dataset",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr("numerics", _EXPORTS)
