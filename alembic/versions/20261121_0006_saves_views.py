"""Saved posts, folded view counts per post and per day, and the ids of folded view batches.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saves",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_saves_post_id_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saves_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "post_id", name=op.f("pk_saves")),
    )
    op.create_index("ix_saves_user_id_created_at", "saves", ["user_id", "created_at", "post_id"], unique=False)
    op.create_index("ix_saves_post_id_created_at", "saves", ["post_id", "created_at"], unique=False)
    op.create_table(
        "post_views",
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reach_sketch", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_views_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_post_views")),
    )
    op.create_table(
        "post_view_days",
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_view_days_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "day", name=op.f("pk_post_view_days")),
    )
    op.create_table(
        "view_batches_folded",
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("folded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_view_batches_folded")),
    )
    op.create_index("ix_view_batches_folded_folded_at", "view_batches_folded", ["folded_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_view_batches_folded_folded_at", table_name="view_batches_folded")
    op.drop_table("view_batches_folded")
    op.drop_table("post_view_days")
    op.drop_table("post_views")
    op.drop_index("ix_saves_post_id_created_at", table_name="saves")
    op.drop_index("ix_saves_user_id_created_at", table_name="saves")
    op.drop_table("saves")
