"""Training data: synth sequences as tensors, a resumable infinite sampler, and the collate function."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler


class SequenceDataset(Dataset):
    """Target frames of a sequence split with their neighbours (the ``SynthSequenceSplit`` contract).

    Item: ``image`` uint8 ``[3, H, W]``, ``depth`` float ``[1, H, W]`` (0 = invalid), ``intrinsics``
    ``[3, 3]``, ``context_images`` uint8 ``[N, 3, H, W]``, ``T_target_to_context`` ``[N, 4, 4]``.
    """

    def __init__(self, split: Sequence[dict[str, Any]], *, with_context: bool = True) -> None:
        self.split = split
        self.with_context = with_context
        self.metainfo = {"split": repr(split)}  # mmengine hands it to its visualizer

    def __len__(self) -> int:
        return len(self.split)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        sample = self.split[index]
        item = {
            "sample_id": str(sample["sample_id"]),
            "image": _chw(sample["image"]),
            "depth": torch.from_numpy(np.asarray(sample["depth"], dtype=np.float32))[None],
            "intrinsics": torch.from_numpy(np.asarray(sample["intrinsics"], dtype=np.float32)),
        }
        if self.with_context:
            context = sample.get("context") or []
            if not context:
                raise ValueError(f"sample {sample.get('sample_id')}: no context frames; the photometric "
                                 "reliability needs sequences (frames_per_sequence ≥ 2)")
            item["context_images"] = torch.stack([_chw(c["image"]) for c in context])
            item["T_target_to_context"] = torch.stack(
                [torch.from_numpy(np.asarray(c["T_target_to_context"], dtype=np.float32)) for c in context])
        return item


def _chw(image: Any) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(np.asarray(image, dtype=np.uint8))).permute(2, 0, 1)


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack items; context stacks are padded to the longest by repeating their first frame.

    A repeated frame changes nothing: the reliability takes the per-pixel minimum over frames.
    """
    batch = {key: torch.stack([item[key] for item in items]) for key in ("image", "depth", "intrinsics")}
    batch["sample_id"] = [item["sample_id"] for item in items]
    if "context_images" in items[0]:
        n = max(item["context_images"].shape[0] for item in items)
        for key in ("context_images", "T_target_to_context"):
            batch[key] = torch.stack([_pad_frames(item[key], n) for item in items])
    return batch


def _pad_frames(frames: torch.Tensor, n: int) -> torch.Tensor:
    if frames.shape[0] == n:
        return frames
    return torch.cat([frames, frames[:1].expand(n - frames.shape[0], *frames.shape[1:])])


class ResumableInfiniteSampler(Sampler[int]):
    """Endless seeded shuffles; the k-th index depends only on (seed, k), so a resumed run skips for free.

    mmengine's IterBasedTrainLoop replays the data loader to skip trained batches (rendering every
    one again); :class:`udebench_ude.trainer.ResumableIterLoop` sets ``start`` instead.
    """

    def __init__(self, size: int, seed: int = 0, shuffle: bool = True) -> None:
        self.size = int(size)
        self.seed = int(seed)
        self.shuffle = shuffle
        self.start = 0

    def _epoch_order(self, epoch: int) -> list[int]:
        if not self.shuffle:
            return list(range(self.size))
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.size, generator=generator).tolist()

    def __iter__(self) -> Iterator[int]:
        k = self.start
        epoch, offset = divmod(k, self.size)
        while True:
            order = self._epoch_order(epoch)
            yield from order[offset:]
            epoch, offset = epoch + 1, 0

    def __len__(self) -> int:  # mmengine only reads it for logging
        return self.size


def build_training_split(data_cfg: dict[str, Any], *, need_context: bool) -> Sequence[dict[str, Any]]:
    """The training split a config names: ``data.split`` via ``udebench.get_split`` or ``SynthSequenceSplit``."""
    options = {k: v for k, v in data_cfg.items() if k not in ("split", "num_workers") and v is not None}
    if data_cfg.get("split"):
        from udebench.plugin import get_split

        return get_split(data_cfg["split"], **options)
    from udebench.plugin import get_split

    condition = options.pop("condition", "day")
    if not need_context:
        options.setdefault("frames_per_sequence", 1)
    return get_split(f"synth-train-{condition}", **options)
