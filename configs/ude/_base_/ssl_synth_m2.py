# The self-supervised track on synth with the Monodepth2 network (the narrow ResNet-18 of udebench-baselines, a
# shipped file under 10 MB) in place of the tiny DINOv2+DPT: the base of every ssl/m2_* arm.
_base_ = ["./ssl_synth.py"]
model = dict(_delete_=True, name="monodepth2", num_layers=18, base_width=32, decoder_channels=(8, 16, 32, 64, 128),
             height=96, width=320, max_depth=80.0)
