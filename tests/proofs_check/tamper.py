"""Tampering with certificates: what a forger can do (docs/certified.md "Certificates")."""

import copy

from numerics.io.ball_files import digest


def retamper(cert, edit):
    """A copy with ``edit`` applied and every digest recomputed (a forger's best attempt)."""
    c = copy.deepcopy(cert)
    edit(c)
    c["digests"] = {"network": digest(c["network"]), "data": digest(c["data"])}
    c["digest"] = digest({k: v for k, v in c.items() if k != "digest"})
    return c


def digit_changed(text, position):
    """``text`` with its digit number ``position`` (0-based, digits only) increased by 1 mod 10."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    i = digits[position]
    return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
