"""Writers of tiny real-dataset copies in their exact on-disk layouts, with geometry known by hand.

nuScenes: JSON tables, ``samples/CAM_FRONT/*.jpg``, ``samples/LIDAR_TOP/*.pcd.bin``.
RobotCar: ``<scene>/stereo/left/*.png``, ``lms_front/*.bin``, ``lms_front.timestamps``, ``vo/vo.csv``,
``models/``, ``extrinsics/``, ``splits/<scene>_test.txt``.
DrivingStereo: ``<weather>/left-image-full-size/*.png``, ``disparity-map-full-size/*.png``,
``full-image-calib/<sequence>.txt``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

# ----------------------------------------------------------------------------------------------- maths by hand


def quat_wxyz_to_matrix(w: float, x: float, y: float, z: float) -> np.ndarray:
    """Rotation of a unit quaternion (w, x, y, z), the textbook formula (independent of scipy)."""
    n = math.sqrt(w * w + x * x + y * y + z * z)
    w, x, y, z = w / n, x / n, y / n, z / n
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def quat_about(axis: tuple[float, float, float], angle: float) -> list[float]:
    """(w, x, y, z) of a rotation by ``angle`` about ``axis``."""
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    s = math.sin(angle / 2)
    return [math.cos(angle / 2), a[0] * s, a[1] * s, a[2] * s]


def quat_multiply(q: list[float], r: list[float]) -> list[float]:
    w1, x1, y1, z1 = q
    w2, x2, y2, z2 = r
    return [w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2]


def rigid(record: dict) -> np.ndarray:
    """4x4 sensor→parent transform of a nuScenes record (rotation w, x, y, z; translation)."""
    out = np.eye(4)
    out[:3, :3] = quat_wxyz_to_matrix(*record["rotation"])
    out[:3, 3] = record["translation"]
    return out


def write_rgb(path: Path, height: int, width: int, seed: int = 0) -> np.ndarray:
    """A random-ish RGB image written with OpenCV (PNG or JPEG by suffix); returns the RGB array."""
    rng = np.random.default_rng(seed)
    rgb = np.zeros((height, width, 3), dtype=np.uint8)
    rgb[..., 0] = 200
    rgb[..., 1] = rng.integers(0, 255, (height, width), dtype=np.uint8)
    rgb[..., 2] = 30
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), rgb[..., ::-1])
    return rgb


# ----------------------------------------------------------------------------------------------- nuScenes

NUSC_H, NUSC_W = 900, 1600
NUSC_K = [[1266.4, 0.0, 816.27], [0.0, 1266.4, 491.51], [0.0, 0.0, 1.0]]
#: camera mounted looking along ego +x (camera z = ego x, camera x = ego -y, camera y = ego -z), yawed 5°
_CAM_BASE = quat_multiply(quat_about((0, 0, 1), math.radians(5.0)), [0.5, -0.5, 0.5, -0.5])
CAM_SENSOR = {"translation": [1.70, 0.02, 1.51], "rotation": _CAM_BASE}
LIDAR_SENSOR = {"translation": [0.94, 0.0, 1.84], "rotation": quat_about((0.1, 0.05, 1.0), math.radians(-89.0))}
POSE_LIDAR = {"translation": [600.0, 1640.0, 0.5], "rotation": quat_about((0.02, 0.01, 1.0), math.radians(30.0))}
POSE_CAM = {"translation": [600.9, 1640.4, 0.52], "rotation": quat_about((0.0, 0.03, 1.0), math.radians(31.5))}
#: (u, v, z) targets in the camera: u, v at half-pixels so truncation is unambiguous
NUSC_TARGETS = [(100.5, 200.5, 10.0), (800.5, 450.5, 25.0), (1500.5, 850.5, 79.0), (20.5, 30.5, 0.6)]
#: a point behind the camera and one outside the image
NUSC_OUTSIDE = [(800.5, 450.5, -5.0), (1599.3, 450.5, 12.0)]


def lidar_from_camera() -> np.ndarray:
    """4x4 camera → lidar frame, through ego(t_cam), global and ego(t_lidar) (float64, by hand)."""
    global_from_camera = rigid(POSE_CAM) @ rigid(CAM_SENSOR)
    global_from_lidar = rigid(POSE_LIDAR) @ rigid(LIDAR_SENSOR)
    return np.linalg.inv(global_from_lidar) @ global_from_camera


def nusc_lidar_points() -> np.ndarray:
    """Lidar-frame float32 points that land on NUSC_TARGETS (and two that must not land)."""
    k_inv = np.linalg.inv(np.asarray(NUSC_K))
    cam = []
    for u, v, z in NUSC_TARGETS + NUSC_OUTSIDE:
        cam.append(k_inv @ np.array([u, v, 1.0]) * z)
    cam = np.asarray(cam)
    transform = lidar_from_camera()
    return (cam @ transform[:3, :3].T + transform[:3, 3]).astype(np.float32)


@dataclass
class NuScenesFixture:
    root: Path  # the data root (contains nuscenes/)
    version: str
    sample_tokens: dict[str, list[str]] = field(default_factory=dict)  # scene name -> sample tokens
    image_paths: dict[str, Path] = field(default_factory=dict)
    lidar_paths: dict[str, Path] = field(default_factory=dict)


def write_nuscenes(root: Path, version: str, scenes: list[tuple[str, str, int]],
                   image_size: tuple[int, int] = (NUSC_H, NUSC_W)) -> NuScenesFixture:
    """``root/nuscenes/<version>/*.json`` + sample files: scenes are (name, description, n_samples).

    A trainval copy also gets every other official validation scene, empty, as a real scene.json has them.
    """
    if "trainval" in version:
        from importlib import resources

        named = {name for name, _, _ in scenes}
        listed = json.loads((resources.files("udebench.data.nuscenes") / "val_scenes.json").read_text())
        scenes = list(scenes) + [(name, "Day drive", 0) for name in listed["trainval_val"] if name not in named]
    base = root / "nuscenes"
    tables = base / version
    tables.mkdir(parents=True, exist_ok=True)
    fixture = NuScenesFixture(root=root, version=version)
    sensor = [{"token": "sensor-cam", "channel": "CAM_FRONT", "modality": "camera"},
              {"token": "sensor-lidar", "channel": "LIDAR_TOP", "modality": "lidar"},
              {"token": "sensor-back", "channel": "CAM_BACK", "modality": "camera"}]
    calibrated = [dict(token="cs-cam", sensor_token="sensor-cam", camera_intrinsic=NUSC_K, **CAM_SENSOR),
                  dict(token="cs-lidar", sensor_token="sensor-lidar", camera_intrinsic=[], **LIDAR_SENSOR),
                  dict(token="cs-back", sensor_token="sensor-back", camera_intrinsic=NUSC_K,
                       translation=[0, 0, 1.5], rotation=[1, 0, 0, 0])]
    ego_pose, sample, sample_data, scene, log = [], [], [], [], [{"token": "log-0", "location": "boston-seaport"}]
    points = nusc_lidar_points()
    scan = np.zeros((len(points), 5), dtype=np.float32)
    scan[:, :3] = points
    scan[:, 3] = 7.0
    scan[:, 4] = np.arange(len(points))
    n = 0
    for s_index, (name, description, n_samples) in enumerate(scenes):
        scene_token = f"scene-token-{s_index}"
        tokens = [f"{s_index:04d}sample{i:02d}" for i in range(n_samples)]
        fixture.sample_tokens[name] = tokens
        scene.append({"token": scene_token, "name": name, "description": description, "log_token": "log-0",
                      "nbr_samples": n_samples, "first_sample_token": tokens[0] if tokens else "",
                      "last_sample_token": tokens[-1] if tokens else ""})
        for i, token in enumerate(tokens):
            n += 1
            ts = 1532402927600000 + n * 500000
            sample.append({"token": token, "timestamp": ts, "scene_token": scene_token,
                           "prev": tokens[i - 1] if i else "", "next": tokens[i + 1] if i + 1 < n_samples else ""})
            cam_file = f"samples/CAM_FRONT/n008-2018-08-01__CAM_FRONT__{ts + 12404}.jpg"
            lidar_file = f"samples/LIDAR_TOP/n008-2018-08-01__LIDAR_TOP__{ts}.pcd.bin"
            ego_pose.append(dict(token=f"ego-l-{token}", timestamp=ts, **POSE_LIDAR))
            ego_pose.append(dict(token=f"ego-c-{token}", timestamp=ts + 12404, **POSE_CAM))
            common = {"sample_token": token, "prev": "", "next": "", "height": 0, "width": 0}
            sample_data.append(dict(common, token=f"sd-l-{token}", ego_pose_token=f"ego-l-{token}",
                                    calibrated_sensor_token="cs-lidar", timestamp=ts, fileformat="pcd",
                                    is_key_frame=True, filename=lidar_file))
            sample_data.append(dict(common, token=f"sd-c-{token}", ego_pose_token=f"ego-c-{token}",
                                    calibrated_sensor_token="cs-cam", timestamp=ts + 12404, fileformat="jpg",
                                    is_key_frame=True, filename=cam_file))
            # a non-key-frame camera sweep that must be ignored
            sample_data.append(dict(common, token=f"sd-sweep-{token}", ego_pose_token=f"ego-c-{token}",
                                    calibrated_sensor_token="cs-cam", timestamp=ts + 50000, fileformat="jpg",
                                    is_key_frame=False, filename=f"sweeps/CAM_FRONT/x__{ts + 50000}.jpg"))
            write_rgb(base / cam_file, *image_size, seed=n)
            (base / lidar_file).parent.mkdir(parents=True, exist_ok=True)
            scan.tofile(base / lidar_file)
            fixture.image_paths[token] = base / cam_file
            fixture.lidar_paths[token] = base / lidar_file
    for table, rows in {"scene": scene, "sample": sample, "sample_data": sample_data, "ego_pose": ego_pose,
                        "calibrated_sensor": calibrated, "sensor": sensor, "log": log}.items():
        (tables / f"{table}.json").write_text(json.dumps(rows, indent=0))
    return fixture


# ----------------------------------------------------------------------------------------------- RobotCar

RC_DAY = "2014-12-09-13-21-02"
RC_T0 = 1418132500000000
RC_F, RC_CX, RC_CY = 983.044006, 643.646973, 493.378998
RC_MODEL = (f"{RC_F:.6f} {RC_F:.6f} {RC_CX:.6f} {RC_CY:.6f}\n0.000000 -0.000000 1.000000 0.000000\n"
            "1.000000 0.000000 -0.000000 0.000000\n0.000000 1.000000 0.000000 0.000000\n"
            "0.000000 0.000000 0.000000 1.000000\n")
#: laser plane turned vertical: laser (x, y, 0) → vehicle (x + 1.5, 0.2, 1.0 - y)
RC_LMS_EXTRINSICS = "1.5 0.2 1.0 -1.5707963267948966 0 0"
#: scans: (offset from t0 in µs, laser x, laser y); VO moves +1 m in x per second and poses snap to
#: the last VO row, so a scan at +2.5 s is 2 m ahead, one at -3 s is 3 m behind
RC_SCANS = [(0, 8.5, 0.5), (0, 8.5, -2.0), (2_500_000, 16.5, -1.0), (-3_000_000, 6.5, -0.2), (4_500_000, 24.5, -1.5)]


def rc_expected_pixels() -> list[tuple[int, int, float]]:
    """(row, col, depth) of each scan point inside ±4 s, by hand: depth = vehicle x at t0, u = f·y/x + cx."""
    out = []
    for offset, lx, ly in RC_SCANS:
        if abs(offset) > 4_000_000:
            continue
        shift = math.floor(offset / 1e6)  # whole seconds: the SDK snaps to the last VO row
        x, y, z = lx + 1.5 + shift, 0.2, 1.0 - ly
        out.append((round(RC_F * z / x + RC_CY), round(RC_F * y / x + RC_CX), x))
    return out


def write_robotcar(root: Path, *, raw_bayer: bool = False, samples: tuple[int, ...] = (RC_T0,),
                   lut: bool = False) -> Path:
    """``root/robotcar``: one drive (day) with ``samples`` image timestamps; returns the robotcar folder."""
    base = root / "robotcar"
    scene = base / RC_DAY
    (base / "models").mkdir(parents=True, exist_ok=True)
    (base / "models" / "stereo_wide_left.txt").write_text(RC_MODEL)
    if lut:  # identity undistortion: x = column, y = row
        rows, cols = np.mgrid[0:960, 0:1280]
        np.concatenate([cols.ravel(), rows.ravel()]).astype(np.float64).tofile(
            base / "models" / "stereo_wide_left_distortion_lut.bin")
    (base / "extrinsics").mkdir(exist_ok=True)
    (base / "extrinsics" / "stereo.txt").write_text("0 0 0 0 0 0\n")
    (base / "extrinsics" / "lms_front.txt").write_text(RC_LMS_EXTRINSICS + "\n")
    (scene / "vo").mkdir(parents=True, exist_ok=True)
    rows = ["source_timestamp,destination_timestamp,x,y,z,roll,pitch,yaw"]
    for k in range(-8, 9):
        t = RC_T0 + k * 1_000_000
        rows.append(f"{t},{t - 1_000_000},1.0,0.0,0.0,0.0,0.0,0.0")
    (scene / "vo" / "vo.csv").write_text("\n".join(rows) + "\n")
    (scene / "lms_front").mkdir(exist_ok=True)
    by_time: dict[int, list[tuple[float, float]]] = {}
    for offset, lx, ly in RC_SCANS:
        by_time.setdefault(RC_T0 + offset, []).append((lx, ly))
    for t, pts in by_time.items():
        np.asarray([[lx, ly, 0.3] for lx, ly in pts], dtype=np.float64).tofile(scene / "lms_front" / f"{t}.bin")
    (scene / "lms_front.timestamps").write_text("".join(f"{t} 1\n" for t in sorted(by_time)))
    (scene / "stereo" / "left").mkdir(parents=True, exist_ok=True)
    for t in samples:
        path = scene / "stereo" / "left" / f"{t}.png"
        if raw_bayer:
            rgb = np.zeros((960, 1280, 3), dtype=np.uint8)
            rgb[...] = (200, 100, 30)
            mosaic = np.empty((960, 1280), dtype=np.uint8)  # GBRG
            mosaic[0::2, 0::2] = rgb[0::2, 0::2, 1]
            mosaic[0::2, 1::2] = rgb[0::2, 1::2, 2]
            mosaic[1::2, 0::2] = rgb[1::2, 0::2, 0]
            mosaic[1::2, 1::2] = rgb[1::2, 1::2, 1]
            cv2.imwrite(str(path), mosaic)
        else:
            write_rgb(path, 960, 1280, seed=t % 1000)
    (base / "splits").mkdir(exist_ok=True)
    (base / "splits" / f"{RC_DAY}_test.txt").write_text("".join(f"{t}\n" for t in samples))
    return base


# ----------------------------------------------------------------------------------------------- DrivingStereo

DS_SEQUENCES = {"sunny": "2018-10-19-09-30-39", "cloudy": "2018-10-31-06-55-01",
                "foggy": "2018-10-25-07-37-26", "rainy": "2018-08-17-09-45-58"}
DS_F, DS_CX, DS_CY, DS_BASELINE = 2007.113, 880.5, 400.25, 0.5449
DS_SIZE = (40, 64)  # small stand-in for 800x1762


def ds_calib_text() -> str:
    """A ``full-image-calib`` file: KITTI-style keys; P_rect_103[0,3] is twice -f·B as in the real files."""
    p101 = [DS_F, 0, DS_CX, 0, 0, DS_F, DS_CY, 0, 0, 0, 1, 0]
    p103 = [DS_F, 0, DS_CX, -2 * DS_F * DS_BASELINE, 0, DS_F, DS_CY, 0, 0, 0, 1, 0]
    lines = {"S_101": [1762, 800], "K_101": [2000, 0, 880, 0, 2000, 400, 0, 0, 1], "R_101": [1, 0, 0, 0, 1, 0, 0, 0, 1],
             "T_101": [0, 0, 0], "P_rect_101": p101, "T_103": [-DS_BASELINE, 0.001, 0.0], "P_rect_103": p103}
    return "".join(f"{k}: {' '.join(f'{v:e}' for v in vals)}\n" for k, vals in lines.items())


def write_drivingstereo(root: Path, weather: str, frames: list[str], disparities: dict[str, np.ndarray]) -> Path:
    """``root/drivingstereo/<weather>/{left-image-full-size,disparity-map-full-size}`` + calib."""
    base = root / "drivingstereo"
    sequence = DS_SEQUENCES[weather]
    for frame in frames:
        name = f"{sequence}_{frame}"
        write_rgb(base / weather / "left-image-full-size" / f"{name}.png", *DS_SIZE)
        disp = base / weather / "disparity-map-full-size" / f"{name}.png"
        disp.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(disp), np.round(disparities[frame] * 256).astype(np.uint16))
    (base / "full-image-calib").mkdir(parents=True, exist_ok=True)
    (base / "full-image-calib" / f"{sequence}.txt").write_text(ds_calib_text())
    return base
