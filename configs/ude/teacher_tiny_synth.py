# UDE teacher (tiny): DINOv2 (hidden 192, 6 layers) + DPT head, trained from scratch, supervised by the synth
# world's exact depth on day training drives. 1000 iterations × 4 images: ≈ 14 min on 2 free CPU cores
# (≈ 5 img/s), ≈ 25 min when the cores are shared.
#   udebench train configs/ude/teacher_tiny_synth.py
#   udebench ude export work_dirs/teacher_tiny_synth --name ude_teacher_tiny_synth
trainer = "supervised"
seed = 0
model = dict(name="ude_teacher", size="tiny")
# frames_per_sequence=3 renders (and caches) the students' neighbour frames too; the teacher uses the middle frame.
data = dict(split="synth-train-day", n_sequences=1000, frames_per_sequence=3, height=140, width=448, num_workers=0)
schedule = dict(max_iters=1000, batch_size=4, lr=3e-4, weight_decay=0.01, warmup_iters=100, decay="cosine",
                min_lr_ratio=0.05, grad_clip=1.0, amp=True, checkpoint_interval=200, max_keep_ckpts=2, log_interval=20)
supervised = dict(variance_focus=0.85)  # SILog (BTS form, λ=0.85) on pixels with 0.1 < GT < 80 m
