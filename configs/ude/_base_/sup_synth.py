# The supervised track on synth (issue 15): students distil the supervised teacher (GT-trained, `ude_teacher`'s
# shipped weights) from scratch, on the same day drives and budget as the self-supervised arms; no photometric term.
seed = 0
model = dict(name="ude_student", size="tiny", input_size=(98, 322))
data = dict(split="synth-train-day", n_sequences=2000, frames_per_sequence=3, height=98, width=322, num_workers=0)
schedule = dict(max_iters=1000, batch_size=4, lr=3e-4, weight_decay=0.01, warmup_iters=100, decay="cosine",
                min_lr_ratio=0.05, grad_clip=1.0, amp=True, checkpoint_interval=250, max_keep_ckpts=1, log_interval=25)
trainer = "rgd"
teacher = dict(model="ude_teacher", weights="shipped:ude_teacher_tiny_synth")
translation = dict(translator="physics", options=dict(), conditions=["night", "rain", "fog", "snow"], p_translate=0.2)
photometric = dict(weight=0.0)
distill = dict(weight=1.0, loss="silog", variance_focus=0.85)
reliability = dict(rule="none", mask_direction="teacher_le_student", keep_unseen=True, margin=0.0, oracle_tau=0.15)
