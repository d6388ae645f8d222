"""Typed errors for semiflat.

Every error message names the argument, the offending value, what was expected and how to fix
it. The CLI turns any :class:`SemiflatError` into one line on stderr and exit code 2.
"""

from __future__ import annotations


class SemiflatError(Exception):
    """Base class of every error semiflat raises on purpose."""


class InvalidArchitecture(SemiflatError):
    """Widths, activation or bias flag do not describe a network semiflat can build."""


class InvalidParameters(SemiflatError):
    """Parameter arrays do not match the architecture (shape, count, bias presence)."""


class IncompatibleEmbedding(SemiflatError):
    """An embedding request that cannot be carried out (bad layer, unit, ratio or option)."""


class InvalidInput(SemiflatError):
    """User input (data, option value, file content) is malformed or out of range."""


class FileFormatError(InvalidInput):
    """A network or data file does not follow its documented format."""


class NotConverged(SemiflatError):
    """An iterative method stopped before reaching its target; carries the last iterate."""

    def __init__(self, message: str, last_iterate=None):
        super().__init__(message)
        self.last_iterate = last_iterate
