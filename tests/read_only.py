"""Run a command as a process that cannot write read-only files, even when the tests run as root.

Root writes any file whatever its mode (CAP_DAC_OVERRIDE). ``setpriv`` drops that capability (and its
relatives) for the child, which then obeys file modes like any user; as another user the command runs
unchanged.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

DROPPED = "-dac_override,-dac_read_search,-fowner"


def make_read_only(*paths: Path) -> None:
    """Remove every write bit of ``paths`` (files and folders)."""
    for path in paths:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def run_unprivileged(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run(command)`` without root's right to write read-only files."""
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a file read-only for a child process")
        command = [setpriv, f"--inh-caps={DROPPED}", f"--bounding-set={DROPPED}", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    if "setpriv:" in done.stderr:
        pytest.skip(f"setpriv cannot drop capabilities here: {done.stderr.strip()}")
    return done
