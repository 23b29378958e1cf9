#!/usr/bin/env bash
# The synth leaderboard, in two steps:
#   evaluate  evaluates the shipped models on synth-{day,night,rain,fog,snow} into $STORE and exports the runs,
#             per image, to leaderboards/synth-results.json.gz (minutes on CPU; resumable);
#   tables    imports that export into a fresh store and writes leaderboards/synth.{md,csv,html} (means, 95 %
#             bootstrap intervals, mCE/mRR against $REFERENCE);
#   report    the same, then leaderboards/synth-report.html (re-predicts a few images with each model).
# No argument: tables and report (what `make leaderboard-synth` runs); `all`: evaluate, then tables and report.
# Whatever export is committed, tables and report are rebuilt from it alone (a test checks the tables).
set -euo pipefail
cd "$(dirname "$0")/.."
U=${UDEBENCH:-$PWD/.venv/bin/udebench}
W=plugins/udebench-ude/udebench_ude/weights
STORE=${STORE:-udebench-results/synth-leaderboard.sqlite}
EXPORT=${EXPORT:-leaderboards/synth-results.json.gz}
OUT=${OUT:-leaderboards}
REFERENCE=${REFERENCE:-ude_teacher}   # the mCE reference row: the clean-trained teacher
SPLITS="synth-day,synth-night,synth-rain,synth-fog,synth-snow"
ADVERSE="synth-night,synth-rain,synth-fog,synth-snow"
TITLE="udebench synth leaderboard"

evaluate() {
  for split in ${SPLITS//,/ }; do
    $U evaluate --model ude_teacher --split "$split" --results "$STORE" --no-progress > /dev/null
    $U evaluate --model ude_student --split "$split" --results "$STORE" --no-progress > /dev/null
    for ablation in nomask dayonly; do
      $U evaluate --model ude_student --weights "$W/ude_student_${ablation}_tiny_synth.safetensors" --tag "$ablation" \
        --split "$split" --results "$STORE" --no-progress > /dev/null
    done
    $U evaluate --model ground_plane --split "$split" --results "$STORE" --no-progress > /dev/null
    # the self-supervised track (issue 15) and the competitors' networks trained here on synth: their rows
    # carry § (the model card's trained_here), so they are never read as the authors' published weights
    for model in ude_teacher_ssl ude_student_ssl monodepth2 md4all; do
      $U evaluate --model "$model" --split "$split" --results "$STORE" --no-progress > /dev/null
    done
  done
  $U results export --results "$STORE" --format json --output "$EXPORT"
}

# A fresh store from the export, in a folder of its own: tables name their source by its file name only.
fresh_store() {
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  $U results import "$EXPORT" --results "$WORK/synth-results.sqlite" > /dev/null
  mkdir -p "$OUT"
  OUT_ABS=$(cd "$OUT" && pwd)
}

tables() {
  local common=(--results synth-results.sqlite --splits "$SPLITS" --metrics abs_rel,a1 --mean-over "$ADVERSE"
                --robustness --reference "$REFERENCE" --ci)
  (cd "$WORK" && $U leaderboard "${common[@]}" --format md --title "$TITLE" --output "$OUT_ABS/synth.md")
  (cd "$WORK" && $U leaderboard "${common[@]}" --format csv --output "$OUT_ABS/synth.csv")
  (cd "$WORK" && $U leaderboard "${common[@]}" --format html --counts --title "$TITLE" --output "$OUT_ABS/synth.html")
}

report() {
  local weights=()
  for file in "$PWD/$W"/*.safetensors "$PWD"/plugins/udebench-baselines/udebench_baselines/weights/*.safetensors; do
    [ -f "$file" ] && weights+=(--weights "$file")  # tagged runs: matched by sha256
  done
  (cd "$WORK" && $U report --results synth-results.sqlite --splits "$SPLITS" --metrics abs_rel,a1 \
    --mean-over "$ADVERSE" --reference "$REFERENCE" "${weights[@]}" --no-progress \
    --title "udebench synth report" --output "$OUT_ABS/synth-report.html")
}

case "${1:-}" in
  evaluate) evaluate ;;
  tables) fresh_store; tables ;;
  report) fresh_store; report ;;
  all) evaluate; fresh_store; tables; report ;;
  "") fresh_store; tables; report ;;
  *) echo "usage: $0 [evaluate|tables|report|all]" >&2; exit 2 ;;
esac
