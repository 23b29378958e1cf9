"""The synth world: exact depth, conditions rendered from the same scene, sequences, cache, plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from udebench.data.synth import camera, weather
from udebench.data.synth.conditions import CONDITIONS
from udebench.data.synth.render import render, render_depth, view
from udebench.data.synth.splits import (
    MAX_SCENES,
    SynthSequenceSplit,
    SynthSplit,
    seed_for_test,
    seed_for_train,
)
from udebench.data.synth.world import camera_start, empty_scene, sample_scene

H, W = 48, 160


@pytest.fixture
def no_cache(monkeypatch):
    monkeypatch.setenv("UDEBENCH_SYNTH_CACHE", "0")


def _flat_road_depth(K: np.ndarray, camera_height: float, rows: np.ndarray) -> np.ndarray:
    """z-depth of a flat road seen by a level camera: f * h / (v - cy)."""
    return K[1, 1] * camera_height / (rows - K[1, 2])


def test_empty_road_depth_is_f_times_height_over_rows_below_the_horizon():
    scene = empty_scene(camera_height=1.5)
    pose = camera.camera_pose(0.0, -1.5, 0.0, 0.03)  # yaw does not change a level camera's ground depth
    depth = render_depth(scene, pose, H, W)
    K = camera.intrinsics(H, W)
    rows = np.arange(H)
    below = rows > K[1, 2]
    expected = _flat_road_depth(K, 1.5, rows[below].astype(np.float64))
    np.testing.assert_allclose(depth[below], np.repeat(expected[:, None], W, axis=1), rtol=1e-5)
    assert (depth[~below] == 0).all()  # at and above the horizon: sky


def test_road_just_ahead_of_the_camera_has_the_flat_road_depth_in_real_scenes(no_cache):
    split = SynthSplit("day", n_frames=6, height=H, width=W)
    K = split[0]["intrinsics"]
    for i in range(len(split)):
        depth = split[i]["depth"]
        scene = split.scene(i)
        expected = _flat_road_depth(K, scene.camera_height, np.array([H - 1.0]))[0]
        assert depth[H - 1, W // 2] == pytest.approx(expected, rel=1e-5)


def test_sky_has_zero_depth_and_the_top_row_shows_sky():
    for i in range(6):
        scene = sample_scene(seed_for_test(i))
        v = view(scene, camera.camera_pose(*camera_start(scene)), H, W)
        assert ((v.depth == 0) == v.surface.sky).all()
        assert (v.depth[0] == 0).any(), f"scene {i}: no sky in the top row"
        assert (v.depth[-1] > 0).all(), f"scene {i}: the bottom row must be ground"
        assert v.depth.dtype == np.float32


def test_a_scene_has_the_same_id_and_depth_under_every_condition(no_cache):
    samples = {c: SynthSplit(c, n_frames=2, height=H, width=W)[1] for c in CONDITIONS}
    day = samples["day"]
    for condition, s in samples.items():
        assert s["sample_id"] == day["sample_id"] == "synth-test-000001"
        assert s["condition"] == condition
        np.testing.assert_array_equal(s["depth"], day["depth"])
        assert not np.array_equal(s["image"], day["image"]) or condition == "day"


def test_rendering_is_deterministic_including_noise_rain_and_snow():
    scene = sample_scene(seed_for_test(3))
    pose = camera.camera_pose(*camera_start(scene))
    for condition in CONDITIONS:
        a = render(scene, pose, condition, H, W)
        b = render(sample_scene(seed_for_test(3)), pose, condition, H, W)
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.depth, b.depth)


def test_different_seeds_give_different_streets():
    depths = [render_depth(s, camera.camera_pose(*camera_start(s)), H, W) for s in map(sample_scene, (1, 2, 3))]
    assert not np.array_equal(depths[0], depths[1])
    assert not np.array_equal(depths[1], depths[2])


def test_test_and_train_seeds_never_overlap():
    test_range = (seed_for_test(0), seed_for_test(MAX_SCENES - 1))
    train_range = (seed_for_train(0), seed_for_train(MAX_SCENES - 1))
    assert test_range[1] < train_range[0] or train_range[1] < test_range[0]
    with pytest.raises(ValueError):
        seed_for_test(MAX_SCENES)
    with pytest.raises(ValueError):
        SynthSplit("day", n_frames=MAX_SCENES + 1)


def test_fog_is_koschmieder_on_the_true_depth():
    scene = sample_scene(seed_for_test(2))
    frame = render(scene, camera.camera_pose(*camera_start(scene)), "fog", H, W)
    parts = frame.parts
    clean, airlight, beta = parts["clean"], parts["airlight"], parts["beta"]
    # t = exp(-beta d) with the published depth; sky (depth 0) shows pure airlight
    t = np.where(frame.depth > 0, np.exp(-beta * frame.depth.astype(np.float64)), 0.0)
    hazy = clean * t + airlight[:, None, None] * (1 - t)
    expected = weather.encode(hazy.astype(np.float32), parts["exposure"])
    assert np.abs(expected.astype(int) - frame.image.astype(int)).max() <= 1
    sky = frame.depth == 0
    assert sky.any()
    np.testing.assert_array_equal(frame.image[sky], np.broadcast_to(expected[sky][0], frame.image[sky].shape))


def test_night_is_much_darker_than_day(no_cache):
    day = np.mean([s["image"].mean() for s in SynthSplit("day", n_frames=4, height=H, width=W)])
    night = np.mean([s["image"].mean() for s in SynthSplit("night", n_frames=4, height=H, width=W)])
    assert night < 0.5 * day


def _warp(context: np.ndarray, depth: np.ndarray, K: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-neighbour warp of ``context`` into the target view: back-project, move, project."""
    h, w = depth.shape
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    rays = np.linalg.inv(K) @ np.stack([u.ravel(), v.ravel(), np.ones(h * w)])
    points = rays * depth.ravel()[None, :]
    moved = T[:3, :3] @ points + T[:3, 3:4]
    z = moved[2]
    safe_z = np.where(z > 1e-6, z, 1.0)
    pu = np.rint(K[0, 0] * moved[0] / safe_z + K[0, 2]).astype(int)
    pv = np.rint(K[1, 1] * moved[1] / safe_z + K[1, 2]).astype(int)
    valid = (depth.ravel() > 0) & (z > 1e-6) & (pu >= 0) & (pu < w) & (pv >= 0) & (pv < h)
    warped = np.zeros((h * w, 3))
    warped[valid] = context[pv[valid], pu[valid]]
    return warped.reshape(h, w, 3), valid.reshape(h, w)


def test_context_frames_warp_onto_the_target_with_true_depth_and_pose(no_cache):
    split = SynthSequenceSplit("day", n_sequences=2, frames_per_sequence=3, height=96, width=320)
    for sample in split:
        target = sample["image"].astype(float)
        assert sample["sample_id"].endswith("-1") and len(sample["context"]) == 2
        for ctx in sample["context"]:
            np.testing.assert_allclose(ctx["T_target_to_context"], np.linalg.inv(ctx["pose"]) @ sample["pose"])
            warped, valid = _warp(ctx["image"], sample["depth"], sample["intrinsics"], ctx["T_target_to_context"])
            err = np.abs(warped - target).mean(axis=2)[valid]
            wrong_T = np.linalg.inv(ctx["T_target_to_context"])  # moving the other way
            wrong, wrong_valid = _warp(ctx["image"], sample["depth"], sample["intrinsics"], wrong_T)
            wrong_err = np.abs(wrong - target).mean(axis=2)[wrong_valid]
            assert valid.mean() > 0.5
            assert np.median(err) < 3.0
            assert err.mean() < 0.5 * wrong_err.mean()


def test_sequences_move_forward_and_context_is_seeded_per_frame(no_cache):
    sample = SynthSequenceSplit("night", n_sequences=1, frames_per_sequence=3, height=H, width=W)[0]
    before, after = sample["context"]
    assert (before["offset"], after["offset"]) == (-1, 1)
    step = np.linalg.norm(after["pose"][:3, 3] - sample["pose"][:3, 3])
    assert 0.5 <= step <= 1.5
    assert (np.linalg.inv(after["pose"]) @ sample["pose"])[2, 3] < 0  # the target is behind the next camera
    assert sample["pose"].dtype == np.float64 and sample["pose"].shape == (4, 4)


def test_split_is_a_sized_sequence_with_negative_indices(no_cache):
    split = SynthSplit("rain", n_frames=3, height=H, width=W)
    assert len(split) == 3
    last = split[-1]
    assert last["sample_id"] == "synth-test-000002"
    with pytest.raises(IndexError):
        split[3]
    assert [s["sample_id"] for s in split] == [f"synth-test-00000{i}" for i in range(3)]
    assert last["image"].dtype == np.uint8 and last["image"].shape == (H, W, 3)
    assert last["depth"].dtype == np.float32 and last["depth"].shape == (H, W)
    assert last["intrinsics"].dtype == np.float64 and last["intrinsics"].shape == (3, 3)


def test_intrinsics_scale_with_the_image_size():
    small, large = camera.intrinsics(H, W), camera.intrinsics(2 * H, 2 * W)
    np.testing.assert_allclose(large[:2], 2 * small[:2])


def test_cache_round_trip_returns_identical_arrays(tmp_path, monkeypatch):
    monkeypatch.setenv("UDEBENCH_SYNTH_CACHE", "1")
    first = SynthSplit("snow", n_frames=2, height=H, width=W, cache_dir=tmp_path)[1]
    assert list(tmp_path.rglob("*.png")) and list(tmp_path.rglob("*.npy"))
    assert not list(tmp_path.rglob("*.tmp"))
    again = SynthSplit("snow", n_frames=2, height=H, width=W, cache_dir=tmp_path)[1]
    np.testing.assert_array_equal(first["image"], again["image"])
    np.testing.assert_array_equal(first["depth"], again["depth"])
    assert again["depth"].dtype == np.float32


def test_the_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("UDEBENCH_SYNTH_CACHE", "0")
    SynthSplit("day", n_frames=1, height=H, width=W, cache_dir=tmp_path)[0]
    assert not any(tmp_path.iterdir())


def test_builtin_plugin_registers_every_condition_at_the_configured_size(no_cache):
    from udebench.api import get_split
    from udebench.data.synth import hooks as builtin

    assert builtin.SYNTH_CONDITIONS == CONDITIONS
    split = get_split("synth-fog", n_frames=2)
    assert len(split) == 2 and split[0]["image"].shape == (48, 160, 3)  # UDEBENCH_SYNTH_SIZE in conftest
    train = get_split("synth-train-day", n_sequences=1, height=32, width=64)
    assert train[0]["image"].shape == (32, 64, 3)


def test_importing_the_builtin_plugin_does_not_import_numpy():
    code = "import sys, udebench.data.synth.hooks; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_contact_sheet_has_a_row_per_scene_and_a_column_per_condition_plus_depth(tmp_path):
    from udebench.data.synth.preview import GAP, contact_sheet, write_preview

    sheet = contact_sheet(n_scenes=2, height=24, width=80)
    assert sheet.dtype == np.uint8
    assert sheet.shape == (2 * 24 + GAP, 6 * 80 + 5 * GAP, 3)
    write_preview(tmp_path / "p.png", n_scenes=1, conditions=("day",), height=24, width=80)
    assert (tmp_path / "p.png").stat().st_size > 0


def test_unknown_conditions_are_refused_with_the_known_ones_listed():
    with pytest.raises(ValueError, match="day, night, rain, fog, snow"):
        SynthSplit("hail", n_frames=1)
    with pytest.raises(ValueError, match="hail"):
        render(sample_scene(1), camera.camera_pose(0.0, -1.5, 0.0, 0.0), "hail", H, W)


def test_longer_sequences_keep_the_middle_frame_as_target(no_cache):
    sample = SynthSequenceSplit("day", n_sequences=1, frames_per_sequence=5, height=H, width=W)[0]
    assert sample["sample_id"] == "synth-train-000000-2"
    assert [c["offset"] for c in sample["context"]] == [-2, -1, 1, 2]


def test_sample_ids_match_the_samples_without_rendering():
    from udebench.data.synth.splits import SynthSequenceSplit, SynthSplit

    split = SynthSplit("fog", n_frames=3, height=24, width=80)
    assert split.sample_ids == [split[i]["sample_id"] for i in range(3)]
    seq = SynthSequenceSplit("day", n_sequences=2, height=24, width=80)
    assert seq.sample_ids == [seq[i]["sample_id"] for i in range(2)]


def test_cache_folder_changes_when_the_renderer_source_changes(tmp_path, monkeypatch):
    from udebench.data.synth import cache

    before = cache.cache_root(tmp_path)
    cache.renderer_fingerprint.cache_clear()
    original = Path.read_bytes

    def edited(path):
        data = original(path)
        return data + b"# edited" if path.name == "lighting.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    try:
        after = cache.cache_root(tmp_path)
    finally:
        monkeypatch.undo()
        cache.renderer_fingerprint.cache_clear()
    assert after != before and after.parent == before.parent
    assert cache.cache_root(tmp_path) == before


def test_preview_command_writes_a_png_into_a_new_folder(tmp_path):
    from click.testing import CliRunner
    from PIL import Image

    from udebench.cli import cli

    out = tmp_path / "new" / "folder" / "preview.png"
    result = CliRunner().invoke(cli, ["synth", "preview", "--output", str(out), "--scenes", "2", "--height", "32",
                                      "--width", "96"])
    assert result.exit_code == 0, result.output
    width, height = Image.open(out).size
    assert height >= 2 * 32 and width >= 6 * 96  # 2 scenes x (5 conditions + depth)
