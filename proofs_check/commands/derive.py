"""`semiflat derive` (not built yet)."""

NAME = "derive"
HELP = "derive (not built yet)"
EXAMPLE = "semiflat derive --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat derive is not built yet")
