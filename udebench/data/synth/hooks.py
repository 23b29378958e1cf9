"""The synth world's hooks: its dataset, splits and `udebench synth` commands, through the ordinary hooks.

Importing this module stays cheap (no numpy): the renderer is imported inside the split
factories, so ``udebench list splits`` does not pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from udebench.errors import UdebenchError
from udebench.evaluation.protocol_spec import Protocol
from udebench.hookspecs import hookimpl
from udebench.specs import AdverseCondition, DatasetSpec, SplitSpec

#: must equal udebench.data.synth.conditions.CONDITIONS (a test checks); literal to avoid importing numpy.
SYNTH_CONDITIONS: tuple[str, ...] = ("day", "night", "rain", "fog", "snow")
#: the clean condition the others are scored against in robustness scores (mCE, mRR).
SYNTH_CLEAN = "day"
SYNTH_TEST_FRAMES = 300
SYNTH_TRAIN_SEQUENCES = 2000
SIZE_ENV = "UDEBENCH_SYNTH_SIZE"
DEFAULT_SIZE = (192, 640)

_CONDITION_TEXT = {
    "day": "clear day: sun with shadows, blue sky, light haze",
    "night": "night: ego low beams, street lamps, lit windows, sensor noise",
    "rain": "rain: overcast, wet mirror-like road with puddles, streaks, lens drops",
    "fog": "fog: Koschmieder scattering on the true depth, visibility 35-150 m",
    "snow": "snow: white cover on horizontal surfaces, wheel tracks, falling flakes",
}


def default_size() -> tuple[int, int]:
    """(height, width) from ``$UDEBENCH_SYNTH_SIZE`` ("192x640"), else 192x640."""
    raw = os.environ.get(SIZE_ENV, "").strip()
    if not raw:
        return DEFAULT_SIZE
    try:
        height, width = (int(part) for part in raw.lower().split("x"))
    except ValueError:
        raise UdebenchError(f"{SIZE_ENV}={raw!r}: expected HEIGHTxWIDTH, e.g. 192x640") from None
    if height < 8 or width < 8:
        raise UdebenchError(f"{SIZE_ENV}={raw!r}: height and width must be at least 8")
    return height, width


def _size(options: dict[str, Any]) -> tuple[int, int]:
    height, width = default_size()
    return int(_pop(options, "height", height)), int(_pop(options, "width", width))


def _pop(options: dict[str, Any], key: str, default: Any) -> Any:
    """An option's value, or ``default`` when it is missing or None."""
    value = options.pop(key, None)
    return default if value is None else value


def _synth_test_factory(condition: str) -> Callable[..., Any]:
    def factory(data_root=None, **options):
        """Synth test frames under one condition; options: height, width, n_frames, cache_dir."""
        from udebench.data.synth.splits import SynthSplit

        height, width = _size(options)
        n_frames = int(_pop(options, "n_frames", SYNTH_TEST_FRAMES))
        cache_dir = options.pop("cache_dir", None)
        _no_leftovers(f"synth-{condition}", options)
        return SynthSplit(condition=condition, n_frames=n_frames, height=height, width=width, cache_dir=cache_dir)

    return factory


def _synth_train_factory(condition: str) -> Callable[..., Any]:
    def factory(data_root=None, **options):
        """Synth training sequences; options: height, width, n_sequences, frames_per_sequence, cache_dir."""
        from udebench.data.synth.splits import SynthSequenceSplit

        height, width = _size(options)
        n_sequences = int(_pop(options, "n_sequences", SYNTH_TRAIN_SEQUENCES))
        frames = int(_pop(options, "frames_per_sequence", 3))
        cache_dir = options.pop("cache_dir", None)
        _no_leftovers(f"synth-train-{condition}", options)
        return SynthSequenceSplit(
            condition=condition,
            n_sequences=n_sequences,
            frames_per_sequence=frames,
            height=height,
            width=width,
            cache_dir=cache_dir,
        )

    return factory


def _no_leftovers(split: str, options: dict[str, Any]) -> None:
    if options:
        raise TypeError(f"split {split!r} does not take option(s) {', '.join(sorted(options))}")


@hookimpl
def register_datasets(register):
    register(
        DatasetSpec(
            name="synth",
            description="procedural driving streets ray-cast with exact depth, under five conditions",
            folder=None,
            how_to_get="generated on the fly; nothing to download",
        )
    )


#: synth keeps udebench's first conventions: Monodepth2's upsampling and median, the model's own input size.
PROTOCOL = Protocol(
    reference="udebench's synth world (no external reference); Monodepth2-style scoring as in "
              "nianticlabs/monodepth2 evaluate_depth.py::evaluate, resized in the model's own preprocessing",
    min_depth=0.1, max_depth=80.0, align_corners=False, median="numpy", input_size="model",
    input_resample="bilinear", upsample_space="prediction", flip_pp_space="prediction")


@hookimpl
def register_splits(register):
    for condition in SYNTH_CONDITIONS:
        register(
            SplitSpec(
                name=f"synth-{condition}",
                factory=_synth_test_factory(condition),
                dataset="synth",
                condition=condition,
                protocol=PROTOCOL,
                description=f"synth test scenes 0-{SYNTH_TEST_FRAMES - 1}, {_CONDITION_TEXT[condition]}",
                expected_count=SYNTH_TEST_FRAMES,
                adverse=None if condition == SYNTH_CLEAN else AdverseCondition(
                    group="synth", clean_split=f"synth-{SYNTH_CLEAN}", condition=condition),
            )
        )
        register(
            SplitSpec(
                name=f"synth-train-{condition}",
                factory=_synth_train_factory(condition),
                dataset="synth",
                condition=condition,
                protocol=PROTOCOL,
                description=f"synth training drives (3 frames, known poses; seeds disjoint from test), {condition}",
                expected_count=SYNTH_TRAIN_SEQUENCES,
            )
        )


@hookimpl
def register_commands(cli):
    from udebench.data.synth.commands import synth_group

    cli.add_command(synth_group)
