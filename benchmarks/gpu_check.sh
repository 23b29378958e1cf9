#!/usr/bin/env bash
# The GPU check, prepared to run in one go on a machine with a CUDA GPU (under 10 minutes on one GPU):
#   1. environment (nvidia-smi, torch, CUDA)                                   -> env.txt
#   2. evaluate ude_student on CUDA, fp32 and --amp; same numbers within tolerance -> eval_fp32.json, eval_amp.json,
#                                                                                  amp_vs_fp32.txt
#   3. the same evaluation under torchrun (1 process, NCCL, --launcher pytorch) equals step 2 -> eval_torchrun.json
#   4. training: `udebench train configs/ude/teacher_tiny_synth.py --max-iters 5 --device cuda` -> train.log
#   5. harness overhead and throughput: bench_harness.py for ude_student (tiny) and for a ViT-B student
#      (random weights, 322x574 input, DINOv2's 518 px grid)                   -> harness_tiny.*, harness_vitb.*
# Every step's output, log and exit status go to OUT_DIR; a failing step is recorded and the next one runs.
# summary.txt lists each step with its status and seconds.
#
#   benchmarks/gpu_check.sh OUT_DIR            # on the GPU machine
#   benchmarks/gpu_check.sh OUT_DIR --cpu      # smoke test of the script itself on CPU (small, fast, no AMP check)
set -uo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 OUT_DIR [--cpu]" >&2
    exit 2
fi
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
MODE=${2:-gpu}
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[[ -x $PY ]] || PY=python3

export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 UDEBENCH_CACHE="$OUT/cache" PYTHONUNBUFFERED=1
if [[ $MODE == "--cpu" ]]; then
    DEVICE=cpu FRAMES=8 ITERS=2 REPEATS=1 BENCH_FRAMES=8 TOL=0.05
    export UDEBENCH_SYNTH_SIZE=48x160 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
else
    DEVICE=cuda FRAMES=300 ITERS=5 REPEATS=3 BENCH_FRAMES=300 TOL=0.01
fi
RESULTS="$OUT/results.sqlite"
: > "$OUT/summary.txt"

step() {  # step NAME COMMAND...: run, log, record status and seconds, never stop the script
    local name=$1
    shift
    local start=$SECONDS
    echo "== $name: $*" | tee -a "$OUT/log.txt"
    "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
    local status=$?
    tail -n 3 "$OUT/$name.err" >> "$OUT/log.txt"
    printf '%-16s %-6s %4ss\n' "$name" "$([[ $status == 0 ]] && echo ok || echo FAIL:$status)" \
        "$((SECONDS - start))" | tee -a "$OUT/summary.txt"
}

environment() {
    if command -v nvidia-smi > /dev/null; then nvidia-smi; fi
    "$PY" - <<'EOF'
import platform, torch
print("python", platform.python_version(), "| torch", torch.__version__, "| cuda", torch.version.cuda,
      "| available", torch.cuda.is_available())
for i in range(torch.cuda.device_count()):
    print(f"cuda:{i}", torch.cuda.get_device_name(i))
EOF
}

evaluate() {  # evaluate JSON_NAME EXTRA_ARGS...
    local name=$1
    shift
    "$PY" -m udebench evaluate --model ude_student --split synth-night --limit "$FRAMES" --batch-size 8 \
        --device "$DEVICE" --results "$RESULTS" --json --no-progress "$@" > "$OUT/$name.json"
}

compare() {  # compare A.json B.json TOL: every metric mean within TOL (relative) of the other's
    "$PY" - "$OUT/$1.json" "$OUT/$2.json" "$3" <<'EOF'
import json, sys
a, b = (json.load(open(path)) for path in sys.argv[1:3])
tol = float(sys.argv[3])
worst = 0.0
for name in sorted(a["metrics"]):
    x, y = a["metrics"][name], b["metrics"][name]
    rel = abs(x - y) / max(abs(x), 1e-12)
    worst = max(worst, rel)
    print(f"{name:16s} {x:.6f} {y:.6f} rel diff {rel:.2e}")
print(f"worst relative difference {worst:.2e} (tolerance {tol:g}); samples {a['n_samples']} / {b['n_samples']}")
sys.exit(0 if worst <= tol and a["n_samples"] == b["n_samples"] else 1)
EOF
}

torchrun_evaluate() {
    "$PY" -m torch.distributed.run --nproc-per-node 1 -m udebench evaluate --model ude_student --split synth-night \
        --limit "$FRAMES" --batch-size 8 --results "$OUT/torchrun.sqlite" --json --no-progress \
        --launcher pytorch > "$OUT/eval_torchrun.json"
}

train() {
    "$PY" -m udebench train configs/ude/teacher_tiny_synth.py --max-iters "$ITERS" --device "$DEVICE" \
        --work-dir "$OUT/train" --no-resume > "$OUT/train.log"
}

vitb_weights() {  # a randomly initialised ViT-B student in udebench-ude's safetensors format
    "$PY" - "$OUT/ude_student_vitb_random.safetensors" <<'EOF'
import sys
from udebench_ude.models import build_net
from udebench_ude.weights import save_safetensors
save_safetensors(build_net("vitb", seed=0), sys.argv[1], fp16=False)
print("wrote", sys.argv[1])
EOF
}

harness() {  # harness NAME EXTRA_ARGS...
    local name=$1
    shift
    "$PY" benchmarks/bench_harness.py --model ude_student --frames "$BENCH_FRAMES" --batch-size 8 \
        --device "$DEVICE" --repeats "$REPEATS" --json "$OUT/$name.json" "$@"
}

echo "gpu_check: mode ${MODE}, device ${DEVICE}, results in ${OUT}" | tee "$OUT/log.txt"
step env environment
step eval_fp32 evaluate eval_fp32
if [[ $DEVICE == cuda ]]; then
    step eval_amp evaluate eval_amp --amp
    step amp_vs_fp32 compare eval_fp32 eval_amp "$TOL"
    step eval_torchrun torchrun_evaluate
    step torchrun_eq compare eval_fp32 eval_torchrun 1e-6
else  # CPU smoke: no AMP claim; the torchrun step uses gloo
    step eval_torchrun torchrun_evaluate
    step torchrun_eq compare eval_fp32 eval_torchrun 1e-6
fi
step train train
step harness_tiny harness harness_tiny
step vitb_weights vitb_weights
step harness_vitb harness harness_vitb --weights "$OUT/ude_student_vitb_random.safetensors"
rm -rf "$OUT/cache"
echo "done: $(grep -c ' ok ' "$OUT/summary.txt") of $(wc -l < "$OUT/summary.txt") steps ok" | tee -a "$OUT/summary.txt"
