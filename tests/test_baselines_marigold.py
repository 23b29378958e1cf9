"""marigold: a diffusers MarigoldDepthPipeline save_pretrained folder, its options, affine-invariant depth."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("udebench_baselines")

from udebench_baselines.tiny_weights import write_marigold  # noqa: E402

import udebench  # noqa: E402
from tests.baselines_fixtures import cli_error, cli_evaluate, registered_baselines_plugin  # noqa: E402
from udebench.errors import UdebenchError  # noqa: E402
from udebench.plugins import lookup  # noqa: E402


@pytest.fixture(autouse=True)
def _baselines_plugin():
    with registered_baselines_plugin() as plugin:
        yield plugin


@pytest.fixture(scope="module")
def pipeline_folder(tmp_path_factory):
    return write_marigold(tmp_path_factory.mktemp("marigold") / "marigold_tiny")


def _images(seed: int = 0):
    return torch.rand(2, 3, 48, 160, generator=torch.Generator().manual_seed(seed))


def test_saved_pipeline_loads_and_predicts_affine_depth_at_the_input_size(pipeline_folder):
    model = udebench.load_model("marigold", weights=str(pipeline_folder), device="cpu")
    assert model.spec.output == "affine_depth" and model.spec.default_alignment == "lstsq_depth"
    depth = model.predict(_images())
    assert depth.shape == (2, 48, 160)
    assert float(depth.min()) >= 0.0 and float(depth.max()) <= 1.0  # the pipeline's [0, 1] prediction


def test_the_seed_makes_predictions_reproducible_and_steps_change_them(pipeline_folder):
    build = lookup("models", "marigold").factory
    one_step = build(weights=str(pipeline_folder), steps=1, processing_resolution=64)
    images = _images(1)
    torch.testing.assert_close(one_step.predict(images), one_step.predict(images))
    two_steps = build(weights=str(pipeline_folder), steps=2, processing_resolution=64)
    assert not torch.allclose(one_step.predict(images), two_steps.predict(images))


def test_an_ensemble_gives_one_prediction_per_image(pipeline_folder):
    model = lookup("models", "marigold").factory(weights=str(pipeline_folder), ensemble_size=2, steps=1)
    assert model.predict(_images(2)).shape == (2, 48, 160)


def test_a_disparity_pipeline_is_scored_as_affine_disparity(tmp_path):
    folder = write_marigold(tmp_path / "disparity", prediction_type="disparity")
    assert udebench.load_model("marigold", weights=str(folder), device="cpu").spec.output == "affine_disparity"


def test_an_unknown_option_is_one_line_naming_the_options(pipeline_folder):
    with pytest.raises(UdebenchError, match="options are steps, ensemble_size, processing_resolution, seed"):
        lookup("models", "marigold").factory(weights=str(pipeline_folder), denoise=3)


def test_a_folder_without_model_index_json_says_what_it_needs(tmp_path):
    line = cli_error("evaluate", "--model", "marigold", "--weights", str(tmp_path), "--split", "synth-night")
    assert "has no model_index.json" in line


@pytest.mark.slow
def test_cli_evaluates_the_tiny_pipeline_on_synth_night(pipeline_folder, tmp_path):
    summary = cli_evaluate("marigold", pipeline_folder, tmp_path / "r.sqlite")
    assert summary["n_samples"] == 2 and summary["alignment"] == "lstsq_depth"
    assert np.isfinite(summary["metrics"]["abs_rel"])


def test_an_image_gets_the_same_prediction_alone_or_in_a_batch(pipeline_folder):
    model = udebench.load_model("marigold", weights=str(pipeline_folder), device="cpu")
    images = _images(3)
    torch.testing.assert_close(model.predict(images[1:]), model.predict(images)[1:], rtol=1e-4, atol=1e-5)
