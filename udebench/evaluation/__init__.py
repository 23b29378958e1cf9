"""Evaluation maths, as pure functions (DESIGN.md §4).

* :mod:`~udebench.evaluation.metrics`: per-image metrics ``(pred, gt, valid) -> Tensor[B]``, ``BUILTIN_METRICS``.
* :mod:`~udebench.evaluation.alignment`: ``none | median | lstsq_depth | lstsq_disparity``.
* :mod:`~udebench.evaluation.protocol`: valid mask, crops, upsampling, ``score_batch``.
* :mod:`~udebench.evaluation.robustness`: RoboDepth DEE, CE/mCE, RR/mRR.
* :mod:`~udebench.evaluation.statistics`: bootstrap confidence intervals, paired tests.
* :mod:`~udebench.evaluation.builtin`: the plugin that registers the built-in metrics.

Nothing here imports torch at import time.
"""
