"""Every hook a udebench plugin can implement. Each receives a ``register`` callback."""

from __future__ import annotations

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("udebench")
hookimpl = HookimplMarker("udebench")


@hookspec
def register_models(register):
    """Register depth models: ``register(ModelSpec(...))``."""


@hookspec
def register_datasets(register):
    """Register dataset families: ``register(DatasetSpec(...))``."""


@hookspec
def register_splits(register):
    """Register evaluation/training splits: ``register(SplitSpec(...))``."""


@hookspec
def register_translators(register):
    """Register condition translators: ``register(TranslatorSpec(...))``."""


@hookspec
def register_trainers(register):
    """Register training recipes: ``register(TrainerSpec(...))``."""


@hookspec
def register_metrics(register):
    """Register per-image depth metrics: ``register(MetricSpec(...))``."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``udebench`` CLI group ``cli``."""
