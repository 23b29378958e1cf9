"""Leaderboard robustness columns (DEE, mCE, mRR per condition group), intervals, counts and marks.

Expected values are worked by hand from the per-image numbers below, or are RoboDepth's published rows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from udebench.errors import UdebenchError
from udebench.leaderboard.commands import leaderboard
from udebench.leaderboard.per_image import split_seed
from udebench.leaderboard.render import render_table
from udebench.leaderboard.tables import leaderboard_frame
from udebench.results.store import ResultsStore

HIB = {"abs_rel": False, "a1": True}

# (abs_rel, a1) per image. DEE per image = (abs_rel - a1 + 1) / 2:
#   model day  : (0.1, 0.9) -> 0.10, (0.3, 0.9) -> 0.20          mean 0.15
#   model night: (0.5, 0.5) -> 0.50, (0.3, 0.7) -> 0.30          mean 0.40
#   model rain : (0.2, 0.8) -> 0.20, (0.4, 0.8) -> 0.30          mean 0.25
#   ref   day  : (0.1, 0.9) -> 0.10, (0.1, 0.9) -> 0.10          mean 0.10
#   ref   night: (0.6, 0.2) -> 0.70, (0.6, 0.4) -> 0.60          mean 0.65
#   ref   rain : (0.2, 0.8) -> 0.20, (0.2, 0.8) -> 0.20          mean 0.20
SYNTH = {
    ("model", "synth-day"): [(0.1, 0.9), (0.3, 0.9)],
    ("model", "synth-night"): [(0.5, 0.5), (0.3, 0.7)],
    ("model", "synth-rain"): [(0.2, 0.8), (0.4, 0.8)],
    ("ref", "synth-day"): [(0.1, 0.9), (0.1, 0.9)],
    ("ref", "synth-night"): [(0.6, 0.2), (0.6, 0.4)],
    ("ref", "synth-rain"): [(0.2, 0.8), (0.2, 0.8)],
}
# mRR(model) = ((1 - 0.40) + (1 - 0.25)) / 2 / (1 - 0.15) = 0.675 / 0.85 = 79.4118 %
# mCE(model vs ref) = (0.40 / 0.65 + 0.25 / 0.20) / 2 = (0.615385 + 1.25) / 2 = 93.2692 %
MODEL_MRR = 100 * 0.675 / 0.85
MODEL_MCE = 100 * (0.40 / 0.65 + 1.25) / 2
BLOCK = "synth robustness"


def write_run(store, model, split, pairs, *, tag=None, options=None, errors=0):
    run = store.open_run(model=model, tag=tag, split=split, options=options or {"alignment": "none"},
                         weights_sha256=None, versions={}, n_expected=len(pairs) + errors)
    rows = [{"sample_id": f"s{i}", "index": i, "status": "ok", "error": None,
             "metrics": {"abs_rel": a, "a1": d}, "counts": {}} for i, (a, d) in enumerate(pairs)]
    rows += [{"sample_id": f"e{i}", "index": len(pairs) + i, "status": "error", "error": "unreadable",
              "metrics": {}, "counts": {}} for i in range(errors)]
    store.add_samples(run.run_id, rows)
    store.finish_run(run.run_id, "complete")
    return run.run_id


@pytest.fixture
def store(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as s:
        for (model, split), pairs in SYNTH.items():
            write_run(s, model, split, pairs)
        yield s


def frame(store, **fields):
    fields.setdefault("splits", "synth-*")
    return leaderboard_frame(store, metrics=["abs_rel", "a1"], higher_is_better=HIB, robustness=True, **fields)


def test_dee_columns_are_each_condition_dee_from_the_mean_abs_rel_and_a1(store):
    df = frame(store, reference="ref")
    assert df.loc["model", (BLOCK, "DEE clean")] == pytest.approx(0.15)
    assert df.loc["model", (BLOCK, "DEE night")] == pytest.approx(0.40)
    assert df.loc["model", (BLOCK, "DEE rain")] == pytest.approx(0.25)


def test_mrr_is_against_the_models_own_clean_split(store):
    assert frame(store, reference="ref").loc["model", (BLOCK, "mRR")] == pytest.approx(MODEL_MRR)


def test_mce_is_against_the_reference_row(store):
    assert frame(store, reference="ref").loc["model", (BLOCK, "mCE")] == pytest.approx(MODEL_MCE)


def test_the_reference_row_has_mce_100(store):
    assert frame(store, reference="ref").loc["ref", (BLOCK, "mCE")] == pytest.approx(100.0)


def test_without_a_reference_there_is_no_mce_and_a_note_says_why(store):
    df = frame(store)
    assert math.isnan(df.loc["model", (BLOCK, "mCE")])
    assert df.loc["model", (BLOCK, "mRR")] == pytest.approx(MODEL_MRR)
    assert any("--reference" in note for note in df.attrs["notes"])


def test_a_row_missing_a_condition_gets_no_scores(store):
    write_run(store, "partial", "synth-day", [(0.1, 0.9)])
    write_run(store, "partial", "synth-night", [(0.2, 0.8)])
    df = frame(store, reference="ref")
    assert math.isnan(df.loc["partial", (BLOCK, "mCE")]) and math.isnan(df.loc["partial", (BLOCK, "mRR")])
    assert df.loc["partial", (BLOCK, "DEE night")] == pytest.approx(0.2)


def test_an_unknown_reference_is_a_one_line_error_naming_the_stored_rows(store):
    with pytest.raises(UdebenchError, match="--reference 'monodepth2'.*model, ref"):
        frame(store, reference="monodepth2")


def test_clean_split_is_read_even_when_not_shown(store):
    df = frame(store, splits="synth-night,synth-rain", reference="ref")
    assert df.loc["model", (BLOCK, "mRR")] == pytest.approx(MODEL_MRR)


def test_splits_outside_any_group_say_so(store):
    df = frame(store, splits="synth-day")
    assert not any(block == BLOCK for block, _ in df.columns)
    assert any("none of the shown splits" in note for note in df.attrs["notes"])


# ---------------------------------------------------------------------- intervals
def test_a_split_interval_is_the_percentile_bootstrap_of_its_images(store):
    df = frame(store, ci=True, n_resamples=500, seed=7)
    values = np.array([0.5, 0.3])  # model's night abs_rel
    rng = np.random.default_rng(split_seed(7, "synth-night"))
    means = values[rng.integers(0, 2, size=(500, 2))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    assert df.attrs["intervals"]["model"][("synth-night", "abs_rel")] == pytest.approx((low, high))


def test_the_reference_mce_interval_is_exactly_100_because_it_resamples_in_pairs(store):
    df = frame(store, reference="ref", ci=True, n_resamples=200)
    assert df.attrs["intervals"]["ref"][(BLOCK, "mCE")] == pytest.approx((100.0, 100.0))


def test_score_intervals_contain_the_score(store):
    df = frame(store, reference="ref", ci=True, n_resamples=300)
    for column in ("mCE", "mRR", "DEE night"):
        low, high = df.attrs["intervals"]["model"][(BLOCK, column)]
        assert low <= df.loc["model", (BLOCK, column)] <= high


def row_line(md: str, label: str) -> str:
    """The Markdown table line of row ``label`` (the header starts with "| model" too, so skip it)."""
    return next(line for line in md.splitlines()[2:] if line.startswith(f"| {label} "))


def test_intervals_are_printed_next_to_the_mean(store):
    df = frame(store, ci=True, n_resamples=100)
    md = render_table(df, "md")
    low, high = df.attrs["intervals"]["ref"][("synth-night", "abs_rel")]
    assert f"0.600 [{low:.3f}, {high:.3f}]" in row_line(md, "ref")  # ref's night is not the best: not bold
    assert "percentile-bootstrap interval" in md


# ---------------------------------------------------------------------- counts and marks
def test_counts_show_the_images_each_cell_averages(store):
    write_run(store, "skippy", "synth-night", [(0.2, 0.8)] * 3, errors=2)
    md = render_table(frame(store, reference="ref"), "md", counts=True)
    assert "(n=3)" in row_line(md, "skippy")
    assert "(n=6)" in row_line(md, "model")  # mCE reads day, night and rain: 2 images each


def test_a_cell_from_a_limited_run_is_marked_with_a_dagger_and_a_footnote(store):
    write_run(store, "quick", "synth-night", [(0.9, 0.1)], options={"alignment": "none", "limit": 1})
    md = render_table(frame(store), "md")
    assert "0.900†" in row_line(md, "quick")
    assert "† from a --limit run" in md and "quick on synth-night (first 1)" in md


def test_a_cell_from_a_run_that_skipped_samples_is_marked(store):
    write_run(store, "skippy", "synth-night", [(0.9, 0.1)], errors=2)
    md = render_table(frame(store), "md")
    assert "0.900‡" in row_line(md, "skippy")
    assert "‡ samples skipped with an error" in md and "skippy on synth-night (2)" in md


def test_a_limited_run_does_not_replace_the_full_run_in_the_table(store):
    write_run(store, "model", "synth-night", [(0.9, 0.1)], options={"alignment": "none", "limit": 1})
    df = frame(store)
    assert df.loc["model", ("synth-night", "abs_rel")] == pytest.approx(0.4)
    assert "†" not in render_table(df, "md")


def test_cli_robustness_with_intervals_and_counts(store):
    args = ["--results", str(store.path), "--splits", "synth-*", "--metrics", "abs_rel,a1", "--robustness",
            "--reference", "ref", "--ci", "--resamples", "50", "--counts", "--format", "csv"]
    res = CliRunner().invoke(leaderboard, args)
    assert res.exit_code == 0, res.output
    header, *rows = res.output.splitlines()
    assert "mCE" in header and "mCE_low" in header
    model = next(r for r in rows if r.startswith(f"model,{BLOCK},"))
    mce = float(model.split(",")[header.split(",").index("mCE")])
    assert mce == pytest.approx(MODEL_MCE)


# ---------------------------------------------------------------------- KITTI-C and RoboDepth's published rows
CORRUPTIONS = ("brightness", "dark", "fog", "frost", "snow", "contrast", "defocus_blur", "glass_blur", "motion_blur",
               "zoom_blur", "elastic_transform", "color_quant", "gaussian_noise", "impulse_noise", "shot_noise",
               "iso_noise", "pixelate", "jpeg_compression")
# RoboDepth's KITTI-C table (github.com/ldkong1205/RoboDepth docs/RESULT.md): clean DEE, then the DEE of each
# corruption (mean over severities 1-5) in the order above, and the published mCE / mRR in %.
ROBODEPTH_ROWS = {
    "MonoDepth2-R18": (100.00, 84.46, [0.119, 0.130, 0.280, 0.155, 0.277, 0.511, 0.187, 0.244, 0.242, 0.216, 0.201,
                                       0.129, 0.193, 0.384, 0.389, 0.340, 0.388, 0.145, 0.196]),
    "DIFFNet-HRNet": (94.96, 85.41, [0.102, 0.111, 0.222, 0.131, 0.199, 0.352, 0.161, 0.513, 0.330, 0.280, 0.197,
                                     0.114, 0.165, 0.292, 0.266, 0.255, 0.270, 0.135, 0.202]),
    "MonoViT-MPViT": (79.33, 89.15, [0.099, 0.106, 0.243, 0.116, 0.213, 0.275, 0.119, 0.180, 0.204, 0.163, 0.179,
                                     0.118, 0.146, 0.310, 0.293, 0.271, 0.290, 0.162, 0.154]),
}
KITTI_C = "kitti-c robustness"


def write_published_row(store, model, dees):
    """Runs whose DEE equals the published one: one image with abs_rel = DEE, a1 = 1 - DEE (so DEE = DEE)."""
    clean, *per_corruption = dees
    write_run(store, model, "kitti-eigen", [(clean, 1 - clean)])
    for corruption, value in zip(CORRUPTIONS, per_corruption, strict=True):
        for severity in range(1, 6):
            write_run(store, model, f"kitti-c-{corruption}-{severity}", [(value, 1 - value)])


@pytest.fixture
def kitti_c(tmp_path):
    with ResultsStore(tmp_path / "kitti-c.sqlite") as s:
        for model, (_, _, dees) in ROBODEPTH_ROWS.items():
            write_published_row(s, model, dees)
        yield s


@pytest.mark.parametrize("model", list(ROBODEPTH_ROWS))
def test_kitti_c_reproduces_robodepths_published_mce_and_mrr(kitti_c, model):
    df = leaderboard_frame(kitti_c, splits="kitti-eigen,kitti-c-*", metrics=["abs_rel", "a1"], robustness=True)
    published_mce, published_mrr, _ = ROBODEPTH_ROWS[model]
    assert round(df.loc[model, (KITTI_C, "mCE")], 2) == published_mce
    assert round(df.loc[model, (KITTI_C, "mRR")], 2) == published_mrr


def test_kitti_c_mce_defaults_to_robodepths_monodepth2_r18_and_names_its_source(kitti_c):
    df = leaderboard_frame(kitti_c, splits="kitti-eigen,kitti-c-*", metrics=["abs_rel"], robustness=True)
    (note,) = [n for n in df.attrs["notes"] if n.startswith(KITTI_C)]
    assert "MonoDepth2-R18 (RoboDepth)" in note and "RESULT.md" in note
    assert df.loc["MonoDepth2-R18", (KITTI_C, "mCE")] == pytest.approx(100.0)


def test_the_published_reference_needs_all_five_severities(kitti_c):
    df = leaderboard_frame(kitti_c, splits="kitti-eigen,kitti-c-*-[123]", metrics=["abs_rel"], robustness=True)
    assert math.isnan(df.loc["DIFFNet-HRNet", (KITTI_C, "mCE")])
    assert not math.isnan(df.loc["DIFFNet-HRNet", (KITTI_C, "mRR")])
    assert any("published over severities 1,2,3,4,5" in n for n in df.attrs["notes"])


def test_kitti_c_corruptions_average_their_severities(tmp_path):
    with ResultsStore(tmp_path / "sev.sqlite") as s:
        write_run(s, "m", "kitti-eigen", [(0.1, 0.9)])  # DEE 0.1
        for severity, value in zip(range(1, 6), (0.1, 0.2, 0.3, 0.4, 0.5), strict=True):
            write_run(s, "m", f"kitti-c-fog-{severity}", [(value, 1 - value)])
        df = leaderboard_frame(s, splits="kitti-*", metrics=["abs_rel"], robustness=True)
    assert df.loc["m", (KITTI_C, "DEE fog")] == pytest.approx(0.3)  # (0.1 + ... + 0.5) / 5
    # RR = mean(1 - DEE_l) / (1 - DEE_clean) = 0.7 / 0.9; mCE = 0.3 / 0.155 (RoboDepth's fog)
    assert df.loc["m", (KITTI_C, "mRR")] == pytest.approx(100 * 0.7 / 0.9)
    assert df.loc["m", (KITTI_C, "mCE")] == pytest.approx(100 * 0.3 / 0.155)


def test_the_shipped_reference_is_robodepths_monodepth2_r18_row_and_reproduces_its_mrr():
    from udebench.evaluation.robustness import mean_resilience_rate
    from udebench.leaderboard.published import published_references

    reference = published_references()["kitti-c"]
    clean, *per_corruption = ROBODEPTH_ROWS["MonoDepth2-R18"][2]
    assert reference.clean == clean and [reference.dee[c] for c in CORRUPTIONS] == per_corruption
    assert round(100 * mean_resilience_rate(reference.dee, reference.clean), 2) == reference.published_percent["mRR"]
    assert reference.severities == (1, 2, 3, 4, 5) and "ldkong1205/RoboDepth" in reference.source


# ---------------------------------------------------------------------- splits declare their group
@pytest.mark.parametrize(("split", "group", "clean", "condition", "severity"), [
    ("synth-night", "synth", "synth-day", "night", None),
    ("synth-snow", "synth", "synth-day", "snow", None),
    ("nuscenes-rain", "nuscenes", "nuscenes-day", "rain", None),
    ("robotcar-night", "robotcar", "robotcar-day", "night", None),
    ("drivingstereo-foggy", "drivingstereo", "drivingstereo-sunny", "foggy", None),
    ("kitti-c-fog-3", "kitti-c", "kitti-eigen", "fog", 3),
    ("synth-day@corrupt-fog-3", "synth-day@corrupt-fog", "synth-day", "3", None),
])
def test_adverse_splits_declare_their_group_and_clean_split(split, group, clean, condition, severity):
    from udebench.plugins import split_spec
    from udebench.specs import AdverseCondition

    assert split_spec(split).adverse == AdverseCondition(group, clean, condition, severity)


@pytest.mark.parametrize("split", ["synth-day", "nuscenes-day", "robotcar-day", "kitti-eigen", "drivingstereo-sunny"])
def test_clean_splits_are_not_adverse(split):
    from udebench.plugins import split_spec

    assert split_spec(split).adverse is None


def test_models_option_keeps_only_those_rows(store):
    df = frame(store, models="model", reference="ref")
    assert list(df.index) == ["model"]
    assert df.loc["model", (BLOCK, "mCE")] == pytest.approx(MODEL_MCE)  # the reference row still counts


def test_a_table_with_intervals_and_robustness_imports_neither_scipy_nor_matplotlib(store):
    import subprocess
    import sys

    probe = ("import sys; from udebench.cli import cli; "
             f"cli.main(['leaderboard', '--results', {str(store.path)!r}, '--metrics', 'abs_rel,a1', '--robustness', "
             "'--reference', 'ref', "
             "'--ci', '--resamples', '50'], standalone_mode=False); "
             "print('HEAVY:' + ','.join(m for m in ('scipy', 'matplotlib', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    assert out.splitlines()[-1] == "HEAVY:"


def test_cli_reference_alone_adds_the_robustness_columns(store):
    args = ["--results", str(store.path), "--metrics", "abs_rel,a1", "--reference", "ref", "--format", "csv"]
    res = CliRunner().invoke(leaderboard, args)
    assert res.exit_code == 0, res.output
    assert f"model,{BLOCK}," in res.output
