"""Symbolic derivations and proofs (sympy only)."""
