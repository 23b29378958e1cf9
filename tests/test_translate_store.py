"""`udebench translate`: stored translated splits, content-addressed, with provenance, resumable; read back as
`<split>@<translator>-<condition>` and by trainers through `open_translations`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import udebench
from udebench import hookimpl, plugins
from udebench.cli import cli
from udebench.errors import UdebenchError
from udebench.plugin import open_translations, sample_seed
from udebench.specs import TranslatorSpec
from udebench.translate.cache import TranslationIdentity, TranslationSet, stored_sets
from udebench.translate.commands import parse_option
from udebench.translate.materialize import translate_split
from udebench.translate.options import TranslateOptions

N_FRAMES = 4  # synth-day built with n_frames=4: every test below works on 4 frames


class Shift:
    """Adds ``amount`` plus seeded noise of 0..3 grey levels; counts its calls (to see what was read, not made)."""

    name = "shift-test"
    version = "1"
    calls = 0

    def __init__(self, seed: int = 0, amount: int = 10) -> None:
        self.seed = seed
        self.amount = int(amount)
        self.options = {"amount": self.amount}

    def __call__(self, image, condition, *, depth=None, seed=None):
        type(self).calls += 1
        noise = np.random.default_rng(self.seed if seed is None else seed).integers(0, 4, image.shape)
        return np.clip(image.astype(np.int64) + self.amount + noise, 0, 255).astype(np.uint8)

    def translate_batch(self, images, condition, *, depth=None, seeds=None):
        import torch

        out = [self((img.permute(1, 2, 0) * 255).round().byte().numpy(), condition, seed=s)
               for img, s in zip(images, seeds, strict=True)]
        return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).float() / 255


class ShiftPlugin:
    @hookimpl
    def register_translators(self, register):
        register(TranslatorSpec(name="shift-test", factory=Shift, conditions=("night", "rain")))
        register(TranslatorSpec(name="slow-test", factory=Shift, conditions=("night",), cheap=False))


@pytest.fixture
def shift(monkeypatch, tmp_path):
    """The test translators, and a cache of this test's own (stored sets never leak between tests)."""
    monkeypatch.setenv("UDEBENCH_CACHE", str(tmp_path / "cache"))
    Shift.calls = 0
    plugin = ShiftPlugin()
    plugins.register_plugin(plugin, name="shift-plugin")
    yield
    plugins.unregister_plugin(plugin)


def translate(translator: str = "shift-test", condition: str = "night", **fields) -> object:
    fields.setdefault("split_options", {"n_frames": N_FRAMES})
    return translate_split(TranslateOptions(split="synth-day", translator=translator, condition=condition,
                                            progress=False, **fields))


def expected(sample: dict, amount: int = 10, seed: int = 0) -> np.ndarray:
    """The reference: the translator applied to the source image with the sample's own seed."""
    return Shift(amount=amount)(sample["image"], "night", seed=sample_seed(seed, sample["sample_id"]))


def identity(**changes) -> TranslationIdentity:
    fields = dict(source="synth-day", source_config={"height": 48, "width": 160}, translator="shift-test",
                  version="1", condition="night", options={"amount": 10}, weights_sha256=None, seed=0)
    return TranslationIdentity(**{**fields, **changes})


def test_set_key_changes_with_everything_that_decides_the_images():
    base = identity()
    variants = [identity(source="synth-night"), identity(source_config={"height": 96, "width": 320}),
                identity(translator="other"), identity(version="2"), identity(condition="rain"),
                identity(options={"amount": 11}), identity(weights_sha256="ab" * 32), identity(seed=1)]
    keys = {v.key for v in variants}
    assert len(keys) == len(variants) and base.key not in keys
    assert identity(options={"amount": 10, "r": (1, 2)}).key == identity(options={"r": [1, 2], "amount": 10}).key
    assert base.sample_key("a") != base.sample_key("b") != identity(seed=1).sample_key("b")


def test_translate_stores_every_image_with_its_provenance(shift):
    summary = translate(limit=3, seed=5)
    source = udebench.get_split("synth-day", n_frames=N_FRAMES)
    stored = TranslationSet(identity(source_config=source.config, seed=5))
    assert (summary.n_requested, summary.n_translated, summary.n_skipped, summary.n_stored) == (3, 3, 0, 3)
    assert summary.key == stored.identity.key and summary.split == "synth-day@shift-test-night"
    for i in range(3):
        sample = source[i]
        np.testing.assert_array_equal(stored.read(sample["sample_id"]), expected(sample, seed=5))
        record = stored.provenance(sample["sample_id"])
        assert record["sample_id"] == sample["sample_id"] and record["source"] == "synth-day"
        assert (record["translator"], record["version"], record["options"]) == ("shift-test", "1", {"amount": 10})
        assert (record["seed"], record["sample_seed"]) == (5, sample_seed(5, sample["sample_id"]))
        assert record["weights_sha256"] is None and record["udebench_version"] == udebench.__version__
        assert record["created"] and record["set_key"] == summary.key
    assert stored.read(source[3]["sample_id"]) is None


def test_translate_again_skips_what_is_stored(shift):
    translate(limit=2)
    Shift.calls = 0
    summary = translate(limit=4)
    assert (summary.n_translated, summary.n_skipped, summary.n_stored) == (2, 2, 4)
    assert Shift.calls == 2


def test_batched_translation_stores_the_same_images_as_single_calls(shift, tmp_path):
    single = translate(limit=4, batch_size=1, cache_dir=tmp_path / "single")
    batched = translate(limit=4, batch_size=3, cache_dir=tmp_path / "batched")
    assert single.key == batched.key
    ids = udebench.get_split("synth-day", n_frames=N_FRAMES).sample_ids
    a = TranslationSet(identity(source_config=udebench.get_split("synth-day", n_frames=N_FRAMES).config),
                       tmp_path / "single")
    b = TranslationSet(a.identity, tmp_path / "batched")
    for sample_id in ids:
        np.testing.assert_array_equal(a.read(sample_id), b.read(sample_id))


def test_translated_split_reads_the_stored_images_and_keeps_the_sources_ground_truth(shift):
    translate(translator="slow-test")
    source = udebench.get_split("synth-day", n_frames=N_FRAMES)
    translated = udebench.get_split("synth-day@slow-test-night", n_frames=N_FRAMES)
    Shift.calls = 0
    assert translated.sample_ids == source.sample_ids and len(translated) == N_FRAMES
    for i in range(N_FRAMES):
        a, b = source[i], translated[i]
        assert b["sample_id"] == a["sample_id"] and b["condition"] == "night"
        np.testing.assert_array_equal(b["depth"], a["depth"])
        np.testing.assert_array_equal(b["intrinsics"], a["intrinsics"])
        np.testing.assert_array_equal(b["image"], expected(a))
    assert Shift.calls == 4  # only expected()'s own calls: the split made none


def test_a_slow_translators_split_not_stored_is_an_error_naming_the_command(shift):
    with pytest.raises(UdebenchError, match="udebench translate --split synth-day --translator slow-test "
                                            "--condition night --split-option n_frames=4"):
        udebench.get_split("synth-day@slow-test-night", n_frames=N_FRAMES)


def test_a_sample_a_slow_translator_did_not_store_is_an_error_naming_the_command(shift):
    translate(translator="slow-test", limit=2)
    translated = udebench.get_split("synth-day@slow-test-night", n_frames=N_FRAMES)
    translated[1]
    with pytest.raises(UdebenchError, match=r"not translated yet \(2 of 4 are stored\).*udebench translate"):
        translated[2]


def test_a_cheap_translators_split_translates_what_is_not_stored(shift):
    translate(limit=2)
    translated = udebench.get_split("synth-day@shift-test-night", n_frames=N_FRAMES)
    source = udebench.get_split("synth-day", n_frames=N_FRAMES)
    Shift.calls = 0
    images = [translated[i]["image"] for i in range(N_FRAMES)]
    assert Shift.calls == 2  # two read from the store, two made now
    for i in range(N_FRAMES):
        np.testing.assert_array_equal(images[i], expected(source[i]))


def test_the_split_reads_the_set_made_last_even_with_other_options(shift):
    translate(translator="slow-test")
    time.sleep(0.01)
    translate(translator="slow-test", translator_options={"amount": 50})
    translated = udebench.get_split("synth-day@slow-test-night", n_frames=N_FRAMES)
    source = udebench.get_split("synth-day", n_frames=N_FRAMES)
    np.testing.assert_array_equal(translated[0]["image"], expected(source[0], amount=50))
    assert translated.config["translator_options"] == {"amount": 50}


def test_split_config_is_the_same_whether_images_are_stored_or_made(shift):
    before = udebench.get_split("synth-day@shift-test-night", n_frames=N_FRAMES).config
    translate(limit=1)
    after = udebench.get_split("synth-day@shift-test-night", n_frames=N_FRAMES)
    assert after.stored is not None and after.config == before


def test_a_set_of_another_source_config_is_not_read(shift):
    translate(translator="slow-test", split_options={"n_frames": N_FRAMES, "height": 32, "width": 96})
    with pytest.raises(UdebenchError, match="not stored yet"):
        udebench.get_split("synth-day@slow-test-night", n_frames=N_FRAMES)


def test_open_translations_reads_by_sample_id_and_says_what_made_them(shift):
    summary = translate(translator="slow-test", limit=2, seed=3, translator_options={"amount": 20})
    reader = open_translations("synth-day", "slow-test", "night", seed=3, split_options={"n_frames": N_FRAMES})
    source = udebench.get_split("synth-day", n_frames=N_FRAMES)
    np.testing.assert_array_equal(reader.get(source[1]["sample_id"]), expected(source[1], amount=20, seed=3))
    assert reader.get(source[2]["sample_id"]) is None and source[2]["sample_id"] not in reader
    assert reader.key == summary.key and reader.identity.options == {"amount": 20}
    assert reader.provenance(source[0]["sample_id"])["sample_seed"] == sample_seed(3, source[0]["sample_id"])


def test_open_translations_picks_the_set_whose_options_match(shift):
    translate(translator="slow-test", translator_options={"amount": 20})
    time.sleep(0.01)
    translate(translator="slow-test", translator_options={"amount": 30})
    split_options = {"n_frames": N_FRAMES}
    assert open_translations("synth-day", "slow-test", "night", split_options=split_options).identity.options == {
        "amount": 30}
    assert open_translations("synth-day", "slow-test", "night", split_options=split_options,
                             amount=20).identity.options == {"amount": 20}


def test_open_translations_without_a_stored_set_names_the_command(shift):
    with pytest.raises(UdebenchError, match="udebench translate --split synth-day --translator slow-test "
                                            "--condition night --seed 2 --option amount=7"):
        open_translations("synth-day", "slow-test", "night", seed=2, amount=7)


def test_translate_bad_input_is_one_line(shift):
    with pytest.raises(UdebenchError, match="already a translated split"):
        translate_split(TranslateOptions(split="synth-day@shift-test-night", translator="shift-test",
                                         condition="night"))
    with pytest.raises(UdebenchError, match="--condition snow: translator shift-test knows night, rain"):
        translate(condition="snow")
    with pytest.raises(UdebenchError, match="unknown translator"):
        translate(translator="nope")
    with pytest.raises(UdebenchError, match="--weights /w: translator shift-test takes no weights"):
        translate(weights="/w")


@pytest.mark.parametrize(("text", "key", "value"), [("strength=0.6", "strength", 0.6), ("steps=2", "steps", 2),
                                                     ("prompt=at night", "prompt", "at night"),
                                                     ("flag=true", "flag", True),
                                                     ('prompts={"night": "x"}', "prompts", {"night": "x"})])
def test_option_values_are_json_when_they_are_json(text, key, value):
    assert parse_option(text) == (key, value)


def test_cli_translate_then_list_splits_shows_the_stored_count(shift):
    runner = CliRunner()
    result = runner.invoke(cli, ["translate", "--split", "synth-day", "--translator", "shift-test", "--condition",
                                 "rain", "--limit", "3", "--split-option", "n_frames=4", "--no-progress", "--json"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["split"], summary["n_translated"], summary["n_stored"]) == ("synth-day@shift-test-rain", 3, 3)
    listing = runner.invoke(cli, ["list", "splits"], catch_exceptions=False).output
    line = next(line for line in listing.splitlines() if line.startswith("synth-day@shift-test-rain"))
    assert "stored: 3/4 samples" in line and summary["key"][:8] in line


def test_list_splits_counts_from_the_manifest_not_the_images(shift):
    translate(limit=2)
    (manifest,) = stored_sets()
    for image in Path(manifest.folder).rglob("*.png"):
        image.unlink()
    listing = CliRunner().invoke(cli, ["list", "splits"], catch_exceptions=False).output
    assert "synth-day@shift-test-night" in listing and "stored: 2/4 samples" in listing


@pytest.mark.slow
def test_translate_resumes_after_sigkill_losing_at_most_the_image_in_flight(tmp_path):
    """A real `udebench translate` process killed with SIGKILL mid-run; the same command then completes it."""
    env = {**os.environ, "UDEBENCH_CACHE": str(tmp_path / "cache"), "UDEBENCH_LOAD_PLUGINS": ""}
    args = ["translate", "--split", "synth-day", "--translator", "corrupt-gaussian_noise", "--condition", "3",
            "--limit", "120", "--no-progress"]
    process = subprocess.Popen([sys.executable, "-m", "udebench", *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    root = tmp_path / "cache" / "translations"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(root.glob("*/??/*.json"))) < 5:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    records = list(root.glob("*/??/*.json"))
    assert 5 <= len(records) < 120, "the run was not killed mid-way"
    for record in records:  # every image marked done is whole
        assert np.asarray(udebench.plugin.read_rgb(str(record.with_suffix(".png")))).shape == (48, 160, 3)
    result = CliRunner().invoke(cli, args + ["--json"], env={"UDEBENCH_CACHE": str(tmp_path / "cache")},
                                catch_exceptions=False)
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["n_skipped"] == len(records) and summary["n_translated"] == 120 - len(records)
    assert summary["n_stored"] == 120
    from udebench.plugin import build_translator

    reference = build_translator("corrupt-gaussian_noise")
    split = udebench.get_split("synth-day", n_frames=120)
    stored = TranslationSet(TranslationIdentity(
        source="synth-day", source_config=split.config, translator="corrupt-gaussian_noise", version="1",
        condition="3", options={}, weights_sha256=None, seed=0), tmp_path / "cache")
    for i in (0, len(records) - 1, len(records), 119):
        sample = split[i]
        np.testing.assert_array_equal(stored.read(sample["sample_id"]),
                                      reference(sample["image"], "3", seed=sample_seed(0, sample["sample_id"])))


@pytest.mark.slow
def test_physics_translation_made_by_the_cli_is_what_evaluate_reads(ude_plugin, monkeypatch, tmp_path):
    """`udebench translate --split synth-day --translator physics --condition night --limit 8`, then evaluate."""
    from PIL import Image

    monkeypatch.setenv("UDEBENCH_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    made = runner.invoke(cli, ["translate", "--split", "synth-day", "--translator", "physics", "--condition", "night",
                               "--limit", "8", "--no-progress", "--json"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert json.loads(made.output.strip().splitlines()[-1])["n_stored"] == 8

    def abs_rel(results: str) -> float:
        evaluated = runner.invoke(cli, ["evaluate", "--model", "ude_teacher", "--split", "synth-day@physics-night",
                                        "--limit", "8", "--results", str(tmp_path / results), "--no-progress",
                                        "--json"], catch_exceptions=False)
        assert evaluated.exit_code == 0, evaluated.output
        summary = json.loads(evaluated.output.strip().splitlines()[-1])
        assert summary["n_samples"] == 8
        return summary["metrics"]["abs_rel"]

    as_translated = abs_rel("a.sqlite")
    (manifest,) = stored_sets()
    for image in Path(manifest.folder).glob("??/*.png"):  # black out the stored images: evaluate must see it
        Image.fromarray(np.zeros((48, 160, 3), np.uint8)).save(image)
    assert abs_rel("b.sqlite") != pytest.approx(as_translated, rel=1e-3)
