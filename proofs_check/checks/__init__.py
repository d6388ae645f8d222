"""One machine check per theorem of ``docs/theorems.md`` (``semiflat check``).

Each module ``tN_*.py`` defines ``THEOREM``, ``STATEMENT``, ``TAMPERS`` (negative-control
premises) and ``check(config) -> CheckResult``: ``config`` (:class:`CheckConfig`) gives the seed,
the precision ``dps``, the ``quick`` size and an optional ``tamper`` (a negative control that must
make the check fail); the result's evidence lists every measured relation against its bound. :data:`ALL_CHECKS` is the tuple of modules in
order, :data:`CHECKS` maps theorem ids to them; :func:`check_all` runs them.
"""

from proofs_check.checks.registry import ALL_CHECKS, CHECKS, check_all
from proofs_check.checks.result import CheckConfig, CheckResult

__all__ = ["ALL_CHECKS", "CHECKS", "CheckConfig", "CheckResult", "check_all"]
