"""A ResNet encoder whose state dict has torchvision's key names, without torchvision.

Monodepth2's ``ResnetEncoder`` wraps ``torchvision.models.resnetNN`` as ``self.encoder``, so its
checkpoints hold ``encoder.conv1.weight``, ``encoder.layer1.0.conv1.weight``, ... ; this module
reproduces those names and shapes (BasicBlock for 18/34, Bottleneck for 50/101/152), with a
configurable ``base_width`` (64 in torchvision) so a narrower network can be trained and shipped.
The classifier (``fc``) is left out: depth never uses it, and the loader drops it from official files.
"""

from __future__ import annotations

import torch
from torch import nn

#: blocks per stage and block kind, per torchvision depth.
LAYOUTS: dict[int, tuple[str, tuple[int, int, int, int]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
EXPANSION = {"basic": 1, "bottleneck": 4}


def _conv3x3(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: two 3×3 convs and an identity (or 1×1-conv) shortcut."""

    def __init__(self, c_in: int, width: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = _conv3x3(c_in, width, stride)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(width, width)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = _shortcut(c_in, width, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    """torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3×3 conv), expansion 4."""

    def __init__(self, c_in: int, width: int, stride: int = 1) -> None:
        super().__init__()
        c_out = width * EXPANSION["bottleneck"]
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv3x3(width, width, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(c_in, c_out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


def _shortcut(c_in: int, c_out: int, stride: int) -> nn.Sequential | None:
    """torchvision's ``downsample``: ``Sequential(conv1x1, BatchNorm)`` (keys ``.0``/``.1``) when the shape changes."""
    if stride == 1 and c_in == c_out:
        return None
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))


class ResNet(nn.Module):
    """The convolutional trunk of torchvision's ResNet (no pooling head, no ``fc``)."""

    def __init__(self, num_layers: int = 18, base_width: int = 64) -> None:
        super().__init__()
        if num_layers not in LAYOUTS:
            raise ValueError(f"ResNet depth {num_layers}: choose one of {sorted(LAYOUTS)}")
        kind, blocks = LAYOUTS[num_layers]
        block = BasicBlock if kind == "basic" else Bottleneck
        self.conv1 = nn.Conv2d(3, base_width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(base_width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        c_in = base_width
        for stage, n_blocks in enumerate(blocks):
            width = base_width * 2**stage
            layers = []
            for i in range(n_blocks):
                layers.append(block(c_in, width, stride=2 if stage > 0 and i == 0 else 1))
                c_in = width * EXPANSION[kind]
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layers))
        self.num_ch_enc = [base_width] + [base_width * 2**s * EXPANSION[kind] for s in range(4)]
        for module in self.modules():  # torchvision's initialisation
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Monodepth2's five feature maps, at 1/2, 1/4, 1/8, 1/16 and 1/32 of the input size."""
        first = self.relu(self.bn1(self.conv1(x)))
        out = [first, self.layer1(self.maxpool(first))]
        for layer in (self.layer2, self.layer3, self.layer4):
            out.append(layer(out[-1]))
        return out


def layout_of(state: dict[str, torch.Tensor], prefix: str = "encoder.") -> tuple[int, int]:
    """``(num_layers, base_width)`` of a ResNet state dict with torchvision key names under ``prefix``.

    Raises ValueError when the blocks per stage match no torchvision depth.
    """
    kind = "bottleneck" if f"{prefix}layer1.0.conv3.weight" in state else "basic"
    blocks = []
    for stage in range(1, 5):
        marker = f"{prefix}layer{stage}."
        indices = {key[len(marker):].split(".", 1)[0] for key in state if key.startswith(marker)}
        blocks.append(len(indices))
    for num_layers, (layout_kind, layout_blocks) in LAYOUTS.items():
        if layout_kind == kind and tuple(blocks) == layout_blocks:
            width = state.get(f"{prefix}conv1.weight")
            if width is None:
                raise ValueError(f"no {prefix}conv1.weight")
            return num_layers, int(width.shape[0])
    raise ValueError(f"{kind} blocks per stage {tuple(blocks)} match no ResNet depth ({sorted(LAYOUTS)})")
