"""What a run keeps whatever happens around it: read-only stores, a second process, batch composition."""

from __future__ import annotations

import json
import os
import sys

import pytest

import udebench
from tests.read_only import make_read_only, run_unprivileged
from udebench.results.store import ResultsStore


def _cli(results, *extra: str) -> list[str]:
    return [sys.executable, "-m", "udebench", "evaluate", "--model", "ground_plane", "--split", "synth-day",
            "--num-workers", "0", "--no-progress", "--json", "--results", str(results), *extra]


def _env() -> dict[str, str]:
    return dict(os.environ, UDEBENCH_LOAD_PLUGINS="udebench-example")


@pytest.mark.slow
def test_a_read_only_store_gives_back_its_complete_run_and_says_so_in_one_line(tmp_path):
    pytest.importorskip("udebench_example")
    results = tmp_path / "store" / "results.sqlite"
    first = run_unprivileged(_cli(results, "--limit", "2"), env=_env())
    assert first.returncode == 0, first.stderr
    make_read_only(results, results.parent)

    again = run_unprivileged(_cli(results, "--limit", "2"), env=_env())
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    warning = [line for line in again.stderr.splitlines() if line.strip()]
    assert len(warning) == 1 and warning[0].startswith("Warning: results store") and "read-only" in warning[0]
    assert str(results) in warning[0]


@pytest.mark.slow
def test_a_run_a_read_only_store_lacks_is_a_one_line_error_naming_the_file(tmp_path):
    pytest.importorskip("udebench_example")
    results = tmp_path / "store" / "results.sqlite"
    assert run_unprivileged(_cli(results, "--limit", "2"), env=_env()).returncode == 0
    make_read_only(results, results.parent)

    other = run_unprivileged(_cli(results, "--limit", "3"), env=_env())
    assert other.returncode == 1
    assert other.stderr.strip().splitlines() == [
        f"Error: results store {results} is read-only: this run is not in it and cannot be recorded; "
        "make the file and its folder writable or pass --results PATH"
    ]
    listing = run_unprivileged([sys.executable, "-m", "udebench", "results", "show", "1", "--results", str(results),
                                "--json"], env=_env())
    assert listing.returncode == 0 and json.loads(listing.stdout)["status"] == "complete"


@pytest.mark.slow
def test_a_run_completed_by_another_process_stays_complete_when_this_one_is_interrupted(tiny_plugin, tmp_path,
                                                                                         monkeypatch):
    results = tmp_path / "r.sqlite"
    options = dict(limit=4, batch_size=2, num_workers=0, results=results, progress=False)
    original = ResultsStore.add_samples
    state = {"other_ran": False}

    def first_batch_then_other_process_then_ctrl_c(self, run_id, rows):
        original(self, run_id, rows)
        if not state["other_ran"]:
            state["other_ran"] = True
            monkeypatch.setattr(ResultsStore, "add_samples", original)
            udebench.evaluate("tiny", "synth-day", **options)  # the other process finishes the whole run
            raise KeyboardInterrupt  # then this one is stopped

    monkeypatch.setattr(ResultsStore, "add_samples", first_batch_then_other_process_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        udebench.evaluate("tiny", "synth-day", **options)
    with ResultsStore(results) as store:
        [run] = store.runs()
        assert run["status"] == "complete" and run["n_done"] == 4
        assert [s.label for s in store.latest_complete_runs()] == ["tiny"]


def test_the_batch_size_is_part_of_the_run_identity(tiny_plugin, tmp_path):
    common = dict(limit=3, num_workers=0, results=tmp_path / "r.sqlite", progress=False)
    two = udebench.evaluate("tiny", "synth-day", batch_size=2, **common)
    three = udebench.evaluate("tiny", "synth-day", batch_size=3, **common)
    assert two.run_id != three.run_id
    assert (two.options["batch_size"], three.options["batch_size"]) == (2, 3)
    assert udebench.evaluate("tiny", "synth-day", batch_size=2, **common).run_id == two.run_id


@pytest.mark.slow
def test_a_samples_numbers_do_not_depend_on_which_samples_share_its_batch(ude_plugin, tmp_path):
    """ude_student on CPU predicts a lone image ~1e-6 differently from a batch: the short batch is padded."""
    common = dict(batch_size=4, num_workers=0, progress=False)
    alone = udebench.evaluate("ude_student", "synth-night", limit=5, results=tmp_path / "a.sqlite", **common)
    full = udebench.evaluate("ude_student", "synth-night", limit=8, results=tmp_path / "b.sqlite", **common)
    with ResultsStore(tmp_path / "a.sqlite") as a, ResultsStore(tmp_path / "b.sqlite") as b:
        last_alone = a.samples(alone.run_id)[4]  # alone in the second batch of the first run
        last_full = b.samples(full.run_id)[4]  # first of four in the second batch of the other
    assert last_alone["sample_id"] == last_full["sample_id"]
    assert last_alone["metrics"] == last_full["metrics"]
