# Control "UDE without the mask" on the Monodepth2 network; as ssl/ude_nomask.py (isolates what the mask adds there).
_base_ = ["../_base_/ssl_synth_m2.py"]
trainer = "rgd"
reliability = dict(rule="none")
