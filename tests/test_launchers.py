"""How a process learns its place in a distributed run: torchrun's variables, or Slurm's turned into them."""

from __future__ import annotations

import os
import stat

import pytest

from udebench.engine.distributed import ProcessGroup, _slurm_to_torch_env
from udebench.errors import UdebenchError

TORCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*TORCH_VARS, "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NODELIST"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_slurm_task_variables_become_torchs_with_the_first_node_as_master(clean_env, tmp_path):
    scontrol = tmp_path / "scontrol"  # what `scontrol show hostnames gpu[07-08]` prints
    scontrol.write_text("#!/bin/sh\nprintf 'gpu07\\ngpu08\\n'\n")
    scontrol.chmod(scontrol.stat().st_mode | stat.S_IEXEC)
    clean_env.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    for name, value in {"SLURM_PROCID": "5", "SLURM_NTASKS": "8", "SLURM_LOCALID": "1",
                        "SLURM_NODELIST": "gpu[07-08]"}.items():
        clean_env.setenv(name, value)
    _slurm_to_torch_env()
    assert {name: os.environ[name] for name in TORCH_VARS} == {
        "RANK": "5", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "MASTER_ADDR": "gpu07", "MASTER_PORT": "29500"}


def test_slurm_launcher_outside_an_allocation_is_one_line(clean_env):
    with pytest.raises(UdebenchError, match="--launcher slurm: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, "
                                            "SLURM_NODELIST not set; run the command with srun"):
        _slurm_to_torch_env()


def test_each_rank_of_a_distributed_run_takes_the_gpu_of_its_local_rank():
    assert ProcessGroup(rank=5, world_size=8, local_rank=1).device("cuda") == "cuda:1"
    assert ProcessGroup(rank=5, world_size=8, local_rank=1).device("cuda:0") == "cuda:0"  # an explicit GPU is kept
    assert ProcessGroup().device("cuda") == "cuda"
    assert ProcessGroup(rank=1, world_size=2).device("cpu") == "cpu"
