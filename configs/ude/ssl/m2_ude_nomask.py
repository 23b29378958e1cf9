# Control "UDE without the mask" on the Monodepth2 network; as ssl/ude_nomask.py (isolates what the mask adds there).
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
reliability = dict(rule="none")
model = dict(_delete_=True, name="monodepth2", num_layers=18, base_width=32, decoder_channels=(8, 16, 32, 64, 128),
             height=96, width=320, max_depth=80.0)
