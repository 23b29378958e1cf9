"""The example plugin keeps every udebench contract (the conformance kit) and evaluates end to end."""

import math

import udebench_example

from udebench.testing import assert_plugin_conforms, plugin_registered


def test_the_example_plugin_passes_the_conformance_kit():
    findings = assert_plugin_conforms(udebench_example, allow_skipped=False)
    assert {(f.kind, f.name) for f in findings} == {("model", "ground_plane"), ("metric", "near_abs_rel"),
                                                    ("translator", "gamma")}


def test_ground_plane_on_a_gamma_translated_split_reports_near_abs_rel(tmp_path, monkeypatch):
    monkeypatch.setenv("UDEBENCH_SYNTH_SIZE", "48x160")
    monkeypatch.setenv("UDEBENCH_CACHE", str(tmp_path / "cache"))
    import udebench

    with plugin_registered(udebench_example):
        summary = udebench.evaluate("ground_plane", "synth-day@gamma-dark", limit=2, num_workers=0, progress=False,
                                    results=tmp_path / "results.sqlite", metrics=("abs_rel", "near_abs_rel"))
    assert set(summary.metrics) == {"abs_rel", "near_abs_rel"} and summary.n_samples == 2
    assert math.isfinite(summary.metrics["near_abs_rel"])
    assert summary.providers["translator"] == summary.providers["model"]  # both from this plugin
