"""How well reliability rules find the pixels where the teacher is right: precision/recall against the oracle.

On held-out synth training drives (scenes the experiment never trained on), the teacher predicts on the
clean image and the student on the image translated to each condition (or clean). Each rule's mask is
compared with the oracle (teacher within ``tau`` of GT) on the pixels with GT, printed side by side:
the paper's photometric rule (``pe_T ≤ pe_S``), the same with a margin ε, with ±2 frames of context
instead of ±1, and the teacher's flip consistency. ``oracle keep`` is what a random mask's precision is.
The last columns compare each mask with the *relative* oracle instead — the teacher at least as close to
the GT as the student — the question the photometric rule's comparison actually asks.

    W=plugins/udebench-ude/udebench_ude/weights
    python benchmarks/rgd_mask_quality.py --teacher $W/ude_teacher_ssl_tiny_synth.safetensors \
        --student work_dirs/ssl/exports/ssl_ude_rgd-s0.safetensors --sequences 48
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from udebench.plugin import build_translator, get_split, load_model

FIRST_HELD_OUT = 5000  # training scenes past every experiment's n_sequences


def main() -> None:
    from udebench_ude.reliability import (
        closer_to_gt_mask,
        flip_consistency_mask,
        mask_quality,
        oracle_mask,
        photometric_mask,
    )
    from udebench_ude.train_model import Teacher  # its depth(): at the images' size, as the trainers take it

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", required=True, help="teacher weights (ude_teacher)")
    parser.add_argument("--student", required=True, help="student weights (ude_student)")
    parser.add_argument("--student-model", default="ude_student")
    parser.add_argument("--sequences", type=int, default=48)
    parser.add_argument("--size", default="98x322")
    parser.add_argument("--tau", type=float, default=0.15)
    args = parser.parse_args()
    height, width = (int(v) for v in args.size.split("x"))
    teacher = Teacher(load_model("ude_teacher", weights=args.teacher, device="cpu"))
    student = Teacher(load_model(args.student_model, weights=args.student, device="cpu"))
    translator = build_translator("physics", seed=0)
    split = get_split("synth-train-day", n_sequences=FIRST_HELD_OUT + args.sequences, frames_per_sequence=5,
                      height=height, width=width)
    rules = {"photometric, ±1 frame (trained)": {"frames": (1, 2)},
             "photometric, ±2 frames": {},
             "photometric ε=0.01, ±1 frame": {"frames": (1, 2), "margin": 0.01},
             "photometric ε=0.03, ±1 frame": {"frames": (1, 2), "margin": 0.03},
             "flip consistency 10 %": None}
    totals: dict[tuple[str, str], list[dict[str, float]]] = {}
    for i in range(FIRST_HELD_OUT, FIRST_HELD_OUT + args.sequences):
        sample = split[i]
        x = torch.from_numpy(sample["image"]).permute(2, 0, 1)[None].float() / 255
        contexts = torch.stack([torch.from_numpy(c["image"]).permute(2, 0, 1).float() / 255
                                for c in sample["context"]])[None]
        T = torch.stack([torch.as_tensor(c["T_target_to_context"], dtype=torch.float32)
                         for c in sample["context"]])[None]
        K = torch.as_tensor(sample["intrinsics"], dtype=torch.float32)[None]
        gt = torch.from_numpy(sample["depth"])[None, None]
        has_gt = (gt > 0.1) & (gt < 80)
        t_depth = teacher.depth(x)
        oracle = oracle_mask(t_depth, gt, args.tau, keep_unseen=False)
        for condition in ("clean", "night", "rain", "fog", "snow"):
            seen = x if condition == "clean" else translator.translate_batch(x, condition, depth=t_depth, seeds=[i])
            s_depth = student.depth(seen)
            for rule, options in rules.items():
                if options is None:
                    mask = flip_consistency_mask(t_depth, teacher.depth(x.flip(-1)), 0.1)
                else:
                    frames = list(options.get("frames", range(contexts.shape[1])))
                    mask = photometric_mask(x, contexts[:, frames], K, T[:, frames], t_depth, s_depth,
                                            margin=options.get("margin", 0.0))
                q = mask_quality(mask, oracle, has_gt)
                relative = mask_quality(mask, closer_to_gt_mask(t_depth, s_depth, gt), has_gt)
                row = {k: float(v) for k, v in q.items()} | {f"relative_{k}": float(v) for k, v in relative.items()}
                totals.setdefault((rule, condition), []).append(row)
    print(f"{args.sequences} held-out synth drives at {height}x{width}; oracle: teacher within "
          f"{args.tau:.0%} of GT; student {args.student}")
    print(f"{'':38} {'against the oracle':>31} | {'against the relative oracle':>31}")
    print(f"{'rule':30} {'input':>7} {'keep':>7} {'precision':>10} {'recall':>7} {'oracle keep':>12} | "
          f"{'precision':>10} {'recall':>7} {'its keep':>12}")
    for (rule, condition), rows in totals.items():
        mean = {k: np.nanmean([r[k] for r in rows]) for k in rows[0]}
        print(f"{rule:30} {condition:>7} {mean['keep']:7.3f} {mean['precision']:10.3f} {mean['recall']:7.3f} "
              f"{mean['reference_keep']:12.3f} | {mean['relative_precision']:10.3f} {mean['relative_recall']:7.3f} "
              f"{mean['relative_reference_keep']:12.3f}")


if __name__ == "__main__":
    main()
