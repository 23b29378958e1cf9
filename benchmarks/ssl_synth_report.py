"""The self-supervised synth experiment (issue 15): arms × seeds, intervals over seeds, the paper's claim checked.

Reads the runs ``scripts/ssl_experiment.sh`` stored (tags ``<arm>[-<variant>]-s<seed>``), from a results store
or from the committed export, and the reliability-mask statistics the trainers logged (from the work dirs,
or from the committed ``leaderboards/ssl-synth-mask.json``). Prints, and writes with ``--output-dir``:

* ``ssl-synth.md``: per arm, abs_rel per condition and the mean over the four adverse conditions, as the
  mean over seeds with a 95 % t-interval over seeds; the claim (UDE ≤ 0.8 × day-only mean adverse abs_rel,
  UDE below md4all-DD beyond the seed spread) with a paired per-image test UDE vs md4all-DD; the mask's
  keep ratios and its precision/recall against the oracle;
* ``ssl-synth.csv``: every (arm, seed, split) with abs_rel, a1, rmse and the image count.

    python benchmarks/ssl_synth_report.py --results udebench-results/ssl-synth.sqlite --work-dirs work_dirs/ssl \
        --output-dir leaderboards
    python benchmarks/ssl_synth_report.py --export leaderboards/ssl-synth-results.json   # from what is committed
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
#: arm -> what it is, in the order the table lists them
ARMS = {
    "dayonly": "Monodepth2 day-only (photometric, clean images)",
    "md4all_ad": "md4all-AD (photometric, translated inputs)",
    "md4all_dd": "md4all-DD (distillation on every pixel, no photometric term)",
    "ude_nomask": "UDE without mask (photometric + distillation on every pixel)",
    "ude_rgd": "UDE (photometric + RGD: keep pe_T <= pe_S)",
    "ude_rgd-p08": "UDE, P(translate) = 0.8",
    "ude_oracle": "UDE with the oracle mask (teacher within 15 % of GT)",
    "m2_dayonly": "Monodepth2 day-only, Monodepth2 network",
    "m2_md4all_ad": "md4all-AD, Monodepth2 network",
    "m2_md4all_dd": "md4all-DD, Monodepth2 network",
}
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
    from udebench.results.store import ResultsStore

    if export:
        store = ResultsStore(Path(tempfile.mkdtemp(prefix="ssl-report-")) / "r.sqlite")
        store.import_json(Path(export).read_text())
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
    parser.add_argument("--results", default="udebench-results/ssl-synth.sqlite")
    parser.add_argument("--export", default=None, help="a results export (JSON) instead of a store")
    parser.add_argument("--work-dirs", default=None, help="work_dirs/ssl, for the mask statistics")
    parser.add_argument("--mask-json", default="leaderboards/ssl-synth-mask.json")
    parser.add_argument("--output-dir", default=None)
    args = parser.parse_args()

    runs, store = load_runs(args.results, args.export)
    table: dict[str, dict[int, dict[str, object]]] = defaultdict(lambda: defaultdict(dict))
    for run in runs:
        match = TAG.match(run.tag)
        table[match["arm"]][int(match["seed"])][run.split] = run
    arms = [a for a in ARMS if a in table] + sorted(a for a in table if a not in ARMS)
    mask = mask_statistics(Path(args.work_dirs)) if args.work_dirs and Path(args.work_dirs).is_dir() else {}
    if not mask and Path(args.mask_json).is_file():
        mask = json.loads(Path(args.mask_json).read_text())

    lines = ["# Self-supervised track on synth: arms × seeds", "",
             "abs_rel (↓, median-scaled per image as the self-supervised track does) on 300 synth test frames per "
             "condition at 192×640; mean over seeds ± half-width of the 95 % t-interval over seeds (n = seeds). "
             "Every arm: the same day drives (2000 × 3 frames, known poses), 1000 steps × 4 images from scratch at "
             "98×322; distilling arms share one teacher (tiny UDE network, self-supervised on day, 3000 steps).", "",
             f"| arm | n | {' | '.join(s.removeprefix('synth-') for s in SPLITS)} | mean adverse |",
             "|---|---|" + "---|" * (len(SPLITS) + 1)]
    csv_rows = ["arm,seed,split,abs_rel,a1,rmse,n_images"]
    adverse_by_arm: dict[str, list[float]] = {}
    for arm in arms:
        seeds = sorted(s for s, splits in table[arm].items() if all(x in splits for x in SPLITS))
        if not seeds:
            continue
        cells = []
        for split in SPLITS:
            mean, half = t_interval([table[arm][s][split].metrics["abs_rel"] for s in seeds])
            cells.append(f"{mean:.4f} ± {half:.4f}" if not math.isnan(half) else f"{mean:.4f}")
        adverse = [float(np.mean([table[arm][s][x].metrics["abs_rel"] for x in ADVERSE])) for s in seeds]
        adverse_by_arm[arm] = adverse
        mean, half = t_interval(adverse)
        cells.append(f"**{mean:.4f}** ± {half:.4f}" if not math.isnan(half) else f"**{mean:.4f}**")
        lines.append(f"| {arm} | {len(seeds)} | " + " | ".join(cells) + " |")
        for s in seeds:
            for split in SPLITS:
                run = table[arm][s][split]
                m = run.metrics
                csv_rows.append(f"{arm},{s},{split},{m['abs_rel']:.6f},{m['a1']:.6f},{m['rmse']:.6f},{run.n_samples}")
    lines += ["", "Arms: " + "; ".join(f"`{a}`: {ARMS.get(a, a)}" for a in arms), ""]
    lines += claim_lines(adverse_by_arm, table, store)
    lines += mask_lines(mask)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output_dir:
        out = Path(args.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "ssl-synth.md").write_text(text)
        (out / "ssl-synth.csv").write_text("\n".join(csv_rows) + "\n")
        if mask and args.work_dirs:
            (out / "ssl-synth-mask.json").write_text(json.dumps(mask, indent=2, sort_keys=True) + "\n")


def claim_lines(adverse: dict[str, list[float]], table, store) -> list[str]:
    """The paper's claim on synth, with its numbers."""
    from udebench.evaluation.statistics import bootstrap_ci, paired_test

    lines = ["## The paper's claim, checked", ""]
    if not {"ude_rgd", "dayonly", "md4all_dd"} <= set(adverse):
        return [*lines, "Not all of ude_rgd, dayonly and md4all_dd have finished seeds yet.", ""]
    ude, day, dd = (t_interval(adverse[a]) for a in ("ude_rgd", "dayonly", "md4all_dd"))
    ratio = ude[0] / day[0]
    lines.append(f"- UDE ≤ 0.8 × day-only (mean adverse abs_rel): {ude[0]:.4f} vs {day[0]:.4f}, ratio {ratio:.3f} → "
                 f"**{'holds' if ratio <= 0.8 else 'does not hold'}**.")
    diff = ude[0] - dd[0]
    spread = math.hypot(ude[1], dd[1]) if not (math.isnan(ude[1]) or math.isnan(dd[1])) else math.nan
    beyond = not math.isnan(spread) and diff < -spread
    lines.append(f"- UDE below md4all-DD beyond the seed spread: {ude[0]:.4f} vs {dd[0]:.4f} (difference {diff:+.4f}, "
                 f"combined 95 % half-width {spread:.4f}) → **{'holds' if beyond else 'does not hold'}**.")
    # paired per-image: each image's abs_rel averaged over seeds, over the four adverse conditions
    for other in ("md4all_dd", "ude_nomask"):
        if other not in adverse:
            continue
        a, b = seed_averaged_images(table, store, "ude_rgd"), seed_averaged_images(table, store, other)
        common = sorted(set(a) & set(b))
        x, y = np.array([a[k] for k in common]), np.array([b[k] for k in common])
        test = paired_test(x, y)
        mean, low, high = bootstrap_ci(x - y, seed=0)
        wins = int((x < y).sum())
        lines.append(f"- Paired per image, UDE − {other} (abs_rel averaged over seeds, {len(common)} adverse images): "
                     f"mean {mean:+.4f} [95 % bootstrap {low:+.4f}, {high:+.4f}], Wilcoxon p = "
                     f"{test['wilcoxon_p']:.3g}; UDE better on {wins} of {len(common)} images.")
    return [*lines, ""]


def seed_averaged_images(table, store, arm: str) -> dict[str, float]:
    """(split, sample id) → abs_rel averaged over the arm's seeds, adverse splits only."""
    values: dict[str, list[float]] = defaultdict(list)
    for _seed, splits in table[arm].items():
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
             "keep: share of pixels distilled; precision/recall against the oracle (teacher within 15 % of GT) on "
             "pixels with GT; oracle keep: the oracle's own share, i.e. the precision a random mask would get.", "",
             "| run | keep | keep (clean) | keep (translated) | precision | recall | oracle keep |",
             "|---|---|---|---|---|---|---|"]
    for name, s in sorted(rows.items()):
        cells = [f"{s[k]:.3f}" if k in s else "–" for k in MASK_KEYS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


if __name__ == "__main__":
    main()
