# Fresh machine: `make demo` (install + main job on synth), `make test` (install + whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -c constraints.txt
PLUGINS := $(wildcard plugins/*/pyproject.toml)
DEMO_MODEL ?= ude_student
DEMO_SPLIT ?= synth-night

.PHONY: install browser demo test test-fast lint bench train-ude leaderboard-synth leaderboard-synth-evaluate \
	experiment-synth report-experiment clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt $(PLUGINS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(PIP) -q torch==2.13.0
	$(PIP) -q -e ".[dev]" $(foreach p,$(PLUGINS),-e $(dir $(p)))
	touch $@

demo: install
	$(BIN)/udebench synth preview --output udebench-results/synth-preview.png --scenes 3
	$(BIN)/udebench evaluate --model $(DEMO_MODEL) --split $(DEMO_SPLIT)

# The report's browser test needs Debian's chromium; installed when absent (root, as on CI), else the test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "could not install chromium: the report's browser test will be skipped (it fails on CI)"

test: install browser
	HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

test-fast: install
	HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_metrics.py
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_harness.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_ude_train_speed.py
	$(BIN)/python benchmarks/bench_leaderboard.py

# Reproduces the shipped UDE weights (teacher, RGD student, two ablations); resumable.
train-ude: install
	scripts/train_ude_synth.sh

# leaderboards/synth.{md,csv,html} and synth-report.html, rebuilt from the committed export synth-results.json.gz.
leaderboard-synth: install
	scripts/synth_leaderboard.sh

# Evaluates the shipped models on synth-{day,night,rain,fog,snow} (resumable), re-exports, then as above.
leaderboard-synth-evaluate: install
	scripts/synth_leaderboard.sh all

# The synth experiment (issue 15): SSL teacher, then every arm × 3 seeds of both tracks, two jobs at a time; resumable.
experiment-synth: install
	scripts/synth_experiment.sh
	$(MAKE) report-experiment

# The arms × seeds table with intervals and the claim. With the experiment's store here, it is exported first
# (per image, gzip) and the mask statistics are read from the work dirs; a fresh clone rebuilds the committed
# tables from the committed export and mask statistics alone.
EXPERIMENT_STORE = udebench-results/experiment-synth.sqlite
report-experiment: install
	test ! -f $(EXPERIMENT_STORE) || $(BIN)/udebench results export --results $(EXPERIMENT_STORE) --format json \
		--output leaderboards/experiment-synth-results.json.gz
	$(BIN)/python benchmarks/synth_experiment_report.py --export leaderboards/experiment-synth-results.json.gz \
		$$(test -d work_dirs/experiment && echo --work-dirs work_dirs/experiment) --output-dir leaderboards > /dev/null

clean:
	rm -rf $(VENV) udebench-results .pytest_cache
