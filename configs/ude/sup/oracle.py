# Supervised track, oracle mask: distillation where the teacher is within 15 % of the synth GT.
_base_ = ["../_base_/sup_synth.py"]
reliability = dict(rule="oracle", oracle_tau=0.15)
