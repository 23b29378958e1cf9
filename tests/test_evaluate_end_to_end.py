"""End to end through the CLI: evaluate a test plugin on synth, resume, leaderboard, bad input."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

import udebench
from udebench.cli import cli

pytestmark = pytest.mark.slow
LIMIT = 6


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def evaluate_json(results, *extra: str) -> dict:
    result = invoke("evaluate", "--model", "tiny", "--split", "synth-night", "--limit", str(LIMIT),
                    "--batch-size", "2", "--num-workers", "0", "--results", str(results), "--json",
                    "--no-progress", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def reference_abs_rel_a1(limit: int) -> tuple[float, float]:
    """Independent float64 numpy: median scaling per image, clamp to caps, mean over images."""
    model = udebench.load_model("tiny", device="cpu")
    split = udebench.get_split("synth-night")
    import torch

    abs_rels, a1s = [], []
    for i in range(limit):
        sample = split[i]
        image = torch.from_numpy(sample["image"]).permute(2, 0, 1)[None].float() / 255
        pred = model.predict(image)[0].numpy().astype(np.float64)
        gt = sample["depth"].astype(np.float64)
        valid = (gt > 0.1) & (gt < 80.0)
        p, g = pred[valid], gt[valid]
        p = np.clip(p * np.median(g) / np.median(p), 0.1, 80.0)
        abs_rels.append(np.mean(np.abs(p - g) / g))
        a1s.append(np.mean(np.maximum(p / g, g / p) < 1.25))
    return float(np.mean(abs_rels)), float(np.mean(a1s))


def test_evaluate_prints_summary_json_matching_an_independent_reference(tiny_plugin, tmp_path):
    summary = evaluate_json(tmp_path / "r.sqlite")
    assert summary["model"] == "tiny" and summary["split"] == "synth-night" and summary["tag"] is None
    assert summary["n_samples"] == LIMIT
    assert summary["alignment"] == "median"  # the default for relative_depth
    abs_rel, a1 = reference_abs_rel_a1(LIMIT)
    # torch.median takes the lower middle value, numpy the mean of the two: tolerance covers that
    assert summary["metrics"]["abs_rel"] == pytest.approx(abs_rel, rel=2e-3)
    assert summary["metrics"]["a1"] == pytest.approx(a1, abs=5e-3)
    assert isinstance(summary["run_id"], int)


def test_table_output_shows_metrics_with_arrows(tiny_plugin, tmp_path):
    result = invoke("evaluate", "--model", "tiny", "--split", "synth-day", "--limit", "2", "--num-workers", "0",
                    "--results", str(tmp_path / "r.sqlite"), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "abs_rel↓" in result.output and "a1↑" in result.output


def test_interrupted_run_resumes_and_equals_an_uninterrupted_one(tiny_plugin, tmp_path, monkeypatch):
    full = evaluate_json(tmp_path / "full.sqlite")

    from udebench.results.store import ResultsStore

    original = ResultsStore.add_samples
    calls = {"n": 0}

    def add_then_crash(self, run_id, rows):
        original(self, run_id, rows)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as if Ctrl-C arrived after the second batch was committed

    monkeypatch.setattr(ResultsStore, "add_samples", add_then_crash)
    interrupted = CliRunner().invoke(cli, ["evaluate", "--model", "tiny", "--split", "synth-night", "--limit",
                                           str(LIMIT), "--batch-size", "2", "--num-workers", "0", "--results",
                                           str(tmp_path / "resumed.sqlite"), "--json", "--no-progress"])
    assert interrupted.exit_code == 130
    monkeypatch.setattr(ResultsStore, "add_samples", original)

    tiny_plugin.calls = 0
    resumed = evaluate_json(tmp_path / "resumed.sqlite")
    assert tiny_plugin.calls == LIMIT - 4  # only the samples not stored before the interruption
    assert resumed["metrics"] == full["metrics"]
    assert resumed["n_samples"] == full["n_samples"] == LIMIT

    listing = invoke("results", "list", "--results", str(tmp_path / "resumed.sqlite"))
    assert "complete" in listing.output


def test_leaderboard_is_built_from_the_store(tiny_plugin, tmp_path):
    store = tmp_path / "lb.sqlite"
    night = evaluate_json(store)
    day = evaluate_json(store, "--tag", "other")  # same split, tagged: a second row
    assert night["run_id"] != day["run_id"]
    result = invoke("leaderboard", "--results", str(store), "--format", "csv", "--metrics", "abs_rel,a1")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {row["row"] for row in rows} == {"tiny", "tiny[other]"}
    assert list(rows[0]) == ["row", "split", "n_samples", "limit", "n_errors", "abs_rel", "a1", "weights_origin"]
    tiny_row = next(row for row in rows if row["row"] == "tiny")
    assert float(tiny_row["abs_rel"]) == pytest.approx(night["metrics"]["abs_rel"], abs=5e-4)
    markdown = invoke("leaderboard", "--results", str(store), "--format", "md")
    assert "abs_rel↓" in markdown.output or "abs_rel ↓" in markdown.output


def test_rows_of_weights_trained_here_are_marked_with_their_card(tiny_plugin, tmp_path):
    """A weights file whose card says ``trained_here`` is recorded with the run and marked § on the leaderboard."""
    store = tmp_path / "lb.sqlite"
    trained = tmp_path / "tiny_synth.safetensors"
    trained.write_bytes(b"trained here")
    (tmp_path / "tiny_synth.json").write_text(json.dumps({"name": "tiny_synth", "trained_here": "synth world"}))
    published = tmp_path / "published.safetensors"
    published.write_bytes(b"the authors' file")
    evaluate_json(store, "--weights", str(trained), "--tag", "synth")
    evaluate_json(store, "--weights", str(published), "--tag", "published")
    markdown = invoke("leaderboard", "--results", str(store), "--format", "md").output
    lines = {line.split("|")[1].strip(): line for line in markdown.splitlines() if line.startswith("| tiny")}
    assert set(lines) == {"tiny[synth] §", "tiny[published]"}
    assert "- § weights trained here, not the authors' published ones (synth world): tiny[synth] (tiny_synth)" \
        in markdown
    rows = list(csv.DictReader(io.StringIO(invoke("leaderboard", "--results", str(store), "--format", "csv").output)))
    assert {row["row"]: row["weights_origin"] for row in rows} == {"tiny[synth]": "tiny_synth: synth world",
                                                                  "tiny[published]": ""}
    latex = invoke("leaderboard", "--results", str(store), "--format", "latex").output
    assert r"tiny[synth] \S{} &" in latex


def test_unknown_model_is_one_line_with_close_names(tiny_plugin, tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", "--model", "tinyy", "--split", "synth-night", "--results",
                                      str(tmp_path / "r.sqlite")])
    assert result.exit_code == 1
    assert "did you mean tiny" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_corrupt_image_is_named_and_keeps_earlier_results(tiny_plugin, broken_files_plugin, tmp_path):
    store = str(tmp_path / "r.sqlite")
    base = ["evaluate", "--model", "tiny", "--split", "files-test", "--batch-size", "1", "--num-workers", "0",
            "--results", store, "--no-progress"]
    result = CliRunner().invoke(cli, base)
    assert result.exit_code == 1
    assert "file-2.png" in result.output and "--on-error skip" in result.output
    from udebench.results.store import ResultsStore

    run = ResultsStore(store).runs()[0]
    assert run["status"] == "failed" and run["n_done"] == 2  # samples 0 and 1 were kept

    skipped = CliRunner().invoke(cli, [*base, "--on-error", "skip", "--json"])
    assert skipped.exit_code == 0, skipped.output
    summary = json.loads(skipped.output.strip().splitlines()[-1])
    assert summary["n_samples"] == 3 and summary["n_errors"] == 1


def test_nan_predictions_are_counted_not_averaged(tiny_plugin, tmp_path):
    result = invoke("evaluate", "--model", "tiny_nan", "--split", "synth-day", "--limit", "4", "--batch-size", "2",
                    "--num-workers", "0", "--results", str(tmp_path / "r.sqlite"), "--json", "--no-progress")
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["n_invalid_predictions"] == 2  # the first image of each of the two batches
    assert summary["n_samples"] == 2
    assert all(np.isfinite(v) for v in summary["metrics"].values())


def test_python_api_evaluate_returns_the_same_summary(tiny_plugin, tmp_path):
    cli_summary = evaluate_json(tmp_path / "a.sqlite")
    api_summary = udebench.evaluate("tiny", "synth-night", limit=LIMIT, batch_size=3, num_workers=0,
                                    results=tmp_path / "b.sqlite", progress=False)
    assert api_summary.metrics == pytest.approx(cli_summary["metrics"], rel=1e-6)


def test_a_different_synth_size_is_a_different_run_never_a_resume(tiny_plugin, tmp_path, monkeypatch):
    first = udebench.evaluate("tiny", "synth-rain", limit=2, num_workers=0, results=tmp_path / "r.sqlite",
                              progress=False)
    monkeypatch.setenv("UDEBENCH_SYNTH_SIZE", "32x96")
    second = udebench.evaluate("tiny", "synth-rain", limit=2, num_workers=0, results=tmp_path / "r.sqlite",
                               progress=False)
    assert second.run_id != first.run_id
    assert second.options["split_config"]["width"] == 96
