"""`semiflat check` (not built yet)."""

NAME = "check"
HELP = "check (not built yet)"
EXAMPLE = "semiflat check --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat check is not built yet")
