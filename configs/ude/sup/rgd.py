# Supervised track, "UDE": distillation on translated images where pe_teacher(p) <= pe_student(p).
_base_ = ["../_base_/sup_synth.py"]
reliability = dict(rule="photometric")
