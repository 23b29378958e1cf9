"""md4all (Gasperini et al., ICCV 2023): Monodepth2's network in md4all's PyTorch Lightning checkpoints.

md4all releases ``.ckpt`` files (``md4allDDa_nuscenes.ckpt``, ``md4allDDa_robotcar.ckpt``, the
baselines ``baseline_nuscenes.ckpt`` ...; AD and DD models share the layout) written by its
``Md4All`` LightningModule: ``state_dict`` holds ``depth_model.encoder.encoder.*`` (torchvision ResNet
inside Monodepth2's ``ResnetEncoder``), ``depth_model.decoder.decoder.*`` (Monodepth2's
``DepthDecoder``) and the pose network's ``pose_model.*`` (not needed for depth). The training
config (a yacs ``CfgNode``) rides along in ``hyper_parameters['cfg']``: input size
(``DATASET.AUGMENTATION.RESIZE``), depth range (``MODEL.DEPTH``) and normalisation
(``DATASET.AUGMENTATION.NORMALIZE``) are read from it, with md4all's defaults when absent.

Normalisation: ``Dataset`` mode is ``(x − 0.45) / 0.225``; ``Image`` mode standardises each image by
its own mean and std. ``Daytime`` mode (what the DD models were trained and evaluated with) picks
day or night statistics from the sample's label, which a depth model here does not see: such a
checkpoint runs in ``Image`` mode, md4all's own choice when the daytime is unknown (its
``test_simple`` configs).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from udebench.plugin import DepthModel, ModelSpec, UdebenchError, sigmoid_to_depth

DEPTH_PREFIX = "depth_model."
ENCODER_PREFIX = DEPTH_PREFIX + "encoder."
DECODER_PREFIX = DEPTH_PREFIX + "decoder."
#: file names of md4all's releases (any ``.ckpt`` with this layout loads).
RELEASED = ("md4allDDa_nuscenes.ckpt", "md4allDDa_robotcar.ckpt", "baseline_nuscenes.ckpt", "baseline_robotcar.ckpt")
#: what ``md4all`` loads without --weights (synth-trained, exported by the trainer like monodepth2's).
SHIPPED = "md4all_synth.safetensors"
HELP = ("pass --weights with an md4all .ckpt file (e.g. md4allDDa_nuscenes.ckpt from the md4all README's "
        "pre-trained models) or a folder holding exactly one")


@dataclasses.dataclass(frozen=True)
class Md4allSettings:
    """What md4all's config says about running the depth network (md4all's config.py defaults)."""

    input_size: tuple[int, int] = (320, 576)
    min_depth: float = 0.1
    max_depth: float = 80.0
    #: "dataset" (fixed mean/std) or "image" (per-image standardisation)
    normalize: str = "dataset"
    mean: float = 0.45
    std: float = 0.225


def settings_of(checkpoint: dict[str, Any]) -> Md4allSettings:
    """The settings in a checkpoint's ``hyper_parameters['cfg']``, md4all's defaults where it says nothing."""
    from udebench_baselines.lightning_checkpoint import lookup

    cfg = lookup(checkpoint, "hyper_parameters", "cfg", default={})
    base = Md4allSettings()
    resize = lookup(cfg, "DATASET", "AUGMENTATION", "RESIZE", default={})
    normalize = lookup(cfg, "DATASET", "AUGMENTATION", "NORMALIZE", default={})
    mode = str(lookup(normalize, "MODE", default="Dataset")).lower()
    return Md4allSettings(
        input_size=(int(lookup(resize, "HEIGHT", default=base.input_size[0])),
                    int(lookup(resize, "WIDTH", default=base.input_size[1]))),
        min_depth=float(lookup(cfg, "MODEL", "DEPTH", "MIN_DEPTH", default=base.min_depth)),
        max_depth=float(lookup(cfg, "MODEL", "DEPTH", "MAX_DEPTH", default=base.max_depth)),
        normalize="dataset" if mode == "dataset" else "image",
        mean=float(lookup(normalize, "DATASET", "MEAN", default=base.mean)),
        std=float(lookup(normalize, "DATASET", "STD", default=base.std)),
    )


def find_checkpoint(path: Path) -> Path:
    """``path`` itself, or the one ``.ckpt`` in the folder ``path``."""
    if path.is_file():
        return path
    found = sorted(path.glob("*.ckpt"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise UdebenchError(f"md4all weights {path}: no .ckpt file in this folder; {HELP}")
    raise UdebenchError(f"md4all weights {path}: {len(found)} .ckpt files ({', '.join(p.name for p in found[:3])}"
                        f"{', ...' if len(found) > 3 else ''}); pass --weights with the one to evaluate")


def load_network(weights: str | Path) -> tuple[Any, Md4allSettings, Path]:
    """``(Monodepth2Net in eval mode, settings, checkpoint file)`` from an md4all checkpoint (strict keys)."""
    from udebench_baselines.checkpoints import require_same_keys
    from udebench_baselines.lightning_checkpoint import load_lightning_checkpoint
    from udebench_baselines.monodepth2_net import Monodepth2Net
    from udebench_baselines.monodepth2_weights import CLASSIFIER_KEYS, architecture_of, network_from_state

    file = find_checkpoint(Path(weights))
    checkpoint = load_lightning_checkpoint(file, what="md4all checkpoint")
    state = {k: v for k, v in checkpoint["state_dict"].items() if k.startswith(DEPTH_PREFIX)}
    if not state:
        raise UdebenchError(f"md4all checkpoint {file}: no {DEPTH_PREFIX}* tensors in its state_dict; {HELP}")
    encoder = {k[len(ENCODER_PREFIX):]: v for k, v in state.items() if k.startswith(ENCODER_PREFIX)}
    decoder = {k[len(DECODER_PREFIX):]: v for k, v in state.items() if k.startswith(DECODER_PREFIX)}
    settings = settings_of(checkpoint)
    extras = {"height": settings.input_size[0], "width": settings.input_size[1], "min_depth": settings.min_depth,
              "max_depth": settings.max_depth}
    expected = Monodepth2Net(**architecture_of(encoder, decoder, extras, file)).state_dict()
    hint = "is it an md4all checkpoint (Md4All LightningModule with a Monodepth2 depth network)?"
    checkpoint_keys = [(ENCODER_PREFIX if k.startswith("encoder.") else DECODER_PREFIX) + k for k in expected]
    require_same_keys(checkpoint_keys, state, source=file, hint=hint,
                      ignored=[ENCODER_PREFIX + k for k in CLASSIFIER_KEYS])
    net = network_from_state(encoder, decoder, extras, encoder_source=file, decoder_source=file)
    return net, settings, file


def standardise_each_image(x: Any) -> Any:
    """md4all's ``Image`` normalisation, per image: ``(x − mean(x)) / std(x)`` over all pixels and channels."""
    flat = x.flatten(1)
    return (x - flat.mean(1).view(-1, 1, 1, 1)) / flat.std(1).view(-1, 1, 1, 1)


def predict_image_mode(module: Any, x: Any, intrinsics: Any = None) -> Any:
    return sigmoid_to_depth(module(standardise_each_image(x))["sigma"], module.min_depth, module.max_depth)


def predict_dataset_mode(module: Any, x: Any, intrinsics: Any = None) -> Any:
    return sigmoid_to_depth(module(x)["sigma"], module.min_depth, module.max_depth)


def build(spec: ModelSpec, weights: str | None) -> DepthModel:
    """A DepthModel from an md4all ``.ckpt`` (or a folder with one); a udebench ``.safetensors`` file (what
    training md4all here exports, same network) or the shipped synth file load as ``monodepth2`` does."""
    from udebench_baselines import monodepth2_model

    if weights is None or Path(weights).suffix == ".safetensors":
        return monodepth2_model.build(spec, weights, shipped=SHIPPED, help=HELP)
    net, settings, _ = load_network(weights)
    spec = dataclasses.replace(spec, input_size=settings.input_size)
    if settings.normalize == "image":  # the network sees each image standardised; DepthModel only resizes
        return DepthModel(spec, net, forward=predict_image_mode)
    mean, std = (settings.mean,) * 3, (settings.std,) * 3
    return DepthModel(spec, net, mean=mean, std=std, forward=predict_dataset_mode)
