"""Several processes, one evaluation: the process group, and what only rank 0 does.

``torchrun ... -m udebench evaluate ... --launcher pytorch`` (or ``srun ... --launcher slurm``) starts
N copies of the command. Each evaluates its share of the pending samples (mmengine's ``DefaultSampler``);
rank 0 alone opens the results store and writes the rows of every rank, gathered batch by batch. So the
store needs no shared filesystem, SQLite always has one writer, and a Ctrl-C or a killed job loses at
most the batch in flight. docs/distributed.md gives the recipes.

Backends: NCCL when the run is on CUDA (through mmengine's ``init_dist``, which also picks the rank's
GPU), gloo on CPU (``torch.distributed`` directly: mmengine's ``init_dist`` calls ``torch.cuda.set_device``
even for gloo, which fails on CPU-only torch builds).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from udebench.errors import UdebenchError

#: ``--launcher`` values: one process, torchrun (or any launcher that sets RANK/WORLD_SIZE), Slurm's srun.
LAUNCHERS: tuple[str, ...] = ("none", "pytorch", "slurm")
TORCH_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
DEFAULT_PORT = "29500"

T = TypeVar("T")


@dataclass(frozen=True)
class ProcessGroup:
    """This process's place in the run: rank, world size and local rank (the GPU it uses on its node)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that owns the results store and prints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def device(self, device: str) -> str:
        """A bare ``cuda`` becomes this rank's GPU, ``cuda:<local rank>``; anything else is kept."""
        return f"cuda:{self.local_rank}" if self.distributed and device == "cuda" else device

    def from_main(self, fn: Callable[[], T]) -> T:
        """``fn()`` run on rank 0 only, its result sent to every rank; its error raised on every rank.

        Without this an error on rank 0 (a read-only store, say) would leave the other ranks
        waiting for a message that never comes.
        """
        if not self.distributed:
            return fn()
        import torch.distributed as dist

        message: list[Any] = [None]
        failure: BaseException | None = None
        if self.is_main:
            try:
                message[0] = ("ok", fn())
            except Exception as exc:  # sent on, then raised here too
                failure = exc
                message[0] = ("error", str(exc) if isinstance(exc, UdebenchError) else f"{type(exc).__name__}: {exc}")
        dist.broadcast_object_list(message, src=0)
        kind, value = message[0]
        if failure is not None:
            raise failure
        if kind == "error":
            raise UdebenchError(f"rank 0: {value}")
        return value

    def gather(self, obj: T) -> list[T]:
        """Every rank's ``obj``, in rank order, on every rank (one collective: all ranks must call it)."""
        if not self.distributed:
            return [obj]
        import torch.distributed as dist

        out: list[Any] = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out


SINGLE = ProcessGroup()


@contextmanager
def process_group(launcher: str, device: str | None = None) -> Iterator[ProcessGroup]:
    """Join the run's process group for ``launcher`` (nothing for ``none``); leave it on exit if we made it.

    ``device`` (the user's ``--device``; None = CUDA when present) chooses the backend: NCCL on CUDA,
    gloo otherwise.
    """
    if launcher == "none":
        yield SINGLE
        return
    if launcher not in LAUNCHERS:
        raise UdebenchError(f"--launcher {launcher!r}: choose one of {', '.join(LAUNCHERS)}")
    import torch
    import torch.distributed as dist

    created = False
    if not dist.is_initialized():
        if launcher == "slurm":
            _slurm_to_torch_env()
        _require_torch_env(launcher)
        on_cuda = (device or ("cuda" if torch.cuda.is_available() else "cpu")).startswith("cuda")
        if on_cuda:
            from mmengine.dist import init_dist

            init_dist("pytorch", backend="nccl")
        else:
            dist.init_process_group(backend="gloo")
        created = True
    group = ProcessGroup(rank=dist.get_rank(), world_size=dist.get_world_size(),
                         local_rank=int(os.environ.get("LOCAL_RANK", "0")))
    try:
        yield group
    finally:
        if created and dist.is_initialized():
            dist.destroy_process_group()


def _require_torch_env(launcher: str) -> None:
    missing = [name for name in TORCH_ENV if name not in os.environ]
    if missing:
        how = ("start it under torchrun: torchrun --nproc-per-node N -m udebench evaluate ... --launcher pytorch"
               if launcher == "pytorch" else "start it with srun inside a Slurm allocation")
        raise UdebenchError(f"--launcher {launcher}: {', '.join(missing)} not set; {how} (docs/distributed.md)")


def _slurm_to_torch_env() -> None:
    """RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT from srun's variables (as mmengine's Slurm launcher)."""
    needed = ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NODELIST")
    missing = [name for name in needed if name not in os.environ]
    if missing:
        raise UdebenchError(f"--launcher slurm: {', '.join(missing)} not set; run the command with srun "
                            "inside a Slurm allocation (docs/distributed.md)")
    os.environ.setdefault("RANK", os.environ["SLURM_PROCID"])
    os.environ.setdefault("WORLD_SIZE", os.environ["SLURM_NTASKS"])
    os.environ.setdefault("LOCAL_RANK", os.environ["SLURM_LOCALID"])
    os.environ.setdefault("MASTER_PORT", DEFAULT_PORT)
    if "MASTER_ADDR" not in os.environ:
        os.environ["MASTER_ADDR"] = _first_host(os.environ["SLURM_NODELIST"])


def _first_host(node_list: str) -> str:
    """The first host of a Slurm node list ("node[01-04]" -> "node01"), through ``scontrol``."""
    try:
        out = subprocess.run(["scontrol", "show", "hostnames", node_list], capture_output=True, text=True,
                             check=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError) as exc:
        raise UdebenchError(f"--launcher slurm: cannot expand SLURM_NODELIST={node_list!r} with scontrol ({exc}); "
                            "set MASTER_ADDR to the first node's address") from exc
    if not out:
        raise UdebenchError(f"--launcher slurm: scontrol listed no host for {node_list!r}; set MASTER_ADDR")
    return out[0]
