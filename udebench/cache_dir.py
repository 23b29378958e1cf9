"""Where udebench keeps what it can make again (synth frames, translated splits), and how files appear there.

The root is an explicit ``cache_dir``, else ``$UDEBENCH_CACHE``, else ``~/.cache/udebench``. Files
appear with ``os.replace`` of a finished temporary file in the same folder, so a reader (another
process, a DataLoader worker) never sees half a file and a killed writer leaves only a stray temp file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

CACHE_ENV = "UDEBENCH_CACHE"


def cache_base(cache_dir: str | os.PathLike | None = None) -> Path:
    """``cache_dir``, else ``$UDEBENCH_CACHE``, else ``~/.cache/udebench`` (not created here)."""
    base = cache_dir or os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "udebench"
    return Path(base).expanduser()


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` through a temporary file in its folder (``write(fh)``), then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
