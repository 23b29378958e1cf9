"""The one exception users see as a single line (no traceback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class UdebenchError(Exception):
    """A user error: wrong name, missing data, bad file. The CLI prints it as one line."""


class UdebenchWarning(UserWarning):
    """Something users should know that does not stop the command; the CLI prints it as one line."""


class UnknownNameError(UdebenchError, LookupError):
    """A model/split/metric/... name that nobody registered."""


class DuplicateNameError(UdebenchError):
    """Two plugins registered the same name."""


class DataNotFoundError(UdebenchError, FileNotFoundError):
    """A split's data is not where it should be."""


class CorruptSampleError(UdebenchError):
    """A sample's file could not be read."""


class MetricError(UdebenchError, ValueError):
    """A metric function (usually a plugin's) raised, or returned something other than one value per image."""


def one_line_errors(f: F) -> F:
    """Turn a :class:`UdebenchError` into click's one-line ``Error: ...`` (exit 1), with or without the main CLI."""

    @wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import click

        try:
            return f(*args, **kwargs)
        except UdebenchError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


@contextmanager
def one_line_warnings() -> Iterator[None]:
    """Within this block a :class:`UdebenchWarning` prints as ``Warning: ...`` on stderr, one line, no source line."""
    import warnings

    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001 - warnings' signature
        if issubclass(category, UdebenchWarning):
            import click

            click.echo(f"Warning: {message}", err=True)
        else:
            original(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = original


def unknown_name(kind: str, name: str, known: list[str] | tuple[str, ...] | dict) -> UnknownNameError:
    """The error for a ``kind`` (plural: "models") called ``name`` that nobody registered, naming close ones."""
    import difflib

    known = list(known)
    close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    listing = f" (known: {', '.join(sorted(known))})" if len(known) <= 12 or not close else ""
    return UnknownNameError(f"unknown {kind[:-1]} {name!r}{hint}{listing}; `udebench list {kind}` shows them all")
