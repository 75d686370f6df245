"""Reports, the moderation queue and log, hidden words: types, payloads and the moderator check."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission

from db.moderation import CaseStatus, LogAction, ModerationAction, ReportReason, TargetKind
from schema.context import Info
from schema.errors import UserError
from schema.posts import Comment, Post
from schema.users import User
from services import roles
from services.moderation import Decision, QueueEntry

ReportReasonEnum = strawberry.enum(ReportReason, name="ReportReason")
DecisionEnum = strawberry.enum(
    Decision,
    name="ModerationDecision",
    description="REMOVE hides for good; RESTORE shows again; DISMISS rejects the reports and undoes an automatic hide.",
)
CaseStatusEnum = strawberry.enum(CaseStatus, name="ModerationStatus")
TargetKindEnum = strawberry.enum(TargetKind, name="ModerationTarget")
LogActionEnum = strawberry.enum(
    LogAction, name="ModerationLogAction", description="AUTO_HIDE has no moderator: the report threshold hid it."
)
GLOBAL_TYPE = {TargetKind.POST: "Post", TargetKind.COMMENT: "Comment", TargetKind.USER: "User"}


class IsModerator(BasePermission):
    """Moderators and admins only; anyone else gets a top-level FORBIDDEN error."""

    message = "Only moderators can do this."
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - the base declares it so

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer_id = info.context.viewer_id
        return viewer_id is not None and roles.is_staff(await info.context.loaders.user_by_id.load(viewer_id))


def _global_id(kind: TargetKind, target_id: int) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(GLOBAL_TYPE[kind], str(target_id))))


@strawberry.type
class ReasonCount:
    reason: ReportReasonEnum  # type: ignore[valid-type]
    count: int


@strawberry.type(description="One reported post, comment or account and the reports of its current round.")
class ModerationCase:
    target_kind: TargetKindEnum  # type: ignore[valid-type]
    target_id: strawberry.ID = strawberry.field(description="The global id of the post, comment or user.")
    post: Post | None
    comment: Comment | None
    user: User | None
    status: CaseStatusEnum  # type: ignore[valid-type]
    report_count: int = strawberry.field(description="Distinct reporters since the case (re)opened.")
    reasons: list[ReasonCount]
    hidden: bool = strawberry.field(description="The post or comment is hidden now (always false for users).")
    opened_at: dt.datetime
    resolved_at: dt.datetime | None

    @classmethod
    def from_entry(cls, entry: QueueEntry) -> ModerationCase:
        case = entry.case
        content = entry.post or entry.comment
        return cls(
            target_kind=case.target_kind,
            target_id=_global_id(case.target_kind, case.target_id),
            post=Post.from_row(entry.post) if entry.post else None,
            comment=Comment.from_row(entry.comment) if entry.comment else None,
            user=User.from_row(entry.user) if entry.user else None,
            status=case.status,
            report_count=case.report_count,
            reasons=[ReasonCount(reason=r, count=n) for r, n in sorted(entry.reasons.items())],
            hidden=content is not None and content.hidden_at is not None,
            opened_at=case.opened_at,
            resolved_at=case.resolved_at,
        )


@strawberry.type(description="One moderation action: who did what to which target, why and when.")
class ModerationLogEntry:
    action: LogActionEnum  # type: ignore[valid-type]
    target_kind: TargetKindEnum  # type: ignore[valid-type]
    target_id: strawberry.ID
    reason: str
    created_at: dt.datetime
    row: strawberry.Private[ModerationAction]

    @classmethod
    def from_row(cls, row: ModerationAction) -> ModerationLogEntry:
        return cls(
            action=row.action,
            target_kind=row.target_kind,
            target_id=_global_id(row.target_kind, row.target_id),
            reason=row.reason,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="Null for automatic actions.")
    async def moderator(self, info: Info) -> User | None:
        if self.row.moderator_id is None:
            return None
        found = await info.context.loaders.user_by_id.load(self.row.moderator_id)
        return User.from_row(found) if found is not None else None


@strawberry.type
class ReportPayload:
    counted: bool = strawberry.field(default=False, description="False for a repeat report: it counts once.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ModeratePostPayload:
    post: Post | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ModerateCommentPayload:
    comment: Comment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SuspensionPayload:
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class HiddenWordsPayload:
    words: list[str] = strawberry.field(default_factory=list, description="As stored: trimmed, lower case, sorted.")
    errors: list[UserError] = strawberry.field(default_factory=list)
