"""semiflat.proofs_check: one check per theorem, classification, reports, figures and the CLI.

Entry points: ``proofs_check.check_all`` (loaded on first use), ``proofs_check.classify.classify``,
``proofs_check.strategies`` (public hypothesis strategies), ``proofs_check.cli.main``.
"""

import importlib

_EXPORTS = {
    "check_all": "proofs_check.checks",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'proofs_check' has no attribute {name!r}")
