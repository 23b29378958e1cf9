"""The synth experiment (issue 15): arms × seeds of both tracks, intervals over seeds, the paper's claim checked.

Reads the runs ``scripts/synth_experiment.sh`` stored (tags ``<track>-<arm>[-<variant>]-s<seed>``), from a
results store or from the committed export, and the reliability-mask statistics the trainers logged (from
the work dirs, or from the committed ``leaderboards/experiment-synth-mask.json``). Prints, and writes with
``--output-dir``:

* ``experiment-synth.md``: per track and arm, abs_rel per condition and the mean over the four adverse
  conditions, as the mean over seeds with a 95 % t-interval over seeds; the paper's claim (UDE ≤ 0.8 ×
  day-only mean adverse abs_rel; UDE below md4all-DD beyond the seed spread) and the other comparisons,
  each with a paired per-image test; the mask's keep ratios and its precision/recall against the oracle;
* ``experiment-synth.csv``: every (arm, seed, split) with abs_rel, a1, rmse and the image count.

    python benchmarks/synth_experiment_report.py --results udebench-results/experiment-synth.sqlite \
        --work-dirs work_dirs/experiment --output-dir leaderboards
    python benchmarks/synth_experiment_report.py --export leaderboards/experiment-synth-results.json.gz
"""

from __future__ import annotations

import argparse
import json
import math
import re
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

CLEAN = "synth-day"
ADVERSE = ("synth-night", "synth-rain", "synth-fog", "synth-snow")
SPLITS = (CLEAN, *ADVERSE)
#: arm -> what it is, in the order the tables list them
ARMS = {
    "ssl-teacher": "the shipped self-supervised teacher (ude_teacher_ssl, 3000 steps on clean day), for reference: "
                   "what the distilling arms copy",
    "ssl-dayonly": "Monodepth2 day-only (photometric, clean images)",
    "ssl-md4all_ad": "md4all-AD (photometric, translated inputs)",
    "ssl-md4all_dd": "md4all-DD (distillation on every pixel, no photometric term)",
    "ssl-ude_nomask": "UDE without mask (photometric + distillation on every pixel)",
    "ssl-ude_rgd": "UDE (photometric + RGD: keep pe_T <= pe_S), P(translate) = 0.2",
    "ssl-ude_rgd-p08": "UDE, P(translate) = 0.8",
    "ssl-ude_oracle": "UDE with the oracle mask (teacher within 15 % of GT)",
    "ssl-ude_oracle_scaled": "UDE with the scale-aligned oracle mask (teacher median-scaled to GT per image, "
                             "then within 15 %)",
    "ssl-ude_random": "UDE with a random mask keeping 54.5 % of pixels (RGD's keep ratio), the control for RGD",
    "ssl-m2_dayonly": "Monodepth2 day-only, Monodepth2 network (narrow ResNet-18)",
    "ssl-m2_md4all_ad": "md4all-AD, Monodepth2 network",
    "ssl-m2_md4all_dd": "md4all-DD, Monodepth2 network",
    "ssl-m2_ude_nomask": "UDE without mask, Monodepth2 network",
    "ssl-m2_ude_rgd": "UDE (photometric + RGD), Monodepth2 network",
    "ssl-m2_ude_random": "UDE with a random mask keeping 54.5 % of pixels, Monodepth2 network",
    "sup-dayonly": "distillation of the supervised teacher on clean images only",
    "sup-nomask": "distillation on translated images, every pixel (md4all-DD style)",
    "sup-rgd": "distillation on translated images, photometric reliability mask (UDE)",
    "sup-oracle": "distillation on translated images, oracle mask",
    "sup-random": "distillation on translated images, a random mask keeping 54 % of pixels (RGD's keep ratio)",
}
TRACKS = {"ssl": "Self-supervised track (photometric loss, known poses; distilling arms share the self-supervised "
                 "teacher)",
          "sup": "Supervised track (distillation of the GT-supervised teacher, no photometric term)"}
#: (what is compared, arm A, arm B): A − B per image; the first two of each track are the paper's claim
COMPARISONS = [
    ("UDE vs md4all-DD", "ssl-ude_rgd", "ssl-md4all_dd"),
    ("UDE vs day-only", "ssl-ude_rgd", "ssl-dayonly"),
    ("the mask: UDE vs UDE without mask", "ssl-ude_rgd", "ssl-ude_nomask"),
    ("the mask's upper bound: oracle vs without mask", "ssl-ude_oracle", "ssl-ude_nomask"),
    ("RGD's pixel choice: UDE vs a random mask of its keep ratio", "ssl-ude_rgd", "ssl-ude_random"),
    ("fewer pixels: random mask vs without mask", "ssl-ude_random", "ssl-ude_nomask"),
    ("the oracle judging shape only: scale-aligned oracle vs without mask", "ssl-ude_oracle_scaled",
     "ssl-ude_nomask"),
    ("P(translate) 0.8 vs 0.2", "ssl-ude_rgd-p08", "ssl-ude_rgd"),
    ("the photometric term: UDE without mask vs md4all-DD", "ssl-ude_nomask", "ssl-md4all_dd"),
    ("md4all-AD vs day-only", "ssl-md4all_ad", "ssl-dayonly"),
    ("distillation: md4all-DD vs md4all-AD", "ssl-md4all_dd", "ssl-md4all_ad"),
    ("UDE vs its teacher", "ssl-ude_rgd", "ssl-teacher"),
    ("network: Monodepth2 day-only vs DINOv2+DPT day-only", "ssl-m2_dayonly", "ssl-dayonly"),
    ("Monodepth2 network: md4all-DD vs day-only", "ssl-m2_md4all_dd", "ssl-m2_dayonly"),
    ("Monodepth2 network: md4all-AD vs day-only", "ssl-m2_md4all_ad", "ssl-m2_dayonly"),
    ("Monodepth2 network: distillation, md4all-DD vs md4all-AD", "ssl-m2_md4all_dd", "ssl-m2_md4all_ad"),
    ("Monodepth2 network: UDE vs md4all-DD", "ssl-m2_ude_rgd", "ssl-m2_md4all_dd"),
    ("Monodepth2 network: UDE vs day-only", "ssl-m2_ude_rgd", "ssl-m2_dayonly"),
    ("Monodepth2 network: the mask, UDE vs UDE without mask", "ssl-m2_ude_rgd", "ssl-m2_ude_nomask"),
    ("Monodepth2 network: RGD's pixel choice, UDE vs a random mask", "ssl-m2_ude_rgd", "ssl-m2_ude_random"),
    ("Monodepth2 network: fewer pixels, random mask vs without mask", "ssl-m2_ude_random", "ssl-m2_ude_nomask"),
    ("Monodepth2 network: the photometric term, UDE without mask vs md4all-DD", "ssl-m2_ude_nomask",
     "ssl-m2_md4all_dd"),
    ("supervised: RGD vs no mask", "sup-rgd", "sup-nomask"),
    ("supervised: RGD vs day-only", "sup-rgd", "sup-dayonly"),
    ("supervised: oracle vs no mask", "sup-oracle", "sup-nomask"),
    ("supervised: RGD's pixel choice, RGD vs a random mask of its keep ratio", "sup-rgd", "sup-random"),
    ("supervised: fewer pixels, random mask vs no mask", "sup-random", "sup-nomask"),
    ("supervised: no mask vs day-only", "sup-nomask", "sup-dayonly"),
]
TAG = re.compile(r"^(?P<arm>.+)-s(?P<seed>\d+)$")
MASK_KEYS = ("mask_keep", "mask_keep_clean", "mask_keep_translated", "mask_precision", "mask_recall", "oracle_keep")


def t_interval(values: list[float], confidence: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the t-interval over ``values`` (seeds); half-width NaN for one value."""
    from scipy import stats

    array = np.asarray(values, dtype=np.float64)
    if array.size < 2:
        return float(array.mean()), math.nan
    half = stats.t.ppf(0.5 + confidence / 2, array.size - 1) * array.std(ddof=1) / math.sqrt(array.size)
    return float(array.mean()), float(half)


def load_runs(results: str | None, export: str | None) -> tuple[list, object]:
    """Every complete run of the experiment (summaries) and the store they came from."""
    from udebench.results.gzip_text import read_text_maybe_gzip
    from udebench.results.store import ResultsStore

    if export:
        store = ResultsStore(Path(tempfile.mkdtemp(prefix="ssl-report-")) / "r.sqlite")
        store.import_json(read_text_maybe_gzip(Path(export)))
    else:
        store = ResultsStore(results, create=False)
    runs = [r for r in store.latest_complete_runs() if r.tag and TAG.match(r.tag) and r.split in SPLITS
            and r.options.get("limit") is None]
    return runs, store


def per_image(store, run_id: int, metric: str = "abs_rel") -> dict[str, float]:
    return {s["sample_id"]: s["metrics"][metric] for s in store.samples(run_id)
            if s["status"] == "ok" and not math.isnan(s["metrics"].get(metric, math.nan))}


def mask_statistics(work_dirs: Path) -> dict[str, dict[str, float]]:
    """Per run (work-dir name): each mask statistic averaged over the last quarter of its logged iterations."""
    out = {}
    for run in sorted(p for p in work_dirs.iterdir() if p.is_dir() and TAG.match(p.name)):
        rows = []
        for scalars in sorted(run.glob("*/vis_data/scalars.json")):
            rows += [json.loads(line) for line in scalars.read_text().splitlines() if line.strip()]
        rows = [r for r in rows if "mask_keep" in r]
        if not rows:
            continue
        last = max(r["iter"] for r in rows)
        tail = [r for r in rows if r["iter"] > 0.75 * last]
        out[run.name] = {k: float(np.mean([r[k] for r in tail if k in r])) for k in MASK_KEYS
                         if any(k in r for r in tail)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="udebench-results/experiment-synth.sqlite")
    parser.add_argument("--export", default=None, help="a results export (JSON) instead of a store")
    parser.add_argument("--work-dirs", default=None, help="work_dirs/experiment, for the mask statistics")
    parser.add_argument("--mask-json", default="leaderboards/experiment-synth-mask.json")
    parser.add_argument("--output-dir", default=None)
    args = parser.parse_args()

    runs, store = load_runs(args.results, args.export)
    table: dict[str, dict[int, dict[str, object]]] = defaultdict(lambda: defaultdict(dict))
    for run in runs:
        match = TAG.match(run.tag)
        table[match["arm"]][int(match["seed"])][run.split] = run
    mask = mask_statistics(Path(args.work_dirs)) if args.work_dirs and Path(args.work_dirs).is_dir() else {}
    if not mask and Path(args.mask_json).is_file():
        mask = json.loads(Path(args.mask_json).read_text())
    finished = {run.tag for run in runs}
    mask = {name: stats for name, stats in mask.items() if name in finished}  # runs still training: not yet

    lines = ["# The synth experiment: arms × seeds", "",
             "abs_rel (↓, median-scaled per image) on 300 synth test frames per condition at 192×640; mean over "
             "seeds ± half-width of the 95 % t-interval over seeds (n = seeds). Every arm: the same day drives "
             "(2000 × 3 frames, known poses), 1000 steps × 4 images from scratch at 98×322, the depth-aware "
             "`physics` translator. Produced by `make experiment-synth` (`scripts/synth_experiment.sh`, then "
             "`benchmarks/synth_experiment_report.py`).", ""]
    csv_rows = ["arm,seed,split,abs_rel,a1,rmse,n_images"]
    adverse: dict[str, list[float]] = {}
    for track, title in TRACKS.items():
        arms = [a for a in ARMS if a.startswith(f"{track}-") and a in table]
        arms += sorted(a for a in table if a.startswith(f"{track}-") and a not in ARMS)
        if not arms:
            continue
        lines += [f"## {title}", "", f"| arm | n | {' | '.join(x.removeprefix('synth-') for x in SPLITS)} | "
                  "mean adverse |", "|---|---|" + "---|" * (len(SPLITS) + 1)]
        for arm in arms:
            seeds = sorted(finished_seeds(table, arm))
            if not seeds:
                continue
            cells = [_cell([table[arm][seed][split].metrics["abs_rel"] for seed in seeds]) for split in SPLITS]
            adverse[arm] = [float(np.mean([table[arm][seed][x].metrics["abs_rel"] for x in ADVERSE])) for seed in seeds]
            cells.append(f"**{_cell(adverse[arm])}**")
            lines.append(f"| {arm} | {len(seeds)} | " + " | ".join(cells) + " |")
            for seed in seeds:
                for split in SPLITS:
                    run = table[arm][seed][split]
                    m = run.metrics
                    csv_rows.append(f"{arm},{seed},{split},{m['abs_rel']:.6f},{m['a1']:.6f},{m['rmse']:.6f},"
                                    f"{run.n_samples}")
        lines += ["", "Arms: " + "; ".join(f"`{a}`: {ARMS.get(a, a)}" for a in arms), ""]
        lines += collapse_lines(table, adverse, arms)
    lines += claim_lines(adverse, table, store)
    lines += mask_lines(mask)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output_dir:
        out = Path(args.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "experiment-synth.md").write_text(text)
        (out / "experiment-synth.csv").write_text("\n".join(csv_rows) + "\n")
        if mask and args.work_dirs:
            (out / "experiment-synth-mask.json").write_text(json.dumps(mask, indent=2, sort_keys=True) + "\n")


def collapsed(runs: dict[str, object]) -> bool:
    """A run whose abs_rel is the same under every condition: the conditions share their scenes and GT, so the
    network's output does not depend on the image up to its scale (which median scaling removes)."""
    values = [runs[split].metrics["abs_rel"] for split in SPLITS]
    return max(values) - min(values) < 1e-9


def collapse_lines(table, adverse: dict[str, list[float]], arms: list[str]) -> list[str]:
    """Collapsed runs, named: kept in the means (dropping a seed after seeing it is a choice), with the mean
    without them beside."""
    lines = []
    for arm in arms:
        seeds = sorted(finished_seeds(table, arm))
        bad = [seed for seed in seeds if collapsed(table[arm][seed])]
        if bad:
            kept = [value for seed, value in zip(seeds, adverse[arm], strict=True) if seed not in bad]
            lines.append(f"- Collapsed: `{arm}` seed{'s' if len(bad) > 1 else ''} {', '.join(map(str, bad))} "
                         "(the same abs_rel under every condition: its depth map does not depend on the image). "
                         f"Kept in the means; without {'them' if len(bad) > 1 else 'it'} the mean adverse abs_rel is "
                         f"{_cell(kept) if kept else 'undefined'}.")
    return [*lines, ""] if lines else []


def _cell(values: list[float]) -> str:
    mean, half = t_interval(values)
    return f"{mean:.4f} ± {half:.4f}" if not math.isnan(half) else f"{mean:.4f}"


def claim_lines(adverse: dict[str, list[float]], table, store) -> list[str]:
    """The paper's claim on synth, and the other comparisons, with their numbers."""
    from udebench.evaluation.statistics import bootstrap_ci, paired_test

    lines = ["## The paper's claim, checked", ""]
    for track, ude, day, dd in (("self-supervised", "ssl-ude_rgd", "ssl-dayonly", "ssl-md4all_dd"),
                                ("self-supervised, Monodepth2 network", "ssl-m2_ude_rgd", "ssl-m2_dayonly",
                                 "ssl-m2_md4all_dd"),
                                ("supervised", "sup-rgd", "sup-dayonly", "sup-nomask")):
        if not {ude, day, dd} <= set(adverse):
            lines.append(f"- {track} track: not all of {ude}, {day}, {dd} have finished seeds yet.")
            continue
        u, d, n = (t_interval(adverse[a]) for a in (ude, day, dd))
        ratio = u[0] / d[0]
        lines.append(f"- {track}: UDE ≤ 0.8 × day-only (mean adverse abs_rel): {u[0]:.4f} vs {d[0]:.4f}, ratio "
                     f"{ratio:.3f} → **{'holds' if ratio <= 0.8 else 'does not hold'}**.")
        diff = u[0] - n[0]
        spread = math.hypot(u[1], n[1]) if not (math.isnan(u[1]) or math.isnan(n[1])) else math.nan
        verdict = "holds" if not math.isnan(spread) and diff < -spread else "does not hold"
        lines.append(f"- {track}: UDE below {dd} beyond the seed spread: {u[0]:.4f} vs {n[0]:.4f} (difference "
                     f"{diff:+.4f}, combined 95 % half-width {spread:.4f}) → **{verdict}**.")
    lines += ["", "## Comparisons, paired per image", "",
              "Each image's abs_rel averaged over the training seeds both arms have (seed k of every arm starts "
              "from the same initialisation and sees the same data order), over the four adverse conditions "
              "(1200 images); A − B: negative means A is better.", "",
              "| comparison | seeds | A − B (mean over images) | 95 % bootstrap | Wilcoxon p | A better on | "
              "seed means A, B (all seeds) |",
              "|---|---|---|---|---|---|---|"]
    for what, a, b in COMPARISONS:
        if a not in adverse or b not in adverse:
            continue
        seeds = sorted(finished_seeds(table, a) & finished_seeds(table, b))
        if not seeds:
            continue
        va, vb = seed_averaged_images(table, store, a, seeds), seed_averaged_images(table, store, b, seeds)
        common = sorted(set(va) & set(vb))
        x, y = np.array([va[k] for k in common]), np.array([vb[k] for k in common])
        test = paired_test(x, y)
        mean, low, high = bootstrap_ci(x - y, seed=0)
        lines.append(f"| {what} | {','.join(map(str, seeds))} | {mean:+.4f} | [{low:+.4f}, {high:+.4f}] | "
                     f"{test['wilcoxon_p']:.2g} | "
                     f"{int((x < y).sum())}/{len(common)} | {_cell(adverse[a])}; {_cell(adverse[b])} |")
    return [*lines, ""]


def finished_seeds(table, arm: str) -> set[int]:
    """The seeds of ``arm`` evaluated on every split."""
    return {seed for seed, splits in table[arm].items() if all(x in splits for x in SPLITS)}


def seed_averaged_images(table, store, arm: str, seeds: list[int]) -> dict[str, float]:
    """(split, sample id) → abs_rel averaged over ``seeds`` of the arm, adverse splits only."""
    values: dict[str, list[float]] = defaultdict(list)
    for seed in seeds:
        splits = table[arm][seed]
        for split in ADVERSE:
            if split in splits:
                for sample, value in per_image(store, splits[split].run_id).items():
                    values[f"{split}/{sample}"].append(value)
    n = max((len(v) for v in values.values()), default=0)
    return {k: float(np.mean(v)) for k, v in values.items() if len(v) == n}


def mask_lines(mask: dict[str, dict[str, float]]) -> list[str]:
    rows = {name: stats for name, stats in mask.items() if TAG.match(name)}
    if not rows:
        return []
    lines = ["## The reliability mask during training (last quarter of the steps)", "",
             "keep: share of pixels distilled; precision/recall against the metric oracle (teacher within 15 % of GT, "
             "whatever the arm's own rule) on pixels with GT; oracle keep: the oracle's own share, i.e. the precision "
             "a random mask would get.", "",
             "| run | keep | keep (clean) | keep (translated) | precision | recall | oracle keep |",
             "|---|---|---|---|---|---|---|"]
    for name, s in sorted(rows.items()):
        cells = [f"{s[k]:.3f}" if k in s else "–" for k in MASK_KEYS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


if __name__ == "__main__":
    main()
