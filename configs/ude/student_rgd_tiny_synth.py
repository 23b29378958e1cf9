# UDE student (tiny), the paper's recipe: physics-translated night/rain/fog/snow with P(clean) = 4/5,
# reliability-guided distillation (photometric mask, pe_teacher <= pe_student).
#   udebench train configs/ude/student_rgd_tiny_synth.py
#   udebench ude export work_dirs/student_rgd_tiny_synth --name ude_student_tiny_synth
_base_ = ["./_base_/student_tiny_synth.py"]
