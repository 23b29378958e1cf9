"""``udebench data``: check a split's data against its manifest; register Hugging Face datasets; export splits."""

from __future__ import annotations

import click


@click.group(name="data")
def data_group() -> None:
    """Real datasets: where they go and whether your copy is complete."""


@data_group.command(name="check")
@click.argument("splits", nargs=-1, required=True)
@click.option("--data-root", default=None, envvar="UDEBENCH_DATA_ROOT", help="Root folder of real datasets.")
def check_command(splits: tuple[str, ...], data_root: str | None) -> None:
    """Report presence and counts of SPLITS (names or globs like 'nuscenes-*') against their manifests."""
    import fnmatch

    from udebench.plugins import registry, split_spec
    from udebench.specs import DataCheck

    names: list[str] = []
    for pattern in splits:
        matched = sorted(fnmatch.filter(registry()["splits"], pattern)) if any(c in pattern for c in "*?[") else []
        names.extend(matched or [pattern])
    all_ok = True
    for name in names:
        spec = split_spec(name)
        if spec.check is not None:
            report = spec.check(data_root=data_root)
        else:  # generated data, or a reader without a check: try to open it
            try:
                found = len(spec.factory(data_root=data_root))
                report = DataCheck(split=name, ok=True, where="(generated)" if spec.dataset == "synth" else "?",
                                   found=found, expected=spec.expected_count)
            except FileNotFoundError as exc:
                report = DataCheck(split=name, ok=False, where=str(exc), expected=spec.expected_count)
        all_ok &= report.ok
        click.secho(report.summary(), fg=None if report.ok else "red")
        for item in report.missing:
            click.echo(f"  missing: {item}")
    if not all_ok:
        raise SystemExit(1)


@data_group.command(name="register-hf")
@click.argument("name")
@click.option("--path", "path", required=True,
              help="Folder written by save_to_disk (or any folder load_dataset reads), or a cached repo id.")
@click.option("--image-column", default="image", show_default=True, help="Column of RGB images.")
@click.option("--depth-column", default="depth", show_default=True, help="Column of depth maps (2-D arrays or images).")
@click.option("--depth-scale", type=float, default=None, help="Metres per stored unit (default 1; 1/256: KITTI PNG).")
@click.option("--intrinsics-column", default=None, help="Column of 3x3 matrices, 9 values, or (fx, fy, cx, cy).")
@click.option("--fx", type=float, default=None, help="Fixed focal length x (pixels), with --fy --cx --cy.")
@click.option("--fy", type=float, default=None)
@click.option("--cx", type=float, default=None)
@click.option("--cy", type=float, default=None)
@click.option("--split", "hf_split", default=None, help="HF split name (for a DatasetDict or hub repo).")
@click.option("--id-column", default=None, help="Column of sample ids (default: 'sample_id' when present).")
@click.option("--condition", default=None, help="The split's condition label (default: unknown, or the exported one).")
@click.option("--min-depth", type=float, default=None, help="Evaluation lower cap, metres (default 1e-3).")
@click.option("--max-depth", type=float, default=None, help="Evaluation upper cap, metres (default 80).")
@click.option("--eval-crop", type=click.Choice(["garg"]), default=None, help="Crop of the valid mask when scoring.")
@click.option("--description", default=None)
@click.option("--force", is_flag=True, help="Replace an existing config of the same name.")
@click.option("--no-verify", is_flag=True, help="Write the config without opening the dataset.")
def register_hf_command(name: str, path: str, image_column: str, depth_column: str, depth_scale: float | None,
                        intrinsics_column: str | None, fx: float | None, fy: float | None, cx: float | None,
                        cy: float | None, hf_split: str | None, id_column: str | None, condition: str | None,
                        min_depth: float | None, max_depth: float | None, eval_crop: str | None,
                        description: str | None, force: bool, no_verify: bool) -> None:
    """Make Hugging Face dataset PATH the split hf-NAME (a small JSON config in $UDEBENCH_CONFIG_DIR/hf_splits)."""
    from udebench.data.hf.register import register_hf

    config = register_hf(name, path, force=force, verify=not no_verify, image_column=image_column,
                         depth_column=depth_column, depth_scale=depth_scale, intrinsics_column=intrinsics_column,
                         fx=fx, fy=fy, cx=cx, cy=cy, split=hf_split, id_column=id_column, condition=condition,
                         min_depth=min_depth, max_depth=max_depth, eval_crop=eval_crop, description=description)
    count = f"{config.count} samples, " if config.count is not None else ""
    click.echo(f"registered split {config.split_name} ({count}config {config.file})")
    if config.intrinsics_column is None and config.fx is None:
        click.echo("note: no intrinsics given; samples get a nominal camera (fx = fy = image width, centred)")


@data_group.command(name="export")
@click.argument("split")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--limit", type=int, default=None, help="Export only the first N samples.")
@click.option("--data-root", default=None, envvar="UDEBENCH_DATA_ROOT", help="Root folder of real datasets.")
@click.option("--overwrite", is_flag=True, help="Replace OUT_DIR if it is not empty.")
def export_command(split: str, out_dir: str, limit: int | None, data_root: str | None, overwrite: bool) -> None:
    """Write SPLIT as a Hugging Face dataset (save_to_disk) in OUT_DIR; `register-hf` reads it back."""
    from udebench.data.hf.export import export_split

    summary = export_split(split, out_dir, limit=limit, data_root=data_root, overwrite=overwrite)
    click.echo(f"exported {summary['count']} samples of {split} to {summary['path']}")
