"""The typed per-operation context: stores, the viewer, loaders, request facts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.requests import HTTPConnection, Request

from dataloaders import Loaders
from services import roles
from services.errors import NotAuthenticated
from services.live import LiveHub
from services.revocations import RevokedFamilies
from services.stores import Stores
from services.tokens import AccessClaims, InvalidAccessToken, decode_access_token
from services.views import Buffer

BEARER = "bearer "


@dataclass
class Context:
    stores: Stores
    connection: HTTPConnection
    request_id: str
    # Set by the graphql-transport-ws / graphql-ws handlers from `connection_init`.
    connection_params: dict[str, Any] | None = None
    # The process's live notification hub (None where nothing serves subscriptions).
    live: LiveHub | None = None
    # Sign-ins revoked before their tokens expire, as this process knows them.
    revoked: RevokedFamilies | None = None
    # Where this process gathers recorded views between flushes (None: straight to Redis).
    view_buffer: Buffer | None = None
    # The operation's static cost (schema/cost.py), once worked out.
    cost: int | None = None
    # Whether the document is one of the server's trusted documents (SHUTTER_TRUSTED_DOCUMENTS).
    trusted_document: bool = False
    _loaders: Loaders | None = field(default=None, repr=False)
    _claims: AccessClaims | None = field(default=None, repr=False)
    _auth_checked: bool = field(default=False, repr=False)
    _auth_error: str | None = field(default=None, repr=False)

    @property
    def client_address(self) -> str | None:
        return self.connection.client.host if self.connection.client else None

    def _authorization(self) -> str | None:
        if self.connection_params is not None:
            value = self.connection_params.get("Authorization") or self.connection_params.get("authorization")
            return value if isinstance(value, str) else None
        return self.connection.headers.get("authorization")

    def _authenticate(self) -> None:
        if self._auth_checked:
            return
        self._auth_checked = True
        header = self._authorization()
        if not header:
            return
        if not header.lower().startswith(BEARER):
            self._auth_error = "Use 'Authorization: Bearer <access token>'."
            return
        try:
            self._claims = decode_access_token(self.stores.settings, header[len(BEARER) :].strip())
        except InvalidAccessToken:
            self._auth_error = "The access token is invalid or has expired."
            return
        self._check_revoked()

    def _check_revoked(self) -> None:
        if self._claims is not None and self.revoked is not None and self._claims.family_id in self.revoked:
            self._claims = None
            self._auth_error = "This sign-in has ended. Sign in again."

    @property
    def claims(self) -> AccessClaims | None:
        """The viewer's token claims; None for anonymous; raises on a bad token."""
        self._authenticate()
        if self._auth_error is not None:
            raise NotAuthenticated(self._auth_error)
        return self._claims

    @property
    def viewer_id(self) -> int | None:
        claims = self.claims
        return claims.user_id if claims else None

    def require_claims(self) -> AccessClaims:
        claims = self.claims
        if claims is None:
            raise NotAuthenticated("Sign in to do this.")
        return claims

    def require_viewer(self) -> int:
        return self.require_claims().user_id

    async def viewer_is_staff(self) -> bool:
        """Whether the viewer moderates; a bad token counts as nobody."""
        try:
            viewer = self.viewer_id
        except NotAuthenticated:
            return False
        return viewer is not None and roles.is_staff(await self.loaders.user_by_id.load(viewer))

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self.reset_loaders()
        assert self._loaders is not None
        return self._loaders

    def reset_loaders(self) -> None:
        """Start a fresh cache: one per operation, also on long-lived WebSocket connections,
        where the token is checked again so it stops working when it expires or is revoked."""
        self._authenticate()
        if self._claims is not None and self._claims.expires_at <= time.time():
            self._claims = None
            self._auth_error = "The access token has expired."
        self._check_revoked()
        self._loaders = Loaders.create(self.stores, self._claims.user_id if self._claims else None)


def connection_context(connection: HTTPConnection) -> Context:
    """The context of an operation arriving on ``connection``: the stores and per-process
    services the app's lifespan put in its state, for HTTP and WebSocket alike."""
    state = connection.state
    return Context(
        stores=state.stores,
        connection=connection,
        request_id=state.request_id,
        live=getattr(state, "live", None),
        revoked=getattr(state, "revoked", None),
        view_buffer=getattr(state, "view_buffer", None),
    )


def in_process_context(
    stores: Stores, token: str | None, request_id: str, revoked: RevokedFamilies | None = None
) -> Context:
    """The context of a GraphQL operation run inside the process (benchmarks, tests): a
    POST /graphql that carries ``token`` as its bearer, or none."""
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    scope = {"type": "http", "method": "POST", "path": "/graphql", "query_string": b"", "headers": headers}
    return Context(stores=stores, connection=Request(scope), request_id=request_id, revoked=revoked)


# What every resolver receives as ``info``.
Info = strawberry.Info[Context, None]
