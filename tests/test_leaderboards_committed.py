"""The committed leaderboards/synth.{md,csv,html} are exactly what `make leaderboard-synth` builds from the committed
export leaderboards/synth-results.json.gz (so every number there traces back to stored per-image results)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("synth.md", "synth.csv", "synth.html")


@pytest.mark.slow
def test_committed_synth_tables_equal_a_fresh_regeneration_from_the_export(tmp_path):
    udebench = Path(sys.executable).with_name("udebench")
    env = {**os.environ, "OUT": str(tmp_path), "UDEBENCH": str(udebench), "OMP_NUM_THREADS": "1"}
    subprocess.run(["bash", str(ROOT / "scripts" / "synth_leaderboard.sh"), "tables"], check=True, env=env,
                   cwd=ROOT, capture_output=True, timeout=600)
    for name in TABLES:
        fresh = (tmp_path / name).read_text(encoding="utf-8")
        committed = (ROOT / "leaderboards" / name).read_text(encoding="utf-8")
        assert fresh == committed, f"leaderboards/{name} is stale: run `make leaderboard-synth` and commit it"


def test_the_committed_table_carries_mce_mrr_and_intervals():
    md = (ROOT / "leaderboards" / "synth.md").read_text(encoding="utf-8")
    header = md.splitlines()[2]
    assert "synth robustness mCE↓" in header and "synth robustness mRR↑" in header
    assert "percentile-bootstrap interval" in md and "mCE against ude_teacher" in md


def test_the_committed_report_shows_the_committed_table():
    report = (ROOT / "leaderboards" / "synth-report.html").read_text(encoding="utf-8")
    table = (ROOT / "leaderboards" / "synth.html").read_text(encoding="utf-8")
    rows = table[table.index("<tbody>"):table.index("</tbody>")]
    assert rows in report  # same runs, same numbers, same intervals


EXPERIMENT = ROOT / "leaderboards" / "experiment-synth-results.json.gz"


@pytest.mark.slow
@pytest.mark.skipif(not EXPERIMENT.is_file(), reason="the synth experiment's export is not committed yet")
def test_committed_experiment_tables_equal_a_fresh_report_from_the_export(tmp_path):
    """leaderboards/experiment-synth.{md,csv}: the report script on the committed export + mask statistics."""
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth_experiment_report.py"), "--export",
                    str(EXPERIMENT), "--mask-json", str(ROOT / "leaderboards" / "experiment-synth-mask.json"),
                    "--output-dir", str(tmp_path)], check=True, cwd=ROOT, capture_output=True, timeout=600,
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    for name in ("experiment-synth.md", "experiment-synth.csv"):
        fresh = (tmp_path / name).read_text(encoding="utf-8")
        committed = (ROOT / "leaderboards" / name).read_text(encoding="utf-8")
        assert fresh == committed, f"leaderboards/{name} is stale: run `make report-experiment` and commit it"
