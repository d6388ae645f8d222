"""Shared test set-up: hypothesis profiles and mpmath precision hygiene.

Profiles: ``dev`` (default, quick), ``ci`` (used when CI=true; more examples, no deadline),
``thorough`` (opt in with HYPOTHESIS_PROFILE=thorough).
"""

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    prec = mpmath.mp.prec
    yield
    mpmath.mp.prec = prec
