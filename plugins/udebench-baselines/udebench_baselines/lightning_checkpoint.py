"""Reading a PyTorch Lightning ``.ckpt`` with ``weights_only=True``, without importing the classes it names.

A Lightning checkpoint pickles more than tensors: the hyper-parameters (md4all's yacs ``CfgNode``),
callback states (paths, numpy scalars). ``weights_only`` refuses any class it does not know, and
allow-listing the real classes would mean installing and trusting their packages. Instead every
class the file names (``torch.serialization.get_unsafe_globals_in_checkpoint``) is read as an inert
stand-in, so no code from the file runs and a ``CfgNode`` reads like the dict it is.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from udebench.plugin import UdebenchError


class Opaque:
    """An object a checkpoint built by calling a class it names: kept as the call's arguments and its state."""

    def __init__(self, *args: Any) -> None:
        self.args = args
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _Inert:
    """Stands in for a class named in a checkpoint, for both ways pickle builds an object from a class.

    Called (pickle's REDUCE: paths, numpy dtypes and scalars) it gives an :class:`Opaque`; through
    ``cls.__new__(cls)`` (NEWOBJ, then items and state: a dict subclass such as yacs' ``CfgNode``) it gives
    an ``OrderedDict``, the one dict type ``weights_only`` lets pickle fill and give attributes to.
    """

    def __init__(self) -> None:
        self.__new__ = lambda cls, *args: OrderedDict()  # type: ignore[method-assign]

    def __call__(self, *args: Any, **kwargs: Any) -> Opaque:
        return Opaque(*args)


def load_lightning_checkpoint(path: str | Path, *, what: str) -> dict[str, Any]:
    """The checkpoint dict of ``path`` (tensors on the CPU); foreign classes become inert dicts."""
    import pickle

    import torch

    path = Path(path)
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
        inert = _Inert()
        allowed = [(inert, name) for name in names] + [(Opaque, f"{Opaque.__module__}.{Opaque.__qualname__}")]
        with torch.serialization.safe_globals(allowed):
            checkpoint = torch.load(str(path), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UdebenchError(f"{what} {path}: not a readable PyTorch Lightning checkpoint ({first})") from exc
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("state_dict"), dict):
        raise UdebenchError(f"{what} {path}: no 'state_dict' in it; is it a PyTorch Lightning .ckpt file?")
    return checkpoint


def lookup(tree: Any, *keys: str, default: Any = None) -> Any:
    """``tree[k1][k2]...`` through nested dicts (a pickled yacs config), or ``default`` when a level is missing."""
    for key in keys:
        if not isinstance(tree, dict) or key not in tree:
            return default
        tree = tree[key]
    return tree
