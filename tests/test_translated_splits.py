"""Translated splits `<source>@<translator>-<condition>`: GT unchanged, image translated, seeded."""

from __future__ import annotations

import numpy as np
import pytest

import udebench
from udebench import hookimpl, plugins
from udebench.errors import UnknownNameError
from udebench.specs import TranslatorSpec


class Darken:
    """Scales the image by 1/(severity+1) plus seeded noise of ±1 grey level."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def __call__(self, image, condition, *, depth=None, seed=None):
        rng = np.random.default_rng(seed)
        noise = rng.integers(-1, 2, image.shape)
        return np.clip(image.astype(np.int64) // (int(condition) + 1) + noise, 0, 255).astype(np.uint8)


class DarkenPlugin:
    @hookimpl
    def register_translators(self, register):
        register(TranslatorSpec(name="dark-test", factory=Darken, conditions=("1", "2")))


@pytest.fixture
def darken():
    plugin = DarkenPlugin()
    plugins.register_plugin(plugin, name="darken-plugin")
    yield
    plugins.unregister_plugin(plugin)


def test_translated_split_keeps_ground_truth_and_translates_the_image(darken):
    source = udebench.get_split("synth-day")
    translated = udebench.get_split("synth-day@dark-test-1")
    a, b = source[3], translated[3]
    assert b["sample_id"] == a["sample_id"] and b["condition"] == "1"
    np.testing.assert_array_equal(b["depth"], a["depth"])
    np.testing.assert_array_equal(b["intrinsics"], a["intrinsics"])
    assert np.abs(b["image"].astype(int) - a["image"].astype(int) // 2).max() <= 1
    np.testing.assert_array_equal(translated[3]["image"], b["image"])  # seeded by the sample id
    assert translated.sample_ids == source.sample_ids


def test_translated_split_spec_inherits_caps_and_count(darken):
    spec = plugins.split_spec("synth-night@dark-test-2")
    source = plugins.lookup("splits", "synth-night")
    assert (spec.min_depth, spec.max_depth, spec.expected_count) == (source.min_depth, source.max_depth, 300)
    assert spec.condition == "2"


def test_unknown_translator_or_condition_is_a_clear_error(darken):
    with pytest.raises(UnknownNameError, match="did you mean dark-test"):
        plugins.split_spec("synth-day@dark-tset-1")
    with pytest.raises(UnknownNameError, match="knows conditions 1, 2"):
        plugins.split_spec("synth-day@dark-test-9")
    with pytest.raises(UnknownNameError, match="did you mean synth-day"):
        plugins.split_spec("synth-dya@dark-test-1")
