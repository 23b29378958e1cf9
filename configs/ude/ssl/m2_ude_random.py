# Control "UDE, random mask" on the Monodepth2 network; as ssl/ude_random.py (RGD's keep ratio there, last quarter
# of the steps, seeds 0–2: 0.52–0.56), so RGD minus this arm is what its pixel choice adds on this network.
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
reliability = dict(rule="random", random_keep=0.545)
model = dict(_delete_=True, name="monodepth2", num_layers=18, base_width=32, decoder_channels=(8, 16, 32, 64, 128),
             height=96, width=320, max_depth=80.0)
