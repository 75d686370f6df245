"""Uploads, posts, likes, comments and close friends: arguments -> one service call -> types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from graph.listing import Listing
from schema.context import Info
from schema.errors import UserError, payload
from schema.media import (
    CompleteUploadInput,
    CreateUploadInput,
    CreateUploadPayload,
    HttpHeader,
    Media,
    MediaPayload,
)
from schema.media import MultipartPlan as MultipartPlanType
from schema.media import UploadTarget as UploadTargetType
from schema.post_inputs import (
    AddCommentInput,
    CommentPayload,
    CreatePostInput,
    DeleteCommentPayload,
    DeletePostPayload,
    EditPostInput,
    PostPayload,
)
from schema.posts import Comment, Post
from schema.relay import Connection, parse_global_id
from schema.users import User, people_connection
from services import engagement, post_access, posts, uploads
from services.errors import DomainError, ErrorCode
from storage import UploadTarget

T = TypeVar("T")


def _target(target: UploadTarget) -> UploadTargetType:
    headers = [HttpHeader(name=name, value=value) for name, value in target.headers.items()]
    return UploadTargetType(url=target.url, method=target.method, headers=headers, expires_at=target.expires_at)


async def create_upload(info: Info, input: CreateUploadInput) -> CreateUploadPayload:
    request = uploads.NewUpload(
        kind=input.kind,
        content_type=input.content_type,
        byte_size=input.byte_size,
        sha256=input.sha256,
        filename=input.filename,
        alt_text=input.alt_text,
    )
    created = uploads.create_upload(info.context.stores, info.context.require_viewer(), request)
    return await payload(created, _upload_payload, CreateUploadPayload)


def _upload_payload(plan: uploads.UploadPlan) -> CreateUploadPayload:
    multipart = plan.multipart
    return CreateUploadPayload(
        media=Media.from_row(plan.media),
        upload=_target(plan.single) if plan.single else None,
        multipart=MultipartPlanType(part_size=multipart.part_size, parts=[_target(p) for p in multipart.parts])
        if multipart
        else None,
    )


async def complete_upload(info: Info, input: CompleteUploadInput) -> MediaPayload:
    etags = [part.etag for part in sorted(input.parts, key=lambda part: part.part_number)]

    async def work(viewer: int) -> Media:
        media_id = parse_global_id(input.media_id, "Media", "mediaId")
        return Media.from_row(await uploads.complete_upload(info.context.stores, viewer, media_id, etags))

    return await payload(work(info.context.require_viewer()), lambda value: MediaPayload(media=value), MediaPayload)


async def upload_media(info: Info, file: Upload, alt_text: str = "") -> MediaPayload:
    """One small image through the GraphQL multipart request; processed like any upload."""
    limit = info.context.stores.settings.multipart_upload_max_bytes
    if not isinstance(file, UploadFile):  # the scalar lets any JSON value through
        return MediaPayload(
            errors=[
                UserError(field="file", message="Send the file as a multipart upload.", code=ErrorCode.INVALID_INPUT)
            ]
        )
    upload = file  # what Strawberry's Upload scalar carries on Starlette
    await upload.seek(0)  # the same file may fill several variables
    data = await upload.read(limit + 1)

    async def work(viewer: int) -> Media:
        row = await uploads.upload_image(
            info.context.stores,
            viewer,
            data,
            content_type=upload.content_type or "",
            filename=upload.filename or "",
            alt_text=alt_text,
        )
        return Media.from_row(row)

    return await payload(work(info.context.require_viewer()), lambda value: MediaPayload(media=value), MediaPayload)


async def create_post(info: Info, input: CreatePostInput) -> PostPayload:
    async def work(viewer: int) -> Post:
        request = posts.NewPost(
            media_ids=[parse_global_id(mid, "Media", "mediaIds") for mid in input.media_ids],
            caption=input.caption,
            audience=input.audience,
            location=input.location,
            idempotency_key=input.idempotency_key,
        )
        return Post.from_row(await posts.create_post(info.context.stores, viewer, request))

    return await payload(work(info.context.require_viewer()), lambda value: PostPayload(post=value), PostPayload)


async def edit_post(info: Info, input: EditPostInput) -> PostPayload:
    async def work(viewer: int) -> Post:
        alt_texts = {parse_global_id(a.media_id, "Media", "altTexts"): a.alt_text for a in input.alt_texts}
        row = await posts.edit_post(
            info.context.stores,
            viewer,
            parse_global_id(input.post_id, "Post", "postId"),
            caption=input.caption,
            location=input.location,
            alt_texts=alt_texts,
        )
        return Post.from_row(row)

    return await payload(work(info.context.require_viewer()), lambda value: PostPayload(post=value), PostPayload)


async def delete_post(info: Info, post_id: strawberry.ID) -> DeletePostPayload:
    async def work(viewer: int) -> int:
        return await posts.delete_post(info.context.stores, viewer, parse_global_id(post_id, "Post", "postId"))

    deleted = DeletePostPayload(deleted_post_id=strawberry.ID(str(post_id)))
    return await payload(work(info.context.require_viewer()), lambda _: deleted, DeletePostPayload)


async def _post_action(info: Info, post_id: strawberry.ID, action: Callable[..., Awaitable[object]]) -> PostPayload:
    async def work(viewer: int) -> Post:
        row = await action(info.context.stores, viewer, parse_global_id(post_id, "Post", "postId"))
        return Post.from_row(row)  # type: ignore[arg-type]

    return await payload(work(info.context.require_viewer()), lambda value: PostPayload(post=value), PostPayload)


async def like_post(info: Info, post_id: strawberry.ID) -> PostPayload:
    return await _post_action(info, post_id, engagement.like_post)


async def unlike_post(info: Info, post_id: strawberry.ID) -> PostPayload:
    return await _post_action(info, post_id, engagement.unlike_post)


async def add_comment(info: Info, input: AddCommentInput) -> CommentPayload:
    async def work(viewer: int) -> Comment:
        reply_to = parse_global_id(input.reply_to_id, "Comment", "replyToId") if input.reply_to_id else None
        post_id = parse_global_id(input.post_id, "Post", "postId")
        return Comment.from_row(
            await engagement.add_comment(info.context.stores, viewer, post_id, input.text, reply_to)
        )

    return await payload(
        work(info.context.require_viewer()), lambda value: CommentPayload(comment=value), CommentPayload
    )


async def delete_comment(info: Info, comment_id: strawberry.ID) -> DeleteCommentPayload:
    async def work(viewer: int) -> object:
        return await engagement.delete_comment(
            info.context.stores, viewer, parse_global_id(comment_id, "Comment", "commentId")
        )

    deleted = DeleteCommentPayload(deleted_comment_id=strawberry.ID(str(comment_id)))
    return await payload(work(info.context.require_viewer()), lambda _: deleted, DeleteCommentPayload)


async def post(info: Info, id: strawberry.ID) -> Post | None:
    """A post by global id; null when it does not exist or is hidden from the viewer."""
    try:
        row = await post_access.post_to_review(
            info.context.stores, info.context.viewer_id, parse_global_id(id, "Post", "id")
        )
    except DomainError as error:
        if error.field == "id" and error.code.value == "INVALID_ID":
            raise
        return None
    return Post.from_row(row)


async def close_friends(info: Info, first: int | None = None, after: str | None = None) -> Connection[User]:
    viewer = info.context.require_viewer()
    return await people_connection(info, Listing.CLOSE_FRIENDS, viewer, first, after, visible=True)
