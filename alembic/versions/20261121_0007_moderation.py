"""Moderation: reports grouped in cases, the audit log, hidden comments and hidden words.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TARGET = postgresql.ENUM("POST", "COMMENT", "USER", name="moderation_target", create_type=False)
STATUS = postgresql.ENUM("PENDING", "RESOLVED", name="moderation_status", create_type=False)
REASON = postgresql.ENUM(
    "SPAM", "NUDITY", "HARASSMENT", "HATE", "VIOLENCE", "FALSE_INFORMATION", "OTHER",
    name="report_reason", create_type=False,
)  # fmt: skip
ACTION = postgresql.ENUM(
    "AUTO_HIDE", "REMOVE", "RESTORE", "DISMISS", "SUSPEND", "UNSUSPEND", name="moderation_action", create_type=False
)
ENUMS = (TARGET, STATUS, REASON, ACTION)


def upgrade() -> None:
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=True)
    op.add_column("comments", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "moderation_cases",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("shutter_next_id()"), nullable=False),
        sa.Column("target_kind", TARGET, nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("report_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("auto_hidden", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_cases")),
    )
    op.create_index("uq_moderation_cases_target", "moderation_cases", ["target_kind", "target_id"], unique=True)
    op.create_index(
        "ix_moderation_cases_status_opened_at", "moderation_cases", ["status", "opened_at", "id"], unique=False
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("shutter_next_id()"), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", REASON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["moderation_cases.id"], name=op.f("fk_reports_case_id_moderation_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_reports_reporter_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index("uq_reports_case_id_reporter_id", "reports", ["case_id", "reporter_id"], unique=True)
    op.create_index(op.f("ix_reports_reporter_id"), "reports", ["reporter_id"], unique=False)
    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("shutter_next_id()"), nullable=False),
        sa.Column("moderator_id", sa.BigInteger(), nullable=True),
        sa.Column("action", ACTION, nullable=False),
        sa.Column("target_kind", TARGET, nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["users.id"], name=op.f("fk_moderation_actions_moderator_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    op.create_table(
        "hidden_words",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hidden_words_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "word", name=op.f("pk_hidden_words")),
    )


def downgrade() -> None:
    op.drop_table("hidden_words")
    op.drop_table("moderation_actions")
    op.drop_index(op.f("ix_reports_reporter_id"), table_name="reports")
    op.drop_index("uq_reports_case_id_reporter_id", table_name="reports")
    op.drop_table("reports")
    op.drop_index("ix_moderation_cases_status_opened_at", table_name="moderation_cases")
    op.drop_index("uq_moderation_cases_target", table_name="moderation_cases")
    op.drop_table("moderation_cases")
    op.drop_column("comments", "hidden_at")
    bind = op.get_bind()
    for enum in reversed(ENUMS):
        enum.drop(bind, checkfirst=True)
