"""Per-image depth metrics: hand-worked values, a float64 numpy reference, and the conventions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from udebench.evaluation.metrics import (
    BUILTIN_METRICS,
    a1,
    a2,
    a3,
    abs_rel,
    depth_metrics,
    log10,
    rmse,
    rmse_log,
    silog_dav2,
    silog_eigen,
    silog_kitti,
    silog_unidepth,
    sq_rel,
)

LN2 = math.log(2.0)


# One 1x4 image: valid pixels (pred, gt) = (2, 1), (4, 4), (1, 2); the 4th pixel (99 vs 5) is invalid.
PRED = torch.tensor([[[2.0, 4.0, 1.0, 99.0]]])
GT = torch.tensor([[[1.0, 4.0, 2.0, 5.0]]])
VALID = torch.tensor([[[True, True, True, False]]])


def value(fn) -> float:
    return fn(PRED, GT, VALID).item()


def test_abs_rel_by_hand():
    # (|2-1|/1 + |4-4|/4 + |1-2|/2) / 3 = (1 + 0 + 0.5) / 3 = 0.5; the invalid pixel (99 vs 5) is ignored
    assert value(abs_rel) == pytest.approx(0.5)


def test_sq_rel_by_hand():
    # ((2-1)^2/1 + 0/4 + (1-2)^2/2) / 3 = (1 + 0 + 0.5) / 3 = 0.5
    assert value(sq_rel) == pytest.approx(0.5)


def test_rmse_by_hand():
    # sqrt((1 + 0 + 1) / 3) = sqrt(2/3)
    assert value(rmse) == pytest.approx(math.sqrt(2 / 3))


def test_rmse_log_by_hand():
    # d = ln(2/1), ln(4/4), ln(1/2) = ln2, 0, -ln2 -> sqrt((ln2^2 + 0 + ln2^2) / 3) = ln2 * sqrt(2/3)
    assert value(rmse_log) == pytest.approx(LN2 * math.sqrt(2 / 3))


def test_log10_by_hand():
    # (|log10 2 - log10 1| + 0 + |log10 1 - log10 2|) / 3 = 2 log10(2) / 3
    assert value(log10) == pytest.approx(2 * math.log10(2) / 3)


def test_delta_accuracies_by_hand():
    # ratios max(p/g, g/p): 4/4 = 1, 3/2 = 1.5, 15/8 = 1.875, 2/1 = 2
    # thresholds 1.25, 1.5625, 1.953125 -> a1 = 1/4 (1), a2 = 2/4 (1, 1.5), a3 = 3/4 (1, 1.5, 1.875)
    pred = torch.tensor([[[4.0, 3.0, 15.0, 1.0]]])
    gt = torch.tensor([[[4.0, 2.0, 8.0, 2.0]]])
    valid = torch.ones_like(gt, dtype=torch.bool)
    assert a1(pred, gt, valid).item() == pytest.approx(0.25)
    assert a2(pred, gt, valid).item() == pytest.approx(0.5)
    assert a3(pred, gt, valid).item() == pytest.approx(0.75)


def test_delta_threshold_is_strict():
    # 5/4 = 1.25 exactly is not < 1.25 (Monodepth2: thresh < 1.25)
    pred, gt = torch.tensor([[[5.0]]]), torch.tensor([[[4.0]]])
    assert a1(pred, gt, torch.ones_like(gt, dtype=torch.bool)).item() == 0.0


# silog example: pred = (2, 4), gt = (1, 1) -> d = (ln2, 2 ln2); mean(d) = 1.5 ln2, mean(d^2) = 2.5 ln2^2
SI_PRED = torch.tensor([[[2.0, 4.0]]])
SI_GT = torch.tensor([[[1.0, 1.0]]])
SI_VALID = torch.ones_like(SI_GT, dtype=torch.bool)


def test_silog_kitti_by_hand():
    # 100 sqrt(2.5 ln2^2 - 2.25 ln2^2) = 100 * 0.5 ln2 = 50 ln2
    assert silog_kitti(SI_PRED, SI_GT, SI_VALID).item() == pytest.approx(50 * LN2)


def test_silog_eigen_by_hand():
    # sqrt(2.5 ln2^2 - 1 * 2.25 ln2^2) = 0.5 ln2
    assert silog_eigen(SI_PRED, SI_GT, SI_VALID).item() == pytest.approx(0.5 * LN2)


def test_silog_dav2_by_hand():
    # sqrt(2.5 ln2^2 - 0.5 * 2.25 ln2^2) = sqrt(1.375) ln2
    assert silog_dav2(SI_PRED, SI_GT, SI_VALID).item() == pytest.approx(math.sqrt(1.375) * LN2)


def test_silog_unidepth_by_hand():
    # unbiased std of (ln2, 2 ln2) = sqrt(((-0.5 ln2)^2 + (0.5 ln2)^2) / (2 - 1)) = sqrt(0.5) ln2; times 100
    assert silog_unidepth(SI_PRED, SI_GT, SI_VALID).item() == pytest.approx(100 * math.sqrt(0.5) * LN2)


def test_silog_unidepth_is_nan_for_a_single_pixel():
    one = torch.tensor([[[2.0]]]), torch.tensor([[[1.0]]]), torch.tensor([[[True]]])
    assert math.isnan(silog_unidepth(*one).item())


@pytest.mark.parametrize("fn", [silog_kitti, silog_eigen, silog_unidepth])
def test_scale_invariant_silogs_ignore_a_global_scale(fn):
    assert fn(SI_PRED * 7.3, SI_GT, SI_VALID).item() == pytest.approx(fn(SI_PRED, SI_GT, SI_VALID).item(), rel=1e-5)


def test_silog_dav2_is_not_scale_invariant():
    assert silog_dav2(SI_PRED * 7.3, SI_GT, SI_VALID).item() != pytest.approx(
        silog_dav2(SI_PRED, SI_GT, SI_VALID).item()
    )


def test_silog_of_a_perfectly_scaled_prediction_is_zero_not_nan():
    gt = torch.rand(1, 30, 40) * 50 + 1
    valid = torch.ones_like(gt, dtype=torch.bool)
    assert silog_kitti(gt * 3.0, gt, valid).item() == pytest.approx(0.0, abs=1e-3)


def test_an_image_without_valid_pixels_gives_nan_for_every_metric():
    pred = torch.cat([PRED, PRED])
    gt = torch.cat([GT, GT])
    valid = torch.cat([VALID, torch.zeros_like(VALID)])
    values = depth_metrics(pred, gt, valid)
    for name, per_image in values.items():
        assert not math.isnan(per_image[0].item()), name
        assert math.isnan(per_image[1].item()), name


def test_metrics_are_per_image_not_pooled():
    # image 0: one valid pixel, abs_rel 1; image 1: three perfect pixels, abs_rel 0.
    pred = torch.tensor([[[2.0, 0.0, 0.0, 0.0]], [[1.0, 2.0, 3.0, 4.0]]])
    gt = torch.tensor([[[1.0, 5.0, 5.0, 5.0]], [[1.0, 2.0, 3.0, 7.0]]])
    valid = torch.tensor([[[True, False, False, False]], [[True, True, True, False]]])
    assert abs_rel(pred, gt, valid).tolist() == pytest.approx([1.0, 0.0])


# --- against a float64 numpy reference (Monodepth2 style: per image, gt[mask], pred[mask]) ---------------


def reference(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    p = pred[mask].astype(np.float64)
    g = gt[mask].astype(np.float64)
    if p.size == 0:
        return {name: math.nan for name in BUILTIN_METRICS}
    thresh = np.maximum(g / p, p / g)
    d = np.log(p) - np.log(g)
    return {
        "abs_rel": np.mean(np.abs(g - p) / g),
        "sq_rel": np.mean((g - p) ** 2 / g),
        "rmse": np.sqrt(np.mean((g - p) ** 2)),
        "rmse_log": np.sqrt(np.mean((np.log(g) - np.log(p)) ** 2)),
        "log10": np.mean(np.abs(np.log10(p) - np.log10(g))),
        "a1": np.mean(thresh < 1.25),
        "a2": np.mean(thresh < 1.25**2),
        "a3": np.mean(thresh < 1.25**3),
        "silog_kitti": 100 * np.sqrt(np.mean(d**2) - np.mean(d) ** 2),
        "silog_eigen": np.sqrt(np.mean(d**2) - np.mean(d) ** 2),
        "silog_dav2": np.sqrt(np.mean(d**2) - 0.5 * np.mean(d) ** 2),
        "silog_unidepth": 100 * np.std(d, ddof=1) if d.size > 1 else math.nan,
    }


def random_batch(seed: int, dtype=torch.float32, batch=4, height=17, width=23):
    g = torch.Generator().manual_seed(seed)
    gt = (torch.rand(batch, height, width, generator=g, dtype=torch.float64) * 79 + 1).to(dtype)
    noise = 0.3 * torch.randn(batch, height, width, generator=g, dtype=torch.float64) + 0.1
    pred = (gt.double() * noise.exp()).to(dtype)
    valid = torch.rand(batch, height, width, generator=g) < 0.3
    valid[-1] = False  # one image without valid pixels
    return pred, gt, valid


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_depth_metrics_match_a_float64_numpy_reference(seed):
    pred, gt, valid = random_batch(seed)
    ours = depth_metrics(pred, gt, valid)
    for b in range(pred.shape[0]):
        expected = reference(pred[b].numpy(), gt[b].numpy(), valid[b].numpy())
        for name in BUILTIN_METRICS:
            assert ours[name][b].item() == pytest.approx(expected[name], rel=1e-5, abs=1e-7, nan_ok=True), (b, name)


def test_float64_input_matches_the_reference_tightly_and_stays_float64():
    pred, gt, valid = random_batch(3, dtype=torch.float64)
    ours = depth_metrics(pred, gt, valid)
    expected = reference(pred[0].numpy(), gt[0].numpy(), valid[0].numpy())
    for name in BUILTIN_METRICS:
        assert ours[name].dtype == torch.float64
        assert ours[name][0].item() == pytest.approx(expected[name], rel=1e-10), name


def test_float32_input_gives_float32_per_image_values():
    pred, gt, valid = random_batch(4)
    for name, values in depth_metrics(pred, gt, valid).items():
        assert values.dtype == torch.float32, name
        assert values.shape == (pred.shape[0],), name


@pytest.mark.parametrize("name", list(BUILTIN_METRICS))
def test_each_metric_function_alone_equals_depth_metrics(name):
    pred, gt, valid = random_batch(5)
    fn = BUILTIN_METRICS[name][0]
    torch.testing.assert_close(fn(pred, gt, valid), depth_metrics(pred, gt, valid)[name], equal_nan=True)


def test_depth_metrics_accepts_a_channel_dimension():
    pred, gt, valid = random_batch(6)
    flat = depth_metrics(pred, gt, valid)
    with_channel = depth_metrics(pred[:, None], gt[:, None], valid[:, None])
    for name in BUILTIN_METRICS:
        torch.testing.assert_close(with_channel[name], flat[name], equal_nan=True)


def test_depth_metrics_computes_only_the_named_metrics():
    pred, gt, valid = random_batch(7)
    assert list(depth_metrics(pred, gt, valid, names=["rmse", "a1"])) == ["rmse", "a1"]


def test_an_unknown_metric_name_is_an_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="silog_kitti"):
        depth_metrics(PRED, GT, VALID, names=["silog"])


def test_a_non_bool_mask_is_rejected():
    with pytest.raises(ValueError, match="bool"):
        abs_rel(PRED, GT, VALID.float())


def test_mismatched_shapes_are_rejected():
    with pytest.raises(ValueError, match="same shape"):
        abs_rel(PRED, GT[..., :3], VALID)


def test_metrics_table_lists_function_direction_and_description():
    assert {"abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "a1", "a2", "a3"} <= set(BUILTIN_METRICS)
    assert {"silog_kitti", "silog_eigen", "silog_dav2", "silog_unidepth"} <= set(BUILTIN_METRICS)
    for name, (fn, _, description) in BUILTIN_METRICS.items():
        assert callable(fn) and fn.__name__ == name
        assert description and "\n" not in description
    assert [n for n, (_, hib, _) in BUILTIN_METRICS.items() if hib] == ["a1", "a2", "a3"]


@pytest.mark.parametrize("name", [n for n in BUILTIN_METRICS if n.startswith("silog")])
def test_every_silog_variant_documents_its_formula(name):
    doc = BUILTIN_METRICS[name][0].__doc__
    assert "mean(d^2)" in doc or "std(d)" in doc
    assert "ln pred - ln gt" in doc
