# Arm "Monodepth2 day-only" on the Monodepth2 network (narrow ResNet-18 from udebench-baselines); as ssl/dayonly.py.
_base_ = ["../_base_/ssl_synth_m2.py"]
trainer = "self_supervised"
translation = dict(conditions=[])
