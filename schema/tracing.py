"""OpenTelemetry tracing, on when SHUTTER_OTEL_ENDPOINT names an OTLP/HTTP traces endpoint.

Each GraphQL operation (parsing, validation, execution) and each resolver becomes a span,
exported in batches; variables are left out of span attributes, since they can hold
passwords and tokens.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from strawberry.extensions.tracing import OpenTelemetryExtension

from settings import Settings

_provider: TracerProvider | None = None


def tracer_provider(settings: Settings, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """The process's tracer provider when tracing is on (made once), else None."""
    global _provider  # noqa: PLW0603 - one provider per process, as OpenTelemetry expects
    if settings.otel_endpoint is None and exporter is None:
        return None
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
        _provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter(endpoint=settings.otel_endpoint)))
        trace.set_tracer_provider(_provider)
    return _provider


def _no_arguments(arguments: dict[str, Any], info: Any) -> dict[str, Any]:
    return {}


def tracing_extension(provider: TracerProvider) -> OpenTelemetryExtension:
    return OpenTelemetryExtension(arg_filter=_no_arguments, tracer_provider=provider)
