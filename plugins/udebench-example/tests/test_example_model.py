"""ground_plane: relative depth 1 / (v − horizon) per row, as a flat road seen by a level camera."""

import pytest
import torch
from udebench_example.model import GroundPlane


def test_depth_rises_towards_the_horizon_given_by_the_intrinsics():
    images = torch.zeros(1, 3, 4, 2)
    k = torch.tensor([[[2.0, 0.0, 1.0], [0.0, 2.0, 1.0], [0.0, 0.0, 1.0]]])  # horizon at row 1.0
    depth = GroundPlane(far=20.0)(images, k)
    # row centres 0.5..3.5: (v − 1)/4 = −0.125 (above: far), 0.125, 0.375, 0.625 → 20, 8, 8/3, 1.6
    assert depth.shape == (1, 1, 4, 2)
    assert depth[0, 0, :, 0].tolist() == pytest.approx([20.0, 8.0, 8.0 / 3.0, 1.6])


def test_without_intrinsics_the_horizon_is_the_middle_row():
    depth = GroundPlane(far=20.0)(torch.zeros(2, 3, 4, 3))
    # (v − 2)/4 = −0.375, −0.125, 0.125, 0.375 → far, far, 8, 8/3
    assert depth[1, 0, :, 2].tolist() == pytest.approx([20.0, 20.0, 8.0, 8.0 / 3.0])
