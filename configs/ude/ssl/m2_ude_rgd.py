# Arm "UDE" (photometric + RGD) on the Monodepth2 network (narrow ResNet-18 from udebench-baselines); as
# ssl/ude_rgd.py, so the claim can be checked on both architectures.
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
reliability = dict(rule="photometric")
model = dict(_delete_=True, name="monodepth2", num_layers=18, base_width=32, decoder_channels=(8, 16, 32, 64, 128),
             height=96, width=320, max_depth=80.0)
