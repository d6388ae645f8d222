"""Every certificate the theorem checks produce is accepted by ``semiflat verify``, and each one
with one digit changed (in a parameter, or in the box / point it proves) is rejected.

The verifier re-derives every enclosure from the certificate's strings with its own tests
(proofs_check.certified.verify_certificate), so acceptance is an independent re-check of each proof.
"""

import pytest

import proofs_check.checks.result as ledger_module
from proofs_check.checks import CHECKS, CheckConfig
from proofs_check.certified.verify_certificate import NotProved, verify
from tests.proofs_check.tamper import digit_changed, retamper

THEOREMS = ("T3", "T4a", "T4b", "T4c", "T5", "T6", "T7", "T8", "T9")


@pytest.fixture(scope="module")
def produced():
    """(theorem, Certification) for every point the quick checks sent to certify()."""
    found, original = [], ledger_module.certify
    current = {}

    def recording(*args, **kwargs):
        proof = original(*args, **kwargs)
        found.append((current["theorem"], proof))
        return proof

    ledger_module.certify = recording  # the name Ledger.certify calls
    try:
        for theorem in THEOREMS:
            current["theorem"] = theorem
            result = CHECKS[theorem].check(CheckConfig(quick=True))
            assert result.passed, (theorem, result.notes)
    finally:
        ledger_module.certify = original
    return found


def _kind(cert):
    return cert["claim"]["verdict"], tuple(t["test"] for t in cert["tests"])


def test_every_check_certifies_its_points_and_verify_accepts_them(produced):
    proved = [(t, p) for t, p in produced if p.proved]
    by_theorem = {t: [p.proved for s, p in produced if s == t] for t in THEOREMS}
    # each of these checks proves every concrete point it tries (the certified column k/k)
    for theorem in THEOREMS:
        assert by_theorem[theorem] and all(by_theorem[theorem]), (theorem, by_theorem[theorem])
    for theorem, proof in proved:
        lines = verify(proof.certificate)
        assert lines[-1].startswith("proved") and proof.verdict in lines[-1], (theorem, lines)
    kinds = {_kind(p.certificate) for _, p in proved}
    for expected in (("global-minimum", ("relu-cell",)), ("global-minimum", ("zero-residual",)),
                     ("semi-flat-minimum", ("relu-cell",)), ("not-critical", ("gradient",))):
        assert expected in kinds, kinds
    assert any(v == "saddle" and t[-1] == "rayleigh" for v, t in kinds)
    assert any(v == "semi-flat-minimum" and t[0] == "krawczyk" for v, t in kinds)


def _box_tamper(cert):
    """An edit changing one digit of the box or point the certificate proves, or None."""
    test = cert["tests"][0]
    if test["test"] == "relu-cell":
        return lambda c: c["tests"][0]["point"].__setitem__(0, digit_changed(c["tests"][0]["point"][0], 3))
    if test["test"] in ("krawczyk", "zero-residual"):
        fixed = set(test.get("fixed", [])) | (set(range(len(test["centre"]))) - set(test.get("free", range(10 ** 6))))
        k = next(i for i in range(len(test["centre"])) if i not in fixed)
        return lambda c: c["tests"][0]["centre"].__setitem__(k, digit_changed(c["tests"][0]["centre"][k], 2))
    return None


def test_one_digit_changed_is_rejected_for_every_certificate(produced):
    for theorem, proof in produced:
        if not proof.proved:
            continue
        cert = proof.certificate
        W = cert["network"]["parameters"]["W"]
        plain = retamper(cert, lambda c: None)
        plain["network"]["parameters"]["W"][0][0][0] = digit_changed(W[0][0][0], -1)
        with pytest.raises(NotProved, match="digest"):
            verify(plain)
        edit = _box_tamper(cert)
        if edit is not None:
            with pytest.raises(NotProved):
                verify(retamper(cert, edit))
            with pytest.raises(NotProved):  # a parameter, digests recomputed
                verify(retamper(cert, lambda c: c["network"]["parameters"]["W"][0][0].__setitem__(
                    0, digit_changed(c["network"]["parameters"]["W"][0][0][0], 2))))
