"""Leaderboard tables: built only from the newest complete runs in the store, rendered four ways."""

from __future__ import annotations

import csv
import io
import math

import pytest
from click.testing import CliRunner

from udebench.errors import UdebenchError
from udebench.leaderboard.commands import higher_is_better_map, leaderboard
from udebench.leaderboard.render import render_table
from udebench.leaderboard.tables import leaderboard_frame, order_splits
from udebench.results.store import ResultsStore

HIB = {"abs_rel": False, "rmse": False, "a1": True}
METRICS = ["abs_rel", "rmse", "a1"]
SPLITS = ["synth-day", "synth-night", "synth-rain"]

#: (model, tag, split) -> per-sample (abs_rel, rmse, a1); alpha is best by day, beta[ft] at night.
SAMPLES = {
    ("alpha", None, "synth-day"): [(0.10, 3.0, 0.90), (0.12, 3.2, 0.88)],
    ("alpha", None, "synth-night"): [(0.30, 6.0, 0.60), (0.34, 6.4, 0.56), (0.32, 6.2, 0.58)],
    ("alpha", None, "synth-rain"): [(0.20, 5.0, 0.70)],
    ("beta", "ft", "synth-day"): [(0.15, 3.5, 0.85), (0.17, 3.7, 0.83)],
    ("beta", "ft", "synth-night"): [(0.18, 4.0, 0.80), (0.20, 4.2, 0.78)],
    ("beta", "ft", "synth-rain"): [(0.25, 5.5, 0.65), (0.27, 5.7, 0.63)],
}


def _mean(values):
    return math.fsum(values) / len(values)


def expected(model, tag, split, metric):
    col = METRICS.index(metric)
    return _mean([s[col] for s in SAMPLES[(model, tag, split)]])


def _write_run(store, model, tag, split, samples, status="complete", options=None):
    run = store.open_run(
        model=model,
        tag=tag,
        split=split,
        options=options or {"alignment": "median"},
        weights_sha256=None,
        versions={"udebench": "0.1.0"},
        n_expected=len(samples),
    )
    store.add_samples(
        run.run_id,
        [
            {
                "sample_id": f"{split}-{i}",
                "index": i,
                "status": "ok",
                "error": None,
                "metrics": dict(zip(METRICS, s, strict=True)),
                "counts": {"n_valid": 100},
            }
            for i, s in enumerate(samples)
        ],
    )
    if status != "running":
        store.finish_run(run.run_id, status)
    return run.run_id


@pytest.fixture
def store(tmp_path):
    with ResultsStore(tmp_path / "results.sqlite") as s:
        # Noise that must not count: an older complete alpha/day run (different options), ...
        _write_run(s, "alpha", None, "synth-day", [(9.0, 9.0, 0.0)], options={"alignment": "old"})
        for (model, tag, split), samples in SAMPLES.items():
            _write_run(s, model, tag, split, samples)
        # ... and newer runs that never completed, and a split outside synth-*.
        _write_run(s, "alpha", None, "synth-night", [(0.0, 0.0, 1.0)], status="running", options={"x": 1})
        _write_run(s, "beta", "ft", "synth-rain", [(0.0, 0.0, 1.0)], status="failed", options={"x": 2})
        _write_run(s, "alpha", None, "kitti-eigen", [(0.05, 2.0, 0.95)])
        yield s


@pytest.fixture
def frame(store):
    return leaderboard_frame(store, splits="synth-*", metrics=METRICS, higher_is_better=HIB)


def test_rows_are_models_with_their_tags(frame):
    assert list(frame.index) == ["alpha", "beta[ft]"]


def test_columns_are_split_then_metric(frame):
    assert list(frame.columns) == [(s, m) for s in SPLITS for m in METRICS]
    assert list(frame.columns.names) == ["split", "metric"]


def test_cells_are_the_stored_means_of_the_newest_complete_run(frame):
    for model, tag, label in (("alpha", None, "alpha"), ("beta", "ft", "beta[ft]")):
        for split in SPLITS:
            for metric in METRICS:
                assert frame.loc[label, (split, metric)] == expected(model, tag, split, metric)


def test_n_samples_and_run_ids_are_kept(frame, store):
    assert frame.attrs["n_samples"]["alpha"] == {"synth-day": 2, "synth-night": 3, "synth-rain": 1}
    run_id = frame.attrs["run_ids"]["beta[ft]"]["synth-rain"]
    assert store.summary(run_id).metrics["a1"] == frame.loc["beta[ft]", ("synth-rain", "a1")]


def test_a_row_missing_a_split_gets_nan(store):
    _write_run(store, "gamma", None, "synth-day", [(0.5, 5.0, 0.5)])
    df = leaderboard_frame(store, splits="synth-*", metrics=METRICS, higher_is_better=HIB)
    assert df.loc["gamma", ("synth-day", "abs_rel")] == 0.5
    assert math.isnan(df.loc["gamma", ("synth-night", "abs_rel")])


def test_clean_conditions_come_first_then_natural_order():
    given = [
        "synth-snow",
        "synth-night",
        "synth-day",
        "kitti-c-fog-10",
        "kitti-c-fog-2",
        "kitti-eigen",
        "drivingstereo-foggy",
        "drivingstereo-sunny",
    ]
    assert order_splits(given) == [
        "drivingstereo-sunny",
        "drivingstereo-foggy",
        "kitti-eigen",
        "kitti-c-fog-2",
        "kitti-c-fog-10",
        "synth-day",
        "synth-night",
        "synth-snow",
    ]
    assert order_splits(given[:3], split_order=["synth-night"]) == ["synth-night", "synth-day", "synth-snow"]


def test_mean_over_is_the_mean_of_the_split_means(store):
    adverse = ["synth-night", "synth-rain"]
    df = leaderboard_frame(store, splits="synth-*", metrics=METRICS, higher_is_better=HIB, mean_over=adverse)
    assert list(df.columns)[-3:] == [("mean(adverse)", m) for m in METRICS]
    for metric in METRICS:
        want = (expected("beta", "ft", "synth-night", metric) + expected("beta", "ft", "synth-rain", metric)) / 2
        assert df.loc["beta[ft]", ("mean(adverse)", metric)] == pytest.approx(want, rel=1e-15)


def test_mean_over_is_nan_for_a_row_without_every_split(store):
    _write_run(store, "gamma", None, "synth-night", [(0.5, 5.0, 0.5)])
    df = leaderboard_frame(
        store, splits="synth-*", metrics=METRICS, mean_over="synth-night,synth-rain", mean_label="adverse"
    )
    assert math.isnan(df.loc["gamma", ("adverse", "abs_rel")])
    assert not math.isnan(df.loc["alpha", ("adverse", "abs_rel")])


def test_mean_over_an_unknown_split_is_an_error(store):
    with pytest.raises(UdebenchError, match="synth-hail"):
        leaderboard_frame(store, splits="synth-*", metrics=METRICS, mean_over=["synth-hail"])


def test_an_empty_store_says_to_evaluate_first(tmp_path):
    with ResultsStore(tmp_path / "empty.sqlite") as empty, pytest.raises(UdebenchError, match="udebench evaluate"):
        leaderboard_frame(empty, metrics=METRICS)


def test_markdown_has_arrows_and_bolds_the_best(frame):
    md = render_table(frame, "md", HIB)
    header = md.splitlines()[0]
    assert "synth-night abs_rel↓" in header and "synth-night a1↑" in header
    night_best_abs_rel = f"**{expected('beta', 'ft', 'synth-night', 'abs_rel'):.3f}**"
    day_best_a1 = f"**{expected('alpha', None, 'synth-day', 'a1'):.3f}**"
    beta_line = next(line for line in md.splitlines() if line.startswith("| beta[ft]"))
    alpha_line = next(line for line in md.splitlines() if line.startswith("| alpha"))
    assert night_best_abs_rel in beta_line and night_best_abs_rel not in alpha_line
    assert day_best_a1 in alpha_line
    assert md.count("**") == 2 * len(frame.columns)  # one best per column, no ties here


def test_markdown_bolds_ties_at_the_printed_precision(store):
    _write_run(store, "gamma", None, "synth-day", [(0.1104, 3.1, 0.89)])  # 0.110 like alpha's 0.110
    df = leaderboard_frame(store, splits="synth-day", metrics=["abs_rel"], higher_is_better=HIB)
    assert render_table(df, "md").count("**0.110**") == 2


def test_csv_is_long_with_exact_columns(frame):
    rows = list(csv.reader(io.StringIO(render_table(frame, "csv", HIB))))
    assert rows[0] == ["row", "split", "n_samples", "limit", "n_errors", "abs_rel", "rmse", "a1", "weights_origin"]
    assert len(rows) == 1 + 2 * 3
    alpha_night = next(r for r in rows if r[:2] == ["alpha", "synth-night"])
    assert alpha_night[2:5] == ["3", "", "0"]
    assert float(alpha_night[5]) == expected("alpha", None, "synth-night", "abs_rel")


def test_csv_includes_the_mean_rows(store):
    df = leaderboard_frame(
        store, splits="synth-*", metrics=METRICS, higher_is_better=HIB, mean_over="synth-night,synth-rain"
    )
    rows = list(csv.DictReader(io.StringIO(render_table(df, "csv"))))
    mean = next(r for r in rows if r["row"] == "alpha" and r["split"] == "mean(adverse)")
    assert mean["n_samples"] == "4"


def test_latex_is_booktabs_with_split_headers_and_bold_best(frame):
    tex = render_table(frame, "latex", HIB)
    for needle in (
        r"\toprule",
        r"\midrule",
        r"\bottomrule",
        r"\multicolumn{3}{c}{synth-night}",
        r"abs\_rel $\downarrow$",
        r"a1 $\uparrow$",
        r"\textbf{",
    ):
        assert needle in tex
    assert r"\cmidrule(lr){2-4}" in tex and r"\cmidrule(lr){8-10}" in tex


def test_html_is_a_full_document_with_bold_best(frame):
    page = render_table(frame, "html", HIB, title="Synth <world>")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<title>Synth &lt;world&gt;</title>" in page
    assert '<th class="group" colspan="3">synth-rain</th>' in page
    assert page.count('class="best"') == len(frame.columns)


def test_decimals_are_configurable(frame):
    assert f" {expected('beta', 'ft', 'synth-rain', 'rmse'):.1f} |" in render_table(
        frame, "md", HIB, decimals={"rmse": 1}
    )


def test_unknown_format_is_an_error(frame):
    with pytest.raises(UdebenchError, match="md, latex, csv, html"):
        render_table(frame, "xlsx", HIB)


# ---------------------------------------------------------------------- CLI
@pytest.fixture
def metric_registry(monkeypatch):
    """A stand-in metric registry, so these CLI tests do not depend on which plugins load."""
    from udebench import plugins
    from udebench.specs import MetricSpec, Registered

    fake = {
        name: Registered(spec=MetricSpec(name=name, fn=lambda *a: None, higher_is_better=hib), provider="test")
        for name, hib in {**HIB, "a2": True, "sq_rel": False}.items()
    }
    monkeypatch.setattr(plugins, "registry", lambda: {"metrics": fake})


def test_directions_come_from_the_real_metric_registry():
    assert higher_is_better_map(["abs_rel", "rmse", "a1"]) == HIB


def test_cli_renders_markdown_from_the_store(store, metric_registry):
    res = CliRunner().invoke(leaderboard, ["--results", str(store.path), "--splits", "synth-*"])
    assert res.exit_code == 0, res.output
    assert "synth-rain a1↑" in res.output and "beta[ft]" in res.output and "kitti" not in res.output


def test_cli_writes_each_format_to_a_file(store, metric_registry, tmp_path):
    for fmt, needle in (
        ("md", "abs_rel↓"),
        ("latex", r"\toprule"),
        ("csv", "row,split,n_samples,limit,n_errors,abs_rel,a1"),
        ("html", "<!DOCTYPE html>"),
    ):
        out = tmp_path / f"board.{fmt}"
        args = ["--results", str(store.path), "--format", fmt, "--output", str(out), "--metrics", "abs_rel,a1"]
        res = CliRunner().invoke(leaderboard, args)
        assert res.exit_code == 0, res.output
        assert needle in out.read_text()


def test_cli_mean_over_adds_the_mean_column(store, metric_registry):
    args = [
        "--results",
        str(store.path),
        "--splits",
        "synth-*",
        "--mean-over",
        "synth-night,synth-rain",
        "--format",
        "csv",
        "--metrics",
        "abs_rel",
        "--metrics",
        "a1",
    ]
    res = CliRunner().invoke(leaderboard, args)
    assert res.exit_code == 0, res.output
    assert "beta[ft],mean(adverse),4,,0," in res.output


def test_cli_unknown_metric_lists_the_known_ones(store, metric_registry):
    res = CliRunner().invoke(leaderboard, ["--results", str(store.path), "--metrics", "abs_rel,accuracy"])
    assert res.exit_code == 1
    assert "unknown metric accuracy" in res.output and "abs_rel" in res.output and res.output.count("\n") == 1


def test_cli_on_an_empty_store_says_to_evaluate_first(tmp_path, metric_registry):
    ResultsStore(tmp_path / "empty.sqlite").close()
    for path in (tmp_path / "empty.sqlite", tmp_path / "missing.sqlite"):
        res = CliRunner().invoke(leaderboard, ["--results", str(path)])
        assert res.exit_code == 1 and "udebench evaluate" in res.output and res.output.count("\n") == 1


def test_cli_keeps_the_order_of_splits_named_outright(tmp_path):
    from click.testing import CliRunner

    from udebench.leaderboard.commands import leaderboard
    from udebench.results.store import ResultsStore

    path = tmp_path / "r.sqlite"
    with ResultsStore(path) as store:
        for split in ("synth-day", "synth-fog", "synth-night"):
            run = store.open_run(model="m", tag=None, split=split, options={}, weights_sha256=None, versions={},
                                 n_expected=1)
            store.add_samples(run.run_id, [{"sample_id": "a", "index": 0, "status": "ok", "error": None,
                                            "metrics": {"abs_rel": 0.1}, "counts": {}}])
            store.finish_run(run.run_id, "complete")
    result = CliRunner().invoke(leaderboard, ["--results", str(path), "--splits", "synth-day,synth-night,synth-fog",
                                              "--metrics", "abs_rel", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert [line.split(",")[1] for line in result.output.strip().splitlines()[1:]] == [
        "synth-day", "synth-night", "synth-fog"]


def _with_a_skipped_sample(store):
    """beta[ft]'s synth-night run also has one sample it could not read (--on-error skip)."""
    run = store.latest_complete_runs("synth-night")
    run_id = next(r.run_id for r in run if r.label == "beta[ft]")
    store.add_samples(run_id, [{"sample_id": "unreadable", "index": 99, "status": "error",
                                "error": "OSError: cannot read", "metrics": {}, "counts": {}}])


def test_a_cell_from_a_run_with_skipped_samples_is_marked_in_every_rendering(store):
    _with_a_skipped_sample(store)
    df = leaderboard_frame(store, splits="synth-*", metrics=METRICS, higher_is_better=HIB, mean_over="synth-*")
    errors = {split: source.n_errors for split, source in df.attrs["sources"]["beta[ft]"].items()}
    assert errors == {"synth-day": 0, "synth-night": 1, "synth-rain": 0}
    night = f"{expected('beta', 'ft', 'synth-night', 'abs_rel'):.3f}"
    markdown = render_table(df, "md")
    assert f"{night}‡" in markdown or f"**{night}**‡" in markdown  # marked wherever it is shown (bold if best)
    assert f"{expected('beta', 'ft', 'synth-day', 'abs_rel'):.3f}‡" not in markdown
    assert any("‡" in line and "skipped" in line for line in markdown.splitlines())  # and explained
    assert r"\ddagger" in render_table(df, "latex")
    assert any(mark in render_table(df, "html") for mark in ("‡", "&Dagger;", "&#8225;"))


def test_no_mark_and_no_note_without_skipped_samples(frame):
    assert all("‡" not in render_table(frame, fmt) for fmt in ("md", "latex", "html"))
