# Supervised track, control "random mask": distillation on translated images on a random 54 % of pixels — the
# supervised RGD arm's logged keep ratio (seed 0: 0.542 over training) with no information about the teacher.
_base_ = ["../_base_/sup_synth.py"]
reliability = dict(rule="random", random_keep=0.54)
