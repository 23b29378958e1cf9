# Control "UDE without the mask": photometric + distillation on every pixel (isolates what the mask adds).
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
reliability = dict(rule="none")
