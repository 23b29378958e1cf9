"""A metric registered by a plugin is first-class: computed, stored per image, summarised, exported, ranked.

The steps world (``tests.plugin_fixtures.StepsPlugin``) makes every value hand-workable: ground truth is
10 m on the top half and 30 m on the bottom half of each 6×8 image, except sample 2 (10 m everywhere);
``constant20`` predicts 20 m everywhere (metric depth, so no alignment). Per image:

* abs_rel = (|20−10|/10 + |20−30|/30)/2 = 2/3, and 1 for sample 2: mean (3·2/3 + 1)/4 = 0.75;
* far_abs_rel (pixels ≥ 20 m) = |20−30|/30 = 1/3, and NaN for sample 2 (no such pixel): mean 1/3 over 3 images;
* rmse = 10 for every image.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from click.testing import CliRunner

from udebench.cli import cli
from udebench.results.store import ResultsStore

FAR_ABS_REL = 1.0 / 3.0
ABS_REL = 0.75


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def evaluate(results, *extra: str, split: str = "steps-day"):
    return invoke("evaluate", "--model", "constant20", "--split", split, "--batch-size", "2", "--num-workers", "0",
                  "--results", str(results), "--no-progress", *extra)


def evaluate_json(results, *extra: str, split: str = "steps-day") -> dict:
    result = evaluate(results, "--json", *extra, split=split)
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_plugin_metric_is_computed_and_its_mean_skips_images_without_a_pixel_it_counts(steps_plugin, tmp_path):
    summary = evaluate_json(tmp_path / "r.sqlite")
    assert summary["n_samples"] == 4
    assert summary["metrics"]["far_abs_rel"] == pytest.approx(FAR_ABS_REL, rel=1e-6)
    assert summary["metric_nan_counts"] == {"far_abs_rel": 1}
    assert summary["metrics"]["abs_rel"] == pytest.approx(ABS_REL, rel=1e-6)  # built-ins beside it, every image
    assert summary["metrics"]["rmse"] == pytest.approx(10.0, rel=1e-6)


def test_plugin_metric_is_stored_per_image_with_nan_where_it_counts_no_pixel(steps_plugin, tmp_path):
    summary = evaluate_json(tmp_path / "r.sqlite")
    with ResultsStore(tmp_path / "r.sqlite") as store:
        values = [row["metrics"]["far_abs_rel"] for row in store.samples(summary["run_id"])]
    assert values[:2] + values[3:] == pytest.approx([FAR_ABS_REL] * 3, rel=1e-6)
    assert math.isnan(values[2])


def test_summary_table_shows_the_plugin_metric_and_how_many_images_it_skipped(steps_plugin, tmp_path):
    result = evaluate(tmp_path / "r.sqlite")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "far_abs_rel↓" in line)
    assert "0.3333" in row and row.rstrip(" │|").endswith("3")  # 3 of 4 images count
    assert "far_abs_rel: 1 image(s) had no pixel it counts (NaN), skipped in its mean" in result.output


def test_results_show_lists_the_plugin_metric_and_the_provider(steps_plugin, tmp_path):
    run_id = evaluate_json(tmp_path / "r.sqlite")["run_id"]
    shown = invoke("results", "show", str(run_id), "--results", str(tmp_path / "r.sqlite"))
    assert shown.exit_code == 0, shown.output
    assert any("far_abs_rel↓" in line and "0.3333" in line for line in shown.output.splitlines())
    assert any("model from" in line and "steps-test-plugin" in line for line in shown.output.splitlines())


def test_json_export_carries_the_plugin_metric_per_image_and_the_provider(steps_plugin, tmp_path):
    evaluate_json(tmp_path / "r.sqlite")
    exported = invoke("results", "export", "--format", "json", "--results", str(tmp_path / "r.sqlite"))
    (run,) = json.loads(exported.output)
    values = [s["metrics"]["far_abs_rel"] for s in run["samples"]]
    assert values[2] is None  # NaN is null in standard JSON
    assert values[:2] + values[3:] == pytest.approx([FAR_ABS_REL] * 3, rel=1e-6)
    assert run["metric_nan_counts"] == {"far_abs_rel": 1}
    assert run["providers"] == {"model": "steps-test-plugin"}


def test_csv_export_has_a_column_for_the_plugin_metric_and_the_provider(steps_plugin, tmp_path):
    evaluate_json(tmp_path / "r.sqlite")
    exported = invoke("results", "export", "--format", "csv", "--results", str(tmp_path / "r.sqlite"))
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert [row["far_abs_rel"] for row in rows][2] == "nan"
    assert float(rows[0]["far_abs_rel"]) == pytest.approx(FAR_ABS_REL, rel=1e-6)
    assert {row["model_provider"] for row in rows} == {"steps-test-plugin"}
    assert {row["translator_provider"] for row in rows} == {""}


def test_translated_split_records_the_translators_provider(steps_plugin, tmp_path):
    summary = evaluate_json(tmp_path / "r.sqlite", split="steps-day@invert-night")
    assert summary["providers"] == {"model": "steps-test-plugin", "translator": "steps-test-plugin"}
    assert summary["metrics"]["far_abs_rel"] == pytest.approx(FAR_ABS_REL, rel=1e-6)  # GT is the source's


def test_leaderboard_ranks_by_the_plugin_metric(steps_plugin, tmp_path):
    evaluate_json(tmp_path / "r.sqlite")
    board = invoke("leaderboard", "--results", str(tmp_path / "r.sqlite"), "--metrics", "far_abs_rel,abs_rel",
                   "--format", "csv")
    assert board.exit_code == 0, board.output
    (row,) = list(csv.DictReader(io.StringIO(board.output)))
    assert row["row"] == "constant20" and row["split"] == "steps-day"
    assert float(row["far_abs_rel"]) == pytest.approx(FAR_ABS_REL, abs=1e-6)
    assert float(row["abs_rel"]) == pytest.approx(ABS_REL, abs=1e-6)
    markdown = invoke("leaderboard", "--results", str(tmp_path / "r.sqlite"), "--metrics", "far_abs_rel")
    assert "far_abs_rel↓" in markdown.output


def test_metrics_option_computes_and_stores_only_the_named_metrics(steps_plugin, tmp_path):
    summary = evaluate_json(tmp_path / "r.sqlite", "--metrics", "far_abs_rel,rmse")
    assert set(summary["metrics"]) == {"far_abs_rel", "rmse"}
    with ResultsStore(tmp_path / "r.sqlite") as store:
        assert {name for row in store.samples(summary["run_id"]) for name in row["metrics"]} == {"far_abs_rel", "rmse"}


def test_an_unknown_name_in_metrics_is_one_line_naming_the_close_one(steps_plugin, tmp_path):
    result = evaluate(tmp_path / "r.sqlite", "--metrics", "far_abs_rell")
    assert result.exit_code == 1
    assert "unknown metric 'far_abs_rell'" in result.output and "did you mean far_abs_rel" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_leaderboard_asked_for_a_metric_no_run_computed_says_so_in_one_line(steps_plugin, tmp_path):
    evaluate_json(tmp_path / "r.sqlite", "--metrics", "abs_rel")
    board = invoke("leaderboard", "--results", str(tmp_path / "r.sqlite"), "--metrics", "far_abs_rel")
    assert board.exit_code == 1
    assert "no run on these splits computed far_abs_rel" in board.output
    assert len(board.output.strip().splitlines()) == 1


def test_a_plugin_metric_that_raises_is_one_line_naming_it_and_stored_samples_stay(
        steps_plugin, exploding_metric, tmp_path):
    result = evaluate(tmp_path / "r.sqlite")
    assert result.exit_code == 1
    assert "metric 'exploding' failed" in result.output and "RuntimeError: the second batch broke me" in result.output
    assert len(result.output.strip().splitlines()) == 1
    with ResultsStore(tmp_path / "r.sqlite") as store:
        (run,) = store.runs()
        assert run["status"] == "failed"
        assert [row["sample_id"] for row in store.samples(run["run_id"])] == ["steps-0", "steps-1"]  # first batch


def test_a_plugin_metric_of_the_wrong_shape_is_one_line_naming_it(steps_plugin, scalar_metric, tmp_path):
    result = evaluate(tmp_path / "r.sqlite")
    assert result.exit_code == 1
    assert "metric 'scalar_metric' returned shape ()" in result.output and "shape [2]" in result.output
    assert len(result.output.strip().splitlines()) == 1
