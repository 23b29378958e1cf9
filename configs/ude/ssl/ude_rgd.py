# Arm "UDE": photometric + reliability-guided distillation (keep p where pe_teacher(p) <= pe_student(p)).
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
reliability = dict(rule="photometric")
