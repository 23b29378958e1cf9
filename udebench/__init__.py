"""udebench: monocular depth under adverse conditions, and the UDE method.

``import udebench`` stays light: torch, mmengine, diffusers and transformers are imported
only by the functions that need them.
"""

from __future__ import annotations

from udebench.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "evaluate", "get_split", "hookimpl", "load_model"]


def get_split(name: str, data_root: str | None = None, **options):
    """A sized sequence of sample dicts (sample_id, image, depth, intrinsics, condition)."""
    from udebench.api import get_split as _get_split

    return _get_split(name, data_root=data_root, **options)


def load_model(name: str, weights: str | None = None, device: str | None = None):
    """Build the registered model ``name`` as a :class:`udebench.model.DepthModel`."""
    from udebench.api import load_model as _load_model

    return _load_model(name, weights=weights, device=device)


def evaluate(model, split, **options) -> dict:
    """Evaluate ``model`` (name or DepthModel) on ``split`` (name); returns the run summary."""
    from udebench.api import evaluate as _evaluate

    return _evaluate(model, split, **options)
