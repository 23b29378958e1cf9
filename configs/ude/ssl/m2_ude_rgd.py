# Arm "UDE" (photometric + RGD) on the Monodepth2 network (narrow ResNet-18 from udebench-baselines); as
# ssl/ude_rgd.py, so the claim can be checked on both architectures.
_base_ = ["../_base_/ssl_synth_m2.py"]
trainer = "rgd"
reliability = dict(rule="photometric")
