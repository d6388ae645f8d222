"""Hypothesis settings profiles for property suites built on semiflat (docs/properties.md).

``dev`` is quick (15 examples per test), ``ci`` reproducible (30 examples, derandomized) and
``thorough`` large (300 examples). None has a deadline: a Hessian at 30 digits takes a varying
fraction of a second, and a deadline would turn load on a shared machine into false failures.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

PROFILES: dict[str, dict] = {
    "dev": dict(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
    "ci": dict(max_examples=30, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]),
    "thorough": dict(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
}
"""Keyword arguments of :class:`hypothesis.settings` per profile name."""


def register_profiles(prefix: str = "") -> tuple[str, ...]:
    """Register the profiles of :data:`PROFILES` with hypothesis as ``prefix + name``; returns
    the registered names. Load one with ``hypothesis.settings.load_profile(name)``, or
    ``pytest --hypothesis-profile NAME``.

    >>> register_profiles("semiflat-")
    ('semiflat-dev', 'semiflat-ci', 'semiflat-thorough')
    """
    names = []
    for name, options in PROFILES.items():
        settings.register_profile(prefix + name, **options)
        names.append(prefix + name)
    return tuple(names)
