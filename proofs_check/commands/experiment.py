"""`semiflat experiment` (not built yet)."""

NAME = "experiment"
HELP = "experiment (not built yet)"
EXAMPLE = "semiflat experiment --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat experiment is not built yet")
