"""Monodepth2 weights on disk: the official release folder and udebench's single safetensors file.

* Official (``mono_640x192``, ``stereo_640x192``, ``mono+stereo_1024x320``, ...): a folder with
  ``encoder.pth`` — the ``ResnetEncoder`` state dict plus ``height``, ``width`` (the training input
  size) and, in the released files, ``use_stereo`` — and ``depth.pth``, the ``DepthDecoder`` state
  dict. Both are read with ``weights_only=True`` and matched strictly: every key of the network must
  be there and no other tensor may be, except the unused ImageNet classifier ``encoder.fc.*`` that
  torchvision's ResNet carries. The ResNet depth and width and the decoder widths are read from the
  tensor shapes, so ResNet-50 releases load too.
* udebench (what :meth:`Monodepth2Net.export` writes): ``<name>.safetensors`` with the same key
  names, the architecture in its metadata, and the model card ``<name>.json`` beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from udebench.plugin import UdebenchError, sha256_of
from udebench_baselines.checkpoints import load_torch_file, require_same_keys, tensors_only

ENCODER_FILE = "encoder.pth"
DECODER_FILE = "depth.pth"
#: non-tensor entries of encoder.pth (official: height, width, use_stereo; udebench adds the depth range).
ENCODER_EXTRAS = ("height", "width", "use_stereo", "min_depth", "max_depth")
#: torchvision's classifier, saved in official encoder.pth files and never used for depth.
CLASSIFIER_KEYS = ("encoder.fc.weight", "encoder.fc.bias")
METADATA_KEY = "udebench_baselines"
OFFICIAL_HELP = ("the folder must hold encoder.pth and depth.pth as in monodepth2's releases (e.g. unzip "
                 "mono_640x192.zip from the monodepth2 README and pass --weights path/to/mono_640x192)")


def load_network(weights: str | Path) -> tuple[Any, dict[str, Any]]:
    """``(Monodepth2Net in eval mode, extras)`` from an official folder or a udebench ``.safetensors`` file."""
    path = Path(weights)
    if path.is_dir():
        return _from_official_folder(path)
    if path.is_file() and path.suffix == ".safetensors":
        return _from_safetensors(path)
    raise UdebenchError(f"monodepth2 weights {path}: expected a folder with {ENCODER_FILE} and {DECODER_FILE} "
                        "(the official release layout) or a udebench .safetensors file")


def _from_official_folder(folder: Path) -> tuple[Any, dict[str, Any]]:
    missing = [name for name in (ENCODER_FILE, DECODER_FILE) if not (folder / name).is_file()]
    if missing:
        raise UdebenchError(f"monodepth2 weights {folder}: {' and '.join(missing)} not found; {OFFICIAL_HELP}")
    encoder = load_torch_file(folder / ENCODER_FILE, what="monodepth2 encoder")
    decoder = load_torch_file(folder / DECODER_FILE, what="monodepth2 decoder")
    for name, entries in ((ENCODER_FILE, encoder), (DECODER_FILE, decoder)):
        if not isinstance(entries, dict):
            raise UdebenchError(f"monodepth2 weights {folder / name}: expected a state dict, found "
                                f"{type(entries).__name__}; {OFFICIAL_HELP}")
    extras = {key: encoder[key] for key in ENCODER_EXTRAS if key in encoder}
    net = network_from_state(tensors_only(encoder), tensors_only(decoder), extras,
                             encoder_source=folder / ENCODER_FILE, decoder_source=folder / DECODER_FILE)
    return net, extras


def _from_safetensors(path: Path) -> tuple[Any, dict[str, Any]]:
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(str(path), framework="pt") as handle:
            meta = json.loads((handle.metadata() or {}).get(METADATA_KEY, "{}"))
        state = load_file(str(path))
    except (SafetensorError, OSError, json.JSONDecodeError) as exc:
        raise UdebenchError(f"monodepth2 weights {path}: not a readable safetensors file ({exc})") from exc
    extras = {key: meta["arch"][key] for key in ENCODER_EXTRAS if key in meta.get("arch", {})}
    encoder = {k: v for k, v in state.items() if not k.startswith("decoder.")}
    decoder = {k: v for k, v in state.items() if k.startswith("decoder.")}
    net = network_from_state(encoder, decoder, extras, encoder_source=path, decoder_source=path)
    return net, extras


def architecture_of(encoder: dict[str, Any], decoder: dict[str, Any], extras: dict[str, Any],
                    source: str | Path) -> dict[str, Any]:
    """The architecture dict a pair of state dicts was saved from (sizes read from the tensor shapes)."""
    from udebench_baselines.monodepth2_arch import DECODER_CHANNELS
    from udebench_baselines.monodepth2_net import upconv_index
    from udebench_baselines.resnet import layout_of

    try:
        num_layers, base_width = layout_of(encoder)
    except ValueError as exc:
        raise UdebenchError(f"monodepth2 weights {source}: not a ResNet encoder with torchvision key names "
                            f"({exc}); {OFFICIAL_HELP}") from exc
    channels = []
    for i in range(5):
        weight = decoder.get(f"decoder.{upconv_index(i, 0)}.conv.conv.weight")
        channels.append(int(weight.shape[0]) if weight is not None else DECODER_CHANNELS[i])
    arch = {"num_layers": num_layers, "base_width": base_width, "decoder_channels": tuple(channels)}
    arch.update({key: extras[key] for key in ("height", "width", "min_depth", "max_depth") if key in extras})
    return arch


def network_from_state(encoder: dict[str, Any], decoder: dict[str, Any], extras: dict[str, Any], *,
                       encoder_source: str | Path, decoder_source: str | Path) -> Any:
    """A Monodepth2Net holding exactly these tensors (strict: missing and unexpected keys are named)."""
    from udebench_baselines.monodepth2_net import Monodepth2Net

    net = Monodepth2Net(**architecture_of(encoder, decoder, extras, encoder_source))
    own = net.state_dict()
    hint = "is it a Monodepth2 ResnetEncoder/DepthDecoder checkpoint?"
    require_same_keys([k for k in own if k.startswith("encoder.")], encoder, source=encoder_source, hint=hint,
                      ignored=CLASSIFIER_KEYS)
    require_same_keys([k for k in own if k.startswith("decoder.")], decoder, source=decoder_source, hint=hint)
    state = {k: v for k, v in {**encoder, **decoder}.items() if k not in CLASSIFIER_KEYS}
    for key, value in state.items():
        if tuple(value.shape) != tuple(own[key].shape):
            source = decoder_source if key.startswith("decoder.") else encoder_source
            raise UdebenchError(f"monodepth2 weights {source}: {key} has shape {tuple(value.shape)}, the network "
                                f"built from the other tensors expects {tuple(own[key].shape)}")
    net.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=True)
    return net.eval()


def save_safetensors(net: Any, path: str | Path, *, fp16: bool = True) -> str:
    """Write ``net`` (official key names; fp16 by default) with its architecture as metadata; the sha256."""
    import torch
    from safetensors.torch import save_file

    dtype = torch.float16 if fp16 else torch.float32
    tensors = {k: v.detach().to("cpu", dtype if v.is_floating_point() else v.dtype).contiguous()
               for k, v in net.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"model": "monodepth2", "arch": json.loads(json.dumps(net.arch, default=str))}
    save_file(tensors, str(path), metadata={METADATA_KEY: json.dumps(meta, sort_keys=True)})
    path.chmod(0o644)  # safetensors writes 0600: a file meant to be shipped and read by everyone
    return sha256_of(path)


def save_official_folder(net: Any, folder: str | Path, *, use_stereo: bool = False, classifier: bool = True) -> Path:
    """Write ``encoder.pth`` + ``depth.pth`` exactly as the official trainer does (float32, ``height``/``width``).

    ``classifier`` adds torchvision's (random) ``encoder.fc`` tensors, which official files carry.
    """
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().float() if v.is_floating_point() else v.detach().cpu()
             for k, v in net.state_dict().items()}
    encoder = {k: v for k, v in state.items() if k.startswith("encoder.")}
    if classifier:
        features = net.encoder.num_ch_enc[-1]
        encoder["encoder.fc.weight"] = torch.randn(1000, features) * 0.01
        encoder["encoder.fc.bias"] = torch.zeros(1000)
    height, width = net.input_size
    encoder.update(height=height, width=width, use_stereo=use_stereo)
    torch.save(encoder, folder / ENCODER_FILE)
    torch.save({k: v for k, v in state.items() if k.startswith("decoder.")}, folder / DECODER_FILE)
    return folder
