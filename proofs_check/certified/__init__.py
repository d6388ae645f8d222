"""Certified verdicts: the certifier, the interval tests and the independent certificate verifier (docs/certified.md)."""
