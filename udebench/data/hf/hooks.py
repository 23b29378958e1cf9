"""Registers every HF split config in ``$UDEBENCH_CONFIG_DIR/hf_splits/`` as split ``hf-<name>``.

Registration reads only the small JSON files; ``datasets`` is imported when a split is opened.
A broken config still registers its split, whose use then says what is wrong with the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from udebench.data.hf.config import PREFIX, HFSplitConfig, config_files, read_config
from udebench.errors import UdebenchError
from udebench.hookspecs import hookimpl
from udebench.specs import DatasetSpec, SplitSpec

HOW_TO_GET = ("register a Hugging Face dataset with `udebench data register-hf NAME --path DIR_OR_REPO "
              "--image-column image --depth-column depth`; `udebench data export SPLIT DIR` writes one")


def _factory(config: HFSplitConfig) -> Callable[..., Any]:
    def factory(data_root: str | None = None, **options: Any):
        """Rows of the registered HF dataset (data_root is not used: the config holds the path)."""
        from udebench.data.hf.split import HFSplit

        if options:
            raise TypeError(f"split {config.split_name!r} does not take option(s) {', '.join(sorted(options))}")
        return HFSplit(config)

    return factory


def _check(config: HFSplitConfig) -> Callable[..., Any]:
    def check(data_root: str | None = None):
        from udebench.specs import DataCheck

        try:
            found = len(_factory(config)())
        except UdebenchError as exc:
            return DataCheck(split=config.split_name, ok=False, where=config.path, expected=config.count,
                             missing=[config.path], advice=str(exc))
        ok = config.count is None or found >= config.count
        advice = "" if ok else f"the dataset had {config.count} rows when registered; re-register it with --force"
        return DataCheck(split=config.split_name, ok=ok, where=config.path, found=found, expected=config.count,
                         advice=advice)

    return check


def _broken(path: Path, error: UdebenchError) -> SplitSpec:
    def factory(data_root: str | None = None, **options: Any):
        raise error

    return SplitSpec(name=PREFIX + path.stem, factory=factory, dataset="hf", condition="unknown",
                     description=f"BROKEN config {path}: {error}")


@hookimpl
def register_datasets(register):
    register(DatasetSpec(name="hf", description="Hugging Face datasets registered with `udebench data register-hf`",
                         folder=None, how_to_get=HOW_TO_GET))


@hookimpl
def register_splits(register):
    for path in config_files():
        try:
            config = read_config(path)
        except UdebenchError as exc:
            register(_broken(path, exc))
            continue
        register(SplitSpec(
            name=config.split_name, factory=_factory(config), dataset="hf", condition=config.condition,
            protocol=config.protocol,
            description=config.description or f"Hugging Face dataset {config.path}", expected_count=config.count,
            check=_check(config)))
