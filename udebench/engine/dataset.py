"""A torch Dataset over any split, and the collate function the evaluation loop uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from udebench.engine.network_input import NetworkInput, resize_lanczos, scale_intrinsics
from udebench.evaluation.points import sparse_points
from udebench.samples import same_aspect


class SplitDataset(Dataset):
    """The samples ``indices`` of ``split``; a sample that fails to load becomes an error record.

    Errors are caught here (in the worker) and decided on in the main process, so that
    ``--on-error raise`` names the file and ``--on-error skip`` records it and goes on. When the
    protocol resizes in the loader (``network_input.in_loader``: Lanczos, as the reference loaders), the
    image arrives at the network's size with its intrinsics scaled. Sparse ground truth (LiDAR: at
    most a fifth of the pixels) travels as points, never as a dense map.

    Samples and batches are numpy arrays, which DataLoader workers send by value through their
    pipe; :func:`as_tensor` makes tensors of them in the main process (no copy). Torch tensors would
    travel as file descriptors handed over by ``multiprocessing.resource_sharer``, a handshake that a
    Ctrl-C can cut in the middle, which printed a traceback from the worker.
    """

    def __init__(self, split: Sequence[dict[str, Any]], indices: Sequence[int],
                 network_input: NetworkInput | None = None) -> None:
        self.split = split
        self.indices = list(indices)
        self.network_input = network_input

    @property
    def metainfo(self) -> dict[str, Any]:
        return {"split": getattr(self.split, "name", None)}

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> dict[str, Any]:
        index = self.indices[i]
        try:
            sample = self.split[index]
            image = np.asarray(sample["image"])
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise ValueError(f"image must be uint8 HxWx3, got {image.dtype} {image.shape}")
            if image.shape[0] < 1 or image.shape[1] < 1:
                raise ValueError(f"image is empty ({image.shape})")
            depth = np.asarray(sample["depth"], dtype=np.float32)
            if depth.ndim != 2:  # its size may differ from the image's (KITTI-C feeds 640x192, scores full size)
                raise ValueError(f"depth must be HxW, got shape {depth.shape}")
            if depth.shape != image.shape[:2] and not same_aspect(depth.shape, image.shape[:2]):
                raise ValueError(f"depth {depth.shape} and image {image.shape[:2]} differ in size and aspect ratio")
            intrinsics = np.asarray(sample["intrinsics"], dtype=np.float32)
            if intrinsics.shape != (3, 3) or not np.isfinite(intrinsics).all():
                raise ValueError(f"intrinsics must be a finite 3x3 matrix, got shape {intrinsics.shape}")
            if self.network_input is not None and self.network_input.in_loader:
                size = self.network_input.size
                intrinsics = scale_intrinsics(intrinsics, image.shape[:2], size)
                image = resize_lanczos(image, size)
            points = sparse_points(depth)
        except Exception as exc:  # reported per sample, never silently dropped
            sample_id = _sample_id_of(self.split, index)
            return {"index": index, "sample_id": sample_id, "error": f"{type(exc).__name__}: {exc}"}
        return {
            "index": index,
            "sample_id": str(sample["sample_id"]),
            "image": np.ascontiguousarray(image.transpose(2, 0, 1)),  # CHW, as the model takes it
            "depth": depth if points is None else points,
            "depth_size": tuple(depth.shape),
            "intrinsics": np.asarray(intrinsics, dtype=np.float32),
            "error": None,
        }


def _sample_id_of(split: Any, index: int) -> str:
    ids = getattr(split, "sample_ids", None)
    if ids is not None:
        try:
            return str(ids[index])
        except Exception:
            pass
    return f"#{index}"


def collate_samples(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack good samples' images (lists when sizes differ); ground truth stays per sample; keep error records apart.

    ``depth`` is a list: a ``[H, W]`` array, or ``(rows, cols, depth)`` points, per sample; ``depth_size``
    their ``(H, W)``. :class:`udebench.engine.depth_metric.DepthMetric` batches them for scoring.
    """
    good = [item for item in items if item["error"] is None]
    batch: dict[str, Any] = {
        "errors": [(item["index"], item["sample_id"], item["error"]) for item in items if item["error"] is not None],
        "indices": [item["index"] for item in good],
        "sample_ids": [item["sample_id"] for item in good],
    }
    if not good:
        batch.update(images=None, depth=None, depth_size=None, intrinsics=None)
        return batch
    same_size = len({tuple(item["image"].shape) for item in good}) == 1
    for key, out in (("image", "images"), ("intrinsics", "intrinsics")):
        arrays = [item[key] for item in good]
        batch[out] = np.stack(arrays) if same_size else arrays
    batch["depth"] = [item["depth"] for item in good]
    batch["depth_size"] = [item["depth_size"] for item in good]
    return batch


def as_tensor(value: Any) -> Any:
    """A batch field as torch: an array becomes a tensor sharing its memory, a list or tuple a list of them."""
    if value is None or isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (list, tuple)):
        return [as_tensor(item) for item in value]
    return torch.from_numpy(np.asarray(value))
