"""The physics translator and the clean/adverse sampling the student sees."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_ude")

from udebench_ude.conditions import paper_p, sample_conditions, translate_mixed  # noqa: E402
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


def test_the_papers_p_is_c_over_c_plus_one():
    assert paper_p(["night", "rain", "fog", "snow"]) == pytest.approx(0.8)
    assert paper_p([]) == 0.0


@pytest.mark.parametrize("p_translate", [0.2, 0.8])
def test_sampled_translation_frequency_matches_p_translate_and_conditions_are_uniform(p_translate):
    conditions = ["night", "rain", "fog", "snow"]
    draws = sample_conditions(20000, conditions, p_translate, torch.Generator().manual_seed(0))
    assert 1 - draws.count(None) / len(draws) == pytest.approx(p_translate, abs=0.01)
    for condition in conditions:
        assert draws.count(condition) / len(draws) == pytest.approx(p_translate / 4, abs=0.006)


def test_day_only_never_translates():
    assert set(sample_conditions(100, [], 1.0, torch.Generator().manual_seed(0))) == {None}
    assert set(sample_conditions(100, ["night"], 0.0, torch.Generator().manual_seed(0))) == {None}


def test_translate_mixed_changes_only_the_chosen_images():
    images = torch.rand(3, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    out = translate_mixed(PhysicsTranslator(seed=0, night_model="dusk"), images, [None, "night", None])
    assert torch.equal(out[0], images[0]) and torch.equal(out[2], images[2])
    assert out[1].mean() < images[1].mean()


def _night_stats(image: np.ndarray, sky: np.ndarray) -> tuple[float, float, float]:
    lum = image.astype(float).mean(axis=2) / 255.0
    return lum.mean(), (lum < 0.1).mean(), lum[sky].mean() if sky.any() else float("nan")


def test_headlight_night_falls_off_with_the_square_of_distance():
    image = np.full((40, 80, 3), 160, np.uint8)
    depth = np.full((40, 80), 4.0, np.float32)
    depth[:, 40:] = 16.0  # the same grey wall, 4× farther on the right
    night = PhysicsTranslator(seed=0, night_ambient=0.0, night_lamps=0.0, night_photons=1e6, night_read_noise=0.0,
                              night_bloom=0.0)(image, "night", depth=depth)
    linear = (night[30:, :, :].astype(float) / 255.0) ** 2.2  # below the horizon, where the low beams reach
    near, far = linear[:, 30:40].mean(), linear[:, 40:50].mean()  # columns beside the centre: same beam strength
    assert near / far == pytest.approx(16.0, rel=0.25)


def test_headlight_night_sky_is_near_black():
    white = np.full((32, 64, 3), 255, np.uint8)
    night = PhysicsTranslator(seed=0, night_lamps=0.0)(white, "night", depth=np.full((32, 64), 80.0, np.float32))
    assert night.astype(float).mean() / 255.0 < 0.12


def test_headlight_night_resembles_the_renderers_night_more_than_the_dusk_model():
    from udebench.data.synth.splits import SynthSplit

    day, rendered = SynthSplit("day", n_frames=6, height=48, width=160), SynthSplit("night", n_frames=6, height=48,
                                                                                     width=160)
    models = {m: PhysicsTranslator(seed=0, night_model=m) for m in ("headlights", "dusk")}
    stats = {"renderer": [], "headlights": [], "dusk": []}
    for i in range(6):
        gt = day[i]["depth"]
        depth_map = np.where(gt > 0, gt, 80.0).astype(np.float32)
        stats["renderer"].append(_night_stats(rendered[i]["image"], gt <= 0))
        for name, translator in models.items():
            stats[name].append(_night_stats(translator(day[i]["image"], "night", depth=depth_map, seed=i), gt <= 0))
    ref, ours, dusk = (np.nanmean(np.asarray(stats[k]), axis=0) for k in ("renderer", "headlights", "dusk"))
    assert abs(ours[0] - ref[0]) < 0.05  # overall brightness
    assert abs(ours[1] - ref[1]) < 0.08  # share of near-black pixels
    assert abs(ours[2] - ref[2]) < abs(dusk[2] - ref[2])  # the sky: black at night, not a dusky blue


def test_unknown_night_model_is_an_error():
    with pytest.raises(ValueError, match="night_model"):
        PhysicsTranslator(night_model="moonlit")
