# Arm "UDE, scale-aligned oracle": as ude_oracle, but the teacher is median-scaled to the GT per image before its
# 15 % error is judged, so the oracle drops only pixels whose shape is wrong (SILog distillation and the median-
# scaled evaluation barely see a global scale error; the metric oracle drops whole images for it).
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
reliability = dict(rule="oracle", oracle_tau=0.15, oracle_align="median")
