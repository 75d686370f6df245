"""Shared job series render as Prometheus histograms; operation names stay sane labels."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from services import metrics


def test_shared_series_render_as_cumulative_histograms() -> None:
    fields = dict(metrics._histogram_fields("fan_out_post", 0.3, metrics.JOB_BUCKETS))
    for field, amount in metrics._histogram_fields("fan_out_post", 2.0, metrics.JOB_BUCKETS):
        fields[field] = fields.get(field, 0) + amount
    snapshot = {
        metrics.JOBS: {k: float(v) for k, v in fields.items()},
        metrics.JOB_FAILURES: {"fan_out_post": 1.0},
        metrics.JOB_RETRIES: {},
        metrics.FANOUT_LAG: {},
    }
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics.SharedCollector(snapshot, outbox_backlog=7))
    text = generate_latest(registry).decode()
    assert 'shutter_job_duration_seconds_bucket{actor="fan_out_post",le="0.1"} 0.0' in text
    assert 'shutter_job_duration_seconds_bucket{actor="fan_out_post",le="0.5"} 1.0' in text
    assert 'shutter_job_duration_seconds_bucket{actor="fan_out_post",le="5.0"} 2.0' in text
    assert 'shutter_job_duration_seconds_bucket{actor="fan_out_post",le="+Inf"} 2.0' in text
    assert 'shutter_job_duration_seconds_sum{actor="fan_out_post"} 2.3' in text
    assert 'shutter_job_failures_total{actor="fan_out_post"} 1.0' in text
    assert "shutter_outbox_backlog 7.0" in text


def test_operation_names_become_bounded_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_names", set())  # the process-wide set is left as it was
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("Feed Page") == "invalid"
    assert metrics.operation_label("x" * 65) == "invalid"
    assert metrics.operation_label("HomeFeed") == "HomeFeed"
    for n in range(metrics.MAX_OPERATION_NAMES + 5):
        metrics.operation_label(f"Flood{n}")
    assert metrics.operation_label("OneMoreNewName") == "other"
    assert metrics.operation_label("HomeFeed") == "HomeFeed"  # known names keep their label
