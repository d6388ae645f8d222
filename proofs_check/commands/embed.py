"""`semiflat embed` (not built yet)."""

NAME = "embed"
HELP = "embed (not built yet)"
EXAMPLE = "semiflat embed --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat embed is not built yet")
