"""Finding Hugging Face weights on this machine: ``save_pretrained`` folders and the local hub cache; never a download.

``--weights`` may name a folder with ``config.json`` (what ``save_pretrained`` writes, or a snapshot),
or a cache folder ``models--org--name`` (its ``refs/main`` snapshot). Without ``--weights`` a model
looks its default repo id up in the local cache (``$HF_HUB_CACHE``, else ``$HF_HOME/hub``) with
``local_files_only=True``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from udebench.plugin import UdebenchError

CONFIG_FILE = "config.json"
PREPROCESSOR_FILE = "preprocessor_config.json"


def hub_cache_dir() -> Path:
    """The hub cache folder, read from the environment when called (tests point it elsewhere)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    return Path.home() / ".cache" / "huggingface" / "hub"


def cache_folder_name(repo_id: str) -> str:
    """``org/name`` → ``models--org--name``, the hub cache's folder for a model repo."""
    return "models--" + repo_id.replace("/", "--")


def snapshot_of_cache_folder(folder: Path, *, marker: str = CONFIG_FILE) -> Path | None:
    """The snapshot ``refs/main`` names in a ``models--org--name`` folder (else its one snapshot with ``marker``)."""
    snapshots = folder / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = folder / "refs" / "main"
    if ref.is_file() and (snapshots / ref.read_text().strip() / marker).is_file():
        return snapshots / ref.read_text().strip()
    found = sorted(p for p in snapshots.iterdir() if (p / marker).is_file())
    return found[0] if len(found) == 1 else None


def resolve_folder(weights: str | None, *, model: str, repo_id: str, env: str | None,
                   marker: str = CONFIG_FILE) -> Path:
    """The folder to load ``model`` from: ``weights`` (a folder or cache folder), else ``repo_id`` in the cache.

    ``marker`` is the file that makes a folder a checkpoint (``config.json``; ``model_index.json`` for diffusers).
    """
    where = (f"pass --weights with a save_pretrained folder ({marker} + weights) or a hub cache folder "
             f"models--org--name, or put {repo_id} in the local Hugging Face cache ({hub_cache_dir()}, e.g. "
             f"`hf download {repo_id}` on a machine that may download)")
    if env:
        where += f", or set {env}"
    if weights is None:
        folder = snapshot_of_cache_folder(hub_cache_dir() / cache_folder_name(repo_id), marker=marker)
        if folder is None:
            raise UdebenchError(f"model {model!r}: no --weights and {repo_id} is not in the local Hugging Face "
                                f"cache; {where}")
        return folder
    path = Path(weights)
    if path.is_dir() and (path / marker).is_file():
        return path
    if path.is_dir():
        snapshot = snapshot_of_cache_folder(path, marker=marker)
        if snapshot is not None:
            return snapshot
    raise UdebenchError(f"model {model!r}: {path} has no {marker}; {where}")


def read_json(folder: Path, name: str) -> dict[str, Any] | None:
    """``folder/name`` parsed, None when absent; a broken file is a one-line error naming it."""
    path = folder / name
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UdebenchError(f"{path}: not valid JSON ({exc})") from exc


def model_type_of(folder: Path) -> str | None:
    config = read_json(folder, CONFIG_FILE) or {}
    return config.get("model_type")


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """No transformers progress bars or info logs while loading: udebench shows its own progress bar."""
    from transformers.utils import logging as hf_logging

    bars, verbosity = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
