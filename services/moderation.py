"""Reports, the threshold that hides reported content, and what moderators do about it.

Every step that counts or decides runs with the target's case row locked, so the hide lands
exactly on the threshold-th distinct reporter and never races a moderator's decision.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db import engagement as engagement_queries
from db import moderation as queries
from db import posts as post_queries
from db import users as user_queries
from db.content import Comment, Post
from db.models import AccountStatus, Role, User
from db.moderation import CaseStatus, LogAction, ModerationAction, ModerationCase, ReportReason, TargetKind
from graph import social as graph_social
from services import privacy, revocations
from services.errors import DomainError, ErrorCode
from services.post_access import visible_comment, visible_post
from services.roles import is_staff
from services.stores import Stores


class Decision(enum.StrEnum):
    """What a moderator decides about reported (or any) content."""

    REMOVE = "REMOVE"  # hide it for good; only a later RESTORE brings it back
    RESTORE = "RESTORE"  # show it again, whoever hid it
    DISMISS = "DISMISS"  # the reports were wrong: undo an automatic hide, keep a moderator's


@dataclass(frozen=True, slots=True)
class QueueEntry:
    case: ModerationCase
    opened_micros: int
    reasons: dict[ReportReason, int]
    post: Post | None
    comment: Comment | None
    user: User | None


async def _require_moderator(session: AsyncSession, user_id: int) -> User:
    user = (await user_queries.by_ids(session, [user_id])).get(user_id)
    if user is None or not is_staff(user):
        raise DomainError(ErrorCode.FORBIDDEN, "Only moderators can do this.")
    return user


async def report_post(stores: Stores, reporter_id: int, post_id: int, reason: ReportReason) -> bool:
    """Report a post the reporter can see; True when this report counted (not a repeat)."""
    post = await visible_post(stores, reporter_id, post_id)
    if post.author_id == reporter_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "You cannot report your own post.", "postId")
    return await _count_report(stores, reporter_id, TargetKind.POST, post_id, reason)


async def report_comment(stores: Stores, reporter_id: int, comment_id: int, reason: ReportReason) -> bool:
    found = await visible_comment(stores, reporter_id, comment_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such comment.", "commentId")
    if found[0].author_id == reporter_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "You cannot report your own comment.", "commentId")
    return await _count_report(stores, reporter_id, TargetKind.COMMENT, comment_id, reason)


async def report_user(stores: Stores, reporter_id: int, user_id: int, reason: ReportReason) -> bool:
    """Report an account: it joins the queue for review; reports never suspend by themselves."""
    if user_id == reporter_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "You cannot report yourself.", "userId")
    async with stores.sessions() as session:
        user = (await user_queries.by_ids(session, [user_id])).get(user_id)
    relationship = (await graph_social.relationships(stores.graph, reporter_id, [user_id])).get(user_id)
    if user is None or not privacy.can_view_profile(reporter_id, user, relationship or privacy.NO_RELATIONSHIP):
        raise DomainError(ErrorCode.NOT_FOUND, "No such user.", "userId")
    return await _count_report(stores, reporter_id, TargetKind.USER, user_id, reason)


async def _count_report(
    stores: Stores, reporter_id: int, kind: TargetKind, target_id: int, reason: ReportReason
) -> bool:
    async with stores.sessions.begin() as session:
        case = await queries.locked_case(session, kind, target_id)
        if not await queries.add_report(session, case.id, reporter_id, reason):
            return False
        if case.status is CaseStatus.RESOLVED:
            await queries.reopen(session, case)  # reports after a decision are counted afresh
        else:
            case.report_count += 1
        if kind is not TargetKind.USER and case.report_count >= stores.settings.report_hide_threshold:
            target = await _target(session, kind, target_id)
            if target is not None and target.hidden_at is None:
                target.hidden_at = dt.datetime.now(dt.UTC)
                case.auto_hidden = True
                queries.log(session, None, LogAction.AUTO_HIDE, kind, target_id, reason="report threshold reached")
    return True


async def _target(session: AsyncSession, kind: TargetKind, target_id: int) -> Post | Comment | None:
    found: Post | Comment | None
    if kind is TargetKind.POST:
        found = (await post_queries.posts_by_ids(session, [target_id])).get(target_id)
    else:
        found = (await engagement_queries.comments_by_ids(session, [target_id])).get(target_id)
    return None if found is None or found.deleted_at is not None else found


def _resolve(case: ModerationCase | None) -> None:
    if case is not None and case.status is CaseStatus.PENDING:
        case.status, case.resolved_at = CaseStatus.RESOLVED, dt.datetime.now(dt.UTC)


async def moderate(
    stores: Stores, moderator_id: int, kind: TargetKind, target_id: int, decision: Decision
) -> Post | Comment:
    """Apply a moderator's decision to a post or comment, resolve its case and log it."""
    field = "postId" if kind is TargetKind.POST else "commentId"
    async with stores.sessions.begin() as session:
        await _require_moderator(session, moderator_id)
        case = await queries.case_for_update(session, kind, target_id)
        target = await _target(session, kind, target_id)
        if target is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"No such {kind.value.lower()}.", field)
        if decision is Decision.REMOVE:
            target.hidden_at = target.hidden_at or dt.datetime.now(dt.UTC)
        elif decision is Decision.RESTORE or (case is not None and case.auto_hidden):
            target.hidden_at = None
        if case is not None:
            case.auto_hidden = False
        _resolve(case)
        queries.log(session, moderator_id, LogAction(decision.value), kind, target_id, reason="")
    return target


def _checked_reason(stores: Stores, reason: str) -> str:
    reason = reason.strip()
    limit = stores.settings.moderation_reason_max_length
    if len(reason) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", "reason")
    return reason


async def dismiss_user_reports(stores: Stores, moderator_id: int, user_id: int, reason: str = "") -> User:
    """Close an account's pending reports with no action against it, and log that."""
    reason = _checked_reason(stores, reason)
    async with stores.sessions.begin() as session:
        await _require_moderator(session, moderator_id)
        user = (await user_queries.by_ids(session, [user_id])).get(user_id)
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such user.", "userId")
        case = await queries.case_for_update(session, TargetKind.USER, user_id)
        if case is None or case.status is not CaseStatus.PENDING:
            raise DomainError(ErrorCode.NOT_FOUND, "This account has no pending reports.", "userId")
        _resolve(case)
        queries.log(session, moderator_id, LogAction.DISMISS, TargetKind.USER, user_id, reason=reason)
    return user


async def set_suspended(stores: Stores, moderator_id: int, user_id: int, suspended: bool, reason: str = "") -> User:
    """Suspend an account (it cannot sign in, its logins end at once and everything it shared
    disappears) or lift a suspension. Only an admin may suspend a moderator or an admin."""
    reason = _checked_reason(stores, reason)
    if user_id == moderator_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "You cannot suspend yourself.", "userId")
    async with stores.sessions.begin() as session:
        moderator = await _require_moderator(session, moderator_id)
        user = (await user_queries.by_ids(session, [user_id])).get(user_id)
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such user.", "userId")
        if user.role is not Role.USER and moderator.role is not Role.ADMIN:
            raise DomainError(ErrorCode.FORBIDDEN, "Only an admin can suspend staff.", "userId")
        user.status = AccountStatus.SUSPENDED if suspended else AccountStatus.ACTIVE
        revoked = await user_queries.revoke_families(session, user_id=user.id) if suspended else []
        _resolve(await queries.case_for_update(session, TargetKind.USER, user_id))
        action = LogAction.SUSPEND if suspended else LogAction.UNSUSPEND
        queries.log(session, moderator_id, action, TargetKind.USER, user_id, reason=reason)
    await revocations.announce(stores, revoked)
    return user


async def queue(
    stores: Stores, moderator_id: int, status: CaseStatus, limit: int, after: tuple[int, int] | None
) -> list[QueueEntry]:
    """Reported targets, oldest case first, with their reasons and the target rows (hidden
    ones included: moderators see what they judge)."""
    async with stores.sessions() as session:
        await _require_moderator(session, moderator_id)
        if limit == 0:
            return []
        cases = await queries.cases_page(session, status, limit, after)
        reasons = await queries.reason_counts(session, [case for case, _ in cases])
        ids = {kind: [c.target_id for c, _ in cases if c.target_kind is kind] for kind in TargetKind}
        posts = await post_queries.posts_by_ids(session, ids[TargetKind.POST]) if ids[TargetKind.POST] else {}
        comments = await engagement_queries.comments_by_ids(session, ids[TargetKind.COMMENT])
        users = await user_queries.by_ids(session, ids[TargetKind.USER])
    return [
        QueueEntry(
            case=case,
            opened_micros=micros,
            reasons=reasons[case.id],
            post=posts.get(case.target_id) if case.target_kind is TargetKind.POST else None,
            comment=comments.get(case.target_id) if case.target_kind is TargetKind.COMMENT else None,
            user=users.get(case.target_id) if case.target_kind is TargetKind.USER else None,
        )
        for case, micros in cases
    ]


async def audit_log(stores: Stores, moderator_id: int, limit: int, before_id: int | None) -> list[ModerationAction]:
    """The moderation log, newest first."""
    async with stores.sessions() as session:
        await _require_moderator(session, moderator_id)
        return await queries.log_page(session, limit, before_id) if limit else []
