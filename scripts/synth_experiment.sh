#!/usr/bin/env bash
# The synth experiment (issue 15): the self-supervised teacher, then every arm × seed of both tracks, two jobs at a
# time with one thread each (2 cores): the self-supervised arms first, seed by seed (so that a stopped run still
# leaves whole seeds), then the Monodepth2-network arms, then the supervised track. Resumable: run it again.
#   scripts/synth_experiment.sh            # everything
#   SEEDS="0" GROUPS_=SSL ARMS="ssl/ude_rgd ssl/md4all_dd" scripts/synth_experiment.sh
set -euo pipefail
cd "$(dirname "$0")/.."
U=${UDEBENCH:-.venv/bin/udebench}
SEEDS=${SEEDS:-"0 1 2"}
SSL="ssl/dayonly ssl/md4all_ad ssl/md4all_dd ssl/ude_nomask ssl/ude_rgd ssl/ude_oracle ssl/ude_rgd:p08 ssl/ude_random ssl/ude_oracle_scaled"
M2="ssl/m2_dayonly ssl/m2_md4all_ad ssl/m2_md4all_dd ssl/m2_ude_nomask ssl/m2_ude_rgd ssl/m2_ude_random"
SUP="sup/dayonly sup/nomask sup/rgd sup/oracle sup/random"
GROUPS_=${GROUPS_:-"SSL M2 SUP"}
JOBS=${JOBS:-2}
TEACHER=plugins/udebench-ude/udebench_ude/weights/ude_teacher_ssl_tiny_synth.safetensors
mkdir -p logs/experiment

if [ ! -f "$TEACHER" ]; then
  OMP_NUM_THREADS=${TEACHER_THREADS:-2} $U train configs/ude/ssl/teacher.py --work-dir work_dirs/ssl/teacher \
    > logs/experiment/teacher.train.log 2>&1
  $U ude export work_dirs/ssl/teacher --name ude_teacher_ssl_tiny_synth --eval-split synth-day --eval-limit 50
fi
# the teacher itself, scored as the arms are (median scaling): what the distilling arms copy
for split in synth-day synth-night synth-rain synth-fog synth-snow; do
  OMP_NUM_THREADS=1 $U evaluate --model ude_teacher_ssl --tag ssl-teacher-s0 --split "$split" --align median \
    --results udebench-results/experiment-synth.sqlite --no-progress --json >> logs/experiment/ssl-teacher-s0.eval.log
done

for group in $GROUPS_; do
  arms=${ARMS:-$(eval echo "\$$group")}
  for seed in $SEEDS; do
    for arm in $arms; do echo "$arm $seed"; done
  done
done | awk '!seen[$0]++' | xargs -P "$JOBS" -L 1 sh -c '
  arm=${0%%:*}; variant=""; opts=""
  case $0 in *:p08) variant=p08; opts="--cfg-options translation.p_translate=0.8" ;; esac
  VARIANT=$variant OPTS="$opts" scripts/synth_arm.sh "$arm" "$1" || echo "FAILED $0 $1 (see logs/experiment)"'
