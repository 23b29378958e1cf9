"""``near_abs_rel``: the example metric, abs_rel over the pixels a car reaches first.

udebench calls it on the prediction after alignment and clamping to the split's depth caps, with
the split's valid mask, once per batch; it returns one value per image and NaN for an image where
it counts no pixel (udebench skips that image in the mean and reports how many it skipped). Torch
is not imported here: the tensors bring their methods, so registering the metric stays cheap.
"""

from __future__ import annotations

#: metres: pixels nearer than this count.
NEAR = 20.0


def near_abs_rel(pred, gt, valid):
    """mean(|pred − gt| / gt) over the valid pixels with ``gt < NEAR``, per image → ``[B]`` (float64).

    ``pred``, ``gt``: ``[B, H, W]`` metres; ``valid``: bool ``[B, H, W]``. NaN (0/0) without a near pixel.
    """
    near = valid & (gt < NEAR)
    relative = ((pred - gt).abs() / gt).where(near, gt.new_zeros(())).double()
    return relative.sum(dim=(1, 2)) / near.sum(dim=(1, 2)).double()
