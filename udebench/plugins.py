"""The plugin manager: built-ins and entry points (group "udebench"), loaded lazily, once."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import pluggy

from udebench import hookspecs
from udebench.errors import DuplicateNameError, UdebenchError
from udebench.specs import (
    DatasetSpec,
    MetricSpec,
    ModelSpec,
    Registered,
    SplitSpec,
    TrainerSpec,
    TranslatorSpec,
    name_problem,
)

ENTRY_POINT_GROUP = "udebench"

#: built-in plugins: registered through the same hooks a third party uses.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "udebench.evaluation.builtin",
    "udebench.data.synth.hooks",
    "udebench.data.nuscenes.hooks",
    "udebench.data.robotcar.hooks",
    "udebench.data.drivingstereo.hooks",
    "udebench.data.kitti.hooks",
    "udebench.data.kitti_c.hooks",
    "udebench.data.hf.hooks",
)

#: hook name -> (kind label, spec class it must register)
KINDS: dict[str, tuple[str, type]] = {
    "register_models": ("models", ModelSpec),
    "register_datasets": ("datasets", DatasetSpec),
    "register_splits": ("splits", SplitSpec),
    "register_translators": ("translators", TranslatorSpec),
    "register_trainers": ("trainers", TrainerSpec),
    "register_metrics": ("metrics", MetricSpec),
}

pm = pluggy.PluginManager("udebench")
pm.add_hookspecs(hookspecs)

_loaded = False
_registry_cache: dict[str, dict[str, Registered]] | None = None
BUILTIN = "udebench (built-in)"


def _wanted() -> set[str] | None:
    raw = os.environ.get("UDEBENCH_LOAD_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


_providers: dict[str, str] = {}


def load_plugins() -> pluggy.PluginManager:
    """Register built-ins and installed entry points the first time it is called."""
    global _loaded
    if _loaded:
        return pm
    for module_name in DEFAULT_PLUGINS:
        if not pm.has_plugin(module_name):
            pm.register(importlib.import_module(module_name), name=module_name)
            _providers[module_name] = BUILTIN
    from importlib.metadata import entry_points

    wanted = _wanted()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist_name = ep.dist.name if ep.dist is not None else ep.name
        if wanted is not None and ep.name not in wanted and dist_name not in wanted:
            continue
        if pm.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # stop with one line naming the plugin, rather than run without it unnoticed
            raise UdebenchError(f"plugin {ep.name!r} (distribution {dist_name}) failed to import: {exc}") from exc
        pm.register(plugin, name=ep.name)
        version = ep.dist.version if ep.dist is not None else "?"
        _providers[ep.name] = f"{dist_name}=={version}"
    _loaded = True  # only once everything imported: a failed import is raised again, not hidden
    return pm


def provider_of(plugin: object) -> str:
    """The distribution that shipped ``plugin`` (name==version), or its registered name."""
    name = pm.get_name(plugin) or repr(plugin)
    return _providers.get(name, name)


def _collect() -> dict[str, dict[str, Registered]]:
    load_plugins()
    registry: dict[str, dict[str, Registered]] = {kind: {} for kind, _ in KINDS.values()}
    for hook_name, (kind, spec_cls) in KINDS.items():
        hook = getattr(pm.hook, hook_name)
        for impl in hook.get_hookimpls():
            provider = provider_of(impl.plugin)
            impl.function(register=_registrar(registry[kind], kind, spec_cls, provider))
    return registry


def _registrar(table: dict[str, Registered], kind: str, spec_cls: type, provider: str) -> Callable[[Any], None]:
    def register(spec: Any) -> None:
        if not isinstance(spec, spec_cls):
            got = type(spec).__name__
            raise TypeError(f"plugin {provider}: register_{kind} expects {spec_cls.__name__}, got {got}")
        problem = name_problem(spec.name)
        if problem:
            raise UdebenchError(f"plugin {provider}: {kind[:-1]} name {spec.name!r} {problem}")
        if spec.name in table:
            other = table[spec.name].provider
            raise DuplicateNameError(
                f"{kind[:-1]} {spec.name!r} is registered twice: by {other} and by {provider}; "
                "uninstall one or limit loading with UDEBENCH_LOAD_PLUGINS"
            )
        table[spec.name] = Registered(spec=spec, provider=provider)

    return register


def registry() -> dict[str, dict[str, Registered]]:
    """kind -> name -> Registered, built once per process (call :func:`refresh` after (un)registering)."""
    global _registry_cache
    if _registry_cache is None:
        _registry_cache = _collect()
    return _registry_cache


def refresh() -> None:
    """Forget the collected registry, e.g. after a test registered a plugin."""
    global _registry_cache
    _registry_cache = None


def register_plugin(plugin: object, name: str | None = None) -> None:
    """Register a plugin object at run time (tests, notebooks)."""
    load_plugins()
    pm.register(plugin, name=name)
    refresh()


def unregister_plugin(plugin: object) -> None:
    pm.unregister(plugin)
    refresh()


def loaded_plugins() -> list[dict[str, Any]]:
    """For ``udebench plugins``: each provider (distribution), its modules, hooks and registrations."""
    reg = registry()
    rows: dict[str, dict[str, Any]] = {}

    def row(provider: str) -> dict[str, Any]:
        return rows.setdefault(provider, {"provider": provider, "modules": [], "hooks": [], "registered": {}})

    for plugin in pm.get_plugins():
        entry = row(provider_of(plugin))
        entry["modules"].append(pm.get_name(plugin))
        entry["hooks"] = sorted(set(entry["hooks"]) | {h.name for h in pm.get_hookcallers(plugin) or []})
    for kind, table in reg.items():
        for name, registered in table.items():
            row(registered.provider)["registered"].setdefault(kind, []).append(name)
    for entry in rows.values():
        entry["modules"].sort()
    return sorted(rows.values(), key=lambda r: (r["provider"] != BUILTIN, r["provider"]))


def lookup(kind: str, name: str) -> Any:
    """The spec registered as ``name`` under ``kind``; an unknown name lists the close ones."""
    table = registry()[kind]
    if name in table:
        return table[name].spec
    from udebench.errors import unknown_name

    raise unknown_name(kind, name, table)


def provider_of_name(kind: str, name: str) -> str | None:
    """The distribution (``name==version``) that registered ``name`` under ``kind``; None if nobody did."""
    entry = registry()[kind].get(name)
    return entry.provider if entry is not None else None


def split_spec(name: str) -> Any:
    """A registered split, or a translated one named ``<source>@<translator>-<condition>``."""
    if "@" in name and name not in registry()["splits"]:
        from udebench.translate.split import translated_split_spec  # imports nothing of this module: no cycle

        return translated_split_spec(name, registry()["splits"], registry()["translators"])
    return lookup("splits", name)
