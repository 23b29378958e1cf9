#!/usr/bin/env bash
# Evaluates the shipped UDE models on the five synth splits and writes leaderboards/synth.{md,csv,html}
# plus the exported results they came from (leaderboards/synth-results.json).
set -euo pipefail
cd "$(dirname "$0")/.."
U=${UDEBENCH:-.venv/bin/udebench}
W=plugins/udebench-ude/udebench_ude/weights
STORE=${STORE:-udebench-results/synth-leaderboard.sqlite}
SPLITS="synth-day synth-night synth-rain synth-fog synth-snow"
ADVERSE="synth-night,synth-rain,synth-fog,synth-snow"

for split in $SPLITS; do
  $U evaluate --model ude_teacher --split "$split" --results "$STORE" --no-progress > /dev/null
  $U evaluate --model ude_student --split "$split" --results "$STORE" --no-progress > /dev/null
  for ablation in nomask dayonly; do
    $U evaluate --model ude_student --weights "$W/ude_student_${ablation}_tiny_synth.safetensors" --tag "$ablation" \
      --split "$split" --results "$STORE" --no-progress > /dev/null
  done
  $U evaluate --model ground_plane --split "$split" --results "$STORE" --no-progress > /dev/null
done

mkdir -p leaderboards
common=(--results "$STORE" --splits "${SPLITS// /,}" --metrics abs_rel,rmse,a1 --mean-over "$ADVERSE")
$U leaderboard "${common[@]}" --format md --title "udebench synth leaderboard" --output leaderboards/synth.md
$U leaderboard "${common[@]}" --format csv --output leaderboards/synth.csv
$U leaderboard "${common[@]}" --format html --title "udebench synth leaderboard" --output leaderboards/synth.html
$U results export --results "$STORE" --format json --output leaderboards/synth-results.json
echo "wrote leaderboards/synth.{md,csv,html} and leaderboards/synth-results.json"
