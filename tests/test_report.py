"""`udebench report`: one self-contained HTML file, re-predicted grids, notes for what cannot be shown, and a real
browser that loads every image and finds the table."""

from __future__ import annotations

import html
import os
import re

import pytest
from click.testing import CliRunner

from tests.plugin_fixtures import TinyModelPlugin
from udebench import plugins
from udebench.leaderboard.commands import report
from udebench.results.store import ResultsStore

pytestmark = pytest.mark.slow  # evaluates a model and re-predicts with it: several seconds

SPLITS = ("synth-day", "synth-night")
N = 3


@pytest.fixture(scope="module")
def tiny_registered():
    """The ``tiny`` test models, registered for the whole module (the report re-predicts with them)."""
    plugin = TinyModelPlugin()
    plugins.register_plugin(plugin, name="tiny-report-plugin")
    yield plugin
    plugins.unregister_plugin(plugin)


@pytest.fixture(scope="module")
def store_path(tiny_registered, tmp_path_factory):
    """``tiny`` evaluated on 3 synth frames per split, plus a run of a model nobody registers here."""
    from udebench.api import evaluate

    path = tmp_path_factory.mktemp("report") / "results.sqlite"
    for split in SPLITS:
        evaluate("tiny", split, results=str(path), limit=N, metrics=("abs_rel", "rmse", "a1"), progress=False)
    with ResultsStore(path) as store:
        run = store.open_run(model="ghost", tag=None, split="synth-night",
                             options={"alignment": "median", "min_depth": 0.1, "max_depth": 80.0},
                             weights_sha256=None, versions={}, n_expected=1)
        store.add_samples(run.run_id, [{"sample_id": "synth-test-000000", "index": 0, "status": "ok",
                                        "metrics": {"abs_rel": 0.5, "rmse": 5.0, "a1": 0.5}}])
        store.finish_run(run.run_id, "complete")
    return path


@pytest.fixture(scope="module")
def page(store_path, tmp_path_factory):
    """The report of that store, written by the CLI."""
    out = tmp_path_factory.mktemp("report-out") / "report.html"
    res = CliRunner().invoke(report, ["--results", str(store_path), "--output", str(out), "--splits",
                                      ",".join(SPLITS), "--worst", "2", "--no-progress"])
    assert res.exit_code == 0, res.output
    return out


def test_the_report_is_one_file_with_every_image_embedded(page):
    text = page.read_text(encoding="utf-8")
    sources = re.findall(r'<img [^>]*src="([^"]*)"', text)
    assert len(sources) >= 5  # bars, curves, heat map, a chosen grid per split, worst images
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert not re.search(r'<(script|link)\b', text)


def test_the_report_holds_the_leaderboard_table(page):
    text = page.read_text(encoding="utf-8")
    table = text[text.index('<table class="leaderboard" id="leaderboard">'):text.index("</table>")]
    assert "<td class=\"row\">tiny</td>" in table and "synth robustness" in table
    assert "n=3" in table  # image counts are shown


def test_the_grids_re_predict_the_stored_numbers(page):
    text = html.unescape(page.read_text(encoding="utf-8"))
    assert "synth-night: each model on the same image(s)" in text
    assert "tiny: its 2 worst image(s)" in text
    assert "differs from the stored" not in text


def test_a_model_that_is_not_installed_gets_a_note_instead_of_a_grid(page):
    text = html.unescape(page.read_text(encoding="utf-8"))
    assert "ghost: model ghost is not installed here" in text


def test_a_run_made_with_other_weights_gets_a_note(store_path, tmp_path):
    from udebench.leaderboard.report.qualitative import Reproducer

    with ResultsStore(store_path) as store:
        (run,) = [r for r in store.latest_complete_runs("synth-day") if r.model == "tiny"]
        other = type(run)(**{**run.to_dict(), "weights_sha256": "ab" * 32})
        note = Reproducer(store).predictions(other, ["synth-test-000000"])
    assert isinstance(note, str) and "used weights sha256 abababababab" in note and "--weights" in note


# ---------------------------------------------------------------------- in a real browser
def test_headless_chromium_loads_every_image_and_finds_the_table(page, tmp_path):
    from tests.headless_chromium import Chromium, find_chromium

    binary = find_chromium()
    if binary is None:
        message = "chromium is not installed (`make test` installs Debian's chromium package)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with Chromium(binary, tmp_path / "profile") as browser:
        session = browser.open(page.resolve().as_uri())
        found = browser.evaluate(session, """(async () => {
            const images = [...document.images];
            await Promise.all(images.map(img => img.decode().catch(() => null)));
            return {
              images: images.length,
              broken: images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.alt),
              rows: document.querySelectorAll('table#leaderboard tbody tr').length,
              header: document.querySelector('table#leaderboard thead')?.innerText ?? '',
            };
        })()""")
        shot = browser.screenshot(session)
    (tmp_path / "report.png").write_bytes(shot)
    assert found["images"] >= 5 and found["broken"] == []
    assert found["rows"] == 2 and "synth-night" in found["header"]  # tiny and ghost
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000


def test_a_graded_group_gets_severity_curves_and_missing_models_get_notes(tmp_path):
    from udebench.leaderboard.options import ReportOptions, TableOptions
    from udebench.leaderboard.report.page import build_report

    with ResultsStore(tmp_path / "kitti-c.sqlite") as store:
        for model, offset in (("robust", 0.0), ("fragile", 0.05)):
            for split, value in [("kitti-eigen", 0.1)] + [(f"kitti-c-{c}-{s}", 0.1 + offset * s + 0.01 * s)
                                                          for c in ("fog", "dark") for s in range(1, 6)]:
                run = store.open_run(model=model, tag=None, split=split,
                                     options={"alignment": "median", "min_depth": 1e-3, "max_depth": 80.0},
                                     weights_sha256=None, versions={}, n_expected=1)
                store.add_samples(run.run_id, [{"sample_id": "2011_09_26/0001 l", "index": 0, "status": "ok",
                                                "metrics": {"abs_rel": value, "a1": 1 - value}}])
                store.finish_run(run.run_id, "complete")
        text = html.unescape(build_report(store, ReportOptions(
            table=TableOptions(splits="kitti-*", metrics=("abs_rel", "a1"), higher_is_better={"abs_rel": False,
                                                                                               "a1": True}),
            worst=1, progress=False)))
    assert "kitti-c: abs_rel ↓ against severity, one panel per condition" in text
    assert "kitti-c: relative change of abs_rel ↓ from kitti-eigen" in text
    assert "robust: model robust is not installed here" in text
    assert "over the 2 shown of its 18 conditions, so not comparable with its published mCE" in text
    assert "No model could be re-run here" in text
