"""benchmarks/synth_experiment_report.py: a run whose depth does not depend on the image is named, not dropped."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("synth_experiment_report",
                                               ROOT / "benchmarks" / "synth_experiment_report.py")
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)


def _seed(values: list[float]) -> dict[str, SimpleNamespace]:
    return {split: SimpleNamespace(metrics={"abs_rel": v}) for split, v in zip(report.SPLITS, values, strict=True)}


def test_a_run_with_the_same_error_under_every_condition_is_collapsed():
    assert report.collapsed(_seed([0.543205] * 5))
    assert not report.collapsed(_seed([0.25, 0.32, 0.27, 0.29, 0.27]))


def test_collapsed_seeds_stay_in_the_means_and_the_mean_without_them_is_given():
    table = {"ssl-arm": {0: _seed([0.25, 0.30, 0.26, 0.28, 0.26]), 1: _seed([0.25, 0.34, 0.27, 0.29, 0.26]),
                         2: _seed([0.5] * 5)}}
    adverse = {"ssl-arm": [0.275, 0.29, 0.5]}  # mean of the four adverse splits, seed by seed
    lines = report.collapse_lines(table, adverse, ["ssl-arm"])
    # without seed 2: mean 0.2825, t(0.975, 1) = 12.706 × std([0.275, 0.29], ddof=1) / sqrt(2) = 0.0953
    assert lines[0].startswith("- Collapsed: `ssl-arm` seed 2 ")
    assert lines[0].endswith("the mean adverse abs_rel is 0.2825 ± 0.0953.")
    assert report.collapse_lines({"ssl-arm": {0: table["ssl-arm"][0]}}, {"ssl-arm": [0.275]}, ["ssl-arm"]) == []
