"""Each real split declares its reference's protocol; the engine feeds the network what the protocol says;
``udebench protocol`` prints it; an overridden run is its own, labelled run."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from PIL import Image

import udebench
from tests.data_fixtures_real import NUSC_K, write_nuscenes
from tests.test_data_kitti import make_kitti_root
from tests.test_data_nuscenes import MINI_SCENES
from tests.test_kitti_c import small_manifest, write_released  # noqa: F401 (small_manifest is a fixture)
from udebench.cli import cli
from udebench.data.kitti.calibration import load_calibration
from udebench.engine.model import EvalModel
from udebench.engine.network_input import NetworkInput, nearest_multiple
from udebench.evaluation.protocol_spec import Protocol, parse_override
from udebench.model import DepthModel
from udebench.plugins import split_spec
from udebench.specs import ModelSpec


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- the protocols the splits declare -----------------------------------------------------------------------------


def test_nuscenes_and_robotcar_follow_md4alls_evaluation():
    for name, max_depth, size in (("nuscenes-night", 80.0, (320, 576)), ("robotcar-night", 50.0, (320, 544))):
        p = split_spec(name).protocol
        assert "md4all" in p.reference and "compute_depth_metrics" in p.reference
        assert (p.align_corners, p.median, p.upsample_space) == (True, "torch", "prediction")
        assert (p.min_depth, p.max_depth, p.crop, p.gt_range) == (0.1, max_depth, None, None)
        assert (p.input_size, p.input_resample) == (size, "lanczos")


def test_kitti_eigen_follows_monodepth2s_evaluate_depth():
    p = split_spec("kitti-eigen").protocol
    assert "monodepth2" in p.reference and "evaluate_depth.py" in p.reference
    assert (p.crop, p.min_depth, p.max_depth, p.median) == ("garg", 1e-3, 80.0, "numpy")
    assert (p.align_corners, p.upsample_space, p.input_size, p.input_resample) == (
        False, "disparity", "model", "lanczos")


def test_kitti_c_feeds_robodepths_images_as_they_are_and_scores_as_monodepth2():
    p = split_spec("kitti-c-gaussian_noise-3").protocol
    assert "RoboDepth" in p.reference and "evaluate_kittic.py" in p.reference
    assert p.input_size == "as_given"
    assert (p.crop, p.median, p.align_corners, p.upsample_space) == ("garg", "numpy", False, "disparity")


def test_drivingstereo_counts_every_positive_gt_pixel_as_robust_depth():
    p = split_spec("drivingstereo-foggy").protocol
    assert "Robust-Depth" in p.reference and p.gt_bounds == (0.0, math.inf)
    assert (p.min_depth, p.max_depth, p.median) == (1e-3, 80.0, "numpy")


def test_synth_keeps_the_conventions_it_always_had():
    p = split_spec("synth-night").protocol
    assert (p.min_depth, p.max_depth, p.align_corners, p.median, p.upsample_space) == (
        0.1, 80.0, False, "numpy", "prediction")
    assert (p.input_size, p.input_resample, p.flip_pp) == ("model", "bilinear", False)


@pytest.mark.parametrize("source", ["synth-day", "kitti-eigen"])
def test_a_translated_split_inherits_its_sources_protocol(source):
    assert split_spec(f"{source}@corrupt-fog-3").protocol == split_spec(source).protocol


# --- overrides -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("median=torch", ("median", "torch")),
    ("align_corners=TRUE", ("align_corners", True)),
    ("input_size=320x576", ("input_size", (320, 576))),
    ("input_size=as_given", ("input_size", "as_given")),
    ("gt_range=0,inf", ("gt_range", (0.0, math.inf))),
    ("crop=none", ("crop", None)),
    ("max_depth=50", ("max_depth", 50.0)),
])
def test_an_override_is_parsed_into_the_fields_type(text, expected):
    assert parse_override(text) == expected


@pytest.mark.parametrize("text, says", [("median", "KEY=VALUE"), ("colour=red", "known: min_depth"),
                                        ("align_corners=maybe", "align_corners"), ("reference=x", "unknown")])
def test_a_bad_override_says_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=says):
        parse_override(text)


def test_an_override_outside_the_allowed_values_is_refused_when_applied():
    with pytest.raises(ValueError, match="median 'mean'"):
        Protocol().with_overrides({"median": "mean"})


def test_the_stored_protocol_is_standard_json():
    stored = split_spec("drivingstereo-rainy").protocol.as_dict()
    assert json.loads(json.dumps(stored, allow_nan=False))["gt_range"] == [0.0, "inf"]


# --- what the network receives ----------------------------------------------------------------------------------


class Recorder(torch.nn.Module):
    """Records every input and intrinsics; predicts depth 10 everywhere at the input's size."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[torch.Tensor] = []
        self.intrinsics: list[torch.Tensor | None] = []

    def forward(self, x: torch.Tensor, k: torch.Tensor | None = None) -> torch.Tensor:
        self.inputs.append(x.clone())
        self.intrinsics.append(None if k is None else k.clone())
        return torch.full((x.shape[0], 1, *x.shape[-2:]), 10.0)


def recording_model(input_size=(64, 224), input_multiple: int = 1) -> DepthModel:
    spec = ModelSpec(name="recorder", factory=lambda **_: None, output="relative_depth", input_size=input_size,
                     input_multiple=input_multiple)
    return DepthModel(spec, Recorder(), forward=lambda module, x, k: module(x, k))


def evaluate_recorder(model: DepthModel, split: str, root, results, **options):
    return udebench.evaluate(model, split, data_root=str(root), num_workers=0, batch_size=1, progress=False,
                             results=str(results), **options)


def test_kitti_c_feeds_the_640x192_image_unchanged_whatever_the_models_size(tmp_path, small_manifest):  # noqa: F811
    make_kitti_root(tmp_path)
    images = write_released(tmp_path, "fog", 3)
    model = recording_model(input_size=(64, 224))
    summary = evaluate_recorder(model, "kitti-c-fog-3", tmp_path, tmp_path / "r.sqlite")
    assert summary.n_done == 2
    received = model.module.inputs[0]
    assert received.shape == (1, 3, 192, 640)
    assert torch.equal(received[0], torch.from_numpy(images[0]).permute(2, 0, 1).float() / 255)
    k = load_calibration(tmp_path / "kitti" / "2011_09_26").p_rect_02[:, :3]
    gt_height, gt_width = udebench.get_split("kitti-eigen", data_root=str(tmp_path))[0]["depth"].shape
    expected_k = k * np.array([[640 / gt_width], [192 / gt_height], [1.0]])
    np.testing.assert_allclose(model.module.intrinsics[0][0].numpy(), expected_k, rtol=1e-6)


def test_a_patch_model_gets_the_nearest_multiple_of_its_patch():
    assert nearest_multiple((320, 576), 14) == (322, 574)
    as_given = NetworkInput.of(split_spec("kitti-c-fog-3").protocol, recording_model(input_multiple=14).spec)
    assert as_given.device_size((192, 640)) == (196, 644)
    assert NetworkInput.of(split_spec("kitti-c-fog-3").protocol, recording_model().spec).device_size(
        (192, 640)) is None


@pytest.mark.parametrize("multiple, size", [(1, (320, 576)), (14, (322, 574))])
def test_nuscenes_feeds_md4alls_lanczos_resized_image_with_scaled_intrinsics(tmp_path, multiple, size):
    fixture = write_nuscenes(tmp_path, "v1.0-mini", MINI_SCENES)
    token = udebench.get_split("nuscenes-mini-day", data_root=str(tmp_path)).sample_ids[0]
    model = recording_model(input_size=(64, 224), input_multiple=multiple)
    evaluate_recorder(model, "nuscenes-mini-day", tmp_path, tmp_path / "r.sqlite")
    original = Image.open(fixture.image_paths[token]).convert("RGB")
    expected = np.asarray(original.resize((size[1], size[0]), Image.LANCZOS))
    received = model.module.inputs[0]
    assert received.shape == (1, 3, *size)
    assert torch.equal(received[0], torch.from_numpy(expected.copy()).permute(2, 0, 1).float() / 255)
    expected_k = np.array(NUSC_K) * np.array([[size[1] / 1600], [size[0] / 900], [1.0]])
    np.testing.assert_allclose(model.module.intrinsics[0][0].numpy(), expected_k, rtol=1e-5)


def test_synth_resizes_to_the_models_own_size_bilinearly_as_before(tmp_path):
    model = recording_model(input_size=(48, 160))
    evaluate_recorder(model, "synth-day", tmp_path, tmp_path / "r.sqlite", limit=1,
                      split_options={"n_frames": 1})
    image = torch.from_numpy(udebench.get_split("synth-day", n_frames=1)[0]["image"]).permute(2, 0, 1)[None]
    expected = F.interpolate(image.float() / 255, size=(48, 160), mode="bilinear", align_corners=False)
    assert torch.equal(model.module.inputs[0], expected)


def test_the_model_resizes_to_its_own_size_unless_told_not_to():
    model = recording_model(input_size=(8, 16))
    model.predict(torch.rand(1, 3, 20, 40))
    model.predict(torch.rand(1, 3, 20, 40), resize=False)
    assert [tuple(x.shape[-2:]) for x in model.module.inputs] == [(8, 16), (20, 40)]


class Mirrored(torch.nn.Module):
    """Depth 1 for an image whose marker (top-left pixel) is lit, 4 for its mirror image."""

    def forward(self, x: torch.Tensor, k: torch.Tensor | None = None) -> torch.Tensor:
        value = torch.where(x[:, 0, 0, 0] > 0.5, 1.0, 4.0)
        return value[:, None, None, None].expand(x.shape[0], 1, *x.shape[-2:])


@pytest.mark.parametrize("space, middle", [("prediction", 2.5), ("disparity", 1 / ((1 + 0.25) / 2))])
def test_flip_post_processing_averages_in_the_declared_space(space, middle):
    spec = ModelSpec(name="mirrored", factory=lambda **_: None, output="relative_depth")
    model = DepthModel(spec, Mirrored(), forward=lambda module, x, k: module(x, k))
    images = torch.zeros(1, 3, 4, 101, dtype=torch.uint8)
    images[0, :, 0, 0] = 255
    pred = EvalModel(model, device="cpu", flip_pp=True, flip_pp_space=space)._predict(images, None)
    assert pred[0, 0, 50].item() == pytest.approx(middle)  # the middle column takes the mean
    assert pred[0, 0, 100].item() == pytest.approx(1.0)  # the right border the plain prediction


# --- the command line ---------------------------------------------------------------------------------------------


def test_protocol_command_prints_every_convention_and_the_reference():
    result = invoke("protocol", "nuscenes-night")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split(None, 1)[1] for line in result.output.splitlines()[1:]}
    assert "md4all" in rows["reference"] and rows["align_corners"] == "true"
    assert rows["median"].startswith("torch") and rows["input_size"] == "320x576"
    assert set(rows) == {key for key, _ in Protocol().describe()}


def test_protocol_command_as_json_is_the_stored_protocol():
    result = invoke("protocol", "kitti-c-fog-3", "--json")
    assert json.loads(result.output) == {"split": "kitti-c-fog-3", **split_spec("kitti-c-fog-3").protocol.as_dict()}


def test_list_splits_with_protocol_gives_each_splits_conventions_in_one_line():
    result = invoke("list", "splits", "--protocol")
    line = next(line for line in result.output.splitlines() if line.startswith("kitti-c-fog-3 "))
    assert "RoboDepth" in line and "input as_given" in line and "numpy median" in line and "crop garg" in line
    assert invoke("list", "models", "--protocol").exit_code != 0


def evaluate_json(results, *extra: str):
    return invoke("evaluate", "--model", "tiny", "--split", "synth-day", "--limit", "2", "--batch-size", "2",
                  "--num-workers", "0", "--results", str(results), "--json", "--no-progress", *extra)


@pytest.mark.slow
def test_an_overridden_run_is_its_own_run_and_labelled_in_the_leaderboard(tiny_plugin, tmp_path):
    results = tmp_path / "r.sqlite"
    plain = json.loads(evaluate_json(results).output.splitlines()[-1])
    overridden = json.loads(evaluate_json(results, "--protocol-override", "median=torch",
                                          "--protocol-override", "align_corners=true").output.splitlines()[-1])
    assert plain["run_id"] != overridden["run_id"]
    assert overridden["protocol_overrides"] == {"align_corners": True, "median": "torch"}
    table = invoke("leaderboard", "--results", str(results), "--format", "csv", "--splits", "synth-day")
    labels = {row[0] for row in csv.reader(io.StringIO(table.output))}
    assert {"tiny", "tiny{align_corners=true,median=torch}"} <= labels


def test_a_bad_override_is_one_line_naming_the_option_and_nothing_is_stored(tiny_plugin, tmp_path):
    result = evaluate_json(tmp_path / "r.sqlite", "--protocol-override", "median=mean")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "--protocol-override" in result.output
    assert "median" in result.output and "numpy, torch" in result.output
    assert not (tmp_path / "r.sqlite").exists()
