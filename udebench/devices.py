"""Which torch device a run uses: the user's choice, checked, else CUDA when present, else the CPU."""

from __future__ import annotations

from udebench.errors import UdebenchError


def resolve_device(device: str | None) -> str:
    """``device`` if given (checked: a known device type, present on this machine), else ``cuda`` or ``cpu``.

    A wrong name (``gpu``, ``cuda:7`` on a one-GPU machine) is a one-line :class:`UdebenchError`.
    """
    import torch

    if not device:
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise UdebenchError(f"--device {device!r}: not a torch device; use cpu, cuda or cuda:N") from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise UdebenchError(f"--device {device}: CUDA is not available on this machine")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise UdebenchError(f"--device {device}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    elif parsed.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise UdebenchError(f"--device {device}: MPS is not available on this machine")
    elif parsed.type not in ("cpu", "cuda", "mps"):
        raise UdebenchError(f"--device {device!r}: udebench runs on cpu, cuda or mps")
    return str(parsed)
