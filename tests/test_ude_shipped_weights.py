"""The shipped weights (UDE's and the synth-trained baselines') load, by default, and reproduce their cards."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

pytest.importorskip("udebench_ude")

from udebench_ude.weights import WEIGHTS_DIR  # noqa: E402

import udebench  # noqa: E402

BASELINES_DIR = Path(__file__).resolve().parents[1] / "plugins/udebench-baselines/udebench_baselines/weights"
CARDS = sorted(WEIGHTS_DIR.glob("*.json")) + sorted(BASELINES_DIR.glob("*.json"))
#: model -> the file it loads without --weights (what a fresh clone evaluates)
DEFAULTS = {"ude_teacher": WEIGHTS_DIR / "ude_teacher_tiny_synth",
            "ude_student": WEIGHTS_DIR / "ude_student_tiny_synth",
            "ude_teacher_ssl": WEIGHTS_DIR / "ude_teacher_ssl_tiny_synth",
            "ude_student_ssl": WEIGHTS_DIR / "ude_student_ssl_tiny_synth",
            "monodepth2": BASELINES_DIR / "monodepth2_synth", "md4all": BASELINES_DIR / "md4all_synth"}


@pytest.fixture
def shipping_plugins(ude_plugin):
    """The UDE plugin and udebench-baselines registered (the two that ship weights)."""
    from tests.baselines_fixtures import registered_baselines_plugin

    with registered_baselines_plugin():
        yield


@pytest.mark.parametrize("model", sorted(DEFAULTS))
def test_every_default_is_shipped_with_a_card_that_says_it_was_trained_here(model):
    stem = DEFAULTS[model]
    assert stem.with_suffix(".safetensors").is_file(), f"{stem.name} is not shipped"
    card = json.loads(stem.with_suffix(".json").read_text())
    assert card["model"] == model and "NOT the published weights" in card["trained_here"]


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(DEFAULTS))
def test_a_default_run_records_where_its_weights_came_from(model, shipping_plugins, tmp_path):
    """No --weights: the run's weights_origin is the shipped card's, so the leaderboard marks the row §."""
    summary = udebench.evaluate(model, "synth-night", limit=2, results=tmp_path / "r.sqlite", progress=False)
    card = json.loads(DEFAULTS[model].with_suffix(".json").read_text())
    assert summary.versions["weights_origin"] == f"{card['name']}: {card['trained_here']}"
    assert summary.weights_sha256 == card["sha256"]


@pytest.mark.parametrize("card_path", CARDS, ids=[p.stem for p in CARDS])
def test_shipped_weights_match_their_card_sha256_and_size_limit(card_path):
    card = json.loads(card_path.read_text())
    weights = card_path.with_suffix(".safetensors")
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == card["sha256"]
    assert weights.stat().st_size <= 10 * 1024 * 1024


@pytest.mark.slow
@pytest.mark.parametrize("card_path", CARDS, ids=[p.stem for p in CARDS])
def test_shipped_weights_reproduce_their_card_metrics(card_path, shipping_plugins, tmp_path):
    card = json.loads(card_path.read_text())
    evaluations = card.get("final_metrics") or {}
    assert evaluations, f"{card_path.name} records no metrics"
    split, expected = next(iter(evaluations.items()))  # the first evaluation in the card (synth-day)
    config = expected["split_config"]
    summary = udebench.evaluate(card["model"], split, weights=str(card_path.with_suffix(".safetensors")),
                                limit=expected["limit"], results=tmp_path / "r.sqlite", progress=False,
                                split_options={"height": config["height"], "width": config["width"]})
    assert summary.n_samples == expected["n_samples"]
    for metric in ("abs_rel", "rmse", "a1"):
        assert summary.metrics[metric] == pytest.approx(expected[metric], rel=1e-3, abs=1e-4), metric


def test_export_is_byte_for_byte_reproducible(tmp_path):
    """Two saves of the same net give the same sha256 (the model card's sha256 must be reproducible)."""
    from udebench_ude.models import build_net
    from udebench_ude.weights import save_safetensors

    from tests.ude_helpers import TINY_ARCH

    net = build_net("tiny", seed=0, **TINY_ARCH)
    assert save_safetensors(net, tmp_path / "a.safetensors") == save_safetensors(net, tmp_path / "b.safetensors")
