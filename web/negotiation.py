"""Content negotiation for GraphQL over HTTP responses."""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
HTML = "text/html"

# What each Accept range can be served as, most preferred first.
_RANGES: dict[str, tuple[str, ...]] = {
    GRAPHQL_RESPONSE: (GRAPHQL_RESPONSE,),
    JSON: (JSON,),
    "application/*": (GRAPHQL_RESPONSE, JSON),
    "*/*": (GRAPHQL_RESPONSE, JSON),
}


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def response_type(accept: str | None) -> str | None:
    """The media type to answer with, or None when nothing acceptable (406).

    No Accept header, ``*/*`` and ties all choose application/graphql-response+json.
    """
    if not accept or not accept.strip():
        return GRAPHQL_RESPONSE
    best: tuple[float, bool, str] | None = None
    for media, quality in _ranges(accept):
        served = _RANGES.get(media)
        if not served or quality <= 0:
            continue
        candidate = (quality, served[0] == GRAPHQL_RESPONSE, served[0])
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else None


def prefers_html(accept: str | None) -> bool:
    """True when a browser asks: text/html ranks at least as high as any JSON type."""
    if not accept:
        return False
    ranges = _ranges(accept)
    html = max((q for media, q in ranges if media == HTML), default=0.0)
    json_like = max((q for media, q in ranges if media in (GRAPHQL_RESPONSE, JSON)), default=0.0)
    return html > 0 and html >= json_like
