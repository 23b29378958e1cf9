"""The text half of GDT: a prompt per condition, an optional caption per image, a negative prompt."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

#: the condition each prompt asks for (in the order the ``gdt`` spec lists its conditions); override any of them with
#: ``--option prompts='{"night": "..."}'``.
DEFAULT_PROMPTS: dict[str, str] = {
    "night": "a driving scene at night, dark sky, headlights and street lamps",
    "rain": "a driving scene in the rain, wet road with reflections, overcast sky",
    "fog": "a driving scene in dense fog, low visibility, grey haze",
    "snow": "a driving scene in heavy snow, snow on the road and the cars",
}
DEFAULT_NEGATIVE_PROMPT = "blurry, low quality, distorted, deformed, cartoon, painting, text, watermark"


def prompt_for(condition: str, prompts: Mapping[str, str], caption: str | None = None) -> str:
    """The condition's prompt, followed by the image's caption when there is one."""
    prompt = prompts[condition]
    return f"{prompt}, {caption.strip()}" if caption and caption.strip() else prompt


def image_key(image: Any) -> str:
    """The key of an image in a caption file: sha256 of its shape and its uint8 RGB pixels.

    Translators see images, not sample ids, so captions are keyed by content: write a caption
    file with ``{image_key(sample["image"]): caption}`` for the samples of the source split.
    """
    import numpy as np

    pixels = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    return hashlib.sha256(repr(pixels.shape).encode() + pixels.tobytes()).hexdigest()


def read_captions(path: str) -> dict[str, str]:
    """A caption file: a JSON object ``{image_key: caption}`` (see :func:`image_key`)."""
    file = Path(path).expanduser()
    try:
        data = json.loads(file.read_text())
    except OSError as exc:
        raise ValueError(f"captions={path}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ValueError(f"captions={path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"captions={path}: expected a JSON object {{image key: caption}}")
    return data


def load_captioner(spec: str) -> Callable[[Any], str]:
    """``module:function`` → the function, called with a ``uint8 HxWx3`` image; it returns the image's caption."""
    import importlib

    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"captioner={spec}: expected module:function")
    try:
        captioner = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"captioner={spec}: cannot import it ({exc})") from None
    if not callable(captioner):
        raise ValueError(f"captioner={spec}: not callable")
    return captioner
