"""GDT (Generative Diffusion Translation, UDE paper): Stable Diffusion 1.5 + depth ControlNet + IP-Adapter.

A day image becomes a night/rain/snow/fog image with the same geometry: the ControlNet keeps the
structure of a depth map predicted from the image, IP-Adapter takes the look of a real image of the
target condition, and a text prompt names the condition. Modules: ``options`` (what can be set),
``prompts``, ``style`` (style images), ``control`` (depth → control image), ``weights`` (where the
three parts are, their fingerprint), ``architecture`` (components from configs, saved in the real
layout), ``tiny`` (tiny random weights for tests), ``pipeline`` (the diffusers pipeline) and
``translator`` (the udebench translator ``gdt``). Importing this package imports nothing heavy.
"""
