"""Reports, moderation decisions, suspensions and hidden words: arguments -> one service call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from db.moderation import CaseStatus, ReportReason, TargetKind
from schema.context import Info
from schema.errors import payload
from schema.moderation import (
    CaseStatusEnum,
    DecisionEnum,
    HiddenWordsPayload,
    ModerateCommentPayload,
    ModeratePostPayload,
    ModerationCase,
    ModerationLogEntry,
    ReportPayload,
    ReportReasonEnum,
    SuspensionPayload,
)
from schema.posts import Comment, Post
from schema.relay import Connection, encode_cursor, page_request, parse_global_id
from schema.users import User
from services import content_filter, moderation
from services.moderation import Decision
from services.stores import Stores

Report = Callable[[Stores, int, int, ReportReason], Awaitable[bool]]


async def _report(
    info: Info, global_id: str, type_name: str, field: str, *, reason: ReportReason, call: Report
) -> ReportPayload:
    viewer = info.context.require_viewer()

    async def work() -> bool:
        return await call(info.context.stores, viewer, parse_global_id(global_id, type_name, field), reason)

    return await payload(work(), lambda value: ReportPayload(counted=value), ReportPayload)


async def report_post(info: Info, post_id: strawberry.ID, reason: ReportReasonEnum) -> ReportPayload:  # type: ignore[valid-type]
    return await _report(info, post_id, "Post", "postId", reason=reason, call=moderation.report_post)


async def report_comment(info: Info, comment_id: strawberry.ID, reason: ReportReasonEnum) -> ReportPayload:  # type: ignore[valid-type]
    return await _report(info, comment_id, "Comment", "commentId", reason=reason, call=moderation.report_comment)


async def report_user(info: Info, user_id: strawberry.ID, reason: ReportReasonEnum) -> ReportPayload:  # type: ignore[valid-type]
    return await _report(info, user_id, "User", "userId", reason=reason, call=moderation.report_user)


async def moderate_post(info: Info, post_id: strawberry.ID, action: DecisionEnum) -> ModeratePostPayload:  # type: ignore[valid-type]
    viewer = info.context.require_viewer()

    async def work() -> Post:
        target = parse_global_id(post_id, "Post", "postId")
        row = await moderation.moderate(info.context.stores, viewer, TargetKind.POST, target, Decision(action))
        return Post.from_row(row)  # type: ignore[arg-type]

    return await payload(work(), lambda value: ModeratePostPayload(post=value), ModeratePostPayload)


async def moderate_comment(info: Info, comment_id: strawberry.ID, action: DecisionEnum) -> ModerateCommentPayload:  # type: ignore[valid-type]
    viewer = info.context.require_viewer()

    async def work() -> Comment:
        target = parse_global_id(comment_id, "Comment", "commentId")
        row = await moderation.moderate(info.context.stores, viewer, TargetKind.COMMENT, target, Decision(action))
        return Comment.from_row(row)  # type: ignore[arg-type]

    return await payload(work(), lambda comment: ModerateCommentPayload(comment=comment), ModerateCommentPayload)


async def _suspension(info: Info, user_id: strawberry.ID, suspended: bool, reason: str) -> SuspensionPayload:
    viewer = info.context.require_viewer()

    async def work() -> User:
        target = parse_global_id(user_id, "User", "userId")
        return User.from_row(await moderation.set_suspended(info.context.stores, viewer, target, suspended, reason))

    return await payload(work(), lambda value: SuspensionPayload(user=value), SuspensionPayload)


async def suspend_user(info: Info, user_id: strawberry.ID, reason: str = "") -> SuspensionPayload:
    return await _suspension(info, user_id, True, reason)


async def unsuspend_user(info: Info, user_id: strawberry.ID, reason: str = "") -> SuspensionPayload:
    return await _suspension(info, user_id, False, reason)


async def dismiss_user_reports(info: Info, user_id: strawberry.ID, reason: str = "") -> SuspensionPayload:
    viewer = info.context.require_viewer()

    async def work() -> User:
        target = parse_global_id(user_id, "User", "userId")
        return User.from_row(await moderation.dismiss_user_reports(info.context.stores, viewer, target, reason))

    return await payload(work(), lambda value: SuspensionPayload(user=value), SuspensionPayload)


async def set_hidden_words(info: Info, words: list[str]) -> HiddenWordsPayload:
    viewer = info.context.require_viewer()

    return await payload(
        content_filter.set_hidden_words(info.context.stores, viewer, words),
        lambda stored: HiddenWordsPayload(words=stored),
        HiddenWordsPayload,
    )


async def moderation_queue(
    info: Info,
    first: int | None = None,
    after: str | None = None,
    status: CaseStatusEnum = CaseStatus.PENDING,  # type: ignore[valid-type]
) -> Connection[ModerationCase]:
    viewer = info.context.require_viewer()
    request = page_request(info.context.stores.settings, first, after, cursor_arity=2)
    cursor_after = (request.after[0], request.after[1]) if request.after else None
    entries = await moderation.queue(info.context.stores, viewer, CaseStatus(status), request.first + 1, cursor_after)
    return Connection[ModerationCase].build(
        entries,
        request,
        node=ModerationCase.from_entry,
        cursor=lambda entry: encode_cursor(entry.opened_micros, entry.case.id),
    )


async def moderation_log(
    info: Info, first: int | None = None, after: str | None = None
) -> Connection[ModerationLogEntry]:
    viewer = info.context.require_viewer()
    request = page_request(info.context.stores.settings, first, after, cursor_arity=1)
    before = request.after[0] if request.after else None
    rows = await moderation.audit_log(info.context.stores, viewer, request.first + 1, before)
    return Connection[ModerationLogEntry].build(
        rows, request, node=ModerationLogEntry.from_row, cursor=lambda row: encode_cursor(row.id)
    )
