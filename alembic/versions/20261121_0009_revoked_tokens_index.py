"""An index over refresh tokens by when they were revoked.

Every API process reads the sign-ins revoked since its last read (services/revocations.py);
the partial index holds only revoked tokens. Built CONCURRENTLY, outside the transaction.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_refresh_tokens_revoked_at"


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")  # an invalid one a failed build left
        op.execute(f"CREATE INDEX CONCURRENTLY {NAME} ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
