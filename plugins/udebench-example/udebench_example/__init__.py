"""The template plugin: a model, a metric and a translator, each one spec and one small module.

* ``ground_plane`` (model, ``model.py``) predicts depth from image rows alone, as if the world were a
  flat road seen by a level camera: depth ∝ 1 / (v − horizon) below the horizon, far above it. A real
  (weak) baseline every learnt model should beat; it needs no weights.
* ``near_abs_rel`` (metric, ``metric.py``): abs_rel over pixels nearer than 20 m.
* ``gamma`` (translator, ``translator.py``): a tone curve and seeded noise, conditions ``dark`` and
  ``bright``, so ``synth-day@gamma-dark`` is a split.

Only the public plugin API (``udebench.plugin``) is imported, and torch only inside the factories,
so ``udebench list`` stays instant.
"""

from __future__ import annotations

from udebench.plugin import MetricSpec, ModelSpec, TranslatorSpec, hookimpl
from udebench_example.metric import near_abs_rel


def build_ground_plane(weights=None, device=None):
    """Factory: heavy imports (torch) happen here, when the model is used, not when listed."""
    from udebench.plugin import DepthModel
    from udebench_example.model import GroundPlane

    return DepthModel(GROUND_PLANE, GroundPlane(), forward=lambda module, images, k: module(images, k))


def build_gamma(seed: int = 0, **options):
    """Factory of the translator: ``options`` come from the caller (``build_translator("gamma", noise=0)``)."""
    from udebench_example.translator import GammaTranslator

    return GammaTranslator(seed=seed, **options)


GROUND_PLANE = ModelSpec(
    name="ground_plane",
    factory=build_ground_plane,
    output="relative_depth",
    description="flat-road prior from image rows (no weights); the example plugin",
    accepts_weights=False,
)
NEAR_ABS_REL = MetricSpec(
    name="near_abs_rel",
    fn=near_abs_rel,
    higher_is_better=False,
    description="abs_rel over pixels nearer than 20 m (the example plugin)",
)
GAMMA = TranslatorSpec(
    name="gamma",
    factory=build_gamma,
    conditions=("dark", "bright"),
    description="tone curve (gamma 2 or 0.5) and seeded sensor noise (the example plugin)",
)


@hookimpl
def register_models(register):
    register(GROUND_PLANE)


@hookimpl
def register_metrics(register):
    register(NEAR_ABS_REL)


@hookimpl
def register_translators(register):
    register(GAMMA)
