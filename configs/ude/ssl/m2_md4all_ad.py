# Arm "md4all-AD" on the Monodepth2 network (narrow ResNet-18 from udebench-baselines); as ssl/md4all_ad.py.
_base_ = ["../_base_/ssl_synth_m2.py"]
trainer = "self_supervised"
