# Control "UDE, random mask": photometric + distillation on a random 54.5 % of pixels — RGD's logged keep ratio
# (seeds 0–2: 0.542–0.547) with no information about the teacher. RGD minus this arm is what its pixel choice adds.
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
reliability = dict(rule="random", random_keep=0.545)
