"""Inputs and payloads for posting, liking and commenting."""

from __future__ import annotations

import strawberry

from db.content import Audience
from schema.errors import UserError
from schema.posts import AudienceEnum, Comment, Post


@strawberry.input
class CreatePostInput:
    media_ids: list[strawberry.ID] = strawberry.field(description="1 to 20 READY media of the viewer, in order.")
    caption: str = ""
    audience: AudienceEnum = Audience.EVERYONE  # type: ignore[valid-type]
    location: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None, description="Sending the same key again returns the post made the first time."
    )


@strawberry.input
class AltTextInput:
    media_id: strawberry.ID
    alt_text: str


@strawberry.input
class EditPostInput:
    post_id: strawberry.ID
    caption: str | None = None
    location: str | None = None
    alt_texts: list[AltTextInput] = strawberry.field(default_factory=list)


@strawberry.input
class AddCommentInput:
    post_id: strawberry.ID
    text: str
    reply_to_id: strawberry.ID | None = None


@strawberry.type
class PostPayload:
    post: Post | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletePostPayload:
    deleted_post_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CommentPayload:
    comment: Comment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteCommentPayload:
    deleted_comment_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
