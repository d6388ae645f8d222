"""Helpers that only the tests use (importable as ``support`` from every test module)."""
