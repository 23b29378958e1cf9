"""gamma: out = 255 · (in/255) ** gamma, gamma 2 for dark and 0.5 for bright, plus noise drawn from the seed."""

import numpy as np
import pytest
from udebench_example.translator import GammaTranslator


def test_dark_and_bright_apply_their_tone_curve():
    image = np.full((2, 3, 3), 128, np.uint8)
    translator = GammaTranslator(noise=0.0)
    assert translator(image, "dark")[0, 0].tolist() == [64] * 3  # 255 · (128/255)² = 64.25
    assert translator(image, "bright")[0, 0].tolist() == [181] * 3  # 255 · √(128/255) = 180.67


def test_noise_is_drawn_from_the_seed():
    image = np.full((8, 8, 3), 100, np.uint8)
    translator = GammaTranslator(noise=3.0)
    assert np.array_equal(translator(image, "dark", seed=1), translator(image, "dark", seed=1))
    assert not np.array_equal(translator(image, "dark", seed=1), translator(image, "dark", seed=2))


def test_an_unknown_condition_names_the_known_ones():
    with pytest.raises(ValueError, match="'foggy' not in dark, bright"):
        GammaTranslator()(np.zeros((2, 2, 3), np.uint8), "foggy")
