"""Ctrl-C during an evaluation with DataLoader workers: one line, finished batches kept, the run resumes.

A terminal's Ctrl-C sends SIGINT to every process of its group, the DataLoader workers too. Workers
used to hand tensors to the main process as file descriptors through ``multiprocessing.resource_sharer``;
a Ctrl-C in the middle of that handshake printed a traceback (about 1 run in 29). Batches now cross
the process boundary as numpy arrays (by value) and workers leave SIGINT to the main process.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
from torch.utils.data import DataLoader

from udebench.engine.dataset import SplitDataset, collate_samples
from udebench.engine.evaluate import ignore_interrupts


class SignalReportingSplit:
    """Two tiny samples whose id says how the reading process handles SIGINT."""

    sample_ids = ["a", "b"]

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> dict:
        handler = signal.getsignal(signal.SIGINT)
        return {"sample_id": "ignores" if handler == signal.SIG_IGN else "handles", "condition": "day",
                "image": np.zeros((4, 6, 3), np.uint8), "depth": np.ones((4, 6), np.float32),
                "intrinsics": np.eye(3)}


def test_workers_send_numpy_batches_and_leave_ctrl_c_to_the_main_process():
    loader = DataLoader(SplitDataset(SignalReportingSplit(), [0, 1]), batch_size=2, num_workers=1,
                        collate_fn=collate_samples, worker_init_fn=ignore_interrupts)
    [batch] = list(loader)
    assert batch["sample_ids"] == ["ignores", "ignores"]
    assert all(isinstance(batch[key], np.ndarray) for key in ("images", "intrinsics"))
    assert all(isinstance(gt, (np.ndarray, tuple)) for gt in batch["depth"])  # a dense map or numpy points


def _stored(results) -> int:
    try:
        with sqlite3.connect(f"file:{results}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_ctrl_c_with_workers_prints_one_line_keeps_batches_and_resumes(tmp_path):
    pytest.importorskip("udebench_example")
    results = tmp_path / "r.sqlite"
    command = [sys.executable, "-m", "udebench", "evaluate", "--model", "ground_plane", "--split", "synth-fog",
               "--limit", "200", "--batch-size", "2", "--num-workers", "2", "--no-progress", "--json",
               "--results", str(results)]
    env = dict(os.environ, UDEBENCH_LOAD_PLUGINS="udebench-example")
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True,  # its own group, as a terminal's foreground job
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while _stored(results) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: every process of the group
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines() == ["interrupted: finished batches are stored; run the same command again to "
                                        "resume"]
    with sqlite3.connect(results) as conn:
        assert conn.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    kept = _stored(results)
    assert kept >= 2

    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert _stored(results) == 200
