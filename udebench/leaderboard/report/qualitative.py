"""Qualitative grids: re-run a stored run's model on a few of its samples and draw input, GT, prediction, error.

The store keeps numbers, not depth maps, so the report predicts again, under the run's own conventions
(alignment, caps, crop, flip post-processing) and with the run's own weights: the default weights or a
``--weights`` file, whichever has the sha256 the run recorded. The recomputed abs_rel is checked against
the stored one. Anything that stops a model from being shown (not installed, other weights, no data, a
split built differently) becomes a one-line note in the report instead of a grid.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from udebench.errors import UdebenchError

if TYPE_CHECKING:
    import numpy as np

    from udebench.model import DepthModel
    from udebench.results.store import ResultsStore
    from udebench.results.summary import RunSummary

#: the error colour scale ends here (abs rel error 0.5 = 50 % off); larger errors saturate
ERROR_MAX = 0.5
DEPTH_CMAP, ERROR_CMAP, INVALID_COLOUR = "magma_r", "inferno", "#c8c8c8"
#: a re-run is reported as different from the stored run when abs_rel differs by more than this (relative)
REPRODUCE_RTOL = 1e-3


@dataclass(frozen=True)
class Prediction:
    """One re-predicted sample: what a grid row shows (depths in metres, NaN where the GT is not valid)."""

    title: str
    image: np.ndarray
    gt: np.ndarray
    pred: np.ndarray
    error: np.ndarray
    abs_rel: float


class Reproducer:
    """Predicts samples of stored runs again; models and splits are built once each."""

    def __init__(self, store: ResultsStore, *, weights: Sequence[str] = (), device: str | None = "cpu",
                 data_root: str | None = None) -> None:
        self.store = store
        self.weights = list(weights)
        self.device = device
        self.data_root = data_root
        self._models: dict[tuple[str, str | None], DepthModel | str] = {}
        self._splits: dict[tuple[str, str], Any] = {}
        self._hashes: dict[str, str] | None = None
        self.notes: list[str] = []

    # ------------------------------------------------------------------ what to predict with
    def _weights_by_hash(self) -> dict[str, str]:
        if self._hashes is None:
            from udebench.weights import sha256_of

            self._hashes = {}
            for path in self.weights:
                try:
                    self._hashes.setdefault(sha256_of(path), path)
                except OSError as exc:
                    raise UdebenchError(f"--weights {path}: cannot read it ({exc})") from exc
        return self._hashes

    def model(self, run: RunSummary) -> DepthModel | str:
        """The run's model with the run's weights, or why it cannot be had (a note)."""
        key = (run.model, run.weights_sha256)
        if key not in self._models:
            self._models[key] = self._load(run)
        return self._models[key]

    def _load(self, run: RunSummary) -> DepthModel | str:
        from udebench.api import load_model
        from udebench.plugins import lookup

        try:
            lookup("models", run.model)
        except UdebenchError:
            return f"{run.label}: model {run.model} is not installed here (no plugin registers it), so no grid"
        wanted = run.weights_sha256
        candidates = [self._weights_by_hash()[wanted]] if wanted in self._weights_by_hash() else []
        candidates.append(None)  # the default weights
        for path in candidates:
            try:
                model = load_model(run.model, weights=path, device=self.device)
            except UdebenchError as exc:
                if path is None:
                    return f"{run.label}: cannot load it ({exc}), so no grid"
                continue
            if wanted is None or getattr(model, "weights_sha256", None) == wanted:
                return model
        return (f"{run.label}: the run used weights sha256 {wanted[:12]}…, which neither the default weights nor a "
                "--weights file has; pass that file with --weights to see its predictions")

    def split(self, run: RunSummary) -> Any:
        """The run's split built as the run built it, or a note when that is impossible."""
        from udebench.api import get_split

        options = dict(run.options.get("split_options") or {})
        key = (run.split, json.dumps(options, sort_keys=True, default=str))
        if key not in self._splits:
            try:
                samples = get_split(run.split, data_root=self.data_root, **options)
            except UdebenchError as exc:
                self._splits[key] = f"{run.label} on {run.split}: {exc}"
            else:
                here = _plain(getattr(samples, "config", {}))
                recorded = _plain(run.options.get("split_config", here))
                self._splits[key] = samples if here == recorded else (
                    f"{run.label} on {run.split}: the split builds as {here} here but the run had {recorded} "
                    "(e.g. another UDEBENCH_SYNTH_SIZE), so no grid")
        return self._splits[key]

    # ------------------------------------------------------------------ predicting
    def predictions(self, run: RunSummary, sample_ids: Sequence[str]) -> list[Prediction] | str:
        """``run``'s model on those of its samples, re-predicted; a note string when that cannot be done."""
        model = self.model(run)
        if isinstance(model, str):
            return model
        samples = self.split(run)
        if isinstance(samples, str):
            return samples
        stored = {row["sample_id"]: row for row in self.store.samples(run.run_id)}
        out = []
        for sample_id in sample_ids:
            row = stored.get(sample_id)
            if row is None:
                self.notes.append(f"{run.label} on {run.split}: no sample {sample_id} in run {run.run_id}")
                continue
            sample = samples[row["index"]]
            if str(sample["sample_id"]) != sample_id:
                return (f"{run.label} on {run.split}: sample {row['index']} is {sample['sample_id']} here, "
                        f"not {sample_id}")
            prediction = self._predict(model, run, sample)
            stored_value = row["metrics"].get("abs_rel", math.nan)
            if not math.isclose(prediction.abs_rel, stored_value, rel_tol=REPRODUCE_RTOL, abs_tol=1e-6):
                self.notes.append(f"{run.label} on {run.split}, {sample_id}: re-run abs_rel {prediction.abs_rel:.4f} "
                                  f"differs from the stored {stored_value:.4f}")
            out.append(prediction)
        return out

    def _predict(self, model: DepthModel, run: RunSummary, sample: dict[str, Any]) -> Prediction:
        import numpy as np
        import torch

        from udebench.evaluation.alignment import apply_alignment, fit_alignment
        from udebench.evaluation.metrics import BUILTIN_METRICS
        from udebench.evaluation.protocol import flip_pp, upsample, valid_mask
        from udebench.evaluation.protocol_spec import Protocol
        from udebench.evaluation.scoring import Scoring

        image = np.ascontiguousarray(sample["image"])
        x = torch.from_numpy(image).permute(2, 0, 1)[None].float().div(255.0)
        k = None if sample.get("intrinsics") is None else torch.as_tensor(sample["intrinsics"],
                                                                            dtype=torch.float32)[None]
        pred = model.predict(x, k)
        if run.options.get("flip_pp"):
            mirrored = None if k is None else k.clone()
            if mirrored is not None:
                mirrored[:, 0, 2] = x.shape[-1] - mirrored[:, 0, 2]  # the mirrored image's principal point
            pred = flip_pp(pred, model.predict(x.flip(-1), mirrored))
        pred = pred.float().cpu()
        gt = torch.as_tensor(np.asarray(sample["depth"], dtype=np.float32))[None]
        protocol = Protocol.from_run_options(run.options)
        min_depth, max_depth, crop, alignment = protocol.min_depth, protocol.max_depth, protocol.crop, run.alignment
        alignment = alignment or "none"
        scored = Scoring(alignment, protocol, {"abs_rel": BUILTIN_METRICS["abs_rel"][0]}).score(pred, gt)[0]
        upsampled = upsample(pred, gt.shape[-2:], mode=protocol.upsample_mode, align_corners=protocol.align_corners)
        valid = valid_mask(gt, min_depth=min_depth, max_depth=max_depth, crop=crop)
        aligned = apply_alignment(upsampled, fit_alignment(upsampled, gt, valid, alignment), min_depth=min_depth,
                                  max_depth=max_depth)[0].numpy()
        depth = gt[0].numpy()
        mask = valid[0].numpy()
        error = np.where(mask, np.abs(aligned - depth) / np.where(mask, depth, 1.0), np.nan)
        title = f"{run.label} · {run.split} · {sample['sample_id']} · abs_rel {scored['abs_rel']:.3f}"
        return Prediction(title=title, image=image, gt=np.where(mask, depth, np.nan), pred=aligned, error=error,
                          abs_rel=float(scored["abs_rel"]))


def _plain(value: Any) -> Any:
    """JSON-normalised (tuples become lists), so a recorded config compares equal to a fresh one."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def grid_png(predictions: Sequence[Prediction], *, title: str) -> bytes:
    """Rows of input | ground truth | prediction | error, one depth colour scale and one error scale, with bars."""
    import numpy as np
    from matplotlib import colormaps

    from udebench.leaderboard.report.plots import figure, png_bytes

    height, width = predictions[0].gt.shape
    depths = np.concatenate([p.gt[np.isfinite(p.gt)] for p in predictions] or [np.array([1.0])])
    vmin, vmax = (float(np.percentile(depths, 1)), float(np.percentile(depths, 99))) if depths.size else (0.0, 1.0)
    panel_w = 2.6
    fig = figure(4 * panel_w + 1.6, len(predictions) * panel_w * height / width + 1.0)
    axes = fig.subplots(len(predictions), 4, squeeze=False)
    depth_cmap = colormaps[DEPTH_CMAP].with_extremes(bad=INVALID_COLOUR)
    error_cmap = colormaps[ERROR_CMAP].with_extremes(bad=INVALID_COLOUR)
    depth_image = error_image = None
    for row, p in zip(axes, predictions, strict=True):
        row[0].imshow(p.image)
        depth_image = row[1].imshow(p.gt, cmap=depth_cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        row[2].imshow(p.pred, cmap=depth_cmap, vmin=vmin, vmax=vmax)
        error_image = row[3].imshow(p.error, cmap=error_cmap, vmin=0.0, vmax=ERROR_MAX, interpolation="nearest")
        row[0].set_ylabel(p.title.replace(" · ", "\n", 2), fontsize=6, rotation=0, ha="right", va="center")
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
    for ax, head in zip(axes[0], ("input", "ground truth", "prediction (aligned)", "abs rel error"), strict=True):
        ax.set_title(head, fontsize="small")
    fig.colorbar(depth_image, ax=axes[:, 1:3], label="depth (m)", shrink=0.9)
    fig.colorbar(error_image, ax=axes[:, 3], label="|pred − gt| / gt", shrink=0.9, extend="max")
    fig.suptitle(title, fontsize="medium")
    return png_bytes(fig)
