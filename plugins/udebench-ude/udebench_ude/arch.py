"""UDE architecture sizes and output conventions: plain data, importable without torch."""

from __future__ import annotations

from typing import Any

MIN_DEPTH = 0.1
MAX_DEPTH = 80.0
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
PATCH_SIZE = 14

#: architecture per size. ``tiny`` is trained here; ``vits``/``vitb`` are the paper's (config only).
SIZES: dict[str, dict[str, Any]] = {
    "tiny": dict(hidden_size=192, num_hidden_layers=6, num_attention_heads=3, neck_hidden_sizes=[48, 96, 192, 192],
                 fusion_hidden_size=64, head_hidden_size=32, image_size=224, input_size=(140, 448)),
    "vits": dict(hidden_size=384, num_hidden_layers=12, num_attention_heads=6, neck_hidden_sizes=[48, 96, 192, 384],
                 fusion_hidden_size=64, head_hidden_size=32, image_size=518, input_size=(322, 574)),
    "vitb": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 neck_hidden_sizes=[96, 192, 384, 768], fusion_hidden_size=128, head_hidden_size=32, image_size=518,
                 input_size=(322, 574)),
}


def architecture(size: str = "tiny", **overrides: Any) -> dict[str, Any]:
    """The architecture dict of ``size`` with ``overrides`` (tests use hidden 32, 3 layers)."""
    from udebench.plugin import UdebenchError

    if size not in SIZES:
        raise UdebenchError(f"UDE model size {size!r}: choose one of {', '.join(SIZES)}")
    arch = {**SIZES[size], **overrides, "size": size}
    arch["input_size"] = tuple(arch["input_size"])
    for side in arch["input_size"]:
        if side % PATCH_SIZE:
            raise UdebenchError(f"UDE input size {arch['input_size']}: both sides must be multiples of {PATCH_SIZE}")
    return arch
