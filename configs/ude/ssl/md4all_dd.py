# Arm "md4all-DD": distillation of the day teacher's depth (on the clean image) into the student seeing translated
# images, on every pixel; no photometric term.
_base_ = ["../_base_/ssl_synth.py"]
trainer = "rgd"
photometric = dict(weight=0.0)
reliability = dict(rule="none")
