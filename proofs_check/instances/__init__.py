"""Concrete instances: critical points, their searches, adversarial builders, snapping and the random-network strategies (docs/invariants.md)."""
