"""A contact sheet of the synth world: one row per test scene, one column per condition + depth.

For eyeballing the renderer (``python -m udebench.data.synth.preview out.png``); nothing
else depends on it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import numpy as np

from udebench.data.synth import camera
from udebench.data.synth.conditions import CONDITIONS
from udebench.data.synth.render import shade, view
from udebench.data.synth.splits import seed_for_test
from udebench.data.synth.world import camera_start, sample_scene

GAP = 2


def colourise_depth(depth: np.ndarray, max_depth: float = 80.0) -> np.ndarray:
    """(H, W) metres -> (H, W, 3) uint8 on a log scale, near = bright; invalid (0) = black."""
    from matplotlib import colormaps

    valid = depth > 0
    near = 1.5
    t = 1.0 - np.log(np.clip(depth, near, max_depth) / near) / np.log(max_depth / near)
    rgb = colormaps["magma"](t)[..., :3]
    rgb[~valid] = 0.0
    return (rgb * 255 + 0.5).astype(np.uint8)


def contact_sheet(
    n_scenes: int = 4, conditions: Sequence[str] = CONDITIONS, height: int = 192, width: int = 640
) -> np.ndarray:
    """Grid (uint8 HxWx3) of test scenes 0..n_scenes-1 under each condition, then their depth."""
    rows = []
    for i in range(n_scenes):
        scene = sample_scene(seed_for_test(i))
        v = view(scene, camera.camera_pose(*camera_start(scene)), height, width)
        tiles = [shade(scene, v, c).image for c in conditions] + [colourise_depth(v.depth)]
        rows.append(tiles)
    n_cols = len(conditions) + 1
    sheet = np.full((n_scenes * (height + GAP) - GAP, n_cols * (width + GAP) - GAP, 3), 255, np.uint8)
    for r, tiles in enumerate(rows):
        for c, tile in enumerate(tiles):
            y, x = r * (height + GAP), c * (width + GAP)
            sheet[y : y + height, x : x + width] = tile
    return _label(sheet, list(conditions) + ["depth"], width)


def _label(sheet: np.ndarray, names: list[str], width: int) -> np.ndarray:
    from PIL import Image, ImageDraw

    im = Image.fromarray(sheet)
    draw = ImageDraw.Draw(im)
    for c, name in enumerate(names):
        x = c * (width + GAP) + 6
        draw.text((x + 1, 5), name, fill=(0, 0, 0))
        draw.text((x, 4), name, fill=(255, 255, 255))
    return np.asarray(im).copy()


def write_preview(path: str | os.PathLike, **kw) -> None:
    """Render :func:`contact_sheet` (same keyword arguments) and save it as a PNG."""
    from pathlib import Path

    from PIL import Image

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(contact_sheet(**kw)).save(path)


if __name__ == "__main__":
    write_preview(sys.argv[1] if len(sys.argv) > 1 else "synth_preview.png")
