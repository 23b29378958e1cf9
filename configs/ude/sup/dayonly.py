# Supervised track, "day-only": distillation of the teacher on clean day images only.
_base_ = ["../_base_/sup_synth.py"]
translation = dict(conditions=[])
