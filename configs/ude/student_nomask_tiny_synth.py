# Ablation: plain distillation on every pixel (md4all-DD style), otherwise as student_rgd_tiny_synth.
_base_ = ["./_base_/student_tiny_synth.py"]
reliability = dict(rule="none")
