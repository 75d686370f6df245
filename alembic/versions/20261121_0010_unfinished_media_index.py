"""An index over unfinished media (awaiting upload or failed) by age.

Workers remove abandoned uploads with their bytes (services/media_cleanup.py); they look
for the oldest unfinished media, which this partial index keeps small. Built CONCURRENTLY,
outside the transaction.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_media_unfinished_created_at"
# Written out rather than imported: a migration keeps what it said when it was released.
PREDICATE = "status IN ('AWAITING_UPLOAD', 'FAILED')"


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")  # an invalid one a failed build left
        op.execute(f"CREATE INDEX CONCURRENTLY {NAME} ON media (created_at) WHERE {PREDICATE}")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
