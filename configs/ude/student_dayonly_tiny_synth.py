# Ablation: clean day images only (P = 1, no translation), otherwise as student_rgd_tiny_synth.
_base_ = ["./_base_/student_tiny_synth.py"]
translation = dict(conditions=[], p_translate=0.0)
