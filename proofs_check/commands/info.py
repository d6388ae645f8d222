"""`semiflat info` (not built yet)."""

NAME = "info"
HELP = "info (not built yet)"
EXAMPLE = "semiflat info --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat info is not built yet")
