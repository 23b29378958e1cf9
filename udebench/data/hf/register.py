"""``udebench data register-hf``: check a HF dataset's columns and write its split config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from udebench.data.hf.config import HFSplitConfig, write_config


def register_hf(name: str, path: str, *, force: bool = False, verify: bool = True, **options: Any) -> HFSplitConfig:
    """Write the config of split ``hf-<name>``; with ``verify``, open the dataset first and check its columns.

    Options left as None take the defaults, or what ``udebench data export`` recorded in the dataset
    (condition, depth caps, crop).
    """
    given = {key: value for key, value in options.items() if value is not None}
    local = Path(path).expanduser()
    stored_path = str(local.resolve()) if local.exists() else path
    if verify:
        from udebench.data.hf.split import check_columns, exported_metadata, open_dataset

        dataset = open_dataset(stored_path, given.get("split"), name=name)
        exported = exported_metadata(dataset)
        for key in ("condition", "min_depth", "max_depth", "eval_crop"):
            if key not in given and exported.get(key) is not None:
                given[key] = exported[key]
        if "intrinsics_column" not in given and "fx" not in given and "intrinsics" in dataset.column_names:
            given["intrinsics_column"] = "intrinsics"
        given["count"] = len(dataset)
        if exported and "description" not in given:
            given["description"] = f"exported from udebench split {exported.get('split')}"
        config = HFSplitConfig(name=name, path=stored_path, **given)
        check_columns(config, dataset)
    else:
        config = HFSplitConfig(name=name, path=stored_path, **given)
    write_config(config, force=force)
    from udebench.plugins import refresh

    refresh()  # the new split is visible to this process at once
    return config
