# Arm "md4all-DD" on the Monodepth2 network (narrow ResNet-18 from udebench-baselines); as ssl/md4all_dd.py.
_base_ = ["../_base_/ssl_synth_m2.py"]
trainer = "rgd"
photometric = dict(weight=0.0)
reliability = dict(rule="none")
