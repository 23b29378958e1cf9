"""The template plugin: one hook, one ModelSpec, one factory.

``ground_plane`` predicts depth from image rows alone, as if the world were a flat road
seen by a level camera: depth ∝ 1 / (v − horizon) below the horizon, far above it. It is
a real (weak) baseline that every learnt model should beat, and it needs no weights.
"""

from __future__ import annotations

from udebench.plugin import ModelSpec, hookimpl


def build_ground_plane(weights=None, device=None):
    """Factory: heavy imports (torch) happen here, when the model is used, not when listed."""
    from udebench.plugin import DepthModel
    from udebench_example.model import GroundPlane

    return DepthModel(GROUND_PLANE, GroundPlane(), forward=lambda module, images, k: module(images, k))


GROUND_PLANE = ModelSpec(
    name="ground_plane",
    factory=build_ground_plane,
    output="relative_depth",
    description="flat-road prior from image rows (no weights); the example plugin",
    accepts_weights=False,
)


@hookimpl
def register_models(register):
    register(GROUND_PLANE)
