"""`semiflat train` (not built yet)."""

NAME = "train"
HELP = "train (not built yet)"
EXAMPLE = "semiflat train --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat train is not built yet")
