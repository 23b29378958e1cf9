"""KITTI-C splits: the Eigen test frames under one corruption and severity, with the clean GT.

Two sources, same samples and ground truth:

- ``released``: RoboDepth's images (640×192), read from ``<root>/kitti_c`` (:mod:`.robodepth`);
- ``generated``: the clean KITTI image resized to 640×192 (area), corrupted by udebench's own
  implementation (:mod:`.corruptions`) seeded by (seed, corruption, sample id), as RoboDepth made them.

Either way the sample's image is the 640×192 one, and the split's protocol feeds it to the network as it
is (RoboDepth's ``mono_dataset_kittic.py`` loads it without resizing); the ground truth stays at full
resolution, where the prediction is scored with the Garg crop. Intrinsics are ``P_rect_02`` scaled to the
640×192 image (``K[0] *= 640/W``, ``K[1] *= 192/H``).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from udebench.data.indexing import normalize_index
from udebench.data.kitti.eigen import KittiEigenSplit, read_rgb
from udebench.data.kitti_c.corruptions import corrupt
from udebench.data.kitti_c.robodepth import RELEASED_SIZE, released_image_path

#: bump when generated images change, so stored results never mix generator versions.
GENERATOR_VERSION = 1
SOURCES = ("auto", "released", "generated")


def sample_seed(seed: int, corruption: str, sample_id: str) -> int:
    """The seed of one generated image: the same for every severity, so severities differ only in strength."""
    return zlib.crc32(f"{seed}:{corruption}:{sample_id}".encode())


class KittiCSplit(Sequence):
    """``eigen[i]`` with its image corrupted (released by RoboDepth or generated here)."""

    def __init__(self, eigen: KittiEigenSplit, corruption: str, severity: int, *, source: str,
                 kitti_c_dir: Path | None = None, seed: int = 0, name: str | None = None) -> None:
        if source not in ("released", "generated"):
            raise ValueError(f"source must be 'released' or 'generated', not {source!r}")
        self.eigen = eigen
        self.corruption = corruption
        self.severity = int(severity)
        self.source = source
        self.kitti_c_dir = kitti_c_dir
        self.seed = int(seed)
        self.name = name or f"kitti-c-{corruption}-{severity}"
        self.condition = f"{corruption}-{severity}"

    def __len__(self) -> int:
        return len(self.eigen)

    @property
    def sample_ids(self) -> list[str]:
        return self.eigen.sample_ids

    @property
    def config(self) -> dict[str, Any]:
        out: dict[str, Any] = {"eigen": self.eigen.config, "corruption": self.corruption, "severity": self.severity,
                               "source": self.source, "corrupt_size": list(RELEASED_SIZE)}
        if self.source == "generated":
            out.update(generator=GENERATOR_VERSION, seed=self.seed)
        return out

    def image_path(self, index: int) -> Path:
        sample_id = self.eigen.sample_ids[index]
        if self.source == "released":
            return released_image_path(self.kitti_c_dir, self.corruption, self.severity, sample_id)
        return self.eigen.layout.image(sample_id)

    def _small_image(self, index: int) -> np.ndarray:
        """The 640×192 corrupted image."""
        image = read_rgb(self.image_path(index))
        height, width = RELEASED_SIZE
        if self.source == "released":
            return image
        small = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        seed = sample_seed(self.seed, self.corruption, self.eigen.sample_ids[index])
        return corrupt(small, self.corruption, self.severity, seed=seed)

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        index = normalize_index(index, len(self))
        sample_id = self.eigen.sample_ids[index]
        depth = self.eigen.depth(index)
        image = np.ascontiguousarray(self._small_image(index))
        intrinsics = np.array(self.eigen.intrinsics(sample_id), dtype=np.float64)
        intrinsics[0] *= image.shape[1] / depth.shape[1]
        intrinsics[1] *= image.shape[0] / depth.shape[0]
        return {"sample_id": sample_id, "image": image, "depth": depth, "intrinsics": intrinsics,
                "condition": self.condition}
