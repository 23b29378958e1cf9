"""Distributed evaluation: real torchrun launches of 2 CPU processes (gloo) against a single-process run.

The reference is the same command in one process: with 2 ranks every sample is read by exactly one
rank, stored once, and the per-sample rows and the summary equal the single process's bit for bit;
a run interrupted in one process resumes with 2.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("udebench_ude")
pytestmark = pytest.mark.slow

ENTRY = Path(__file__).with_name("distributed_entry.py")
LIMIT = 7  # odd, so rank 0 has one sample (and, at batch size 2, one batch) more than rank 1
EVALUATE = ["evaluate", "--model", "ude_student", "--split", "logged-night", "--limit", str(LIMIT),
            "--batch-size", "2", "--num-workers", "0", "--json", "--no-progress"]


def _env(log_dir: Path) -> dict[str, str]:
    env = dict(os.environ, UDEBENCH_LOAD_PLUGINS="udebench-ude", UDEBENCH_TEST_LOG=str(log_dir),
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("RANK", None)
    return env


def _run(command: list[str], log_dir: Path) -> dict:
    log_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(command, env=_env(log_dir), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, done.stdout  # only rank 0 prints the summary
    return json.loads(lines[0])


def single(results: Path, log_dir: Path) -> dict:
    return _run([sys.executable, str(ENTRY), *EVALUATE, "--results", str(results)], log_dir)


def torchrun(results: Path, log_dir: Path, nproc: int = 2) -> dict:
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc), "--master-port",
               str(_free_port()), str(ENTRY), *EVALUATE, "--results", str(results), "--launcher", "pytorch"]
    return _run(command, log_dir)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reads(log_dir: Path) -> dict[str, list[int]]:
    """Sample indices each rank read, by log file name."""
    return {path.stem: [int(line) for line in path.read_text().split()] for path in sorted(log_dir.glob("*.txt"))}


def stored_rows(results: Path) -> list[tuple]:
    with sqlite3.connect(results) as conn:
        return conn.execute("SELECT sample_id, idx, status, metrics_json FROM samples ORDER BY idx").fetchall()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The single-process run: its summary and its store."""
    folder = tmp_path_factory.mktemp("single")
    summary = single(folder / "single.sqlite", folder / "log")
    return summary, folder / "single.sqlite"


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    """The same run on 2 ranks: its summary, its store and its read logs."""
    folder = tmp_path_factory.mktemp("two_ranks")
    summary = torchrun(folder / "r.sqlite", folder / "log")
    return summary, folder / "r.sqlite", folder / "log"


def test_two_ranks_read_each_sample_exactly_once(two_ranks):
    _, _, log_dir = two_ranks
    assert reads(log_dir) == {"rank0": [0, 2, 4, 6], "rank1": [1, 3, 5]}  # DefaultSampler: rank r takes r, r + 2, ...


def test_two_ranks_store_each_sample_once_with_the_single_process_numbers(reference, two_ranks):
    summary, single_store = reference
    distributed, results, _ = two_ranks
    assert len(stored_rows(results)) == LIMIT
    assert stored_rows(results) == stored_rows(single_store)
    assert distributed["metrics"] == summary["metrics"]  # exactly: same per-sample floats, fsum means
    assert distributed["n_samples"] == summary["n_samples"] == LIMIT


def test_a_run_interrupted_in_one_process_resumes_on_two_and_equals_the_uninterrupted_run(reference, tmp_path):
    summary, single_store = reference
    results = tmp_path / "r.sqlite"
    shutil.copy(single_store, results)
    with sqlite3.connect(results) as conn:  # what an interruption after two batches leaves behind
        conn.execute("DELETE FROM samples WHERE idx >= 4")
        conn.execute("UPDATE runs SET status='interrupted'")
    resumed = torchrun(results, tmp_path / "log")
    assert sorted(i for indices in reads(tmp_path / "log").values() for i in indices) == [4, 5, 6]
    assert resumed["metrics"] == summary["metrics"]
    assert stored_rows(results) == stored_rows(single_store)
    with sqlite3.connect(results) as conn:
        assert conn.execute("SELECT status FROM runs").fetchall() == [("complete",)]
