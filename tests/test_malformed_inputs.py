"""Property: malformed samples and predictions give a clear error or a recorded skip, never a damaged store.

Hypothesis draws a few samples (good ones of two sizes, and ones with a wrong shape or dtype, NaN,
inf, zero or negative depth, no valid pixel, bad intrinsics, a missing key, a reader that raises)
and one model behaviour (good, NaN/inf/zero/negative output, a wrong shape, a wrong count, not a
tensor, a model that raises). Each example is a real ``udebench.evaluate`` on a fresh store; the
expected status of every sample is worked out independently below.
"""

from __future__ import annotations

import itertools
import math
import sqlite3

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import udebench  # noqa: E402
from udebench import hookimpl, plugins  # noqa: E402
from udebench.errors import UdebenchError  # noqa: E402
from udebench.evaluation.protocol_spec import Protocol  # noqa: E402
from udebench.evaluation.statuses import SAMPLE_STATUSES  # noqa: E402
from udebench.results.store import ResultsStore  # noqa: E402
from udebench.specs import ModelSpec, SplitSpec  # noqa: E402

pytestmark = pytest.mark.slow

MIN_DEPTH, MAX_DEPTH = 0.1, 80.0
#: sample kinds the reader fails on (the engine records "error"), and kinds with no valid ground truth
BROKEN = ("image_2d", "image_rgba", "image_float", "depth_wrong_size", "intrinsics_2x2", "missing_depth", "raises")
NO_VALID_GT = ("depth_nan", "depth_inf", "depth_zero", "depth_negative", "depth_too_far")
GOOD = ("good", "good_other_size")
SAMPLE_KINDS = GOOD + BROKEN + NO_VALID_GT
#: model behaviours that fail the whole batch ("error"), that give non-finite depth, and that are fine
MODEL_FAILS = ("raises", "wrong_shape", "wrong_count", "numpy", "empty")
MODEL_NONFINITE = ("nan", "inf")
MODEL_FINE = ("good", "zeros", "negative", "float64", "tiny")
MODEL_KINDS = MODEL_FINE + MODEL_NONFINITE + MODEL_FAILS


def make_sample(kind: str, i: int) -> dict:
    rng = np.random.default_rng(i)
    h, w = (12, 20) if kind == "good_other_size" else (8, 16)
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    depth = rng.uniform(1.0, 50.0, (h, w)).astype(np.float32)
    sample = {"sample_id": f"s{i}", "image": image, "depth": depth, "condition": "day",
              "intrinsics": np.array([[10.0, 0, w / 2], [0, 10.0, h / 2], [0, 0, 1]])}
    changes = {
        "image_2d": {"image": image[..., 0]},
        "image_rgba": {"image": np.dstack([image, image[..., :1]])},
        "image_float": {"image": image.astype(np.float32) / 255},
        "depth_wrong_size": {"depth": depth[:-1]},
        "intrinsics_2x2": {"intrinsics": np.eye(2)},
        "depth_nan": {"depth": np.full_like(depth, np.nan)},
        "depth_inf": {"depth": np.full_like(depth, np.inf)},
        "depth_zero": {"depth": np.zeros_like(depth)},
        "depth_negative": {"depth": -depth},
        "depth_too_far": {"depth": depth + MAX_DEPTH},
    }
    sample.update(changes.get(kind, {}))
    if kind == "missing_depth":
        del sample["depth"]
    return sample


class ExampleSplit:
    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        self.sample_ids = [f"s{i}" for i in range(len(kinds))]

    def __len__(self) -> int:
        return len(self.kinds)

    def __getitem__(self, i: int) -> dict:
        if self.kinds[i] == "raises":
            raise OSError(f"cannot read sample s{i}")
        return make_sample(self.kinds[i], i)


def model_output(kind: str, x):
    import torch

    b, _, h, w = x.shape
    good = 1.0 + x.mean(dim=1)  # positive, finite, [B, H, W]
    outputs = {
        "good": lambda: good,
        "zeros": lambda: torch.zeros_like(good),
        "negative": lambda: -good,
        "float64": lambda: good.double(),
        "tiny": lambda: good[:, :1, :1],
        "nan": lambda: torch.full_like(good, float("nan")),
        "inf": lambda: torch.full_like(good, float("inf")),
        "wrong_shape": lambda: good[:, 0],
        "wrong_count": lambda: good[:1].expand(b + 1, h, w),
        "numpy": lambda: good.numpy(),
        "empty": lambda: good[:, :0],
    }
    if kind == "raises":
        raise RuntimeError("the plugin's forward failed")
    return outputs[kind]()


class ExamplePlugin:
    """``example-split`` and ``example-model``, reading the current example from this object."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.model_kind = "good"

    @hookimpl
    def register_splits(self, register):
        register(SplitSpec(name="example-split", factory=lambda data_root=None: ExampleSplit(self.kinds),
                           dataset="example", condition="day",
                           protocol=Protocol(min_depth=MIN_DEPTH, max_depth=MAX_DEPTH)))

    @hookimpl
    def register_models(self, register):
        register(ModelSpec(name="example-model", factory=self.build, output="metric_depth"))

    def build(self, weights=None, device=None):
        from torch import nn

        from udebench.model import DepthModel

        spec = udebench.plugins.lookup("models", "example-model")
        return DepthModel(spec, nn.Identity(), forward=lambda module, x, k: model_output(self.model_kind, x))


def expected_status(sample_kind: str, model_kind: str) -> str:
    """The status each sample must be stored with, worked out from the kinds alone."""
    if sample_kind in BROKEN or model_kind in MODEL_FAILS:
        return "error"
    if sample_kind in NO_VALID_GT:
        return "no_valid_gt"
    return "invalid_prediction" if model_kind in MODEL_NONFINITE else "ok"


@pytest.fixture(scope="module")
def example_plugin():
    plugin = ExamplePlugin()
    plugins.register_plugin(plugin, name="malformed-examples")
    yield plugin
    plugins.unregister_plugin(plugin)


def assert_store_is_sound(path, run_id: int, n_samples: int) -> list[dict]:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with ResultsStore(path) as store:
        rows = store.samples(run_id)
        summary = store.summary(run_id)
    ids = [row["sample_id"] for row in rows]
    assert len(ids) == len(set(ids)) and set(ids) <= {f"s{i}" for i in range(n_samples)}
    for row in rows:
        assert row["status"] in SAMPLE_STATUSES
        assert (row["error"] is not None) == (row["status"] == "error")
        if row["status"] == "ok":
            assert all(not math.isnan(v) for k, v in row["metrics"].items() if k.startswith(("abs_rel", "rmse")))
    assert summary.n_done == len(rows)
    return rows


_stores = itertools.count()

samples_strategy = st.lists(st.sampled_from(SAMPLE_KINDS), min_size=1, max_size=5)
settings_for_engine = settings(max_examples=30, deadline=None, derandomize=True,
                               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings_for_engine
@given(kinds=samples_strategy, model_kind=st.sampled_from(MODEL_KINDS), batch_size=st.integers(1, 3))
def test_skip_records_every_sample_with_the_status_it_deserves(example_plugin, tmp_path, kinds, model_kind,
                                                              batch_size):
    example_plugin.kinds, example_plugin.model_kind = kinds, model_kind
    path = tmp_path / f"skip-{next(_stores)}.sqlite"
    summary = udebench.evaluate("example-model", "example-split", on_error="skip", batch_size=batch_size,
                                num_workers=0, results=path, progress=False)
    assert summary.status == "complete"
    rows = assert_store_is_sound(path, summary.run_id, len(kinds))
    assert [row["status"] for row in rows] == [expected_status(kind, model_kind) for kind in kinds]
    assert summary.n_samples == sum(expected_status(kind, model_kind) == "ok" for kind in kinds)


@settings_for_engine
@given(kinds=samples_strategy, model_kind=st.sampled_from(MODEL_KINDS), batch_size=st.integers(1, 3))
def test_raise_stops_with_one_line_naming_the_sample_and_keeps_what_was_stored(example_plugin, tmp_path, kinds,
                                                                               model_kind, batch_size):
    example_plugin.kinds, example_plugin.model_kind = kinds, model_kind
    path = tmp_path / f"raise-{next(_stores)}.sqlite"
    statuses = [expected_status(kind, model_kind) for kind in kinds]
    try:
        summary = udebench.evaluate("example-model", "example-split", on_error="raise", batch_size=batch_size,
                                    num_workers=0, results=path, progress=False)
    except UdebenchError as exc:
        first_error = statuses.index("error")
        message = str(exc)
        assert "\n" not in message and message.startswith(f"sample s{first_error}:")
        with ResultsStore(path) as store:
            [run] = store.runs()
        assert run["status"] == "failed"
        rows = assert_store_is_sound(path, run["run_id"], len(kinds))
        assert all(row["status"] != "error" for row in rows)  # raise mode never stores error rows
        assert {row["sample_id"] for row in rows} >= {f"s{i}" for i in range(first_error - first_error % batch_size)}
    else:
        assert "error" not in statuses
        rows = assert_store_is_sound(path, summary.run_id, len(kinds))
        assert [row["status"] for row in rows] == statuses
