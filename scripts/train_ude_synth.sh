#!/usr/bin/env bash
# Trains and exports the four shipped UDE models on the synth world (tiny size), one after another.
# Resumable: re-running continues each training from its last checkpoint.
# On a CPU shared with other work, OMP_NUM_THREADS=1 is several times faster than oversubscribed threads.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${UDEBENCH:-.venv/bin/udebench}
STAGES=${STAGES:-"teacher rgd nomask dayonly"}

for stage in $STAGES; do
  case $stage in
    teacher)
      $U train configs/ude/teacher_tiny_synth.py
      $U ude export work_dirs/teacher_tiny_synth --name ude_teacher_tiny_synth --eval-split synth-day --eval-limit 50 ;;
    rgd)
      $U train configs/ude/student_rgd_tiny_synth.py
      $U ude export work_dirs/student_rgd_tiny_synth --name ude_student_tiny_synth \
        --eval-split synth-day --eval-split synth-night --eval-limit 50 ;;
    nomask|dayonly)
      $U train "configs/ude/student_${stage}_tiny_synth.py"
      $U ude export "work_dirs/student_${stage}_tiny_synth" --name "ude_student_${stage}_tiny_synth" \
        --eval-split synth-day --eval-split synth-night --eval-limit 50 ;;
    *) echo "unknown stage $stage (teacher, rgd, nomask, dayonly)" >&2; exit 2 ;;
  esac
done
