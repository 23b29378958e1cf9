"""The trainable-network contract: how a trainer (any plugin's) trains a model (any plugin's).

A model plugin that lets its architecture be trained sets ``ModelSpec.network``:
``network(seed=None, **arch) -> TrainableNetwork`` builds a randomly initialised network (``arch``:
size options the plugin documents). Trainers look the spec up by name, so ``rgd`` or
``self_supervised`` can train ``ude_student``'s DINOv2+DPT or ``monodepth2``'s ResNet alike.

Output convention (Monodepth2's): the network predicts a sigmoid ``σ ∈ (0, 1)`` per pixel, read as
the scaled disparity ``disp = 1/max_depth + (1/min_depth − 1/max_depth)·σ``, ``depth = 1/disp``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch


@runtime_checkable
class TrainableNetwork(Protocol):
    """What ``ModelSpec.network`` returns (an ``nn.Module`` with these attributes and methods).

    * ``forward(x) -> dict``: ``x`` is ``[B, 3, H, W]`` already normalised with ``mean``/``std``, H and W
      multiples of ``input_multiple``. The dict holds ``"sigma"``, ``[B, 1, H, W]`` in (0, 1) at full
      resolution, and may hold ``"sigma_scales"``: a list of coarser ``[B, 1, h, w]`` sigmoid maps
      (finest first, the full-resolution one included) for multi-scale losses.
    * ``min_depth``, ``max_depth``: the depth range σ maps to (metres, or units of the poses).
    * ``mean``, ``std``: per-channel input normalisation (RGB in [0, 1] before it).
    * ``input_multiple``: both input sides must be multiples of it (14 for DINOv2, 32 for a ResNet U-Net).
    * ``arch``: a JSON-able dict that rebuilds the same architecture (``network(**arch)``).
    * ``export(path, card) -> sha256``: write the weights where the model's own factory reads them
      (``--weights path``), with ``card`` (a JSON-able dict: training provenance) beside or inside.
    """

    min_depth: float
    max_depth: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    input_multiple: int
    arch: dict[str, Any]

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]: ...

    def export(self, path: str | Path, card: dict[str, Any]) -> str: ...


def sigmoid_to_disp(sigma: torch.Tensor, min_depth: float, max_depth: float) -> torch.Tensor:
    """Monodepth2's scaled disparity: σ=0 → 1/max_depth, σ=1 → 1/min_depth."""
    min_disp, max_disp = 1.0 / max_depth, 1.0 / min_depth
    return min_disp + (max_disp - min_disp) * sigma


def sigmoid_to_depth(sigma: torch.Tensor, min_depth: float, max_depth: float) -> torch.Tensor:
    """Depth from σ (Monodepth2's ``disp_to_depth``, depth part)."""
    return 1.0 / sigmoid_to_disp(sigma, min_depth, max_depth)
