"""Permission classes, declared once on the fields that need them."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from schema.context import Context


class IsAuthenticated(BasePermission):
    message = "Sign in to do this."
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - the base declares it so

    def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        # A present but bad token raises NotAuthenticated, which maps to the same code.
        return info.context.viewer_id is not None
