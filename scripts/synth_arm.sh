#!/usr/bin/env bash
# One (arm, seed) of the synth experiment: train (resumes), export, evaluate on synth-* (resumes).
#   scripts/synth_arm.sh ssl/ude_rgd 0
# ARM is a config under configs/ude/ (ssl/*: the self-supervised track, sup/*: the supervised one; ssl/m2_* train
# the Monodepth2 network). A variant: VARIANT=p08 OPTS="--cfg-options translation.p_translate=0.8" scripts/synth_arm.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
U=${UDEBENCH:-.venv/bin/udebench}
ARM=$1
SEED=$2
VARIANT=${VARIANT:-}
OPTS=${OPTS:-}
TRACK=${ARM%%/*}
NAME="${TRACK}-${ARM#*/}${VARIANT:+-$VARIANT}-s${SEED}"
WORK=work_dirs/experiment/$NAME
EXPORTS=${EXPORTS:-work_dirs/experiment/exports}
STORE=${STORE:-udebench-results/experiment-synth.sqlite}
SPLITS=${SPLITS:-"synth-day synth-night synth-rain synth-fog synth-snow"}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}

mkdir -p "$EXPORTS" logs/experiment
# shellcheck disable=SC2086
$U train "configs/ude/$ARM.py" --work-dir "$WORK" --cfg-options "seed=$SEED" $OPTS > "logs/experiment/$NAME.train.log" 2>&1
if [ ! -f "$EXPORTS/$NAME.safetensors" ] || [ "$WORK/last_checkpoint" -nt "$EXPORTS/$NAME.safetensors" ]; then
  $U ude export "$WORK" --name "$NAME" --output-dir "$EXPORTS" > "logs/experiment/$NAME.export.log" 2>&1
fi
case $ARM in */m2_*) MODEL=monodepth2 ;; *) MODEL=ude_student ;; esac
for split in $SPLITS; do
  $U evaluate --model "$MODEL" --weights "$EXPORTS/$NAME.safetensors" --tag "$NAME" --split "$split" \
    --align median --results "$STORE" --no-progress --json >> "logs/experiment/$NAME.eval.log" 2>&1
done
echo "done $NAME"
