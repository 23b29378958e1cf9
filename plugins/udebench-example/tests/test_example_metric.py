"""near_abs_rel: abs_rel over the valid pixels nearer than 20 m, NaN for an image without one."""

import math

import pytest
import torch
from udebench_example.metric import near_abs_rel


def test_only_valid_pixels_nearer_than_20_m_count():
    gt = torch.tensor([[[10.0, 5.0], [40.0, 8.0]]])
    pred = torch.tensor([[[12.0, 5.5], [1.0, 1.0]]])
    valid = torch.tensor([[[True, True], [True, False]]])
    # near and valid: 10 m (|12 − 10|/10 = 0.2) and 5 m (|5.5 − 5|/5 = 0.1) → 0.15; 40 m is far, 8 m invalid
    assert near_abs_rel(pred, gt, valid).tolist() == pytest.approx([0.15])


def test_each_image_of_a_batch_gets_its_own_value():
    gt = torch.tensor([[[10.0]], [[4.0]]])
    pred = torch.tensor([[[11.0]], [[2.0]]])
    assert near_abs_rel(pred, gt, torch.ones(2, 1, 1, dtype=torch.bool)).tolist() == pytest.approx([0.1, 0.5])


def test_an_image_without_near_pixels_is_nan():
    gt = torch.full((1, 2, 2), 30.0)
    assert math.isnan(near_abs_rel(gt, gt, torch.ones(1, 2, 2, dtype=torch.bool))[0].item())
