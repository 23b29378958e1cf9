# Control "UDE, random mask" on the Monodepth2 network; as ssl/ude_random.py (RGD's keep ratio there, last quarter
# of the steps, seeds 0–2: 0.52–0.56), so RGD minus this arm is what its pixel choice adds on this network.
_base_ = ["../_base_/ssl_synth_m2.py"]
trainer = "rgd"
reliability = dict(rule="random", random_keep=0.545)
