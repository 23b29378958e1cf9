"""Training speed of the UDE trainers' steps (images/s) on synthetic batches, without data loading.

    python benchmarks/bench_ude_train_speed.py --size tiny --height 140 --width 448 --batch-size 4 --steps 5

Prints one line per mode: supervised (the teacher), rgd (photometric mask, 2 context frames),
rgd-nomask. Use it to size schedules: iterations × batch size / (images/s) = seconds.
"""

from __future__ import annotations

import argparse
import time

import torch
from udebench_ude.models import build_net
from udebench_ude.train_model import UDETrainModel
from udebench_ude.translate_physics import PhysicsTranslator


def batch(b: int, h: int, w: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    K = torch.tensor([[0.58 * w, 0, 0.5 * w], [0, 1.92 * h, 0.5 * h], [0, 0, 1.0]])
    T = torch.eye(4).repeat(b, 2, 1, 1)
    T[:, 0, 2, 3], T[:, 1, 2, 3] = 0.5, -0.5
    return {"image": torch.randint(0, 256, (b, 3, h, w), generator=g, dtype=torch.uint8),
            "depth": torch.rand(b, 1, h, w, generator=g) * 50 + 1, "intrinsics": K.repeat(b, 1, 1),
            "context_images": torch.randint(0, 256, (b, 2, 3, h, w), generator=g, dtype=torch.uint8),
            "T_target_to_context": T}


def measure(model: UDETrainModel, data: dict[str, torch.Tensor], steps: int) -> float:
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    times = []
    for step in range(steps + 1):
        start = time.perf_counter()
        model.current_iter = step
        losses = model(**data)
        loss = sum(v for k, v in losses.items() if k.startswith("loss"))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return data["image"].shape[0] / (sum(times[1:]) / steps)  # the first step warms up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--height", type=int, default=140)
    parser.add_argument("--width", type=int, default=448)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    data = batch(args.batch_size, args.height, args.width)
    rgd = dict(seed=0, conditions=["night", "rain", "fog", "snow"], p_clean=0.8, distill_loss="silog",
               variance_focus=0.85, reliability="photometric", mask_direction="teacher_le_student", keep_unseen=True,
               semantic_weight=0.1)
    modes = {
        "supervised": dict(mode="supervised", options=dict(seed=0, variance_focus=0.85)),
        "rgd": dict(mode="rgd", options=rgd),
        "rgd-nomask": dict(mode="rgd", options={**rgd, "reliability": "none"}),
    }
    threads = torch.get_num_threads()
    print(f"size {args.size} · {args.height}x{args.width} · batch {args.batch_size} · {threads} threads")
    for name, kw in modes.items():
        teacher = build_net(args.size, seed=1) if kw["mode"] == "rgd" else None
        model = UDETrainModel(build_net(args.size, seed=0), teacher=teacher, translator=PhysicsTranslator(seed=0),
                              **kw).train()
        print(f"{name:<12} {measure(model, data, args.steps):6.2f} img/s")


if __name__ == "__main__":
    main()
