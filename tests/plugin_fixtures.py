"""Plugins defined by the tests: a tiny seeded conv net, a split read from files, a hand-workable steps world."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from udebench import hookimpl
from udebench.errors import CorruptSampleError
from udebench.evaluation.protocol_spec import Protocol
from udebench.specs import MetricSpec, ModelSpec, SplitSpec, TranslatorSpec


def build_tiny_net(seed: int = 0):
    """A 2-layer conv net with seeded weights: positive depth-like output, deterministic."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1), nn.Softplus())
    return net.eval()


class TinyModelPlugin:
    """``tiny`` (relative depth) and ``tiny_nan`` (NaNs in the first image of each batch)."""

    def __init__(self) -> None:
        self.calls = 0  # images predicted, to check that resumed runs skip finished samples

    @hookimpl
    def register_models(self, register):
        register(ModelSpec(name="tiny", factory=self.build, output="relative_depth", description="test model"))
        register(ModelSpec(name="tiny_nan", factory=self.build_nan, output="relative_depth"))

    def build(self, weights=None, device=None):
        from udebench.model import DepthModel

        net = build_tiny_net()

        def forward(module, x, k):
            self.calls += x.shape[0]
            return module(x) + 0.1

        return DepthModel(self._spec("tiny"), net, forward=forward)

    def build_nan(self, weights=None, device=None):
        from udebench.model import DepthModel

        net = build_tiny_net()

        def forward(module, x, k):
            out = module(x) + 0.1
            out[0, 0, -1, :] = float("nan")  # the first image of every batch: a NaN row at the bottom (road)
            return out

        return DepthModel(self._spec("tiny_nan"), net, forward=forward)

    def _spec(self, name):
        found = []
        self.register_models(found.append)
        return next(spec for spec in found if spec.name == name)


class FileSplit:
    """Images as PNG files on disk, depth as .npy; reading a corrupt file names it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sample_ids = [f"file-{i}" for i in range(4)]

    def __len__(self) -> int:
        return len(self.sample_ids)

    def __getitem__(self, index: int):
        from PIL import Image, UnidentifiedImageError

        path = self.root / f"{self.sample_ids[index]}.png"
        try:
            image = np.asarray(Image.open(path).convert("RGB"))
        except (UnidentifiedImageError, OSError) as exc:
            raise CorruptSampleError(f"cannot read image {path}: {exc.__class__.__name__}") from exc
        depth = np.load(self.root / f"{self.sample_ids[index]}.npy")
        k = np.array([[20.0, 0, 16], [0, 20.0, 8], [0, 0, 1]])
        return {"sample_id": self.sample_ids[index], "image": image, "depth": depth, "intrinsics": k,
                "condition": "day"}


class BrokenFilesPlugin:
    """Writes 4 samples; sample 2's PNG is garbage bytes."""

    def __init__(self, root: Path) -> None:
        from PIL import Image

        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        for i in range(4):
            image = rng.integers(0, 255, (16, 32, 3), dtype=np.uint8)
            Image.fromarray(image).save(root / f"file-{i}.png")
            np.save(root / f"file-{i}.npy", rng.uniform(1, 30, (16, 32)).astype(np.float32))
        (root / "file-2.png").write_bytes(b"this is not a png")

    @hookimpl
    def register_splits(self, register):
        register(SplitSpec(name="files-test", factory=lambda data_root=None: FileSplit(self.root), dataset="files",
                           condition="day", protocol=Protocol(min_depth=0.1, max_depth=80.0), expected_count=4))


STEPS_SAMPLES = 4
STEPS_SIZE = (6, 8)


def steps_depth(index: int) -> np.ndarray:
    """Top half 10 m, bottom half 30 m; sample 2 is 10 m everywhere (no pixel 20 m or farther)."""
    height, width = STEPS_SIZE
    depth = np.full((height, width), 10.0, np.float32)
    if index != 2:
        depth[height // 2:] = 30.0
    return depth


class StepsSplit:
    """Four samples whose ground truth is :func:`steps_depth`: metric values can be worked by hand."""

    sample_ids = [f"steps-{i}" for i in range(STEPS_SAMPLES)]
    config = {"size": list(STEPS_SIZE)}

    def __len__(self) -> int:
        return STEPS_SAMPLES

    def __getitem__(self, index: int):
        height, width = STEPS_SIZE
        image = np.full((height, width, 3), 40 * index, np.uint8)
        k = np.array([[8.0, 0, width / 2], [0, 8.0, height / 2], [0, 0, 1]])
        return {"sample_id": self.sample_ids[index], "image": image, "depth": steps_depth(index), "intrinsics": k,
                "condition": "day"}


def far_abs_rel(pred, gt, valid):
    """abs_rel over valid pixels with gt ≥ 20 m; NaN for an image without one."""
    far = valid & (gt >= 20.0)
    relative = ((pred - gt).abs() / gt).where(far, gt.new_zeros(()))
    return relative.sum(dim=(1, 2)).double() / far.sum(dim=(1, 2)).double()


class StepsPlugin:
    """``steps-day`` (:class:`StepsSplit`), ``constant20`` (metric depth 20 m everywhere), the ``far_abs_rel``
    metric and the ``invert`` translator (condition ``night``: 255 - image)."""

    @hookimpl
    def register_splits(self, register):
        register(SplitSpec(name="steps-day", factory=lambda data_root=None: StepsSplit(), dataset="steps",
                           condition="day", protocol=Protocol(min_depth=0.1, max_depth=80.0),
                           expected_count=STEPS_SAMPLES))

    @hookimpl
    def register_models(self, register):
        register(CONSTANT20)

    @hookimpl
    def register_metrics(self, register):
        register(MetricSpec(name="far_abs_rel", fn=far_abs_rel, higher_is_better=False,
                            description="abs_rel over pixels ≥ 20 m"))

    @hookimpl
    def register_translators(self, register):
        register(TranslatorSpec(name="invert", factory=lambda seed=0: lambda image, condition, **kw: 255 - image,
                                conditions=("night",)))


def build_constant20(weights=None, device=None):
    import torch
    from torch import nn

    from udebench.model import DepthModel

    class Constant(nn.Module):
        def forward(self, x):
            return torch.full_like(x[:, :1], 20.0)

    return DepthModel(CONSTANT20, Constant())


CONSTANT20 = ModelSpec(name="constant20", factory=build_constant20, output="metric_depth", accepts_weights=False)


class ExplodingMetricPlugin:
    """The ``exploding`` metric: raises from its second call on (the first batch is scored and stored)."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def register_metrics(self, register):
        register(MetricSpec(name="exploding", fn=self.exploding, higher_is_better=False))

    def exploding(self, pred, gt, valid):
        self.calls += 1
        if self.calls >= 2:
            raise RuntimeError("the second batch broke me\nsecond line of the message")
        return gt.new_zeros(gt.shape[0])


class ScalarMetricPlugin:
    """The ``scalar_metric`` metric: one number for the whole batch instead of one per image."""

    @hookimpl
    def register_metrics(self, register):
        register(MetricSpec(name="scalar_metric", fn=lambda pred, gt, valid: (pred - gt)[valid].abs().mean(),
                            higher_is_better=False))
