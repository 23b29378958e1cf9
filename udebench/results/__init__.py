"""Results: the SQLite store of runs and per-sample metrics, its export/import and CLI commands."""

from __future__ import annotations

from udebench.results.store import DEFAULT_RESULTS_PATH, ResultsStore, RunInfo

__all__ = ["DEFAULT_RESULTS_PATH", "ResultsStore", "RunInfo"]
