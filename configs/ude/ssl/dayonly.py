# Arm "Monodepth2 day-only": the photometric recipe on clean day images, no translation, no teacher.
_base_ = ["../_base_/ssl_synth.py"]
trainer = "self_supervised"
translation = dict(conditions=[])
