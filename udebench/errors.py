"""The one exception users see as a single line (no traceback)."""

from __future__ import annotations


class UdebenchError(Exception):
    """A user error: wrong name, missing data, bad file. The CLI prints it as one line."""


class UnknownNameError(UdebenchError, LookupError):
    """A model/split/metric/... name that nobody registered."""


class DuplicateNameError(UdebenchError):
    """Two plugins registered the same name."""


class DataNotFoundError(UdebenchError, FileNotFoundError):
    """A split's data is not where it should be."""


class CorruptSampleError(UdebenchError):
    """A sample's file could not be read."""
