"""Sequence indexing shared by every split class."""

from __future__ import annotations

import operator


def normalize_index(index: int, length: int) -> int:
    """``index`` as a position in ``[0, length)``; negative counts from the end; IndexError past either end."""
    i = operator.index(index)
    if i < 0:
        i += length
    if not 0 <= i < length:
        raise IndexError(f"index {index} out of range for a split of {length}")
    return i
