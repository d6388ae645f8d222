"""`semiflat merge` (not built yet)."""

NAME = "merge"
HELP = "merge (not built yet)"
EXAMPLE = "semiflat merge --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat merge is not built yet")
