"""Reading checkpoint files safely and matching their keys strictly, with errors that name the culprit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from udebench.plugin import UdebenchError

#: how many key names an error message shows.
SHOWN_KEYS = 3


def load_torch_file(path: str | Path, *, what: str) -> dict[str, Any]:
    """A ``torch.save`` file read with ``weights_only=True`` on the CPU; a broken file is a one-line error."""
    import pickle

    import torch

    try:
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UdebenchError(f"{what} {path}: not a readable torch checkpoint ({first})") from exc


def key_mismatch(expected: Iterable[str], found: Iterable[str], *, ignored: Iterable[str] = ()) -> tuple[list, list]:
    """``(missing, unexpected)`` key names, sorted; ``ignored`` keys may be present or not."""
    expected, found, ignored = set(expected), set(found), set(ignored)
    return sorted(expected - found - ignored), sorted(found - expected - ignored)


def require_same_keys(expected: Iterable[str], state: Mapping[str, Any], *, source: str | Path, hint: str,
                      ignored: Iterable[str] = ()) -> None:
    """Raise a one-line UdebenchError naming the first few missing and unexpected keys of ``source``."""
    missing, unexpected = key_mismatch(expected, state, ignored=ignored)
    if not missing and not unexpected:
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing key(s) ({_first(missing)})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected key(s) ({_first(unexpected)})")
    raise UdebenchError(f"{source}: {' and '.join(parts)}; {hint}")


def _first(keys: list[str]) -> str:
    shown = ", ".join(keys[:SHOWN_KEYS])
    return shown + (", ..." if len(keys) > SHOWN_KEYS else "")


def tensors_only(entries: Mapping[str, Any]) -> dict[str, Any]:
    """The tensor entries of a checkpoint dict (Monodepth2's encoder.pth also holds ``height``, ``width``, ...)."""
    import torch

    return {key: value for key, value in entries.items() if isinstance(value, torch.Tensor)}
