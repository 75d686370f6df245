"""With tracing on, every operation leaves spans, and no variable values in them."""

from __future__ import annotations

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from schema import build_schema, tracing
from settings import Settings


async def test_operations_are_traced_without_their_variables() -> None:
    exporter = InMemorySpanExporter()
    provider = tracing.tracer_provider(Settings(), exporter)
    assert provider is not None
    schema = build_schema(Settings(otel_endpoint="http://127.0.0.1:9/v1/traces"))
    result = await schema.execute(
        "query Probe($secret: String!) { __typename user(username: $secret) { id } }",
        variable_values={"secret": "hunter2"},
    )
    provider.force_flush()
    spans = exporter.get_finished_spans()
    assert spans, "no spans were exported"
    assert any("Probe" in span.name for span in spans), [span.name for span in spans]
    for span in spans:
        assert "hunter2" not in str(dict(span.attributes or {}))
    # Run without a request context, the user field fails; the operation still ran and was traced.
    assert result.data == {"__typename": "Query", "user": None}
    assert [error.path for error in result.errors or []] == [["user"]]


def test_tracing_is_off_without_an_endpoint() -> None:
    assert tracing.tracer_provider(Settings(otel_endpoint=None)) is None
    plain = build_schema(Settings(otel_endpoint=None))
    traced = build_schema(Settings(otel_endpoint="http://127.0.0.1:9/v1/traces"))
    assert len(traced.extensions) == len(plain.extensions) + 1
