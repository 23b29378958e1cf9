# Ablation: clean day images only (P = 1, no translation), otherwise as student_rgd_tiny_synth.
_base_ = ["./_base_/student_tiny_synth.py"]
distill = dict(conditions=[], p_clean=1.0)
