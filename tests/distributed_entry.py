"""The ``udebench`` command as torchrun starts it in the distributed tests, plus one logging split.

``torchrun --nproc-per-node 2 tests/distributed_entry.py evaluate ... --launcher pytorch`` is
``torchrun ... -m udebench evaluate ...`` with ``logged-night`` registered: synth-night, where every
sample a process reads is appended to ``$UDEBENCH_TEST_LOG/rank<RANK>.txt``, so a test can check
that each sample was read by exactly one rank.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from udebench import get_split, hookimpl, plugins
from udebench.evaluation.protocol_spec import Protocol
from udebench.specs import SplitSpec

LOG_ENV = "UDEBENCH_TEST_LOG"


class LoggedSplit:
    """synth-night, logging each index read."""

    def __init__(self) -> None:
        self.inner = get_split("synth-night")
        self.sample_ids = self.inner.sample_ids
        self.log = Path(os.environ[LOG_ENV]) / f"rank{os.environ.get('RANK', '0')}.txt"

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, index: int):
        with self.log.open("a") as fh:
            fh.write(f"{index}\n")
        return self.inner[index]


class LoggedSplitPlugin:
    @hookimpl
    def register_splits(self, register):
        register(SplitSpec(name="logged-night", factory=lambda data_root=None: LoggedSplit(), dataset="synth",
                           condition="night", protocol=Protocol(min_depth=0.1, max_depth=80.0)))


if __name__ == "__main__":
    plugins.register_plugin(LoggedSplitPlugin(), name="logged-split")
    from udebench.cli import main

    sys.argv[0] = "udebench"
    main()
