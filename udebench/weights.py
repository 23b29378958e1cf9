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
