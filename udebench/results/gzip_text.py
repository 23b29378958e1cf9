"""Results exports as text files, gzip-compressed when the name ends in ``.gz`` (CLI and scripts share these)."""

from __future__ import annotations

from pathlib import Path

from udebench.errors import UdebenchError


def write_text_maybe_gzip(path: Path, text: str) -> None:
    """``text`` into ``path``, gzip-compressed when the name ends in ``.gz`` (no timestamp: same text, same bytes)."""
    if path.suffix != ".gz":
        path.write_text(text, encoding="utf-8")
        return
    import gzip

    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(text.encode("utf-8"))


def read_text_maybe_gzip(path: Path) -> str:
    """The text of ``path``, decompressed when it is gzip (whatever its name); errors without the path."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        import gzip

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise UdebenchError(f"a damaged gzip file ({exc})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UdebenchError("not a udebench results export (not UTF-8 text)") from exc
