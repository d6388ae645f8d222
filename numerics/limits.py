"""Every size limit semiflat enforces, in one place (docs/contract.md, "Limits").

Inputs are checked against these limits before anything is allocated or computed, so a hostile
or mistyped size fails within a second with one line on stderr (exit 2) instead of allocating
gigabytes or running for hours. Each limit is far above what the paper's experiments use.
"""

from __future__ import annotations

import os
import sys

from theory.errors import InvalidInput

# --- precision -----------------------------------------------------------------------------
DPS_MAX = 10_000
"""Largest working precision (decimal digits) of a file, ``train --dps`` or a computation."""
CLASSIFY_DPS_RANGE = (10, 1000)
"""``classify --dps``: a Hessian eigen-decomposition needs at least 10 digits; 1000 is the most
a dense eigensolver at that precision finishes in reasonable time."""
CHECK_DPS_RANGE = (20, 1000)
"""``check --dps``: the checks separate zeros at half the digits, so at least 20."""

# --- sizes of networks and data ------------------------------------------------------------
MAX_WIDTH = 10_000
"""Largest width of any layer (files, ``embed --to``)."""
MAX_LAYERS = 100
"""Largest number of weight layers in a network file."""
MAX_PARAMS = 1_000_000
"""Largest parameter count of a network read from a file or built by ``embed``."""
MAX_EMBED_TO = 2_000
"""Largest ``embed --to`` (each new unit copies the parameters once)."""
MAX_CLASSIFY_PARAMS = 2_000
"""Largest parameter count ``classify`` takes (its Hessian is dense, D x D at high precision)."""
MAX_SAMPLES = 100_000
"""Largest number of samples in a data file or a generated data set (``train --n``)."""
MAX_RELU_EXACT_SAMPLES = 200
"""Largest data set the exact one-input ReLU trainer takes (its kink programme recurses per point)."""
MAX_TRAIN_HIDDEN = 1_000
"""Largest ``train --hidden``."""
MAX_RESTARTS = 100_000
"""Largest ``train --max-restarts``."""

# --- the experiment ------------------------------------------------------------------------
MAX_TRIALS = 1_000_000
MAX_HMAX = 200
MAX_MONTE_CARLO = 1_000_000
MAX_CHUNK = 100_000
MAX_WORKERS = 4 * (os.cpu_count() or 1)
"""At most four worker processes per CPU (every worker is started at once)."""
MAX_SEED = 2**63 - 1
MAX_OPTION_MAGNITUDE = 1e6
"""Largest magnitude of a real-valued option such as ``--scale``, ``--margin``, ``--rho-scale``."""

# --- files and numbers ---------------------------------------------------------------------
MAX_FILE_BYTES = 256 * 2**20
"""Largest network, data or results file read (256 MiB)."""
MAX_NUMBER_CHARS = 20_000
"""Longest decimal number (characters) in a file or an option: 2 x DPS_MAX digits."""
MAX_EXPONENT = 100_000
"""Largest decimal exponent magnitude (``1e100000``); beyond it no computation finishes."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of lists and objects in a JSON file (the formats need at most 4 levels for
numbers; provenance chains of ``embed`` add one level per step)."""
MAX_CSV_CELL = MAX_NUMBER_CHARS
"""Longest CSV cell (characters)."""

INT_STR_DIGITS = 2 * MAX_NUMBER_CHARS + 100
"""Python refuses int <-> str conversions above 4300 digits by default (a guard against huge
inputs); semiflat bounds its inputs itself (:data:`MAX_NUMBER_CHARS`) and converts numbers of up
to DPS_MAX digits, so importing this module raises Python's limit to this value."""
if hasattr(sys, "set_int_max_str_digits") and 0 < sys.get_int_max_str_digits() < INT_STR_DIGITS:
    sys.set_int_max_str_digits(INT_STR_DIGITS)

MEMORY_BUDGET = 512 * 2**20
"""Estimated memory a single array may take before it is allocated (512 MiB)."""


def check_range(name: str, value: int, low: int, high: int, why: str = "") -> int:
    """``value`` if ``low <= value <= high``, else :class:`InvalidInput` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{name} {value!r} is out of range; expected an integer from {low} to {high}"
                           + (f" ({why})" if why else ""))
    return value


def check_dps(name: str, dps) -> int:
    """A precision in 1..DPS_MAX."""
    return check_range(name, dps, 1, DPS_MAX, "decimal digits")


def mpf_bytes(dps: int) -> int:
    """Estimated bytes of one mpmath number at ``dps`` digits (object, mantissa, array slot)."""
    return 120 + int(dps * 0.42)


def check_memory(what: str, entries: int, bytes_each: int, how_to_fix: str) -> None:
    """Refuse an array of ``entries`` items of ``bytes_each`` bytes above :data:`MEMORY_BUDGET`."""
    need = int(entries) * int(bytes_each)
    if need > MEMORY_BUDGET:
        raise InvalidInput(f"{what} would need about {need / 2**20:.0f} MiB (limit {MEMORY_BUDGET // 2**20} MiB); "
                           f"{how_to_fix}")
