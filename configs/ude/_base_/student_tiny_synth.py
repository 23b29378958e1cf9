# Shared by the three UDE students (tiny): RGD distillation from the exported tiny teacher, same data and schedule.
# 600 iterations × 4 images: ≈ 12 min on 2 free CPU cores (≈ 3.4 img/s), ≈ 20 min when the cores are shared.
# The students start from the teacher's weights.
trainer = "rgd"
seed = 0
model = dict(size="tiny")
data = dict(split="synth-train-day", n_sequences=1000, frames_per_sequence=3, height=140, width=448, num_workers=0)
# the encoder, copied from the teacher, fine-tunes at a tenth of the head's rate
schedule = dict(max_iters=600, batch_size=4, lr=1e-4, encoder_lr_mult=0.1, weight_decay=0.01, warmup_iters=50,
                decay="cosine",
                min_lr_ratio=0.05, grad_clip=1.0, amp=True, checkpoint_interval=150, max_keep_ckpts=2, log_interval=20)
# the teacher as exported into the package by `udebench ude export ... --name ude_teacher_tiny_synth`
# (a work dir such as "work_dirs/teacher_tiny_synth" works too)
teacher = dict(model="ude_teacher", weights="shipped:ude_teacher_tiny_synth")
init = dict(weights="teacher")
# the paper's P = |C| / (|C| + 1) = 0.8 read as the chance of staying CLEAN: 20 % of images are translated.
# night_model="dusk": the physics night these students were trained with (version 1's, before the headlights night)
translation = dict(translator="physics", options=dict(night_model="dusk"), conditions=["night", "rain", "fog", "snow"],
                   p_translate=0.2)
distill = dict(
    loss="silog",  # or "l1_disparity"
    variance_focus=0.85,
)
reliability = dict(
    rule="photometric",  # "photometric" (RGD) | "oracle" | "flip_consistency" | "random" | "none"
    # keep p where pe_teacher(p) <= pe_student(p); "teacher_ge_student" is the inequality as the paper prints it
    mask_direction="teacher_le_student",
    keep_unseen=True,  # pixels no neighbour frame sees: keep (no photometric evidence against the teacher)
    flip_rel_tol=0.1,
    photometric_alpha=0.85,
    # rule="oracle" (synth only): keep p where the teacher is within oracle_tau of GT; oracle_align="median" first
    # median-scales the teacher to the GT per image. rule="random": keep each pixel with probability random_keep.
    oracle_tau=0.15,
    oracle_align="none",
    random_keep=0.545,
)
semantic = dict(weight=0.1)  # 1 - cos(student encoder tokens, frozen teacher encoder tokens)
