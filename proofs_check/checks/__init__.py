"""One machine check per theorem of ``docs/theorems.md`` (``semiflat check``).

Each module ``tN_*.py`` defines ``THEOREM``, ``STATEMENT``, ``TAMPERS`` (negative-control
premises) and ``check(config) -> CheckResult``. :data:`ALL_CHECKS` is the tuple of modules in
order, :data:`CHECKS` maps theorem ids to them; :func:`check_all` runs them.
"""

from proofs_check.checks.registry import ALL_CHECKS, CHECKS, check_all
from proofs_check.checks.result import CheckConfig, CheckResult

__all__ = ["ALL_CHECKS", "CHECKS", "CheckConfig", "CheckResult", "check_all"]
