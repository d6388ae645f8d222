"""pytest plugin (entry point ``semiflat`` in ``pytest11``): registers the semiflat hypothesis
profiles as ``semiflat-dev``, ``semiflat-ci`` and ``semiflat-thorough`` so that
``pytest --hypothesis-profile semiflat-ci`` works in any project that installs semiflat, without
touching profiles of the project's own (docs/properties.md)."""

from proofs_check.invariants.profiles import register_profiles

register_profiles("semiflat-")
