#!/usr/bin/env bash
# One (arm, seed) of the self-supervised synth experiment: train (resumes), export, evaluate on synth-* (resumes).
#   scripts/ssl_arm.sh ude_rgd 0
# ARM is a config in configs/ude/ssl/ (m2_* arms train the Monodepth2 network). Extra `--cfg-options` for a
# variant: VARIANT=p08 OPTS="--cfg-options translation.p_translate=0.8" scripts/ssl_arm.sh ude_rgd 0
set -euo pipefail
cd "$(dirname "$0")/.."
U=${UDEBENCH:-.venv/bin/udebench}
ARM=$1
SEED=$2
VARIANT=${VARIANT:-}
OPTS=${OPTS:-}
NAME="${ARM}${VARIANT:+-$VARIANT}-s${SEED}"
WORK=work_dirs/ssl/$NAME
EXPORTS=${EXPORTS:-work_dirs/ssl/exports}
STORE=${STORE:-udebench-results/ssl-synth.sqlite}
SPLITS=${SPLITS:-"synth-day synth-night synth-rain synth-fog synth-snow"}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}

mkdir -p "$EXPORTS" logs/ssl
# shellcheck disable=SC2086
$U train "configs/ude/ssl/$ARM.py" --work-dir "$WORK" --cfg-options "seed=$SEED" $OPTS > "logs/ssl/$NAME.train.log" 2>&1
if [ ! -f "$EXPORTS/ssl_$NAME.safetensors" ] || [ "$WORK/last_checkpoint" -nt "$EXPORTS/ssl_$NAME.safetensors" ]; then
  $U ude export "$WORK" --name "ssl_$NAME" --output-dir "$EXPORTS" > "logs/ssl/$NAME.export.log" 2>&1
fi
case $ARM in m2_*) MODEL=monodepth2 ;; *) MODEL=ude_student ;; esac
for split in $SPLITS; do
  $U evaluate --model "$MODEL" --weights "$EXPORTS/ssl_$NAME.safetensors" --tag "$NAME" --split "$split" \
    --align median --results "$STORE" --no-progress --json >> "logs/ssl/$NAME.eval.log" 2>&1
done
echo "done $NAME"
