"""Reading the evidence of theorem checks: one quick run per (theorem, tamper), and parsers for
the "measured <= bound" strings a check records. Shared by the per-theorem tests of this folder."""

import re
from functools import lru_cache

from numerics.precision import rounding_band
from proofs_check.checks import CHECKS, CheckConfig

CHECK_DPS = CheckConfig().dps
# Independent ceilings on the identities a check reports at CHECK_DPS (40) digits: the checks
# compare with rounding_band(dps, scale, 2..3); the tests allow scales up to 10^2 (ZERO_35 = 10^-35)
# or 10^7 (ZERO_30 = 10^-30), still ~15 digits below anything float64 could produce.
ZERO_35 = rounding_band(CHECK_DPS, 1, lost_digits=5)
ZERO_30 = rounding_band(CHECK_DPS, 1, lost_digits=10)

# A negative control must fail macroscopically: the broken premise moves the quantity by at
# least 10^20 times the dps-derived bound (rounding at dps 40 could never explain it).
MACROSCOPIC = 1e20


@lru_cache(maxsize=None)
def run(theorem, tamper=None):
    """The quick check of ``theorem`` (with the negative-control premise ``tamper``), cached."""
    return CHECKS[theorem].check(CheckConfig(quick=True, tamper=tamper))


def items(result, pattern):
    """The evidence pairs whose name matches ``pattern``."""
    return [(k, v) for k, v in result.evidence if re.search(pattern, k)]


def first_number(value):
    """The first number of an evidence value ('|3e-51| ...' -> 3e-51)."""
    return float(re.match(r"\s*\|?(-?[\d.e+-]+)", value).group(1))


def bound_pair(value):
    """'3e-51 <= 1e-38' -> (3e-51, 1e-38)."""
    a, b = re.match(r"\s*(\S+) [<>]=? -?(\S+)", value).groups()
    return float(a), float(b)


def failure_ratio(value):
    """'0.486 <= 5.85e-38  FAILED' -> 0.486 / 5.85e-38."""
    err, bound = bound_pair(value)
    return err / bound


def failed_by(value):
    """Like :func:`failure_ratio`, but the value must be marked FAILED."""
    a, b = re.match(r"\s*(\S+) <= (\S+)\s+FAILED", value).groups()
    return float(a) / float(b)


def within_own_bound(value):
    """'3e-51 <= 1e-38' -> the measured number does not exceed the bound the check printed."""
    a, b = re.match(r"\s*(\S+) <= (\S+)", value).groups()
    return float(a) <= float(b)


def tuples(value):
    """'(1, 2, 3) and (0, 1, 4)' -> [(1, 2, 3), (0, 1, 4)]."""
    return [tuple(int(t) for t in m.split(",")) for m in re.findall(r"\(([\d, ]+)\)", value)]
