"""`udebench data check`: synth is always there; a manifest comparison names what is missing."""

from __future__ import annotations

from click.testing import CliRunner

from udebench.cli import cli
from udebench.data.manifest import compare_with_manifest


def test_data_check_reports_synth_splits_as_generated():
    result = CliRunner().invoke(cli, ["data", "check", "synth-fog", "synth-night"])
    assert result.exit_code == 0, result.output
    assert "synth-fog: ok (300/300 samples) at (generated)" in result.output


def test_manifest_comparison_lists_the_first_missing_ids_and_counts():
    manifest = {"split": "x-day", "count": 8, "sample_ids": [f"s{i}" for i in range(8)]}
    report = compare_with_manifest("x-day", ["s0", "s1", "extra"], where="/data/x", advice="get it from X",
                                   manifest=manifest, show=3)
    assert not report.ok and (report.found, report.expected) == (2, 8)
    assert report.missing == ["sample s2", "sample s3", "sample s4", "... and 3 more"]
    assert report.summary() == "x-day: MISSING DATA (2/8 samples) at /data/x; get it from X"


def test_manifest_comparison_ok_when_every_id_is_there():
    manifest = {"split": "x-day", "count": 2, "sample_ids": ["a", "b"]}
    assert compare_with_manifest("x-day", ["b", "a"], where="/d", manifest=manifest).ok
