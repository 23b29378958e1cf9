"""Datasets: the built-in synth world and the plugin that registers its splits."""
