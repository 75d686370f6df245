"""Which peers may speak for a client: the uvicorn options behind the client address.

The client address keys the per-address log-in limit, so a forwarded header is only
believed from the proxies an operator names in SHUTTER_TRUSTED_PROXIES.
"""

from __future__ import annotations

from typing import TypedDict

from settings import Settings


class ProxyOptions(TypedDict):
    proxy_headers: bool
    forwarded_allow_ips: str


def proxy_options(settings: Settings) -> ProxyOptions:
    """The uvicorn keyword arguments for `settings`; `shutter serve` and the tests share them."""
    trusted = settings.trusted_proxies.strip()
    # Always pass forwarded_allow_ips: left out, uvicorn falls back to $FORWARDED_ALLOW_IPS
    # or loopback, and any local process could then claim to be any client.
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}
