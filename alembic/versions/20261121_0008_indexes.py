"""Indexes: under the foreign keys that had none, over revoked refresh tokens, and over
unfinished media.

Deleting a user, a post or a comment makes PostgreSQL look up the rows that point at it;
without an index under each foreign key every such lookup scans its whole table. Those
indexes also serve the reads by author (a user's comments on a post), by liker and by
mentioned user. Every API process reads the sign-ins revoked since its last read
(services/revocations.py), and workers look for the oldest unfinished media to remove
abandoned uploads (services/media_cleanup.py): partial indexes keep both small.

The indexes are built CONCURRENTLY, outside the migration's transaction, so a large live
table keeps taking writes while they build.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name, table, columns, partial-index predicate
INDEXES: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    ("ix_comments_author_id_post_id", "comments", ("author_id", "post_id"), None),
    ("ix_comments_parent_id", "comments", ("parent_id",), "parent_id IS NOT NULL"),
    ("ix_likes_user_id_created_at", "likes", ("user_id", "created_at"), None),
    ("ix_post_mentions_user_id", "post_mentions", ("user_id",), None),
    ("ix_notifications_comment_id", "notifications", ("comment_id",), "comment_id IS NOT NULL"),
    ("ix_moderation_actions_moderator_id", "moderation_actions", ("moderator_id",), None),
    ("ix_refresh_tokens_revoked_at", "refresh_tokens", ("revoked_at",), "revoked_at IS NOT NULL"),
    ("ix_media_unfinished_created_at", "media", ("created_at",), "status IN ('AWAITING_UPLOAD', 'FAILED')"),
)


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table, columns, where in INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")  # an invalid one a failed build left
            predicate = f" WHERE {where}" if where else ""
            op.execute(f"CREATE INDEX CONCURRENTLY {name} ON {table} ({', '.join(columns)}){predicate}")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name, _, _, _ in INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
