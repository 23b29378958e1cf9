"""``udebench new-plugin``: a new plugin distribution written from templates, ready to install and test.

:func:`plugin_files` is pure (name → file texts); :func:`write_plugin` puts them on disk.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template

from udebench.errors import UdebenchError

__all__ = ["PluginNames", "plugin_files", "plugin_names", "write_plugin"]

NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
PREFIX = "udebench-"


@dataclass(frozen=True)
class PluginNames:
    """Every name the scaffold derives from the plugin's NAME (e.g. ``foggy``)."""

    name: str  # foggy
    distribution: str  # udebench-foggy (what pip installs)
    package: str  # udebench_foggy (what Python imports)
    entry_point: str  # foggy (its name under [project.entry-points.udebench]; UDEBENCH_LOAD_PLUGINS takes it)
    model: str  # foggy
    metric: str  # foggy_far_abs_rel
    translator: str  # foggy (conditions: dusk; split names like synth-day@foggy-dusk)
    weights_env: str  # UDEBENCH_FOGGY_WEIGHTS
    udebench_version: str


def plugin_names(name: str) -> PluginNames:
    """The names of plugin ``name`` (``foggy`` or ``udebench-foggy``); a one-line error for an unusable name."""
    from udebench import __version__

    short = name[len(PREFIX):] if name.startswith(PREFIX) else name
    if not NAME_PATTERN.fullmatch(short):
        raise UdebenchError(f"new-plugin {name!r}: use lowercase letters and digits, words joined by - or _, "
                            "starting with a letter (e.g. foggy-depth)")
    ident = short.replace("-", "_")
    return PluginNames(name=short, distribution=PREFIX + short, package=f"udebench_{ident}", entry_point=ident,
                       model=ident, metric=f"{ident}_far_abs_rel", translator=ident,
                       weights_env=f"UDEBENCH_{ident.upper()}_WEIGHTS", udebench_version=__version__)


def plugin_files(names: PluginNames) -> dict[str, str]:
    """Relative path → text of every file of the new distribution."""
    from udebench.scaffold.templates import FILES

    values = asdict(names)
    return {Template(path).substitute(values): Template(text).substitute(values) for path, text in FILES.items()}


def write_plugin(name: str, output: str | Path = ".") -> Path:
    """Write plugin ``name`` into ``output/udebench-<name>``; refuses to touch a folder that is not empty."""
    names = plugin_names(name)
    root = Path(output) / names.distribution
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UdebenchError(f"new-plugin: {root} already exists and is not empty; choose another --output or NAME")
    for relative, text in plugin_files(names).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
