"""mmengine 0.10.7 checkpoints under torch ≥ 2.6, loaded with the safe unpickler (``weights_only=True``).

torch 2.6 made ``weights_only=True`` the ``torch.load`` default; mmengine's loader calls ``torch.load``
without the argument, so resuming fails. Two parts of the fix, neither turns the safe loader off:

- :func:`allow_mmengine_checkpoints` allow-lists the plain types a training checkpoint holds
  (the message hub's ``HistoryBuffer``, numpy arrays, dtypes and scalars).
- mmengine pickles ``HistoryBuffer._statistics_methods`` (functions, rebuilt with ``getattr``,
  which must never be allow-listed: with it a pickle can reach any attribute). Our checkpoints store
  :class:`PlainHistoryBuffer` instead (same data, no functions; the defaults come back on load),
  swapped in by :class:`PlainHistoryCheckpointHook` just before each save.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmengine.hooks import Hook
from mmengine.logging.history_buffer import HistoryBuffer

_done = False


class PlainHistoryBuffer(HistoryBuffer):
    """A HistoryBuffer that pickles only its data; unpickling restores the default statistics methods."""

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "statistics_methods"}

    @classmethod
    def of(cls, buffer: HistoryBuffer) -> PlainHistoryBuffer:
        plain = cls(max_length=buffer.max_length)
        plain._log_history = buffer._log_history.copy()
        plain._count_history = buffer._count_history.copy()
        return plain


class PlainHistoryCheckpointHook(Hook):
    """Stores the message hub's scalars as :class:`PlainHistoryBuffer` so the safe unpickler can read them."""

    priority = "VERY_LOW"

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        scalars = checkpoint.get("message_hub", {}).get("log_scalars", {})
        for key, value in scalars.items():
            if isinstance(value, HistoryBuffer) and not isinstance(value, PlainHistoryBuffer):
                scalars[key] = PlainHistoryBuffer.of(value)


def checkpoint_globals() -> list[Any]:
    """The non-tensor types our training checkpoints contain (meta, message hub, optimiser, schedulers)."""
    import numpy as np

    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar  # type: ignore[no-redef]
    dtypes = [type(np.dtype(name)) for name in ("float64", "float32", "float16", "int64", "int32", "bool", "uint8")]
    return [PlainHistoryBuffer, np.ndarray, np.dtype, _reconstruct, scalar, *dtypes]


def allow_mmengine_checkpoints() -> None:
    """Register :func:`checkpoint_globals` with torch's safe unpickler (idempotent)."""
    global _done
    if _done:
        return
    import torch

    torch.serialization.add_safe_globals(checkpoint_globals())
    _done = True


def load_checkpoint_file(path: str | Path, map_location: str = "cpu") -> dict[str, Any]:
    """One of our mmengine checkpoints, loaded with the safe (``weights_only=True``) unpickler."""
    import torch

    allow_mmengine_checkpoints()
    return torch.load(str(path), map_location=map_location, weights_only=True)
