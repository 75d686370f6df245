"""Notifications with the actors behind them, and post alerts.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "FOLLOW",
    "FOLLOW_REQUEST",
    "FOLLOW_ACCEPTED",
    "LIKE",
    "COMMENT",
    "REPLY",
    "MENTION",
    "NEW_POST",
)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("shutter_next_id()"), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="notification_kind"), nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=True),
        sa.Column("comment_id", sa.BigInteger(), nullable=True),
        sa.Column("sort_key", sa.BigInteger(), server_default=sa.text("shutter_next_id()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_notifications_comment_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_notifications_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_notifications_recipient_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_post_id", "notifications", ["post_id"], unique=False)
    op.create_index("ix_notifications_recipient_group", "notifications", ["recipient_id", "group_key"], unique=True)
    op.create_index(
        "ix_notifications_recipient_id_sort_key", "notifications", ["recipient_id", "sort_key"], unique=False
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["recipient_id"],
        unique=False,
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "notification_actors",
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_notification_actors_actor_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_actors_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", "actor_id", name=op.f("pk_notification_actors")),
    )
    op.create_index(op.f("ix_notification_actors_actor_id"), "notification_actors", ["actor_id"], unique=False)
    op.create_table(
        "post_alerts",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_post_alerts_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_post_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "author_id", name=op.f("pk_post_alerts")),
    )
    op.create_index(op.f("ix_post_alerts_author_id"), "post_alerts", ["author_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_post_alerts_author_id"), table_name="post_alerts")
    op.drop_table("post_alerts")
    op.drop_index(op.f("ix_notification_actors_actor_id"), table_name="notification_actors")
    op.drop_table("notification_actors")
    op.drop_index("ix_notifications_unread", table_name="notifications", postgresql_where=sa.text("read_at IS NULL"))
    op.drop_index("ix_notifications_recipient_id_sort_key", table_name="notifications")
    op.drop_index("ix_notifications_recipient_group", table_name="notifications")
    op.drop_index("ix_notifications_post_id", table_name="notifications")
    op.drop_table("notifications")
    sa.Enum(name="notification_kind").drop(op.get_bind(), checkfirst=True)
