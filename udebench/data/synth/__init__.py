"""The synth world: procedural streets ray-cast with exact depth under five conditions.

Modules, one job each: ``world`` samples a scene from a seed, ``camera`` holds intrinsics,
poses and rays, ``raycast`` finds exact depth, ``surfaces`` textures what is seen,
``lighting`` and ``weather`` light and weather it per ``conditions``, ``render`` puts one
frame together, ``splits`` and ``cache`` serve test frames and training sequences, and
``preview`` draws a contact sheet. Nothing is imported here, so importing the package is free.
"""
