"""Where GDT's three parts are, and their fingerprint.

``--weights DIR`` (or ``$UDEBENCH_GDT_WEIGHTS``) holds one sub-folder per part; a part that is not
there comes from the local Hugging Face cache by its repo id (``local_files_only``: never a
download). A part found nowhere is one error naming what was looked for, where, and the repo id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from udebench.plugin import UdebenchError

WEIGHTS_ENV = "UDEBENCH_GDT_WEIGHTS"


@dataclass(frozen=True)
class Part:
    """One of the three downloads GDT needs."""

    what: str
    folder: str
    repo_id: str
    #: files the part must have (relative to its folder); for ``alternatives``, any one of them
    required: tuple[str, ...]
    alternatives: tuple[str, ...] = ()


STABLE_DIFFUSION = Part("Stable Diffusion 1.5 (diffusers layout)", "stable-diffusion-v1-5",
                        "stable-diffusion-v1-5/stable-diffusion-v1-5", ("model_index.json",))
CONTROLNET = Part("ControlNet 1.1 depth (diffusers layout)", "control_v11f1p_sd15_depth",
                  "lllyasviel/control_v11f1p_sd15_depth", ("config.json",))
IP_ADAPTER = Part("IP-Adapter SD1.5 and its image encoder", "IP-Adapter", "h94/IP-Adapter",
                  ("models/image_encoder/config.json",),
                  ("models/ip-adapter_sd15.safetensors", "models/ip-adapter_sd15.bin"))
#: the Stable Diffusion sub-folders the pipeline loads (the repo's single-file checkpoints are not used)
SD_COMPONENTS: tuple[str, ...] = ("unet", "vae", "text_encoder", "tokenizer", "scheduler", "feature_extractor")


@dataclass(frozen=True)
class GDTWeights:
    """The folders of the parts found; ``ip_adapter`` is None when the IP-Adapter is not used."""

    stable_diffusion: Path
    controlnet: Path
    ip_adapter: Path | None = None
    #: the IP-Adapter weights file under ``models/`` (.safetensors preferred over .bin)
    ip_adapter_file: str | None = None


def locate_weights(weights: str | None = None, *, ip_adapter: bool = True) -> GDTWeights:
    """The parts under ``weights`` (else ``$UDEBENCH_GDT_WEIGHTS``), each else from the local HF cache."""
    root_text = weights or os.environ.get(WEIGHTS_ENV) or None
    root = Path(root_text).expanduser() if root_text else None
    if root is not None and not root.is_dir():
        source = "--weights" if weights else f"${WEIGHTS_ENV}"
        raise UdebenchError(f"{source} {root}: no such folder (it holds stable-diffusion-v1-5/, "
                            "control_v11f1p_sd15_depth/ and IP-Adapter/; see docs/gdt.md)")
    parts = [STABLE_DIFFUSION, CONTROLNET] + ([IP_ADAPTER] if ip_adapter else [])
    found: dict[str, Path] = {}
    missing = []
    for part in parts:
        folder = _in_folder(part, root) or _in_hf_cache(part)
        if folder is None:
            missing.append(_where_looked(part, root))
        else:
            found[part.folder] = folder
    if missing:
        raise UdebenchError(f"gdt weights missing: {'; '.join(missing)}; put each part in --weights DIR/<folder> "
                            f"(or ${WEIGHTS_ENV}) or fetch it into the Hugging Face cache with `hf download <repo id>` "
                            "(docs/gdt.md)")
    ip_folder = found.get(IP_ADAPTER.folder)
    return GDTWeights(stable_diffusion=found[STABLE_DIFFUSION.folder], controlnet=found[CONTROLNET.folder],
                      ip_adapter=ip_folder,
                      ip_adapter_file=_first_present(ip_folder, IP_ADAPTER.alternatives) if ip_folder else None)


def _complete(part: Part, folder: Path) -> bool:
    return all((folder / f).is_file() for f in part.required) and (
        not part.alternatives or _first_present(folder, part.alternatives) is not None)


def _first_present(folder: Path, names: tuple[str, ...]) -> str | None:
    """The file name (without its ``models/`` folder) of the first of ``names`` present under ``folder``."""
    for name in names:
        if (folder / name).is_file():
            return Path(name).name
    return None


def _in_folder(part: Part, root: Path | None) -> Path | None:
    if root is None:
        return None
    folder = root / part.folder
    return folder if _complete(part, folder) else None


def _in_hf_cache(part: Part) -> Path | None:
    """The part's snapshot folder in the local Hugging Face cache, when it holds every file the part needs."""
    from huggingface_hub import try_to_load_from_cache

    marker = part.required[0]
    cached = try_to_load_from_cache(part.repo_id, marker)
    if not isinstance(cached, str):
        return None
    folder = Path(cached)
    for _ in Path(marker).parts:
        folder = folder.parent
    return folder if _complete(part, folder) else None


def _where_looked(part: Part, root: Path | None) -> str:
    from huggingface_hub.constants import HF_HUB_CACHE

    files = ", ".join(part.required + ((" or ".join(part.alternatives),) if part.alternatives else ()))
    here = f"{root / part.folder} and " if root is not None else ""
    return f"{part.what} ({files}) not in {here}the Hugging Face cache {HF_HUB_CACHE} as {part.repo_id}"


def weight_files(folder: Path) -> list[Path]:
    """The weights and config files a diffusers/transformers folder is loaded from (for the fingerprint).

    Configs (json, txt) and the default-variant weights: ``.safetensors`` when there are any, else ``.bin``;
    ``*.fp16.*``-style variants and other formats beside them are not loaded, so not hashed.
    """
    files = sorted(p for p in folder.iterdir() if p.is_file())
    configs = [p for p in files if p.suffix in (".json", ".txt")]
    plain = [p for p in files if len(p.name.split(".")) == 2]
    safetensors = [p for p in plain if p.suffix == ".safetensors"]
    return configs + (safetensors or [p for p in plain if p.suffix == ".bin"])


def fingerprint_files(weights: GDTWeights) -> list[tuple[str, Path]]:
    """(label, file) of everything GDT loads from its weights, in a fixed order."""
    out: list[tuple[str, Path]] = []
    sd = weights.stable_diffusion
    out.append(("stable-diffusion/model_index.json", sd / "model_index.json"))
    for component in SD_COMPONENTS:
        if (sd / component).is_dir():
            out += [(f"stable-diffusion/{component}/{p.name}", p) for p in weight_files(sd / component)]
    out += [(f"controlnet/{p.name}", p) for p in weight_files(weights.controlnet)]
    if weights.ip_adapter is not None and weights.ip_adapter_file is not None:
        models = weights.ip_adapter / "models"
        out.append((f"ip-adapter/{weights.ip_adapter_file}", models / weights.ip_adapter_file))
        out += [(f"ip-adapter/image_encoder/{p.name}", p) for p in weight_files(models / "image_encoder")]
    return out


def fingerprint(weights: GDTWeights, depth_model_sha256: str | None) -> str:
    """sha256 over every file GDT loads (name and content) and the depth model's weights sha256."""
    import hashlib

    from udebench.plugin import sha256_of

    digest = hashlib.sha256()
    for label, path in fingerprint_files(weights):
        digest.update(f"{label}\0{sha256_of(str(path))}\n".encode())
    digest.update(f"depth-model\0{depth_model_sha256}\n".encode())
    return digest.hexdigest()
