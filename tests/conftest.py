"""Shared test set-up: hypothesis profiles and mpmath precision hygiene.

Profiles come from :func:`proofs_check.invariants.register_profiles`: ``dev`` (default, quick),
``ci`` (used when CI=true; more examples, derandomized), ``thorough`` (opt in with
HYPOTHESIS_PROFILE=thorough).
"""

import os

import mpmath
import pytest
from hypothesis import settings

from proofs_check.invariants import register_profiles

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    prec = mpmath.mp.prec
    yield
    mpmath.mp.prec = prec
