# Fresh machine: `make demo` (install + main job on synth), `make test` (install + whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -c constraints.txt
PLUGINS := $(wildcard plugins/*/pyproject.toml)
DEMO_MODEL ?= ude_student
DEMO_SPLIT ?= synth-night

.PHONY: install demo test test-fast lint bench train-ude leaderboard-synth clean

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

test: install
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

# Reproduces the shipped UDE weights (teacher, RGD student, two ablations); resumable.
train-ude: install
	scripts/train_ude_synth.sh

# Evaluates the shipped models on synth-{day,night,rain,fog,snow}; writes leaderboards/synth.*
leaderboard-synth: install
	scripts/synth_leaderboard.sh

clean:
	rm -rf $(VENV) udebench-results .pytest_cache
