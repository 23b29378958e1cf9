# The self-supervised track on synth (issue 15): every arm trains from scratch on the same day drives with
# known poses (metric scale), for the same number of steps; arms differ only in their loss terms and inputs.
# Seeds: `udebench train CONFIG --cfg-options seed=N --work-dir ...` (scripts/synth_experiment.sh runs them all).
seed = 0
model = dict(name="ude_student", size="tiny", input_size=(98, 322))
data = dict(split="synth-train-day", n_sequences=2000, frames_per_sequence=3, height=98, width=322, num_workers=0)
schedule = dict(max_iters=1000, batch_size=4, lr=3e-4, weight_decay=0.01, warmup_iters=100, decay="cosine",
                min_lr_ratio=0.05, grad_clip=1.0, amp=True, checkpoint_interval=250, max_keep_ckpts=1, log_interval=25)
# the fixed teacher of every distilling arm: the tiny UDE network trained self-supervised on day drives
teacher = dict(model="ude_teacher", weights="shipped:ude_teacher_ssl_tiny_synth")
# what translated arms see: the depth-aware physics translator (headlights night), P(translate) as the arm says
translation = dict(translator="physics", options=dict(), conditions=["night", "rain", "fog", "snow"], p_translate=0.2)
photometric = dict(weight=1.0, alpha=0.85, smoothness=1e-3, automask=True, pose="known")
distill = dict(loss="silog", variance_focus=0.85)  # weight: 1 for rgd, 0 for self_supervised (the recipes' defaults)
reliability = dict(rule="none", mask_direction="teacher_le_student", keep_unseen=True, margin=0.0, oracle_tau=0.15)
