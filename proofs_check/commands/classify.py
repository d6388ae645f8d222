"""`semiflat classify` (not built yet)."""

NAME = "classify"
HELP = "classify (not built yet)"
EXAMPLE = "semiflat classify --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat classify is not built yet")
