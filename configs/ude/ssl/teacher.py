# The self-supervised track's teacher: Monodepth2's recipe (photometric + smoothness, known poses), clean day only.
#   udebench train configs/ude/ssl/teacher.py
#   udebench ude export work_dirs/ssl/teacher --name ude_teacher_ssl_tiny_synth
_base_ = ["../_base_/ssl_synth.py"]
trainer = "self_supervised"
model = dict(name="ude_teacher", size="tiny", input_size=(98, 322))
schedule = dict(max_iters=3000)
translation = dict(conditions=[])
