"""`udebench compare`: two models' images paired by sample id, the difference, its interval and tests."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from udebench.errors import UdebenchError
from udebench.leaderboard.commands import compare
from udebench.leaderboard.compare import compare_runs
from udebench.leaderboard.per_image import split_seed
from udebench.results.store import ResultsStore

SPLIT = "synth-night"
# abs_rel per sample id; B's rows are written in another order, so pairing must go by id, not position.
A = {"s0": 0.10, "s1": 0.20, "s2": 0.30, "s3": 0.40, "s4": 0.25}
B = {"s0": 0.20, "s1": 0.20, "s2": 0.50, "s3": 0.50, "s4": 0.20}
# A - B = -0.10, 0, -0.20, -0.10, +0.05 -> mean -0.07; A lower (better) on s0, s2, s3; B on s4; tie s1.


def write(store, model, values, *, tag=None, order=None, options=None, errors=()):
    ids = order or list(values)
    run = store.open_run(model=model, tag=tag, split=SPLIT, options=options or {"alignment": "none"},
                         weights_sha256=None, versions={}, n_expected=len(ids))
    rows = [{"sample_id": s, "index": i, "status": "error" if s in errors else "ok", "error": None,
             "metrics": {} if s in errors else {"abs_rel": values[s]}, "counts": {}} for i, s in enumerate(ids)]
    store.add_samples(run.run_id, rows)
    store.finish_run(run.run_id, "complete")


@pytest.fixture
def store(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as s:
        write(s, "alpha", A)
        write(s, "beta", B, tag="ft", order=["s4", "s2", "s0", "s3", "s1"])
        yield s


def test_the_difference_is_the_mean_of_paired_differences(store):
    result = compare_runs(store, "alpha", "beta[ft]", SPLIT, higher_is_better=False)
    assert result.n == 5
    assert result.mean_diff == pytest.approx(-0.07)
    assert (result.mean_a, result.mean_b) == pytest.approx((0.25, 0.32))


def test_wins_count_the_better_image_by_the_metrics_direction(store):
    result = compare_runs(store, "alpha", "beta[ft]", SPLIT, higher_is_better=False)
    assert (result.wins_a, result.wins_b, result.ties) == (3, 1, 1)
    assert result.better == "alpha"


def test_the_wilcoxon_p_value_is_scipys_on_the_paired_images(store):
    diffs = [A[s] - B[s] for s in A]
    expected = stats.wilcoxon(diffs, zero_method="wilcox").pvalue
    assert compare_runs(store, "alpha", "beta[ft]", SPLIT).wilcoxon_p == pytest.approx(expected)


def test_the_interval_is_the_paired_bootstrap_of_the_differences(store):
    result = compare_runs(store, "alpha", "beta[ft]", SPLIT, n_resamples=400, seed=3)
    diffs = np.array([A[s] - B[s] for s in A])
    rng = np.random.default_rng(split_seed(3, SPLIT))
    means = diffs[rng.integers(0, 5, size=(400, 5))].mean(axis=1)
    assert (result.low, result.high) == pytest.approx(tuple(np.percentile(means, [2.5, 97.5])))
    assert result.bootstrap_p == pytest.approx(min(1.0, 2 * min((means <= 0).mean(), (means >= 0).mean())))


def test_refuses_runs_over_different_images_and_says_a_limit_is_why(store):
    write(store, "gamma", {"s0": 0.1, "s1": 0.2}, options={"alignment": "none", "limit": 2})
    with pytest.raises(UdebenchError, match=r"cannot pair alpha and gamma.*3 only in alpha.*--limit 2"):
        compare_runs(store, "alpha", "gamma", SPLIT)


def test_refuses_when_a_run_skipped_samples_with_an_error(store):
    write(store, "delta", A, errors=("s3",))
    with pytest.raises(UdebenchError, match=r"1 only in alpha \(e.g. s3\).*delta skipped 1 sample"):
        compare_runs(store, "alpha", "delta", SPLIT)


def test_an_unknown_model_names_the_models_that_have_a_run(store):
    with pytest.raises(UdebenchError, match=r"gamma: no complete run on synth-night.*alpha, beta\[ft\]"):
        compare_runs(store, "alpha", "gamma", SPLIT)


def test_cli_prints_the_verdict(store):
    res = CliRunner().invoke(compare, ["alpha", "beta[ft]", "--split", SPLIT, "--results", str(store.path)])
    assert res.exit_code == 0, res.output
    assert "difference alpha − beta[ft]: -0.0700" in res.output
    assert "alpha better on 3 images, beta[ft] on 1, ties 1" in res.output


def test_cli_json_is_one_object(store):
    res = CliRunner().invoke(compare, ["alpha", "beta[ft]", "-s", SPLIT, "--results", str(store.path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["wins_a"] == 3


def test_cli_refusal_is_one_line(store):
    write(store, "gamma", {"s0": 0.1}, options={"alignment": "none", "limit": 1})
    res = CliRunner().invoke(compare, ["alpha", "gamma", "-s", SPLIT, "--results", str(store.path)])
    assert res.exit_code == 1 and res.output.count("\n") == 1 and "cannot pair" in res.output
