"""UDE weights: the project's safetensors files (+ JSON model card), HF folders, training work dirs.

Never downloads: Hugging Face folders and cache paths load with ``local_files_only=True``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from udebench.plugin import UdebenchError, read_card, sha256_of

WEIGHTS_DIR = Path(__file__).parent / "weights"
METADATA_KEY = "udebench_ude"
#: the file a trainer writes into its work dir so UDE checkpoints can be rebuilt without the config.
ARCH_FILE = "ude_arch.json"
#: the file every udebench-ude trainer writes into its work dir: which registered model's network, which arch.
NETWORK_FILE = "network.json"


def shipped_weights_path(name: str) -> Path:
    """Where ``udebench ude export --name NAME`` puts the package's own weights."""
    return WEIGHTS_DIR / f"{name}.safetensors"


def missing_shipped_weights(model: str, name: str) -> UdebenchError:
    return UdebenchError(
        f"model {model!r}: the shipped weights {shipped_weights_path(name)} are missing; train and export them "
        f"(`udebench train configs/ude/<config>.py` then `udebench ude export work_dirs/<config> --name {name}`) "
        "or pass --weights PATH"
    )


def net_metadata(net: Any) -> dict[str, Any]:
    """What rebuilding ``net`` needs: architecture, depth range and the transformers config."""
    arch = json.loads(json.dumps(net.arch, default=str))  # tuples as lists: what a JSON round trip gives
    return {"arch": arch, "min_depth": net.min_depth, "max_depth": net.max_depth,
            "hf_config": net.config.to_dict()}


def save_safetensors(net: Any, path: str | Path, *, fp16: bool = True) -> str:
    """Write ``net``'s Depth Anything state dict (fp16 by default) with its metadata; returns the sha256."""
    import torch
    from safetensors.torch import save_file

    dtype = torch.float16 if fp16 else torch.float32
    tensors = {k: v.detach().to("cpu", dtype if v.is_floating_point() else v.dtype).contiguous()
               for k, v in net.depth_anything.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # one metadata key only: safetensors writes several keys in a random order, and the sha256 must be reproducible
    save_file(tensors, str(path), metadata={METADATA_KEY: json.dumps(net_metadata(net), sort_keys=True)})
    path.chmod(0o644)
    return sha256_of(path)


def load_net(weights: str | Path, *, device: str | None = None) -> tuple[Any, str]:
    """``(UDENet in eval mode, sha256)`` from a safetensors file, an HF folder/cache path or a work dir."""
    path = Path(weights)
    if not path.exists():
        raise UdebenchError(f"UDE weights {path}: no such file or folder")
    if path.is_file() and path.suffix == ".safetensors":
        net = _from_safetensors(path)
    elif path.is_file() and path.suffix in (".pth", ".pt", ".ckpt"):
        net = _from_checkpoint(path, path.parent)
    elif path.is_dir() and (path / "last_checkpoint").is_file():
        net = _from_work_dir(path)
    elif path.is_dir():
        net = _from_hf_folder(resolve_hf_folder(path))
    else:
        raise UdebenchError(f"UDE weights {path}: expected a .safetensors file, an HF folder or a training work dir")
    net = net.float().eval()
    if device:
        net.to(device)
    return net, sha256_of(path if path.is_file() else _weights_file_of(path))


def _weights_file_of(folder: Path) -> Path:
    if (folder / "last_checkpoint").is_file():
        return _last_checkpoint(folder)
    return resolve_hf_folder(folder)


def _from_safetensors(path: Path) -> Any:
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads((handle.metadata() or {}).get(METADATA_KEY, "null") or "null")
    if meta is None:
        card = read_card(path)
        if card is None or "arch" not in card:
            raise UdebenchError(f"UDE weights {path}: no udebench metadata and no model card "
                                f"{path.with_suffix('.json')}")
        meta = {"arch": card["arch"], "min_depth": card.get("min_depth"), "max_depth": card.get("max_depth")}
    net = _net_from_meta(meta)
    _load_state(net.depth_anything, load_file(str(path)), path)
    return net


def _net_from_meta(meta: dict[str, Any]) -> Any:
    from transformers import DepthAnythingConfig

    from udebench_ude.arch import MAX_DEPTH, MIN_DEPTH
    from udebench_ude.models import UDENet, build_config

    arch = dict(meta["arch"])
    config = DepthAnythingConfig.from_dict(meta["hf_config"]) if meta.get("hf_config") else build_config(arch)
    return UDENet(config, min_depth=meta.get("min_depth") or MIN_DEPTH, max_depth=meta.get("max_depth") or MAX_DEPTH,
                  arch=arch)


def _load_state(module: Any, state: dict[str, Any], source: Path) -> None:
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise UdebenchError(f"UDE weights {source}: {len(missing)} missing and {len(unexpected)} unexpected tensors "
                            f"(e.g. {(missing or unexpected)[:2]}); was it written for another architecture?")
    module.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()})


def resolve_hf_folder(path: Path) -> Path:
    """An HF model folder (config.json + weights), or the snapshot a ``models--org--name`` cache folder points to."""
    if (path / "config.json").is_file():
        return path
    snapshots = path / "snapshots"
    if snapshots.is_dir():
        ref = path / "refs" / "main"
        if ref.is_file() and (snapshots / ref.read_text().strip()).is_dir():
            return snapshots / ref.read_text().strip()
        found = sorted(p for p in snapshots.iterdir() if (p / "config.json").is_file())
        if len(found) == 1:
            return found[0]
    raise UdebenchError(f"UDE weights {path}: not an HF model folder (no config.json) nor a cache folder with one "
                        "snapshot")


def _from_hf_folder(folder: Path) -> Any:
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation

    from udebench_ude.arch import MAX_DEPTH, MIN_DEPTH
    from udebench_ude.models import UDENet

    config = DepthAnythingConfig.from_pretrained(str(folder), local_files_only=True)
    extra = getattr(config, "udebench_ude", None) or {}
    if not extra:  # another Depth Anything checkpoint: its head means what its config says, never UDE's σ
        kind = getattr(config, "depth_estimation_type", "relative")
        meaning = "metres (sigmoid · max_depth)" if kind == "metric" else "an affine-invariant disparity"
        raise UdebenchError(f"UDE weights {folder}: a {kind} Depth Anything checkpoint, not written by udebench-ude; "
                            f"its head predicts {meaning}, not UDE's sigmoid disparity: evaluate it with --model "
                            "depth_anything or depth_anything_v2 (udebench-baselines)")
    module = DepthAnythingForDepthEstimation.from_pretrained(str(folder), config=config, local_files_only=True)
    backbone = config.backbone_config
    arch = extra.get("arch") or {"size": "custom", "hidden_size": backbone.hidden_size,
                                  "num_hidden_layers": backbone.num_hidden_layers}
    return UDENet(config, min_depth=extra.get("min_depth", MIN_DEPTH), max_depth=extra.get("max_depth", MAX_DEPTH),
                  arch=arch, module=module)


def save_hf_folder(net: Any, folder: str | Path) -> Path:
    """Write ``net`` as an HF folder (config.json + model.safetensors) any Depth Anything code can read."""
    folder = Path(folder)
    net.config.udebench_ude = {k: v for k, v in net_metadata(net).items() if k != "hf_config"}
    net.depth_anything.save_pretrained(str(folder))
    return folder


def _last_checkpoint(work_dir: Path) -> Path:
    name = (work_dir / "last_checkpoint").read_text().strip()
    path = Path(name)
    return path if path.is_file() else work_dir / path.name


def _from_work_dir(work_dir: Path) -> Any:
    return _from_checkpoint(_last_checkpoint(work_dir), work_dir)


def _from_checkpoint(path: Path, work_dir: Path) -> Any:
    """An mmengine checkpoint of the ``rgd``/``supervised`` trainers: the trained net is under ``net.``."""
    from udebench_ude.checkpoint import load_checkpoint_file

    arch_file = work_dir / ARCH_FILE
    if not arch_file.is_file():
        raise UdebenchError(f"UDE checkpoint {path}: {arch_file} is missing (written by the udebench-ude trainers)")
    net = _net_from_meta(json.loads(arch_file.read_text()))
    state = load_checkpoint_file(path)["state_dict"]
    prefix = "net.depth_anything."
    own = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    _load_state(net.depth_anything, own, path)
    return net

