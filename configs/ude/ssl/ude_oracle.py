# Arm "UDE, oracle mask": photometric + distillation where the teacher is within 15 % of the synth GT (the upper
# bound of any reliability rule; needs GT, so synth only).
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
reliability = dict(rule="oracle", oracle_tau=0.15)
