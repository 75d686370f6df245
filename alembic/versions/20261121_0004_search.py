"""Full-text search over captions: a generated tsvector column and its GIN index.

Revision ID: 0004
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0004"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A stored generated column rewrites the table once; afterwards PostgreSQL keeps it in
    # step with every caption written, edits included, and no code path can forget to.
    op.add_column(
        "posts",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple'::regconfig, caption)", persisted=True),
            nullable=True,
        ),
    )
    op.create_index("ix_posts_search_vector", "posts", ["search_vector"], unique=False, postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_posts_search_vector", table_name="posts", postgresql_using="gin")
    op.drop_column("posts", "search_vector")
