"""The results store: run identity and resume, exact summaries, NaN, export/import, WAL, bad files."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3

import pytest
from click.testing import CliRunner

from udebench.errors import UdebenchError
from udebench.results.commands import results
from udebench.results.store import DEFAULT_RESULTS_PATH, ResultsStore, RunInfo

OPTIONS = {"alignment": "median", "flip_pp": False, "batch_size": 4}


def _open(store: ResultsStore, **over) -> RunInfo:
    kwargs = dict(
        model="dummy",
        tag=None,
        split="synth-night",
        options=OPTIONS,
        weights_sha256="ab12",
        versions={"udebench": "0.1.0"},
        n_expected=10,
    )
    kwargs.update(over)
    return store.open_run(**kwargs)


def _rows(n: int = 10, start: int = 0) -> list[dict]:
    """Deterministic, awkward floats (so summation order would show) for samples start..n-1."""
    rows = []
    for i in range(start, n):
        rows.append(
            {
                "sample_id": f"s{i:03d}",
                "index": i,
                "status": "ok",
                "error": None,
                "metrics": {"abs_rel": 0.1 + i * 1e-17 + 1 / (3 + i), "rmse": 1e16 if i == 0 else 1.0 + i / 7},
                "counts": {"n_valid": 100 + i, "n_nonfinite": 0},
            }
        )
    return rows


@pytest.fixture
def store(tmp_path):
    s = ResultsStore(tmp_path / "r" / "results.sqlite")
    yield s
    s.close()


def test_default_path_is_under_udebench_results():
    assert DEFAULT_RESULTS_PATH.as_posix() == "udebench-results/results.sqlite"


def test_store_creates_parent_directories_and_schema(tmp_path):
    path = tmp_path / "a" / "b" / "results.sqlite"
    with ResultsStore(path):
        pass
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "samples", "schema_version"} <= tables


def test_wal_mode_is_on(store):
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_new_run_is_running_and_not_resumed(store):
    info = _open(store)
    assert info == RunInfo(run_id=info.run_id, resumed=False, status="running", n_done=0)


def test_same_identity_resumes_from_a_new_store_object(store):
    first = _open(store)
    store.add_samples(first.run_id, _rows(4))
    store.finish_run(first.run_id, "interrupted")
    store.close()
    with ResultsStore(store.path) as again:
        info = _open(again, options=dict(reversed(list(OPTIONS.items()))))  # key order is not identity
        assert info.run_id == first.run_id
        assert info.resumed is True
        assert info.status == "running"
        assert info.n_done == 4
        assert again.done_sample_ids(info.run_id) == {"s000", "s001", "s002", "s003"}
        assert again.get_run(info.run_id)["status"] == "running"


def test_done_sample_ids_can_leave_out_errors_so_they_are_retried(store):
    run = _open(store)
    rows = _rows(3)
    rows[1].update(status="error", error="CUDA out of memory", metrics={})
    store.add_samples(run.run_id, rows)
    assert store.done_sample_ids(run.run_id) == {"s000", "s001", "s002"}
    assert store.done_sample_ids(run.run_id, statuses=("ok", "invalid_prediction")) == {"s000", "s002"}
    assert store.done_sample_ids(run.run_id, statuses=()) == set()


def test_resuming_a_complete_run_keeps_it_complete(store):
    first = _open(store)
    store.finish_run(first.run_id, "complete")
    info = _open(store)
    assert (info.run_id, info.resumed, info.status) == (first.run_id, True, "complete")


@pytest.mark.parametrize(
    "change",
    [
        {"options": {**OPTIONS, "alignment": "none"}},
        {"tag": "v2"},
        {"weights_sha256": "cd34"},
        {"weights_sha256": None},
        {"split": "synth-day"},
        {"model": "other"},
    ],
)
def test_a_different_identity_is_a_new_run(store, change):
    first = _open(store)
    other = _open(store, **change)
    assert other.run_id != first.run_id
    assert other.resumed is False


def test_tag_none_and_empty_string_are_the_same_identity(store):
    assert _open(store, tag=None).run_id == _open(store, tag="").run_id


def test_add_samples_is_idempotent_per_sample_id(store):
    run = _open(store)
    store.add_samples(run.run_id, _rows(3))
    store.add_samples(run.run_id, _rows(3))
    replaced = _rows(3)
    replaced[1]["metrics"] = {"abs_rel": 0.5}
    store.add_samples(run.run_id, replaced)
    samples = store.samples(run.run_id)
    assert [s["sample_id"] for s in samples] == ["s000", "s001", "s002"]
    assert samples[1]["metrics"] == {"abs_rel": 0.5}


def test_a_bad_batch_writes_nothing(store):
    run = _open(store)
    bad = _rows(3)
    bad[2]["status"] = "weird"
    with pytest.raises(ValueError):
        store.add_samples(run.run_id, bad)
    rows = _rows(2)
    rows.append({"sample_id": None, "index": "not an int"})
    with pytest.raises((TypeError, ValueError)):
        store.add_samples(run.run_id, rows)
    assert store.samples(run.run_id) == []


def test_add_samples_to_a_missing_run_is_an_error(store):
    with pytest.raises(UdebenchError, match="no run 99"):
        store.add_samples(99, _rows(1))


def test_summary_means_only_ok_samples_and_counts_the_others(store):
    run = _open(store, n_expected=6)
    rows = [
        {
            "sample_id": "a",
            "index": 0,
            "status": "ok",
            "metrics": {"abs_rel": 0.1, "a1": 0.9},
            "counts": {"n_valid": 10},
        },
        {
            "sample_id": "b",
            "index": 1,
            "status": "ok",
            "metrics": {"abs_rel": 0.3, "a1": 0.7},
            "counts": {"n_valid": 20},
        },
        {"sample_id": "c", "index": 2, "status": "error", "error": "boom", "metrics": {}, "counts": {}},
        {
            "sample_id": "d",
            "index": 3,
            "status": "invalid_prediction",
            "error": "NaN in prediction",
            "metrics": {"abs_rel": 99.0},
            "counts": {"n_nonfinite": 7},
        },
        {"sample_id": "e", "index": 4, "status": "no_valid_gt", "metrics": {}, "counts": {"n_valid": 0}},
        {"sample_id": "f", "index": 5, "status": "invalid_prediction", "metrics": {}, "counts": {"n_nonpositive": 2}},
    ]
    store.add_samples(run.run_id, rows)
    store.finish_run(run.run_id, "complete")
    s = store.summary(run.run_id)
    assert s.metrics == {"a1": (0.9 + 0.7) / 2, "abs_rel": (0.1 + 0.3) / 2}
    assert (s.n_samples, s.n_errors, s.n_invalid_predictions, s.n_no_valid_gt) == (2, 1, 2, 1)
    assert s.counts == {"n_valid": 30, "n_nonfinite": 7, "n_nonpositive": 2}
    assert s.status == "complete" and s.finished_at is not None
    assert s.alignment == "median" and s.options == OPTIONS
    assert s.n_expected == 6 and s.weights_sha256 == "ab12" and s.versions == {"udebench": "0.1.0"}


def test_summary_skips_nan_values_and_says_how_many(store):
    run = _open(store)
    store.add_samples(
        run.run_id,
        [
            {"sample_id": "a", "index": 0, "status": "ok", "metrics": {"silog": math.nan, "abs_rel": 0.2}},
            {"sample_id": "b", "index": 1, "status": "ok", "metrics": {"silog": 4.0, "abs_rel": 0.4}},
        ],
    )
    s = store.summary(run.run_id)
    assert s.metrics["silog"] == 4.0
    assert s.metric_nan_counts == {"silog": 1}


def test_interrupted_then_resumed_summary_equals_uninterrupted_exactly(tmp_path):
    rows = _rows(40)
    with ResultsStore(tmp_path / "a.sqlite") as a:
        run = _open(a, n_expected=40)
        a.add_samples(run.run_id, rows)
        a.finish_run(run.run_id, "complete")
        expected = a.summary(run.run_id)

    path_b = tmp_path / "b.sqlite"
    b = ResultsStore(path_b)
    first = _open(b, n_expected=40)
    b.add_samples(first.run_id, rows[:13])
    b.add_samples(first.run_id, rows[13:20])
    b.close()  # "crash": no finish_run
    with ResultsStore(path_b) as b2:
        again = _open(b2, n_expected=40)
        assert again.resumed and again.n_done == 20
        todo = [r for r in reversed(rows) if r["sample_id"] not in b2.done_sample_ids(again.run_id)]
        for k in range(0, len(todo), 6):
            b2.add_samples(again.run_id, todo[k : k + 6])
        b2.finish_run(again.run_id, "complete")
        got = b2.summary(again.run_id)
    assert got.metrics == expected.metrics
    assert got.counts == expected.counts
    assert got.n_samples == expected.n_samples == 40


def test_nan_metrics_round_trip(store):
    run = _open(store)
    store.add_samples(
        run.run_id, [{"sample_id": "a", "index": 0, "status": "ok", "metrics": {"x": math.nan, "y": 1.5}}]
    )
    metrics = store.samples(run.run_id)[0]["metrics"]
    assert math.isnan(metrics["x"]) and metrics["y"] == 1.5


def test_finish_run_rejects_unknown_status(store):
    run = _open(store)
    with pytest.raises(ValueError, match="complete"):
        store.finish_run(run.run_id, "done")


def test_get_run_of_a_missing_run_names_it_and_the_file(store):
    with pytest.raises(UdebenchError, match=rf"no run 7 in .*{store.path.name}"):
        store.get_run(7)


def test_runs_are_newest_first_and_filterable(store):
    a = _open(store, split="synth-day").run_id
    b = _open(store, split="synth-night").run_id
    c = _open(store, model="other", split="kitti-eigen").run_id
    store.finish_run(b, "complete")
    assert [r["run_id"] for r in store.runs()] == [c, b, a]
    assert [r["run_id"] for r in store.runs(split="synth-*")] == [b, a]
    assert [r["run_id"] for r in store.runs(model="other")] == [c]
    assert [r["run_id"] for r in store.runs(status="complete")] == [b]
    assert set(store.runs()[0]) >= {"run_id", "model", "tag", "split", "status", "n_done", "n_expected", "created_at"}


def test_latest_complete_runs_takes_the_newest_complete_per_model_tag_split(store):
    old = _open(store, options={"v": 1}).run_id
    store.add_samples(old, _rows(2))
    store.finish_run(old, "complete")
    new = _open(store, options={"v": 2}).run_id
    store.add_samples(new, _rows(3))
    store.finish_run(new, "complete")
    running = _open(store, options={"v": 3}).run_id  # newer, but not complete
    store.add_samples(running, _rows(1))
    tagged = _open(store, tag="t").run_id
    store.finish_run(tagged, "complete")
    day = _open(store, split="synth-day").run_id
    store.finish_run(day, "complete")
    latest = store.latest_complete_runs()
    assert sorted(r.run_id for r in latest) == sorted([new, tagged, day])
    assert [r.run_id for r in store.latest_complete_runs("*-night")] == [tagged, new]
    assert next(r for r in latest if r.run_id == new).n_samples == 3


def test_a_newer_limited_run_never_replaces_a_full_one(store):
    full = _open(store, options={"limit": None}).run_id
    store.add_samples(full, _rows(3))
    store.finish_run(full, "complete")
    limited = _open(store, options={"limit": 1}).run_id  # newer, but over the first sample only
    store.add_samples(limited, _rows(1))
    store.finish_run(limited, "complete")
    assert [r.run_id for r in store.latest_complete_runs()] == [full]


def test_a_limited_run_is_shown_when_no_full_run_exists(store):
    older = _open(store, options={"limit": 1}).run_id
    store.finish_run(older, "complete")
    newer = _open(store, options={"limit": 2}).run_id
    store.finish_run(newer, "complete")
    (chosen,) = store.latest_complete_runs()
    assert chosen.run_id == newer and chosen.limited


def _filled(store: ResultsStore) -> list[int]:
    a = _open(store).run_id
    rows = _rows(5)
    rows[2]["metrics"]["abs_rel"] = math.nan
    rows[4]["status"] = "error"
    rows[4]["error"] = "file unreadable"
    store.add_samples(a, rows)
    store.finish_run(a, "complete")
    b = _open(store, model="m2", tag="x", split="synth-day", weights_sha256=None).run_id
    store.add_samples(b, _rows(3))
    return [a, b]


def test_export_json_then_import_into_a_fresh_store_gives_the_same_summaries(store, tmp_path):
    ids = _filled(store)
    text = store.export("json")
    json.loads(text)  # standard JSON: NaN became null
    assert "NaN" not in text
    with ResultsStore(tmp_path / "fresh.sqlite") as fresh:
        new_ids = fresh.import_json(text)
        assert len(new_ids) == 2
        for old, new in zip(ids, new_ids, strict=True):
            before, after = store.summary(old).to_dict(), fresh.summary(new).to_dict()
            for key in ("run_id", "finished_at"):
                before.pop(key), after.pop(key)
            assert after == before
            assert repr(fresh.samples(new)) == repr(store.samples(old))  # repr: nan == nan


def test_import_into_a_store_with_the_same_run_merges_samples(store, tmp_path):
    with ResultsStore(tmp_path / "other.sqlite") as other:
        run = _open(other).run_id
        other.add_samples(run, _rows(10, start=5))
        other.finish_run(run, "complete")
        text = other.export("json")
    mine = _open(store).run_id
    store.add_samples(mine, _rows(5))
    assert store.import_json(text) == [mine]
    assert len(store.done_sample_ids(mine)) == 10
    assert store.get_run(mine)["status"] == "complete"


def test_import_of_garbage_is_a_one_line_error(store):
    with pytest.raises(UdebenchError, match="not a udebench results export"):
        store.import_json("{nope")
    with pytest.raises(UdebenchError, match="lacks"):
        store.import_json('[{"model": "m"}]')


def test_export_csv_is_long_with_one_column_per_metric(store):
    a, b = _filled(store)
    text = store.export("csv")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == ["run_id", "model", "tag", "split", "model_provider", "translator_provider",
                                 "sample_id", "index", "status", "abs_rel", "rmse"]
    rows = list(reader)
    assert len(rows) == 8
    assert rows[0]["run_id"] == str(a) and rows[0]["sample_id"] == "s000"
    assert float(rows[0]["abs_rel"]) == store.samples(a)[0]["metrics"]["abs_rel"]  # full precision
    assert rows[2]["abs_rel"] == "nan"
    assert rows[5]["tag"] == "x"
    only_b = list(csv.DictReader(io.StringIO(store.export("csv", run_ids=[b]))))
    assert {r["run_id"] for r in only_b} == {str(b)}


def test_unknown_export_format_is_an_error(store):
    with pytest.raises(UdebenchError, match="json or csv"):
        store.export("xml")


def test_a_file_that_is_not_sqlite_is_an_error_naming_it(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are not the results you are looking for\n" * 100)
    with pytest.raises(UdebenchError, match="notes.sqlite") as err:
        ResultsStore(path)
    assert "\n" not in str(err.value)


def test_a_foreign_sqlite_file_is_an_error(tmp_path):
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE things (x)").connection.commit()
    with pytest.raises(UdebenchError, match="not a udebench results store"):
        ResultsStore(path)


def test_create_false_refuses_a_missing_store(tmp_path):
    with pytest.raises(UdebenchError, match="udebench evaluate"):
        ResultsStore(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_two_store_objects_can_write_the_same_file(tmp_path):
    path = tmp_path / "shared.sqlite"
    with ResultsStore(path) as one, ResultsStore(path) as two:
        r1, r2 = _open(one), _open(two)
        assert r1.run_id == r2.run_id and r2.resumed
        one.add_samples(r1.run_id, _rows(5))
        two.add_samples(r2.run_id, _rows(10, start=5))
        assert len(one.done_sample_ids(r1.run_id)) == 10


# ---------------------------------------------------------------------- CLI
def test_results_cli_lists_shows_exports_and_imports(store, tmp_path):
    ids = _filled(store)
    runner = CliRunner()
    listed = runner.invoke(results, ["list", "--results", str(store.path)])
    assert listed.exit_code == 0, listed.output
    assert "m2" in listed.output and "synth-night" in listed.output

    shown = runner.invoke(results, ["show", str(ids[0]), "--results", str(store.path), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["n_samples"] == 4

    pretty = runner.invoke(results, ["show", str(ids[0]), "--results", str(store.path)])
    assert pretty.exit_code == 0, pretty.output
    assert "abs_rel" in pretty.output

    out = tmp_path / "export.json"
    exported = runner.invoke(results, ["export", "--results", str(store.path), "--output", str(out)])
    assert exported.exit_code == 0, exported.output
    target = tmp_path / "merged.sqlite"
    imported = runner.invoke(results, ["import", str(out), "--results", str(target)])
    assert imported.exit_code == 0, imported.output
    with ResultsStore(target) as merged:
        assert len(merged.runs()) == 2

    as_csv = runner.invoke(results, ["export", "--format", "csv", "--run", str(ids[1]), "--results", str(store.path)])
    assert as_csv.exit_code == 0 and as_csv.output.startswith("run_id,model,tag,split,")


def test_a_gz_export_is_gzip_reproducible_and_imports_like_the_json(store, tmp_path):
    import gzip

    ids = _filled(store)
    runner = CliRunner()
    plain, packed, again = tmp_path / "e.json", tmp_path / "e.json.gz", tmp_path / "again.json.gz"
    for out in (plain, packed, again):
        assert runner.invoke(results, ["export", "--results", str(store.path), "--output", str(out)]).exit_code == 0
    assert gzip.decompress(packed.read_bytes()).decode() == plain.read_text()
    assert packed.read_bytes() == again.read_bytes()  # no timestamp in the header: committed exports do not churn
    assert packed.stat().st_size < plain.stat().st_size
    target = tmp_path / "from-gz.sqlite"
    assert runner.invoke(results, ["import", str(packed), "--results", str(target)]).exit_code == 0
    with ResultsStore(target) as merged:
        summaries = [merged.summary(r["run_id"]).metrics for r in merged.runs()][::-1]
    assert repr(summaries) == repr([store.summary(i).metrics for i in ids])

    damaged = tmp_path / "damaged.json.gz"
    damaged.write_bytes(packed.read_bytes()[:40])
    res = runner.invoke(results, ["import", str(damaged), "--results", str(tmp_path / "d.sqlite")])
    assert res.exit_code == 1 and res.output.startswith(f"Error: {damaged}: a damaged gzip file")
    assert res.output.count("\n") == 1


def test_results_cli_on_a_missing_store_is_a_one_line_error(tmp_path):
    runner = CliRunner()
    for args in (["list"], ["show", "1"], ["export"]):
        res = runner.invoke(results, [*args, "--results", str(tmp_path / "nope.sqlite")])
        assert res.exit_code == 1
        assert res.output.startswith("Error: no results store at") and res.output.count("\n") == 1
    assert not (tmp_path / "nope.sqlite").exists()


def test_results_cli_show_of_a_missing_run_is_a_one_line_error(store):
    res = CliRunner().invoke(results, ["show", "42", "--results", str(store.path)])
    assert res.exit_code == 1 and "no run 42" in res.output


def test_results_cli_reads_the_store_path_from_the_environment(store, monkeypatch):
    _filled(store)
    monkeypatch.setenv("UDEBENCH_RESULTS", str(store.path))
    res = CliRunner().invoke(results, ["list"])
    assert res.exit_code == 0 and "m2" in res.output


def test_a_complete_run_never_goes_back_to_interrupted_or_failed(store):
    run = _open(store)
    store.add_samples(run.run_id, _rows())
    store.finish_run(run.run_id, "complete")
    for later in ("interrupted", "failed"):  # a second process on the same run, stopped after the first finished
        assert store.finish_run(run.run_id, later) == "complete"
    assert store.get_run(run.run_id)["status"] == "complete"


def test_find_run_looks_up_an_identity_without_creating_it(store):
    assert store.find_run("dummy", None, "synth-night", OPTIONS, "ab12") is None
    assert store.runs() == []
    run = _open(store)
    found = store.find_run("dummy", None, "synth-night", OPTIONS, "ab12")
    assert found is not None and found.run_id == run.run_id and found.status == "running"
