"""transformers depth models (Depth Anything v1/v2, DPT, ZoeDepth, Depth Pro) as DepthModels.

Each loads with ``from_pretrained(folder, local_files_only=True)`` and strict keys (a missing,
unexpected or mis-shaped tensor is an error naming the first few, never a silently random layer),
then runs the way its checkpoint's image processor and post-processing define:

* Depth Anything: keep-aspect resize to ``size`` with sides multiples of 14; the head's output is an
  affine-invariant disparity for ``depth_estimation_type="relative"`` checkpoints and metres
  (``sigmoid · max_depth``) for ``"metric"`` ones — read from the config, so the loaded model's
  spec says which (``affine_disparity`` / ``metric_depth``) and evaluation's default alignment follows.
* DPT (MiDaS v3 Large/Hybrid): resize to 384×384; affine-invariant disparity.
* ZoeDepth: reflect padding of ``int(√(side/2)·3)`` pixels, keep-aspect resize (multiple of 32),
  metric depth; by default the mean of the prediction and the flipped-back prediction of the
  mirrored image, then resized back and the padding cut off (ZoeDepth's ``infer`` / transformers'
  ``post_process_depth_estimation(outputs_flipped=...)``).
* Depth Pro: resize to the square working size; the network predicts a canonical inverse depth
  that becomes metres with the focal length ``f``: ``depth = f / (W · canonical)``, ``f`` from the
  split's intrinsics when given, else from the model's own field-of-view head.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from udebench.plugin import DepthModel, ModelSpec, UdebenchError, sha256_of
from udebench_baselines.checkpoints import SHOWN_KEYS
from udebench_baselines.hf_folders import model_type_of, quiet_transformers, resolve_folder
from udebench_baselines.preprocessing import HALF, Preprocessing, preprocessing_of, resize

#: registered model name → (transformers class, config model_type, default hub repo id).
ARCHITECTURES: dict[str, tuple[str, str, str]] = {
    "depth_anything": ("DepthAnythingForDepthEstimation", "depth_anything", "LiheYoung/depth-anything-small-hf"),
    "depth_anything_v2": ("DepthAnythingForDepthEstimation", "depth_anything",
                          "depth-anything/Depth-Anything-V2-Small-hf"),
    "dpt": ("DPTForDepthEstimation", "dpt", "Intel/dpt-hybrid-midas"),
    "zoedepth": ("ZoeDepthForDepthEstimation", "zoedepth", "Intel/zoedepth-kitti"),
    "depth_pro": ("DepthProForDepthEstimation", "depth_pro", "apple/DepthPro-hf"),
}
#: what each model's image processor does when its preprocessor_config.json does not say.
DEFAULT_PREPROCESSING: dict[str, Preprocessing] = {
    "depth_anything": Preprocessing(size=(518, 518), keep_aspect_ratio=True, multiple=14, resample="bicubic"),
    "dpt": Preprocessing(size=(384, 384), resample="bicubic", mean=HALF, std=HALF),
    "zoedepth": Preprocessing(size=(384, 512), keep_aspect_ratio=True, multiple=32, resample="bilinear", mean=HALF,
                              std=HALF, pad=True),
    "depth_pro": Preprocessing(size=(1536, 1536), resample="bilinear", mean=HALF, std=HALF),
}


#: factory keyword options each family takes.
OPTIONS: dict[str, tuple[str, ...]] = {"zoedepth": ("flip",)}


def _family(name: str) -> str:
    return ARCHITECTURES[name][1]


def load_pretrained(name: str, folder: Path) -> Any:
    """The transformers model of ``folder`` (float32, eval mode), its keys matched strictly."""
    import torch
    import transformers

    class_name, model_type, _ = ARCHITECTURES[name]
    found = model_type_of(folder)
    if found != model_type:
        users = [n for n, (_, t, _) in ARCHITECTURES.items() if t == found]
        advice = f"; evaluate it with --model {users[0]}" if users else ""
        raise UdebenchError(f"model {name!r}: {folder / 'config.json'} is a {found!r} checkpoint, not "
                            f"{model_type!r}{advice}")
    try:
        with quiet_transformers():
            module, info = getattr(transformers, class_name).from_pretrained(
                str(folder), local_files_only=True, dtype=torch.float32, output_loading_info=True)
    except (OSError, ValueError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UdebenchError(f"model {name!r}: cannot load {folder} ({first})") from exc
    problems = []
    for label, keys in (("missing", info.get("missing_keys")), ("unexpected", info.get("unexpected_keys")),
                        ("mis-shaped", [k[0] if isinstance(k, tuple) else k for k in info.get("mismatched_keys")
                                        or []])):
        keys = sorted(keys or [])
        if keys:
            shown = ", ".join(keys[:SHOWN_KEYS]) + (", ..." if len(keys) > SHOWN_KEYS else "")
            problems.append(f"{len(keys)} {label} key(s) ({shown})")
    if problems:
        raise UdebenchError(f"model {name!r}: the weights in {folder} do not fit its config.json: "
                            f"{' and '.join(problems)}")
    return module.float().eval()


def build(spec: ModelSpec, weights: str | None, **options: Any) -> DepthModel:
    """A DepthModel for the transformers model ``spec.name`` from ``weights`` or its default repo in the cache."""
    _, _, repo_id = ARCHITECTURES[spec.name]
    family = _family(spec.name)
    unknown = sorted(set(options) - set(OPTIONS.get(family, ())))
    if unknown:
        known = ", ".join(OPTIONS.get(family, ())) or "none"
        raise UdebenchError(f"model {spec.name!r}: unknown option(s) {', '.join(unknown)} (options: {known})")
    folder = resolve_folder(weights, model=spec.name, repo_id=repo_id, env=spec.weights_env)
    module = load_pretrained(spec.name, folder)
    prep = preprocessing_of(folder, DEFAULT_PREPROCESSING[family])
    sha256 = sha256_of(str(folder)) if weights is None else None  # --weights: the core hashes what was given
    if family == "depth_anything":
        metric = getattr(module.config, "depth_estimation_type", "relative") == "metric"
        spec = dataclasses.replace(spec, output="metric_depth" if metric else "affine_disparity")
        forward = ResizedForward(prep)
    elif family == "dpt":
        forward = ResizedForward(prep)
    elif family == "zoedepth":
        forward = ZoeDepthForward(prep, flip=options.get("flip", True))
    else:
        forward = DepthProForward(prep)
    return DepthModel(spec, module, mean=prep.mean, std=prep.std, weights_sha256=sha256, forward=forward)


class ResizedForward:
    """Resize the (normalised) batch by the checkpoint's rule and return ``predicted_depth`` at that size."""

    def __init__(self, prep: Preprocessing) -> None:
        self.prep = prep

    def __call__(self, module: Any, x: Any, intrinsics: Any = None) -> Any:
        size = self.prep.input_size(*x.shape[-2:])
        return module(pixel_values=resize(x, size, self.prep.resample)).predicted_depth


def zoedepth_padding(height: int, width: int) -> tuple[int, int]:
    """ZoeDepth's reflect padding ``(pad_h, pad_w) = (int(√(H/2)·3), int(√(W/2)·3))`` against border artefacts."""
    return int(math.sqrt(height / 2) * 3), int(math.sqrt(width / 2) * 3)


class ZoeDepthForward:
    """Pad, resize, predict (and average with the mirrored pass), resize back, cut the padding: metres at H×W."""

    def __init__(self, prep: Preprocessing, *, flip: bool = True) -> None:
        self.prep = prep
        self.flip = flip

    def passes(self, module: Any, x: Any) -> tuple[Any, Any]:
        """``(prediction, flipped-back prediction of the mirrored input)`` at the network's resolution."""
        inputs = self._network_input(x)
        plain = module(pixel_values=inputs).predicted_depth
        mirrored = module(pixel_values=inputs.flip(-1)).predicted_depth.flip(-1)
        return plain, mirrored

    def _network_input(self, x: Any) -> Any:
        import torch.nn.functional as F

        pad_h, pad_w = zoedepth_padding(*x.shape[-2:]) if self.prep.pad else (0, 0)
        padded = F.pad(x, (pad_w, pad_w, pad_h, pad_h), mode="reflect") if pad_h or pad_w else x
        return resize(padded, self.prep.input_size(*padded.shape[-2:]), self.prep.resample)

    def to_input_size(self, depth: Any, height: int, width: int) -> Any:
        """A network-resolution prediction back at ``height × width``: bicubic to the padded size, padding cut."""
        import torch.nn.functional as F

        pad_h, pad_w = zoedepth_padding(height, width) if self.prep.pad else (0, 0)
        full = F.interpolate(depth[:, None], size=(height + 2 * pad_h, width + 2 * pad_w), mode="bicubic",
                             align_corners=False)[:, 0]
        return full[:, pad_h:pad_h + height, pad_w:pad_w + width]

    def __call__(self, module: Any, x: Any, intrinsics: Any = None) -> Any:
        if self.flip:
            plain, mirrored = self.passes(module, x)
            depth = 0.5 * (plain + mirrored)
        else:
            depth = module(pixel_values=self._network_input(x)).predicted_depth
        return self.to_input_size(depth, *x.shape[-2:])


def focal_from_fov(fov_degrees: Any, width: int) -> Any:
    """Horizontal focal length in pixels of a ``width``-pixel image with that field of view."""
    import torch

    return 0.5 * width / torch.tan(0.5 * torch.deg2rad(fov_degrees))


class DepthProForward:
    """Depth Pro: canonical inverse depth at the working size → metres with the split's (or predicted) focal length."""

    def __init__(self, prep: Preprocessing) -> None:
        self.prep = prep

    def __call__(self, module: Any, x: Any, intrinsics: Any = None) -> Any:
        import torch.nn.functional as F

        height, width = x.shape[-2:]
        out = module(pixel_values=resize(x, self.prep.size, self.prep.resample))
        canonical = F.interpolate(out.predicted_depth[:, None], size=(height, width), mode=self.prep.resample,
                                  align_corners=False)[:, 0]
        if intrinsics is not None:
            focal = intrinsics[:, 0, 0].to(canonical)
        elif getattr(out, "field_of_view", None) is not None:
            focal = focal_from_fov(out.field_of_view.reshape(-1).to(canonical), width)
        else:
            raise UdebenchError("model 'depth_pro': this checkpoint has no field-of-view head (use_fov_model is "
                                "false) and the split gives no intrinsics, so its depth has no scale")
        inverse = canonical * width / focal.view(-1, 1, 1)
        return 1.0 / inverse.clamp(min=1e-4, max=1e4)
