"""Atomic file output for the CLI (the implementation lives in :mod:`numerics.atomic`)."""

from numerics.atomic import atomic_path, write_atomic

__all__ = ["atomic_path", "write_atomic"]
