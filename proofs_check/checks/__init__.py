"""One machine check per theorem of spec theory.md §3 (``semiflat check``).

Each module ``tN_*.py`` defines ``THEOREM``, ``STATEMENT``, ``TAMPERS`` (negative-control
premises) and ``check(config) -> CheckResult``. :data:`CHECKS` maps theorem ids to modules in
order; :func:`check_all` runs them.
"""

from proofs_check.checks.registry import CHECKS, check_all
from proofs_check.checks.result import CheckConfig, CheckResult

__all__ = ["CHECKS", "CheckConfig", "CheckResult", "check_all"]
