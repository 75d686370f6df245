"""Reports, moderation cases, the moderation audit log and each user's hidden words.

A case is one reported target; its row is locked while a report is counted, so the hide
happens exactly when the threshold-th distinct reporter arrives. Functions never commit.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from db.models import NEXT_ID, Base, now_column


class TargetKind(enum.StrEnum):
    POST = "POST"
    COMMENT = "COMMENT"
    USER = "USER"


class ReportReason(enum.StrEnum):
    SPAM = "SPAM"
    NUDITY = "NUDITY"
    HARASSMENT = "HARASSMENT"
    HATE = "HATE"
    VIOLENCE = "VIOLENCE"
    FALSE_INFORMATION = "FALSE_INFORMATION"
    OTHER = "OTHER"


class CaseStatus(enum.StrEnum):
    PENDING = "PENDING"
    RESOLVED = "RESOLVED"


class LogAction(enum.StrEnum):
    AUTO_HIDE = "AUTO_HIDE"  # no moderator: the report threshold was reached
    REMOVE = "REMOVE"
    RESTORE = "RESTORE"
    DISMISS = "DISMISS"
    SUSPEND = "SUSPEND"
    UNSUSPEND = "UNSUSPEND"


class ModerationCase(Base):
    """One reported target. ``report_count`` counts distinct reporters since ``opened_at``."""

    __tablename__ = "moderation_cases"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    target_kind: Mapped[TargetKind] = mapped_column(Enum(TargetKind, name="moderation_target"), nullable=False)
    target_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[CaseStatus] = mapped_column(Enum(CaseStatus, name="moderation_status"), nullable=False)
    report_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # True while the target is hidden by the threshold rather than by a moderator.
    auto_hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    opened_at: Mapped[dt.datetime] = now_column()
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("uq_moderation_cases_target", "target_kind", "target_id", unique=True),
        Index("ix_moderation_cases_status_opened_at", "status", "opened_at", "id"),
    )


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("moderation_cases.id", ondelete="CASCADE"), nullable=False
    )
    reporter_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reason: Mapped[ReportReason] = mapped_column(Enum(ReportReason, name="report_reason"), nullable=False)
    created_at: Mapped[dt.datetime] = now_column()

    # One report per reporter per target: a repeat is harmless and never counted twice.
    __table_args__ = (Index("uq_reports_case_id_reporter_id", "case_id", "reporter_id", unique=True),)


class ModerationAction(Base):
    """The audit log: who did what to which target, why and when."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    moderator_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[LogAction] = mapped_column(Enum(LogAction, name="moderation_action"), nullable=False)
    target_kind: Mapped[TargetKind] = mapped_column(Enum(TargetKind, name="moderation_target"), nullable=False)
    target_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    created_at: Mapped[dt.datetime] = now_column()

    __table_args__ = (Index("ix_moderation_actions_moderator_id", "moderator_id"),)


class HiddenWord(Base):
    """A word or phrase whose comments on the user's posts only their authors see."""

    __tablename__ = "hidden_words"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    word: Mapped[str] = mapped_column(String(100), primary_key=True)
    # A PostgreSQL regular expression matching the word whole, applied case-insensitively.
    pattern: Mapped[str] = mapped_column(Text, nullable=False)


async def locked_case(session: AsyncSession, kind: TargetKind, target_id: int) -> ModerationCase:
    """The target's case, made if new, locked for the rest of the transaction."""
    await session.execute(
        insert(ModerationCase)
        .values(target_kind=kind, target_id=target_id, status=CaseStatus.RESOLVED)
        .on_conflict_do_nothing(index_elements=["target_kind", "target_id"])
    )
    case = await session.scalar(
        select(ModerationCase)
        .where(ModerationCase.target_kind == kind, ModerationCase.target_id == target_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert case is not None
    return case


async def reopen(session: AsyncSession, case: ModerationCase) -> None:
    """Start a new round of reports on a resolved case, opened at the transaction's time so
    the report that reopens it counts in the round."""
    await session.execute(
        update(ModerationCase)
        .where(ModerationCase.id == case.id)
        .values(status=CaseStatus.PENDING, report_count=1, resolved_at=None, opened_at=func.now())
    )
    await session.refresh(case)


async def case_for_update(session: AsyncSession, kind: TargetKind, target_id: int) -> ModerationCase | None:
    return await session.scalar(
        select(ModerationCase)
        .where(ModerationCase.target_kind == kind, ModerationCase.target_id == target_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def add_report(session: AsyncSession, case_id: int, reporter_id: int, reason: ReportReason) -> bool:
    """Record the report; False when this reporter already reported the target."""
    inserted = await session.scalar(
        insert(Report)
        .values(case_id=case_id, reporter_id=reporter_id, reason=reason)
        .on_conflict_do_nothing(index_elements=["case_id", "reporter_id"])
        .returning(Report.id)
    )
    return inserted is not None


def log(
    session: AsyncSession, moderator_id: int | None, action: LogAction, kind: TargetKind, target_id: int, *, reason: str
) -> None:
    session.add(
        ModerationAction(moderator_id=moderator_id, action=action, target_kind=kind, target_id=target_id, reason=reason)
    )


async def cases_page(
    session: AsyncSession, status: CaseStatus, limit: int, after: tuple[int, int] | None
) -> list[tuple[ModerationCase, int]]:
    """(case, opened at in µs), oldest first, strictly after the (time, id) cursor."""
    micros = func.floor(func.extract("epoch", ModerationCase.opened_at) * 1_000_000).cast(BigInteger)
    query = select(ModerationCase, micros).where(ModerationCase.status == status, ModerationCase.report_count > 0)
    if after is not None:
        query = query.where(or_(micros > after[0], and_(micros == after[0], ModerationCase.id > after[1])))
    rows = await session.execute(query.order_by(micros, ModerationCase.id).limit(limit))
    return [(case, int(at)) for case, at in rows]


async def reason_counts(session: AsyncSession, cases: Sequence[ModerationCase]) -> dict[int, dict[ReportReason, int]]:
    """How often each reason was given in each case since it was (re)opened."""
    found: dict[int, dict[ReportReason, int]] = {case.id: {} for case in cases}
    if not cases:
        return found
    rows = await session.execute(
        select(Report.case_id, Report.reason, func.count())
        .join(ModerationCase, ModerationCase.id == Report.case_id)
        .where(Report.case_id.in_(list(found)), Report.created_at >= ModerationCase.opened_at)
        .group_by(Report.case_id, Report.reason)
    )
    for case_id, reason, count in rows:
        found[case_id][reason] = int(count)
    return found


async def log_page(session: AsyncSession, limit: int, before_id: int | None) -> list[ModerationAction]:
    """Audit log rows, newest first."""
    query = select(ModerationAction)
    if before_id is not None:
        query = query.where(ModerationAction.id < before_id)
    return list(await session.scalars(query.order_by(ModerationAction.id.desc()).limit(limit)))


async def hidden_words(session: AsyncSession, user_id: int) -> list[str]:
    rows = await session.scalars(select(HiddenWord.word).where(HiddenWord.user_id == user_id).order_by(HiddenWord.word))
    return list(rows)


async def replace_hidden_words(session: AsyncSession, user_id: int, patterns: dict[str, str]) -> None:
    await session.execute(delete(HiddenWord).where(HiddenWord.user_id == user_id))
    if patterns:
        await session.execute(
            insert(HiddenWord).values([{"user_id": user_id, "word": w, "pattern": p} for w, p in patterns.items()])
        )
