# Supervised track, "no mask" (md4all-DD style): distillation on translated images, every pixel.
_base_ = ["../_base_/sup_synth.py"]
