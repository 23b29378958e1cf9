"""The nuScenes JSON tables, read directly (the devkit pins numpy<2), indexed by token."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

from udebench.errors import CorruptSampleError, DataNotFoundError

#: tables the reader needs, in ``<dataroot>/<version>/<table>.json``
TABLES: tuple[str, ...] = ("scene", "sample", "sample_data", "calibrated_sensor", "ego_pose", "sensor", "log")
NEEDED: tuple[str, ...] = ("scene", "sample", "sample_data", "calibrated_sensor", "ego_pose", "sensor")


class NuScenesTables:
    """The tables of one version (``v1.0-trainval``, ``v1.0-mini``) under ``dataroot``."""

    def __init__(self, dataroot: str | Path, version: str) -> None:
        self.dataroot = Path(dataroot)
        self.version = version
        self.folder = self.dataroot / version

    def missing_tables(self) -> list[Path]:
        return [self.folder / f"{name}.json" for name in NEEDED if not (self.folder / f"{name}.json").is_file()]

    def table(self, name: str) -> list[dict[str, Any]]:
        path = self.folder / f"{name}.json"
        if not path.is_file():
            raise DataNotFoundError(f"nuScenes table {path} is missing; the {self.version} metadata belongs in "
                                    f"{self.folder}/ (from the nuScenes download page)")
        try:
            return json.loads(path.read_text())
        except ValueError as exc:
            raise CorruptSampleError(f"nuScenes table {path} is not valid JSON: {exc}") from exc

    @cached_property
    def scenes(self) -> list[dict[str, Any]]:
        return self.table("scene")

    @cached_property
    def samples(self) -> list[dict[str, Any]]:
        return self.table("sample")

    @cached_property
    def calibrated_sensor(self) -> dict[str, dict[str, Any]]:
        return {r["token"]: r for r in self.table("calibrated_sensor")}

    @cached_property
    def ego_pose(self) -> dict[str, dict[str, Any]]:
        return {r["token"]: r for r in self.table("ego_pose")}

    @cached_property
    def channel_of_calibrated_sensor(self) -> dict[str, str]:
        channel = {r["token"]: r["channel"] for r in self.table("sensor")}
        return {token: channel[r["sensor_token"]] for token, r in self.calibrated_sensor.items()}

    def key_frames_of(self, channels: tuple[str, ...]) -> dict[tuple[str, str], dict[str, Any]]:
        """(sample token, channel) -> the key-frame sample_data record (the devkit's ``sample['data']``).

        As in the devkit's reverse index, a later key frame of the same sample and channel replaces an earlier one.
        """
        channel_of = self.channel_of_calibrated_sensor
        wanted = set(channels)
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for record in self.table("sample_data"):
            channel = channel_of.get(record["calibrated_sensor_token"])
            if record.get("is_key_frame") and channel in wanted:
                out[(record["sample_token"], channel)] = record
        return out
