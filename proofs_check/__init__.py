"""semiflat.proofs_check: one check per theorem, classification, reports, figures and the CLI.

Entry points: ``proofs_check.check_all`` (loaded on first use), ``proofs_check.landscape.classify.classify``,
``proofs_check.instances.strategies`` (public hypothesis strategies), ``proofs_check.commands.cli.main``.
"""

from numerics.lazy import lazy_getattr

_EXPORTS = {
    "check_all": "proofs_check.checks",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr("proofs_check", _EXPORTS)
