"""Shared job series render as Prometheus histograms; operation names stay sane labels;
only internal callers may read the metrics."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from starlette.requests import Request

from services import metrics
from settings import Settings
from web.metrics import internal_caller


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


def _request(peer: str | None, headers: dict[str, str] | None = None, token: str | None = None) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/metrics",
        "headers": [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
        "client": (peer, 40000) if peer else None,
        # Only the settings are read: a stand-in for Stores, as the lifespan would hand it over.
        "state": {"stores": SimpleNamespace(settings=Settings(metrics_token=token))},
    }
    return Request(scope)


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_loopback_peers_are_internal_without_a_token(peer: str) -> None:
    assert internal_caller(_request(peer))


@pytest.mark.parametrize("peer", ["203.0.113.7", "10.0.0.1", "::ffff:203.0.113.7", "/run/shutter.sock", None])
def test_other_peers_are_not(peer: str | None) -> None:
    assert not internal_caller(_request(peer))


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_forwarded_requests_from_loopback_are_not(header: str) -> None:
    # A reverse proxy on this host is a loopback peer: the client behind it is not local.
    assert not internal_caller(_request("127.0.0.1", {header: "127.0.0.1"}))


def test_with_a_token_only_the_token_counts() -> None:
    token = "s3cret-token"
    assert not internal_caller(_request("127.0.0.1", token=token))
    assert not internal_caller(_request("127.0.0.1", {"Authorization": "Bearer wrong"}, token=token))
    assert not internal_caller(_request("127.0.0.1", {"Authorization": f"Basic {token}"}, token=token))
    assert not internal_caller(_request("127.0.0.1", {"Authorization": "Bearer "}, token=token))
    assert internal_caller(_request("203.0.113.7", {"Authorization": f"Bearer {token}"}, token=token))
    assert internal_caller(_request("203.0.113.7", {"Authorization": f"bearer {token}"}, token=token))


def test_an_empty_token_is_no_token() -> None:
    assert not internal_caller(_request("203.0.113.7", {"Authorization": "Bearer "}, token=""))
    assert internal_caller(_request("127.0.0.1", token=""))
