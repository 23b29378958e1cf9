"""The shipped UDE weights load and reproduce the metrics written in their model cards."""

from __future__ import annotations

import hashlib
import json

import pytest

pytest.importorskip("udebench_ude")

from udebench_ude.weights import WEIGHTS_DIR  # noqa: E402

import udebench  # noqa: E402

CARDS = sorted(WEIGHTS_DIR.glob("*.json"))
SHIPPED = ("ude_teacher_tiny_synth", "ude_student_tiny_synth")


def test_the_teacher_and_the_student_are_shipped_with_cards():
    for name in SHIPPED:
        assert (WEIGHTS_DIR / f"{name}.safetensors").is_file(), f"{name} is not shipped"
        assert (WEIGHTS_DIR / f"{name}.json").is_file(), f"{name} has no model card"


@pytest.mark.parametrize("card_path", CARDS, ids=[p.stem for p in CARDS])
def test_shipped_weights_match_their_card_sha256_and_size_limit(card_path):
    card = json.loads(card_path.read_text())
    weights = card_path.with_suffix(".safetensors")
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == card["sha256"]
    assert weights.stat().st_size <= 10 * 1024 * 1024


@pytest.mark.slow
@pytest.mark.parametrize("card_path", CARDS, ids=[p.stem for p in CARDS])
def test_shipped_weights_reproduce_their_card_metrics(card_path, ude_plugin, tmp_path):
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
