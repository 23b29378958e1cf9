"""Weights files: where they come from and their sha256 (recorded with every run)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from udebench.errors import UdebenchError

WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin", ".ckpt")


def sha256_of(path: str | Path) -> str:
    """sha256 of a weights file, or of a folder's weight files in name order."""
    path = Path(path)
    if not path.exists():
        raise UdebenchError(f"weights not found: {path}")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in WEIGHT_SUFFIXES)
    digest = hashlib.sha256()
    for file in files:
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def card_path(weights_file: str | Path) -> Path:
    """The JSON model card beside a weights file: ``<name>.json``."""
    return Path(weights_file).with_suffix(".json")


def write_card(weights_file: str | Path, card: dict) -> Path:
    """Write ``card`` (made JSON-able: tuples as lists, other objects as text) beside ``weights_file``."""
    import json

    out = card_path(weights_file)
    out.write_text(json.dumps(jsonable(card), indent=2) + "\n")
    return out


def weights_origin(weights: str | Path | None) -> str | None:
    """Where weights came from, in words, when their model card says they were trained here (``trained_here``).

    Leaderboards mark the runs of such weights, so synth-trained files are never read as the published ones.
    """
    if weights is None or not Path(weights).is_file():
        return None
    try:
        card = read_card(weights)
    except ValueError:  # a card that is not JSON says nothing about where the weights came from
        return None
    if not isinstance(card, dict) or not card.get("trained_here"):
        return None
    name = card.get("name") or Path(weights).stem
    return f"{name}: {card['trained_here']}"


def read_card(weights_file: str | Path) -> dict | None:
    """The model card beside ``weights_file``, or None when there is none."""
    import json

    path = card_path(weights_file)
    return json.loads(path.read_text()) if path.is_file() else None


def jsonable(value: object) -> object:
    """``value`` with dict keys as text, tuples as lists and anything that is not JSON as its text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
