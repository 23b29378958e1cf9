"""Render one frame of a scene under a condition: geometry once, then light and weather.

Speed note: a frame makes hundreds of short-lived ~0.5-1.5 MB numpy temporaries. glibc's
malloc gives such memory back to the OS as soon as the heap top is free and takes it back
with page faults on the next allocation, which costs about a third of the render time. On
the first render we therefore ask glibc (``mallopt(M_TOP_PAD)``) to keep 32 MB of slack at
the heap top. It only changes how much freed memory the process holds on to; set
``UDEBENCH_SYNTH_MALLOC_PAD=0`` to leave the allocator alone.
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass, field

import numpy as np

from udebench.data.synth import camera
from udebench.data.synth.conditions import SHADERS, condition_rng, frame_rng
from udebench.data.synth.raycast import cast, z_depth
from udebench.data.synth.surfaces import Surface, describe
from udebench.data.synth.world import Scene

#: bump when the pictures or depths change, so cached frames are re-rendered.
RENDERER_VERSION = 1


@dataclass
class Frame:
    """A rendered frame: the image, exact z-depth (0 = sky), intrinsics and camera-to-world pose."""

    image: np.ndarray  # (H, W, 3) uint8
    depth: np.ndarray  # (H, W) float32
    intrinsics: np.ndarray  # (3, 3) float64
    pose: np.ndarray  # (4, 4) float64
    condition: str
    parts: dict = field(default_factory=dict)


@dataclass
class View:
    """What a camera sees before any lighting: the part every condition shares."""

    surface: Surface
    depth: np.ndarray
    intrinsics: np.ndarray
    pose: np.ndarray


_MALLOC_TUNED = False
_M_TOP_PAD = -2
_PAD_BYTES = 32 << 20


def _tune_malloc() -> None:
    """Keep heap slack so numpy temporaries do not page-fault on every frame (see module docstring)."""
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    if not sys.platform.startswith("linux") or os.environ.get("UDEBENCH_SYNTH_MALLOC_PAD", "1") == "0":
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_TOP_PAD, _PAD_BYTES)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def view(scene: Scene, pose: np.ndarray, height: int, width: int) -> View:
    """Cast the rays and texture the surfaces seen from ``pose``."""
    _tune_malloc()
    K = camera.intrinsics(height, width)
    rays = camera.camera_rays(pose, K, height, width)
    gb = cast(scene, rays)
    depth = z_depth(gb)
    return View(surface=describe(scene, rays, gb, depth), depth=depth, intrinsics=K, pose=pose)


def shade(scene: Scene, v: View, condition: str, frame: int = 0) -> Frame:
    """Light and weather a view; ``frame`` seeds the per-frame effects (noise, rain, flakes)."""
    rng_scene = condition_rng(scene.seed, condition)  # raises a helpful error for unknown names
    shaded = SHADERS[condition](scene, v.surface, v.pose, v.depth, rng_scene, frame_rng(scene.seed, condition, frame))
    return Frame(shaded.image, v.depth, v.intrinsics, v.pose, condition, shaded.parts)


def render(scene: Scene, pose: np.ndarray, condition: str, height: int, width: int, frame: int = 0) -> Frame:
    """Render ``scene`` from ``pose`` under ``condition`` at height x width pixels."""
    return shade(scene, view(scene, pose, height, width), condition, frame)


def render_depth(scene: Scene, pose: np.ndarray, height: int, width: int) -> np.ndarray:
    """Only the ground-truth depth of a view (no shading): (H, W) float32 metres, 0 = sky."""
    K = camera.intrinsics(height, width)
    return z_depth(cast(scene, camera.camera_rays(pose, K, height, width)))
