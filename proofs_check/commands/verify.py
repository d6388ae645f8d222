"""`semiflat verify CERT.json`: re-check a certificate from scratch (proofs_check.certified.verify_certificate).

Exit codes: 0 the certificate proves its claim, 1 it does not (a digest or a test fails), 2 bad
input (unreadable or malformed file). See docs/certified.md.
"""

from __future__ import annotations

import json

NAME = "verify"
HELP = ("re-check a certificate written by 'classify --certify --certificate' with ball arithmetic only; "
        "exit 0 proved, 1 not proved, 2 bad input")
EXAMPLE = "semiflat verify cert.json"


def configure(parser):
    """Add the options of ``semiflat verify`` to ``parser``."""
    parser.add_argument("certificate", metavar="CERT.json", help="a certificate (semiflat.certificate/1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    """Re-check the certificate with ball arithmetic only and print whether it proves its claim; exit code 0
    proved, 1 not proved, 2 bad input (docs/certified.md).
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.data_file import parse_json_text, read_text
    from proofs_check.certified.verify_certificate import NotProved, verify

    cert = parse_json_text(read_text(args.certificate), str(args.certificate))
    try:
        lines = verify(_plain(cert))
    except NotProved as exc:
        if args.json:
            print(json.dumps({"file": str(args.certificate), "proved": False, "reason": str(exc)}, indent=2))
        else:
            print(f"{args.certificate}: not proved: {exc}")
        return 1
    claim = cert["claim"]
    if args.json:
        print(json.dumps({"file": str(args.certificate), "proved": True, "verdict": claim["verdict"],
                          "theorems": claim.get("theorems", []), "steps": lines}, indent=2))
    else:
        print(f"{args.certificate}: proved: {claim['verdict']} ({', '.join(claim.get('theorems', []))})")
        print("\n".join(f"  {line}" for line in lines))
    return 0


def _plain(obj):
    """JSON numbers that were kept as text (JsonNumber) back to plain strings, the digests' form."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, str):
        return str(obj)
    return obj
