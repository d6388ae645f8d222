"""`semiflat bench` (not built yet)."""

NAME = "bench"
HELP = "bench (not built yet)"
EXAMPLE = "semiflat bench --help"


def configure(parser):
    pass


def run(args) -> int:
    from proofs_check.cli import UsageError

    raise UsageError("semiflat bench is not built yet")
