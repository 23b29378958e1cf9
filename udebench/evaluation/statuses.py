"""Sample statuses: one definition, used by scoring, the engine, the store and the reports."""

from __future__ import annotations

#: what scoring gives an image: metrics computed; no valid ground-truth pixel; a NaN/inf prediction on one.
SCORED_STATUSES: tuple[str, ...] = ("ok", "no_valid_gt", "invalid_prediction")
#: every status a stored sample can have: the scored ones, and "error" (the sample could not be read or predicted).
SAMPLE_STATUSES: tuple[str, ...] = ("ok", "error", "invalid_prediction", "no_valid_gt")
#: a resumed run keeps these and tries "error" samples again.
RESUME_KEEPS: tuple[str, ...] = SCORED_STATUSES
