"""The synth splits: test frames and short training sequences, rendered on demand and cached.

Seeds: test scene i uses seed ``TEST_SEED_OFFSET + i`` and training scene j uses
``TRAIN_SEED_OFFSET + j``; each split holds at most ``MAX_SCENES`` scenes, so the two ranges
never overlap and no training scene is ever a test scene.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from udebench.data.indexing import normalize_index
from udebench.data.synth import camera
from udebench.data.synth.cache import FrameCache, cache_enabled
from udebench.data.synth.conditions import CONDITIONS
from udebench.data.synth.render import RENDERER_VERSION, render, render_depth
from udebench.data.synth.world import Scene, camera_start, sample_scene

__all__ = ["CONDITIONS", "SynthSequenceSplit", "SynthSplit", "seed_for_test", "seed_for_train", "sequence_poses"]

TEST_SEED_OFFSET = 10_000_000
TRAIN_SEED_OFFSET = 20_000_000
MAX_SCENES = 10_000_000


def seed_for_test(index: int) -> int:
    """Seed of test scene ``index``."""
    return TEST_SEED_OFFSET + _check_scene_index(index)


def seed_for_train(index: int) -> int:
    """Seed of training scene ``index``."""
    return TRAIN_SEED_OFFSET + _check_scene_index(index)


def _check_scene_index(index: int) -> int:
    if not 0 <= index < MAX_SCENES:
        raise ValueError(f"synth scene index must be in [0, {MAX_SCENES}), not {index}")
    return index


def _check(condition: str, count: int, what: str, height: int, width: int) -> None:
    if condition not in CONDITIONS:
        raise ValueError(f"unknown synth condition {condition!r}; choose one of {', '.join(CONDITIONS)}")
    if not 0 <= count <= MAX_SCENES:
        raise ValueError(f"{what} must be between 0 and {MAX_SCENES}, not {count}")
    if height < 8 or width < 8:
        raise ValueError(f"synth images must be at least 8x8 pixels, not {height}x{width}")


class SynthSplit(Sequence):
    """Test frames of the synth world under one condition: ``split[i]`` is scene i's frame.

    Scene i has the same geometry, camera and ``sample_id`` under every condition, so its
    depth is identical across conditions.
    """

    kind = "test"

    def __init__(
        self,
        condition: str = "day",
        n_frames: int = 300,
        height: int = 192,
        width: int = 640,
        cache_dir: str | os.PathLike | None = None,
    ) -> None:
        _check(condition, n_frames, "n_frames", height, width)
        self.condition = condition
        self.n_frames = n_frames
        self.height = height
        self.width = width
        self._cache = FrameCache(cache_dir, self.kind, height, width) if cache_enabled() else None

    def __len__(self) -> int:
        return self.n_frames

    @property
    def config(self) -> dict[str, Any]:
        """What decides the samples' content; stored with every run so results never mix sizes."""
        return {"renderer": RENDERER_VERSION, "height": self.height, "width": self.width}

    @property
    def sample_ids(self) -> list[str]:
        """Ids without rendering, so a resumed evaluation skips finished frames for free."""
        return [f"synth-test-{i:06d}" for i in range(self.n_frames)]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        i = normalize_index(index, len(self))
        name = f"{i:06d}"
        image = depth = None
        if self._cache is not None:
            image = self._cache.load_image(self.condition, name)
            depth = self._cache.load_depth(name) if image is not None else None
        if image is None or depth is None:
            scene = self.scene(i)  # once: pose(i) would build it again
            frame = render(scene, camera.camera_pose(*camera_start(scene)), self.condition, self.height, self.width)
            image, depth = frame.image, frame.depth
            if self._cache is not None:
                self._cache.save_image(self.condition, name, image)
                self._cache.save_depth(name, depth)
        return {
            "sample_id": f"synth-test-{name}",
            "image": image,
            "depth": depth,
            "intrinsics": camera.intrinsics(self.height, self.width),
            "condition": self.condition,
        }

    def scene(self, index: int) -> Scene:
        """The geometry of scene ``index`` (for inspection; translators never see it)."""
        return sample_scene(seed_for_test(normalize_index(index, len(self))))

    def pose(self, index: int) -> np.ndarray:
        """Camera-to-world pose of frame ``index``."""
        return camera.camera_pose(*camera_start(self.scene(index)))

    def __repr__(self) -> str:
        return f"SynthSplit(condition={self.condition!r}, n_frames={self.n_frames}, size={self.height}x{self.width})"


def sequence_poses(scene: Scene, n_frames: int) -> list[np.ndarray]:
    """Camera-to-world poses of a car driving forward through ``scene``.

    0.5-1.5 m and up to +-0.5 degrees of turn per frame, at most 6 m in all so the camera never
    reaches the car ahead; drawn from the scene seed's own stream.
    """
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([scene.seed, 11])))
    x, y, z, yaw = camera_start(scene)
    step = float(rng.uniform(0.5, 1.5))
    if n_frames > 1:
        step = min(step, 6.0 / (n_frames - 1))
    turn = math.radians(float(rng.uniform(-0.5, 0.5)))
    poses = []
    for _ in range(n_frames):
        poses.append(camera.camera_pose(x, y, z, yaw))
        x += step * math.sin(yaw)
        z += step * math.cos(yaw)
        yaw += turn
    return poses


class SynthSequenceSplit(Sequence):
    """Training sequences: ``seq[i]`` is the middle frame of a short drive through training scene i.

    Besides the usual keys it has ``pose`` (4x4 camera-to-world) and ``context``: the other
    frames, each ``{"image", "pose", "T_target_to_context", "offset"}``, where
    ``T_target_to_context`` maps target-camera coordinates to that context camera's, and
    ``offset`` is its frame distance from the target (-1, +1, ...).
    """

    kind = "train"

    def __init__(
        self,
        condition: str = "day",
        n_sequences: int = 1000,
        frames_per_sequence: int = 3,
        height: int = 192,
        width: int = 640,
        cache_dir: str | os.PathLike | None = None,
    ) -> None:
        _check(condition, n_sequences, "n_sequences", height, width)
        if frames_per_sequence < 1:
            raise ValueError(f"frames_per_sequence must be at least 1, not {frames_per_sequence}")
        self.condition = condition
        self.n_sequences = n_sequences
        self.frames_per_sequence = frames_per_sequence
        self.height = height
        self.width = width
        self.target = frames_per_sequence // 2
        self._cache = FrameCache(cache_dir, self.kind, height, width) if cache_enabled() else None

    def __len__(self) -> int:
        return self.n_sequences

    @property
    def config(self) -> dict[str, Any]:
        """What decides the samples' content, and the training scene seeds (disjoint from every test seed)."""
        return {"renderer": RENDERER_VERSION, "height": self.height, "width": self.width,
                "frames_per_sequence": self.frames_per_sequence,
                "scene_seeds": {"first": seed_for_train(0), "last": TRAIN_SEED_OFFSET + self.n_sequences - 1,
                                "count": self.n_sequences}}

    @property
    def sample_ids(self) -> list[str]:
        return [f"synth-train-{i:06d}-{self.target}" for i in range(self.n_sequences)]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]

    def scene(self, index: int) -> Scene:
        return sample_scene(seed_for_train(normalize_index(index, len(self))))

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        i = normalize_index(index, len(self))
        scene = self.scene(i)
        poses = sequence_poses(scene, self.frames_per_sequence)
        images = []
        depth = None
        for k, pose in enumerate(poses):
            name = f"{i:06d}-{k}"
            image = self._cache.load_image(self.condition, name) if self._cache is not None else None
            if image is None:
                frame = render(scene, pose, self.condition, self.height, self.width, frame=k)
                image = frame.image
                if self._cache is not None:
                    self._cache.save_image(self.condition, name, image)
                if k == self.target:
                    depth = frame.depth
                    if self._cache is not None:
                        self._cache.save_depth(name, depth)
            images.append(image)
        target_pose = poses[self.target]
        if depth is None:
            depth = self._depth(scene, f"{i:06d}-{self.target}", target_pose)
        context = [
            {
                "image": images[k],
                "pose": pose,
                "T_target_to_context": np.linalg.inv(pose) @ target_pose,
                "offset": k - self.target,
            }
            for k, pose in enumerate(poses)
            if k != self.target
        ]
        return {
            "sample_id": f"synth-train-{i:06d}-{self.target}",
            "image": images[self.target],
            "depth": depth,
            "intrinsics": camera.intrinsics(self.height, self.width),
            "condition": self.condition,
            "pose": target_pose,
            "context": context,
        }

    def _depth(self, scene: Scene, name: str, pose: np.ndarray) -> np.ndarray:
        """Target depth when its image came from the cache: from the cache too, else geometry only."""
        if self._cache is not None:
            depth = self._cache.load_depth(name)
            if depth is not None:
                return depth
        depth = render_depth(scene, pose, self.height, self.width)
        if self._cache is not None:
            self._cache.save_depth(name, depth)
        return depth

    def __repr__(self) -> str:
        return (
            f"SynthSequenceSplit(condition={self.condition!r}, n_sequences={self.n_sequences}, "
            f"frames_per_sequence={self.frames_per_sequence}, size={self.height}x{self.width})"
        )
