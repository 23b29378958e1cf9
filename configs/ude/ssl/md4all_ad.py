# Arm "md4all-AD": the network sees a translated target image (P(translate) from the base), the photometric loss
# compares the CLEAN frames; no teacher.
_base_ = ["../_base_/ssl_synth.py"]
trainer = "self_supervised"
