"""Published robustness figures shipped as package data, so a table is comparable to the paper's without re-running.

Each ``published/*.json`` holds one paper's reference row for one condition group: the DEE of the clean split and
of each condition (averaged over ``severities``), with its source. RoboDepth's KITTI-C reference
(MonoDepth2-R18, mCE 100 %) is the default mCE reference of the ``kitti-c`` group.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class PublishedReference:
    """One published row: DEE per condition (mean over ``severities``) and the clean DEE, with where it came from."""

    group: str
    label: str
    source: str
    severities: tuple[int, ...]
    clean: float
    dee: dict[str, float]
    #: the paper's own summary, in % (e.g. {"mCE": 100.0, "mRR": 84.46}), to check against
    published_percent: dict[str, float] = field(default_factory=dict)


@cache
def published_references() -> dict[str, PublishedReference]:
    """Group name -> its published reference row, read once from the package data."""
    found: dict[str, PublishedReference] = {}
    folder = resources.files("udebench.leaderboard") / "published"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        raw = json.loads(entry.read_text(encoding="utf-8"))
        found[raw["group"]] = PublishedReference(
            group=raw["group"], label=raw["label"], source=raw["source"], severities=tuple(raw["severities"]),
            clean=float(raw["clean"]), dee={k: float(v) for k, v in raw["dee"].items()},
            published_percent=dict(raw.get("published_percent", {})),
        )
    return found
