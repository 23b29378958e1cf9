"""The SQLite results store: runs and per-sample metrics, so nothing computed is ever lost.

A run is identified by (model, tag, split, canonical options, weights sha256). Opening a run
with an identity that already exists resumes it: the engine asks :meth:`ResultsStore.done_sample_ids`
and skips those samples. Per-sample rows are the source of truth; every mean is recomputed from
them with :func:`math.fsum` (exactly rounded, so independent of order), which makes the summary
of an interrupted-and-resumed run float-equal to the summary of an uninterrupted one.

Several processes may write the same file (e.g. two evaluations of different models at once): the
file is in WAL mode, every write is one ``BEGIN IMMEDIATE`` transaction and connections wait up to 30 s
for a lock. A distributed evaluation writes through rank 0 only (:mod:`udebench.engine.distributed`).

A file this process cannot write (read-only file, folder or filesystem) opens read-only: everything
reads, and a write is a one-line :class:`UdebenchError` naming the file, never a ``sqlite3`` traceback.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import math
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from udebench.errors import UdebenchError
from udebench.evaluation.statuses import SAMPLE_STATUSES
from udebench.results.summary import RunSummary, run_label

DEFAULT_RESULTS_PATH = Path("udebench-results/results.sqlite")
RESULTS_ENV = "UDEBENCH_RESULTS"


def default_results_path() -> Path:
    """``$UDEBENCH_RESULTS`` if set, else ``./udebench-results/results.sqlite`` (read at call time)."""
    return Path(os.environ.get(RESULTS_ENV) or DEFAULT_RESULTS_PATH)


SCHEMA_VERSION = 1
#: CSV export columns naming the distribution==version that supplied the run's model and translator.
PROVIDER_COLUMNS: dict[str, str] = {"model_provider": "model", "translator_provider": "translator"}

RUN_STATUSES = ("running", "complete", "failed", "interrupted")
FINAL_STATUSES = ("complete", "failed", "interrupted")

#: Empty string, not NULL, stands for "no tag" / "no weights hash" so the UNIQUE identity holds
#: (NULLs are all distinct in a SQLite UNIQUE constraint).
SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id         INTEGER PRIMARY KEY,
    model          TEXT    NOT NULL,
    tag            TEXT    NOT NULL DEFAULT '',
    split          TEXT    NOT NULL,
    options_json   TEXT    NOT NULL,
    options_hash   TEXT    NOT NULL,
    weights_sha256 TEXT    NOT NULL DEFAULT '',
    versions_json  TEXT    NOT NULL DEFAULT '{}',
    status         TEXT    NOT NULL,
    n_expected     INTEGER,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    finished_at    TEXT,
    UNIQUE (model, tag, split, options_hash, weights_sha256)
);
CREATE TABLE IF NOT EXISTS samples (
    run_id       INTEGER NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    sample_id    TEXT    NOT NULL,
    idx          INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    error        TEXT,
    metrics_json TEXT    NOT NULL DEFAULT '{}',
    counts_json  TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, sample_id)
);
CREATE INDEX IF NOT EXISTS runs_by_split ON runs (split, status);
CREATE INDEX IF NOT EXISTS samples_by_index ON samples (run_id, idx);
"""

_FIND_RUN = (
    "SELECT run_id, status FROM runs WHERE model=? AND tag=? AND split=? AND options_hash=? AND weights_sha256=?"
)


def _identity(model: str, tag: str | None, split: str, options_hash: str,
              weights_sha256: str | None) -> tuple[str, str, str, str, str]:
    """The parameters of ``_FIND_RUN``: a run's identity as the UNIQUE constraint stores it ('' for none)."""
    return model, tag or "", split, options_hash, weights_sha256 or ""


def _count_samples(conn: sqlite3.Connection, run_id: int) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM samples WHERE run_id=?", (run_id,)).fetchone()[0])


_RUN_COLUMNS = (
    "run_id, model, tag, split, options_json, options_hash, weights_sha256, versions_json, status, "
    "n_expected, created_at, updated_at, finished_at"
)


@dataclass(frozen=True)
class RunInfo:
    """What :meth:`ResultsStore.open_run` tells the engine: which run, and how far it got."""

    run_id: int
    resumed: bool
    status: str
    n_done: int


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _json_default(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "item"):  # numpy / torch scalars
        return value.item()
    raise TypeError(f"option value {value!r} ({type(value).__name__}) cannot be stored as JSON")


def _writable(path: Path) -> bool:
    """Whether this process may write ``path`` and create its WAL files next to it."""
    return os.access(path, os.W_OK) and os.access(path.parent if str(path.parent) else Path("."), os.W_OK | os.X_OK)


def canonical_options(options: Mapping[str, Any] | None) -> str:
    """The options as compact JSON with sorted keys: equal options give equal text, hence equal identity."""
    return json.dumps(dict(options or {}), sort_keys=True, separators=(",", ":"), default=_json_default)


def _options_key(options: Mapping[str, Any] | None) -> tuple[str, str]:
    """The canonical options JSON and its sha256, which is part of a run's identity."""
    options_json = canonical_options(options)
    return options_json, hashlib.sha256(options_json.encode()).hexdigest()


def _encode_metrics(metrics: Mapping[str, Any] | None) -> str:
    # NaN becomes null so the column is standard JSON; it reads back as nan.
    out: dict[str, float | None] = {}
    for name, value in (metrics or {}).items():
        v = float(value)
        out[str(name)] = None if math.isnan(v) else v
    return json.dumps(out, sort_keys=True)


def _decode_metrics(text: str | None) -> dict[str, float]:
    return {k: (math.nan if v is None else float(v)) for k, v in json.loads(text or "{}").items()}


def _encode_counts(counts: Mapping[str, Any] | None) -> str:
    return json.dumps({str(k): int(v) for k, v in (counts or {}).items()}, sort_keys=True)


def _is_limited(run: Mapping[str, Any]) -> bool:
    """A run over the first ``--limit`` samples only (same rule as :attr:`RunSummary.limited`)."""
    return run["options"].get("limit") is not None


def nan_to_none(obj: Any) -> Any:
    """Recursively replace NaN by None, for exports that must be standard JSON."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [nan_to_none(v) for v in obj]
    return obj


class ResultsStore:
    """One SQLite file of runs and per-sample results; one connection per instance.

    ``create=False`` refuses to create a missing file (read-only commands use it, so a typo in
    ``--results`` is an error rather than a new empty store).
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_RESULTS_PATH, *, create: bool = True) -> None:
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise UdebenchError(
                    f"no results store at {self.path}; run `udebench evaluate` first or pass --results PATH"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UdebenchError(f"cannot create results store {self.path}: {exc.strerror or exc}; "
                                    "pass --results PATH in a folder you can write") from exc
        elif self.path.is_dir():
            raise UdebenchError(f"results store {self.path} is a directory; give the path of a .sqlite file")
        self._lock = threading.RLock()
        #: True when this process cannot write the file (or the folder its WAL files go to)
        self.read_only = self.path.exists() and not _writable(self.path)
        self._conn = self._connect()
        try:
            if not self.read_only:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._init_schema()
        except UdebenchError:
            self._conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise UdebenchError(f"{self.path} is not a udebench results store (SQLite said: {exc})") from exc

    # ------------------------------------------------------------------ plumbing
    def _connect(self) -> sqlite3.Connection:
        """A connection; read-only (``mode=ro``) for a file we cannot write.

        A WAL file read from a folder we cannot write may lack its ``-shm`` index, which SQLite
        cannot create there: it is then opened ``immutable`` (no locks), safe as nobody can write it either.
        """
        uri = "file:" + urllib.parse.quote(str(self.path.resolve()))
        attempts = [uri + "?mode=ro", uri + "?mode=ro&immutable=1"] if self.read_only else [str(self.path)]
        for n, target in enumerate(attempts, start=1):
            try:
                conn = sqlite3.connect(target, timeout=30, isolation_level=None, check_same_thread=False,
                                       uri=self.read_only)
                conn.row_factory = sqlite3.Row
                if self.read_only:
                    conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # fails here if -shm is needed
                return conn
            except sqlite3.Error as exc:
                if n == len(attempts):
                    raise UdebenchError(f"cannot open results store {self.path}: {exc}") from exc
        raise AssertionError("unreachable")

    def _read_only_error(self, what: str) -> UdebenchError:
        return UdebenchError(f"results store {self.path} is read-only: {what}; make the file and its folder "
                             "writable or pass --results PATH")

    def _init_schema(self) -> None:
        """Create the tables on first use; refuse foreign SQLite files and newer schemas."""
        if self._schema_version() is None and self.read_only:
            tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            raise UdebenchError(f"{self.path} is read-only and not a udebench results store"
                                + (f" (it has tables {', '.join(sorted(tables))})" if tables else " (it is empty)"))
        if self._schema_version() is None:
            with self._tx() as conn:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if tables and "schema_version" not in tables:
                    raise UdebenchError(
                        f"{self.path} is an SQLite file but not a udebench results store "
                        f"(it has tables {', '.join(sorted(tables))}); give another --results path"
                    )
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 0:
                    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        version = self._schema_version()
        if version is not None and version > SCHEMA_VERSION:
            raise UdebenchError(
                f"results store {self.path} has schema version {version}, newer than this udebench "
                f"understands ({SCHEMA_VERSION}); upgrade udebench"
            )

    def _schema_version(self) -> int | None:
        try:
            row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.OperationalError:  # no such table
            return None
        return None if row is None or row[0] is None else int(row[0])

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken eagerly (BEGIN IMMEDIATE) so concurrent writers queue, not deadlock."""
        if self.read_only:
            raise self._read_only_error("nothing can be written to it")
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:  # a read-only mount or file that os.access did not reveal
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if "readonly" in str(exc) or "read-only" in str(exc):
                    raise self._read_only_error(str(exc)) from exc
                raise

    def close(self) -> None:
        """Close the connection (the file stays consistent even if a process dies without this)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResultsStore({str(self.path)!r})"

    # ------------------------------------------------------------------ writing
    def open_run(
        self,
        model: str,
        tag: str | None,
        split: str,
        options: Mapping[str, Any] | None = None,
        weights_sha256: str | None = None,
        versions: Mapping[str, Any] | None = None,
        n_expected: int | None = None,
    ) -> RunInfo:
        """Start a run, or resume the one with the same identity (even a complete one).

        A resumed run that is not complete goes back to "running"; a complete one stays
        complete (the engine then finds every sample done). Safe against several processes
        opening the same identity at once: exactly one row is created. A read-only store can
        only give back a complete run (nothing to write); anything else is a one-line error.
        """
        if self.read_only:
            found = self.find_run(model, tag, split, options, weights_sha256)
            if found is None or found.status != "complete":
                what = "this run is not in it" if found is None else f"this run is {found.status} there"
                raise self._read_only_error(f"{what} and cannot be recorded")
            return found
        options_json, options_hash = _options_key(options)
        versions_json = json.dumps(dict(versions or {}), sort_keys=True, default=_json_default)
        identity = _identity(model, tag, split, options_hash, weights_sha256)
        now = _now()
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO runs (model, tag, split, options_json, options_hash, weights_sha256, "
                "versions_json, status, n_expected, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                (
                    model,
                    tag or "",
                    split,
                    options_json,
                    options_hash,
                    weights_sha256 or "",
                    versions_json,
                    n_expected,
                    now,
                    now,
                ),
            )
            resumed = cur.rowcount == 0
            row = conn.execute(_FIND_RUN, identity).fetchone()
            run_id, status = int(row["run_id"]), row["status"]
            if resumed:
                if status != "complete":
                    status = "running"
                conn.execute(
                    "UPDATE runs SET status=?, updated_at=?, n_expected=COALESCE(?, n_expected) WHERE run_id=?",
                    (status, now, n_expected, run_id),
                )
            n_done = _count_samples(conn, run_id)
        return RunInfo(run_id=run_id, resumed=resumed, status=status, n_done=n_done)

    def find_run(
        self,
        model: str,
        tag: str | None,
        split: str,
        options: Mapping[str, Any] | None = None,
        weights_sha256: str | None = None,
    ) -> RunInfo | None:
        """The run with this identity, or None; writes nothing (works on a read-only store)."""
        identity = _identity(model, tag, split, _options_key(options)[1], weights_sha256)
        with self._lock:
            row = self._conn.execute(_FIND_RUN, identity).fetchone()
            if row is None:
                return None
            run_id = int(row["run_id"])
            n_done = _count_samples(self._conn, run_id)
        return RunInfo(run_id=run_id, resumed=True, status=row["status"], n_done=n_done)

    def add_samples(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write one batch of per-sample results in ONE transaction; re-writing a sample replaces it."""
        records = []
        for row in rows:
            status = row.get("status", "ok")
            if status not in SAMPLE_STATUSES:
                raise ValueError(
                    f"sample {row.get('sample_id')!r}: status must be one of {SAMPLE_STATUSES}, not {status!r}"
                )
            records.append(
                (
                    run_id,
                    str(row["sample_id"]),
                    int(row["index"]),
                    status,
                    None if row.get("error") is None else str(row["error"]),
                    _encode_metrics(row.get("metrics")),
                    _encode_counts(row.get("counts")),
                )
            )
        if not records:
            return
        with self._tx() as conn:
            self._require_run(conn, run_id)
            conn.executemany(
                "INSERT OR REPLACE INTO samples (run_id, sample_id, idx, status, error, metrics_json, counts_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                records,
            )
            conn.execute("UPDATE runs SET updated_at=? WHERE run_id=?", (_now(), run_id))

    def finish_run(self, run_id: int, status: str) -> str:
        """Mark a run complete, failed or interrupted, and stamp finished_at; returns the status it now has.

        A complete run never goes back: a second process on the same run that is interrupted or
        fails after the first one completed it leaves it complete (every sample is stored).
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"finish_run status must be one of {FINAL_STATUSES}, not {status!r}")
        now = _now()
        with self._tx() as conn:
            if self._require_run(conn, run_id)["status"] == "complete":
                return "complete"
            conn.execute(
                "UPDATE runs SET status=?, finished_at=?, updated_at=? WHERE run_id=?", (status, now, now, run_id)
            )
        return status

    # ------------------------------------------------------------------ reading
    def _require_run(self, conn: sqlite3.Connection, run_id: int) -> sqlite3.Row:
        row = conn.execute(
            f"SELECT {_RUN_COLUMNS}, (SELECT COUNT(*) FROM samples s WHERE s.run_id = runs.run_id) AS n_done "
            "FROM runs WHERE run_id=?",
            (run_id,),
        ).fetchone()
        if row is None:
            raise UdebenchError(f"no run {run_id} in {self.path}; `udebench results list` shows the runs")
        return row

    @staticmethod
    def _run_dict(row: sqlite3.Row) -> dict[str, Any]:
        return {
            "run_id": int(row["run_id"]),
            "model": row["model"],
            "tag": row["tag"] or None,
            "split": row["split"],
            "status": row["status"],
            "n_done": int(row["n_done"]),
            "n_expected": row["n_expected"],
            "options": json.loads(row["options_json"]),
            "options_hash": row["options_hash"],
            "weights_sha256": row["weights_sha256"] or None,
            "versions": json.loads(row["versions_json"]),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "finished_at": row["finished_at"],
        }

    def get_run(self, run_id: int) -> dict[str, Any]:
        """The run's row (options and versions decoded, n_done counted); UdebenchError if absent."""
        with self._lock:
            return self._run_dict(self._require_run(self._conn, run_id))

    def done_sample_ids(self, run_id: int, statuses: Iterable[str] | None = None) -> set[str]:
        """Sample ids already stored for this run, which a resumed run skips.

        Every status counts by default; pass e.g. ``statuses=("ok", "invalid_prediction", "no_valid_gt")``
        to retry samples that failed with an error.
        """
        sql, params = "SELECT sample_id FROM samples WHERE run_id=?", [run_id]
        if statuses is not None:
            wanted = list(statuses)
            sql += f" AND status IN ({', '.join('?' * len(wanted))})" if wanted else " AND 0"
            params += wanted
        with self._lock:
            return {r[0] for r in self._conn.execute(sql, params)}

    def samples(self, run_id: int) -> list[dict[str, Any]]:
        """Per-sample rows ordered by index, metrics with NaN restored."""
        with self._lock:
            self._require_run(self._conn, run_id)
            rows = self._conn.execute(
                "SELECT sample_id, idx, status, error, metrics_json, counts_json FROM samples "
                "WHERE run_id=? ORDER BY idx, sample_id",
                (run_id,),
            ).fetchall()
        return [
            {
                "sample_id": r["sample_id"],
                "index": int(r["idx"]),
                "status": r["status"],
                "error": r["error"],
                "metrics": _decode_metrics(r["metrics_json"]),
                "counts": json.loads(r["counts_json"] or "{}"),
            }
            for r in rows
        ]

    def summary(self, run_id: int) -> RunSummary:
        """Means over ok samples (math.fsum, so exact whatever order samples arrived in) and totals.

        A metric's mean skips samples where it is NaN (``metric_nan_counts`` says how many);
        counts are totalled over every sample, whatever its status.
        """
        run = self.get_run(run_id)
        samples = self.samples(run_id)
        by_status = {s: 0 for s in SAMPLE_STATUSES}
        values: dict[str, list[float]] = {}
        nan_counts: dict[str, int] = {}
        counts: dict[str, int] = {}
        for sample in samples:
            by_status[sample["status"]] = by_status.get(sample["status"], 0) + 1
            for name, value in sample["counts"].items():
                counts[name] = counts.get(name, 0) + int(value)
            if sample["status"] != "ok":
                continue
            for name, value in sample["metrics"].items():
                if math.isnan(value):
                    nan_counts[name] = nan_counts.get(name, 0) + 1
                    values.setdefault(name, [])
                else:
                    values.setdefault(name, []).append(value)
        metrics = {name: (math.fsum(v) / len(v) if v else math.nan) for name, v in sorted(values.items())}
        return RunSummary(
            run_id=run["run_id"], model=run["model"], tag=run["tag"], split=run["split"], status=run["status"],
            n_samples=by_status["ok"], n_expected=run["n_expected"], n_done=run["n_done"],
            n_errors=by_status["error"], n_invalid_predictions=by_status["invalid_prediction"],
            n_no_valid_gt=by_status["no_valid_gt"], alignment=run["options"].get("alignment"),
            options=run["options"], metrics=metrics, metric_nan_counts=dict(sorted(nan_counts.items())),
            counts=dict(sorted(counts.items())), created_at=run["created_at"], finished_at=run["finished_at"],
            weights_sha256=run["weights_sha256"], versions=run["versions"],
            providers=dict(run["options"].get("providers") or {}),
        )

    def runs(
        self, model: str | None = None, split: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Runs, newest first; ``split`` may be an fnmatch glob ("synth-*")."""
        where, params = [], []
        if model is not None:
            where.append("model=?")
            params.append(model)
        if status is not None:
            where.append("status=?")
            params.append(status)
        sql = (
            f"SELECT {_RUN_COLUMNS}, (SELECT COUNT(*) FROM samples s WHERE s.run_id = runs.run_id) AS n_done FROM runs"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY created_at DESC, run_id DESC"
        )
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        out = [self._run_dict(r) for r in rows]
        if split is not None:
            out = [r for r in out if fnmatch.fnmatchcase(r["split"], split)]
        return out

    def latest_complete_runs(self, split_pattern: str | None = None) -> list[RunSummary]:
        """The run leaderboards show per (label, split), each as its :meth:`summary`.

        That is the newest complete run over the whole split, else (none exists) the newest complete
        ``--limit`` run: a run on the first N samples never replaces a full one, however recent. Newest means
        latest ``created_at`` (ties: highest run_id). The label is model and tag, and a run under
        ``--protocol-override`` has its own (never hiding the benchmark's). Leaderboards are built only from these.
        """
        chosen: dict[tuple[str, str], dict[str, Any]] = {}
        for run in self.runs(status="complete", split=split_pattern):  # newest first
            key = (run_label(run["model"], run["tag"], run["options"].get("protocol_overrides")), run["split"])
            held = chosen.get(key)
            if held is None or (_is_limited(held) and not _is_limited(run)):
                chosen[key] = run
        return [self.summary(run["run_id"]) for run in chosen.values()]

    # ------------------------------------------------------------------ export / import
    def export(self, fmt: str = "json", run_ids: Sequence[int] | None = None) -> str:
        """All runs (or ``run_ids``) as JSON (summary + samples per run) or as a long per-sample CSV."""
        ids = [r["run_id"] for r in self.runs()][::-1] if run_ids is None else [int(i) for i in run_ids]
        if fmt == "json":
            payload = [{**self.summary(i).to_dict(), "samples": self.samples(i)} for i in ids]
            return json.dumps(nan_to_none(payload), indent=2, sort_keys=False)
        if fmt == "csv":
            return self._export_csv(ids)
        raise UdebenchError(f"unknown export format {fmt!r}; use json or csv")

    def _export_csv(self, ids: Sequence[int]) -> str:
        runs = [self.get_run(i) for i in ids]
        per_run = [self.samples(i) for i in ids]
        metric_names = sorted({name for samples in per_run for s in samples for name in s["metrics"]})
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["run_id", "model", "tag", "split", *PROVIDER_COLUMNS, "sample_id", "index", "status",
                         *metric_names])
        for run, samples in zip(runs, per_run, strict=True):
            providers = run["options"].get("providers") or {}
            provider_cells = [providers.get(role, "") for role in PROVIDER_COLUMNS.values()]
            for s in samples:
                cells = [repr(s["metrics"][m]) if m in s["metrics"] else "" for m in metric_names]
                writer.writerow(
                    [
                        run["run_id"],
                        run["model"],
                        run["tag"] or "",
                        run["split"],
                        *provider_cells,
                        s["sample_id"],
                        s["index"],
                        s["status"],
                        *cells,
                    ]
                )
        return buf.getvalue()

    def import_json(self, text: str) -> list[int]:
        """Import an :meth:`export` ("json"), so stores from several machines can be merged.

        Each run gets a new run id here. If this store already has a run with the same identity,
        the imported samples are merged into it instead (samples already here are kept), and it
        becomes complete if the imported run was. Returns the run ids written to, in input order.
        """
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UdebenchError(f"not a udebench results export (invalid JSON: {exc})") from exc
        if isinstance(payload, dict):
            payload = payload.get("runs", [payload])
        if not isinstance(payload, list):
            raise UdebenchError("not a udebench results export: expected a list of runs")
        ids = []
        for n, run in enumerate(payload):
            missing = [k for k in ("model", "split", "status", "samples") if not isinstance(run, dict) or k not in run]
            if missing:
                raise UdebenchError(f"not a udebench results export: run #{n} lacks {', '.join(missing)}")
            ids.append(self._import_run(run))
        return ids

    def _import_run(self, run: dict[str, Any]) -> int:
        options_json, options_hash = _options_key(run.get("options"))
        identity = _identity(run["model"], run.get("tag"), run["split"], options_hash, run.get("weights_sha256"))
        now = _now()
        status = run["status"] if run["status"] in RUN_STATUSES else "interrupted"
        records = [
            (
                str(s["sample_id"]),
                int(s["index"]),
                s.get("status", "ok"),
                s.get("error"),
                _encode_metrics({k: (math.nan if v is None else v) for k, v in (s.get("metrics") or {}).items()}),
                _encode_counts(s.get("counts")),
            )
            for s in run["samples"]
        ]
        with self._tx() as conn:
            existing = conn.execute(_FIND_RUN, identity).fetchone()
            if existing is None:
                cur = conn.execute(
                    "INSERT INTO runs (model, tag, split, options_json, options_hash, weights_sha256, versions_json, "
                    "status, n_expected, created_at, updated_at, finished_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        *identity[:3],
                        options_json,
                        options_hash,
                        identity[4],
                        json.dumps(run.get("versions") or {}, sort_keys=True),
                        status,
                        run.get("n_expected"),
                        run.get("created_at") or now,
                        now,
                        run.get("finished_at"),
                    ),
                )
                run_id = int(cur.lastrowid)
                verb = "INSERT"
            else:
                run_id = int(existing["run_id"])
                verb = "INSERT OR IGNORE"
                if status == "complete" and existing["status"] != "complete":
                    conn.execute(
                        "UPDATE runs SET status='complete', finished_at=?, updated_at=? WHERE run_id=?",
                        (run.get("finished_at") or now, now, run_id),
                    )
            conn.executemany(
                f"{verb} INTO samples (run_id, sample_id, idx, status, error, metrics_json, counts_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *r) for r in records],
            )
        return run_id
