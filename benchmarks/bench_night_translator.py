"""How close the `physics` translator's night comes to the synth renderer's night, side by side.

For synth test frames, the day image is translated to night (with the frame's depth as the depth
map, as a predicted depth map would be given, and without any depth) and compared with the renderer's
own night of the same scene: mean luminance per ground-truth depth band, in the sky, overall, and the
share of near-black pixels (luminance < 0.1). Both night models are shown (``headlights``, ``dusk``).

    python benchmarks/bench_night_translator.py --frames 32
"""

from __future__ import annotations

import argparse

import numpy as np

from udebench.plugin import build_translator, get_split

BANDS = ((0.1, 5), (5, 10), (10, 20), (20, 40), (40, 80))


def luminance_stats(image: np.ndarray, depth: np.ndarray) -> list[float]:
    lum = image.astype(np.float64).mean(axis=2) / 255.0
    out = []
    for low, high in BANDS:
        band = (depth > low) & (depth < high)
        out.append(lum[band].mean() if band.sum() > 20 else np.nan)
    sky = depth <= 0
    return [*out, lum[sky].mean() if sky.any() else np.nan, lum.mean(), (lum < 0.1).mean()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--size", default="192x640")
    args = parser.parse_args()
    height, width = (int(v) for v in args.size.split("x"))
    day = get_split("synth-day", n_frames=args.frames, height=height, width=width)
    night = get_split("synth-night", n_frames=args.frames, height=height, width=width)
    rows: dict[str, list[list[float]]] = {"renderer night": []}
    translators = {model: build_translator("physics", seed=0, night_model=model) for model in ("headlights", "dusk")}
    for i in range(args.frames):
        clean, dark = day[i], night[i]
        gt = np.asarray(clean["depth"])
        rows["renderer night"].append(luminance_stats(dark["image"], gt))
        for model, translator in translators.items():
            depth_map = np.where(gt > 0, gt, 80.0).astype(np.float32)  # sky: as far as a predicted map would say
            with_depth = translator(clean["image"], "night", depth=depth_map, seed=i)
            without = translator(clean["image"], "night", seed=i)
            rows.setdefault(f"physics {model} + depth", []).append(luminance_stats(with_depth, gt))
            rows.setdefault(f"physics {model}, no depth", []).append(luminance_stats(without, gt))
    head = " ".join(f"{f'{a}-{b} m':>8}" for a, b in BANDS)
    print(f"{args.frames} synth test frames at {height}x{width}; mean luminance (sRGB, 0-1) by GT depth band")
    print(f"{'':30} {head} {'sky':>8} {'all':>8} {'<0.1':>8}")
    for name, values in rows.items():
        mean = np.nanmean(np.asarray(values, dtype=np.float64), axis=0)
        print(f"{name:30} " + " ".join(f"{v:8.3f}" for v in mean))


if __name__ == "__main__":
    main()
