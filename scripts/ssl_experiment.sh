#!/usr/bin/env bash
# The self-supervised track on synth (issue 15): the teacher, then every arm × seed, two jobs at a time with one
# thread each (2 cores), seed by seed so that a stopped run still leaves whole seeds. Resumable: run it again.
#   scripts/ssl_experiment.sh            # everything
#   SEEDS="0" ARMS="ude_rgd md4all_dd" scripts/ssl_experiment.sh
set -euo pipefail
cd "$(dirname "$0")/.."
U=${UDEBENCH:-.venv/bin/udebench}
SEEDS=${SEEDS:-"0 1 2"}
ARMS=${ARMS:-"dayonly md4all_ad md4all_dd ude_nomask ude_rgd ude_oracle m2_dayonly m2_md4all_ad m2_md4all_dd ude_rgd:p08"}
JOBS=${JOBS:-2}
TEACHER=plugins/udebench-ude/udebench_ude/weights/ude_teacher_ssl_tiny_synth.safetensors
mkdir -p logs/ssl

if [ ! -f "$TEACHER" ]; then
  OMP_NUM_THREADS=${TEACHER_THREADS:-2} $U train configs/ude/ssl/teacher.py --work-dir work_dirs/ssl/teacher \
    > logs/ssl/teacher.train.log 2>&1
  $U ude export work_dirs/ssl/teacher --name ude_teacher_ssl_tiny_synth --eval-split synth-day --eval-limit 50
fi

for seed in $SEEDS; do
  for arm in $ARMS; do echo "$arm $seed"; done
done | xargs -P "$JOBS" -L 1 sh -c '
  arm=${0%%:*}; variant=""; opts=""
  case $0 in *:p08) variant=p08; opts="--cfg-options translation.p_translate=0.8" ;; esac
  VARIANT=$variant OPTS="$opts" scripts/ssl_arm.sh "$arm" "$1" || echo "FAILED $0 $1 (see logs/ssl)"'
