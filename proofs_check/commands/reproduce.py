"""`semiflat reproduce` (not built yet)."""

NAME = "reproduce"
HELP = "reproduce (not built yet)"
EXAMPLE = "semiflat reproduce --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat reproduce is not built yet")
