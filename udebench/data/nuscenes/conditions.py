"""md4all's condition labels for nuScenes scenes, from the free-text scene description.

md4all (``NuScenesDataset.get_scenes_weather_info``) labels a scene ``night`` if its
lower-cased description contains "night", else ``day``; and ``rain`` if it contains "rain",
else ``clear``: four labels day-clear, day-rain, night-clear, night-rain. Its evaluator then
scores a sample under condition C when the string C occurs in the label, so "night" covers
night-clear and night-rain, "rain" covers day-rain and night-rain, and "day-clear" only itself.
The published validation counts (4449 day-clear, 602 night, 1088 rain; 6139 > 6019 samples)
count the night-rain samples under both night and rain, which this reproduces.
"""

from __future__ import annotations

#: udebench split condition -> the md4all metric condition it scores
SPLIT_CONDITIONS: dict[str, str] = {"day": "day-clear", "night": "night", "rain": "rain"}


def weather_label(description: str) -> str:
    """md4all's label of a scene: ``day-clear``, ``day-rain``, ``night-clear`` or ``night-rain``."""
    text = description.lower()
    return ("night" if "night" in text else "day") + ("-rain" if "rain" in text else "-clear")


def in_condition(label: str, condition: str) -> bool:
    """Whether a scene labelled ``label`` belongs to the udebench split condition ``day``/``night``/``rain``."""
    if condition not in SPLIT_CONDITIONS:
        raise ValueError(f"nuScenes condition must be one of {', '.join(SPLIT_CONDITIONS)}, not {condition!r}")
    return SPLIT_CONDITIONS[condition] in label
