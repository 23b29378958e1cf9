"""The split and sample contract: what ``SplitSpec.factory(data_root=None, **options)`` returns.

A split is a sized sequence (``len(split)``, ``split[i]``) of sample dicts. Optional attributes
make it better to use: ``sample_ids`` (every id without reading a file, so a resumed run skips
finished samples for free) and ``config`` (a JSON-able dict of whatever changes the samples'
content, e.g. an image size; it is stored with each run so runs on different content never mix).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

REQUIRED_KEYS: tuple[str, ...] = ("sample_id", "image", "depth", "intrinsics", "condition")


class Sample(TypedDict, total=False):
    """One sample. Required: ``sample_id``, ``image``, ``depth``, ``intrinsics``, ``condition``.

    * ``sample_id``: str, unique in the split and stable across runs;
    * ``image``: ``uint8 HxWx3`` RGB;
    * ``depth``: ``float32 HxW`` ground truth in metres, ``0`` (or anything outside the split's caps)
      where there is none (sky, no LiDAR return). Usually of the image's size; a benchmark that feeds
      a smaller image (KITTI-C's 640x192 with full-resolution ground truth) gives the image it feeds, of
      the same aspect ratio: the prediction is resized to ``depth``'s size for scoring;
    * ``intrinsics``: ``3x3`` pinhole matrix of the image as given (pixels);
    * ``condition``: the split's condition (``day``, ``night``, ...).

    Training sequences add ``pose`` (4x4 camera-to-world) and ``context``: neighbouring frames, each
    ``{"image", "T_target_to_context" (4x4, target camera → that camera), "offset" (frame distance)}``.
    """

    sample_id: str
    image: np.ndarray
    depth: np.ndarray
    intrinsics: np.ndarray
    condition: str
    pose: np.ndarray
    context: list[dict[str, Any]]


@runtime_checkable
class Split(Protocol):
    """A sized sequence of :class:`Sample` dicts."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Sample: ...


def same_aspect(a: tuple[int, ...], b: tuple[int, ...], tolerance: float = 0.02) -> bool:
    """Within 2 %: KITTI's 375x1242 ground truth and RoboDepth's 640x192 images differ by 0.6 %."""
    return len(a) == 2 and len(b) == 2 and abs((a[1] / a[0]) / (b[1] / b[0]) - 1) <= tolerance


def sample_problems(sample: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``sample`` against :class:`Sample` (empty when nothing is): keys, dtypes, shapes."""
    import numpy as np

    problems = [f"missing key {key!r}" for key in REQUIRED_KEYS if key not in sample]
    if problems:
        return problems
    if not isinstance(sample["sample_id"], str):
        problems.append(f"sample_id must be str, got {type(sample['sample_id']).__name__}")
    image = np.asarray(sample["image"])
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        problems.append(f"image must be uint8 HxWx3, got {image.dtype} {image.shape}")
    depth = np.asarray(sample["depth"])
    if depth.dtype.kind != "f":
        problems.append(f"depth must be float metres, got {depth.dtype}")
    elif depth.ndim != 2 or (depth.shape != image.shape[:2] and not same_aspect(depth.shape, image.shape[:2])):
        problems.append(f"depth {depth.shape} and image {image.shape[:2]} differ in size (and aspect ratio)")
    elif np.isfinite(depth).all() and (depth < 0).any():
        problems.append("depth has negative values (use 0 for no ground truth)")
    elif depth.size and np.nanmax(depth) > 1e4:
        problems.append(f"depth reaches {float(np.nanmax(depth)):.0f}: metres expected (millimetres? a 16-bit PNG "
                        "not divided by its scale?)")
    intrinsics = np.asarray(sample["intrinsics"])
    if intrinsics.shape != (3, 3):
        problems.append(f"intrinsics must be 3x3, got {intrinsics.shape}")
    if not isinstance(sample["condition"], str):
        problems.append(f"condition must be str, got {type(sample['condition']).__name__}")
    return problems


def first_sample_ids(samples: Sequence[Mapping[str, Any]], n: int) -> list[str]:
    """The first ``n`` ids of a split, from ``samples.sample_ids`` when it offers them (then no file is read)."""
    ids = getattr(samples, "sample_ids", None)
    if ids is not None:
        return [str(sample_id) for sample_id in list(ids)[:n]]
    return [str(samples[i]["sample_id"]) for i in range(n)]
