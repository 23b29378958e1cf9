"""The physics translator and the clean/adverse sampling the student sees."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_ude")

from udebench_ude.conditions import default_p_clean, sample_conditions, translate_mixed  # noqa: E402
from udebench_ude.translate_physics import CONDITIONS, PhysicsTranslator, koschmieder  # noqa: E402

from tests.ude_helpers import render_plane  # noqa: E402


@pytest.fixture
def day_image() -> np.ndarray:
    image = render_plane(4.0, 0.0, 28, 56)
    image[:3, :5] = 255  # a lamp: glow at night
    return image


@pytest.mark.parametrize("condition", CONDITIONS)
def test_translation_is_deterministic_by_seed_and_keeps_shape_and_dtype(day_image, condition):
    translator = PhysicsTranslator(seed=3)
    first = translator(day_image, condition)
    assert first.shape == day_image.shape and first.dtype == np.uint8
    assert np.array_equal(first, translator(day_image, condition))
    assert np.array_equal(first, PhysicsTranslator(seed=0)(day_image, condition, seed=3))
    if condition != "fog":  # fog draws only visibility and airlight: two seeds may still differ little
        assert not np.array_equal(first, translator(day_image, condition, seed=4))


def test_night_is_darker_than_day(day_image):
    night = PhysicsTranslator(seed=0)(day_image, "night")
    assert night.mean() < 0.6 * day_image.mean()


def test_fog_at_large_depth_is_the_airlight_exactly():
    image = np.zeros((4, 6, 3), np.uint8)
    translator = PhysicsTranslator(seed=0, fog_visibility=50.0, fog_airlight=0.8)
    out = translator(image, "fog", depth=np.full((4, 6), 1e4, np.float32))
    assert np.all(out == round(0.8 * 255))


def test_fog_follows_koschmieder_at_every_depth():
    translator = PhysicsTranslator(seed=0, fog_visibility=60.0, fog_airlight=0.9)
    images = torch.rand(2, 3, 4, 6, generator=torch.Generator().manual_seed(0))
    depth = torch.linspace(1.0, 80.0, 24).view(1, 1, 4, 6).expand(2, 1, 4, 6)
    out = translator.translate_batch(images, "fog", depth=depth)
    t = torch.exp(-(3.912 / 60.0) * depth)
    assert torch.allclose(out, images * t + 0.9 * (1 - t), atol=1e-6)
    assert torch.allclose(koschmieder(images, depth, torch.tensor([0.0, 0.0]), torch.tensor([0.5, 0.5])), images)


def test_fog_without_depth_uses_a_row_prior_denser_at_the_top(day_image):
    fog = PhysicsTranslator(seed=0, fog_airlight=1.0)(np.zeros_like(day_image), "fog").astype(float)
    assert fog[0].mean() > fog[-1].mean()


@pytest.mark.parametrize("condition", CONDITIONS)
def test_each_image_of_a_batch_equals_its_single_call(day_image, condition):
    translator = PhysicsTranslator(seed=0)
    other = np.ascontiguousarray(day_image[::-1])
    x = torch.from_numpy(np.stack([day_image, other])).permute(0, 3, 1, 2).float() / 255
    batch = translator.translate_batch(x, condition, seeds=[7, 8])
    for i, (image, seed) in enumerate(((day_image, 7), (other, 8))):
        single = translator(image, condition, seed=seed)
        assert np.abs((batch[i].permute(1, 2, 0) * 255).round().numpy() - single).max() <= 1


def test_translator_is_registered(ude_plugin):
    from udebench.plugins import lookup

    spec = lookup("translators", "physics")
    assert set(spec.conditions) == set(CONDITIONS)
    assert spec.factory(seed=1).seed == 1


def test_clean_probability_is_c_over_c_plus_one():
    assert default_p_clean(["night", "rain", "fog", "snow"]) == pytest.approx(0.8)
    assert default_p_clean([]) == 1.0


def test_sampled_clean_frequency_matches_p_and_conditions_are_uniform():
    conditions = ["night", "rain", "fog", "snow"]
    draws = sample_conditions(20000, conditions, default_p_clean(conditions), torch.Generator().manual_seed(0))
    assert draws.count(None) / len(draws) == pytest.approx(0.8, abs=0.01)
    for condition in conditions:
        assert draws.count(condition) / len(draws) == pytest.approx(0.05, abs=0.006)


def test_day_only_never_translates():
    assert set(sample_conditions(100, [], 1.0, torch.Generator().manual_seed(0))) == {None}


def test_translate_mixed_changes_only_the_chosen_images():
    images = torch.rand(3, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    out = translate_mixed(PhysicsTranslator(seed=0), images, [None, "night", None])
    assert torch.equal(out[0], images[0]) and torch.equal(out[2], images[2])
    assert out[1].mean() < images[1].mean()
