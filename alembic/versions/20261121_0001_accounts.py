"""Accounts: the id generator, users and refresh tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 41 bits of milliseconds since 2024-01-01, 13 bits of shard, 10 bits of sequence: ids sort
# by creation time and say which shard made them (DESIGN.md section 6).
NEXT_ID_FUNCTION = """
CREATE FUNCTION shutter_next_id() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    epoch_ms CONSTANT bigint := 1704067200000;
    shard bigint := coalesce(nullif(current_setting('shutter.shard_id', true), ''), '0')::bigint;
    now_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
    seq bigint := nextval('shutter_id_seq') % 1024;
BEGIN
    RETURN ((now_ms - epoch_ms) << 23) | ((shard % 8192) << 10) | seq;
END
$$;
"""


def upgrade() -> None:
    op.execute("CREATE SEQUENCE shutter_id_seq")
    op.execute(NEXT_ID_FUNCTION)
    user_role = sa.Enum("USER", "MODERATOR", "ADMIN", name="user_role")
    account_status = sa.Enum("ACTIVE", "SUSPENDED", name="account_status")
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("shutter_next_id()"), nullable=False),
        sa.Column("username", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("full_name", sa.String(length=64), server_default="", nullable=False),
        sa.Column("bio", sa.String(length=150), server_default="", nullable=False),
        sa.Column("is_private", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("role", user_role, server_default="USER", nullable=False),
        sa.Column("status", account_status, server_default="ACTIVE", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index("ix_users_full_name_lower", "users", [sa.text("lower(full_name)")])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("shutter_next_id()"), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"])
    op.create_index(op.f("ix_refresh_tokens_family_id"), "refresh_tokens", ["family_id"])


def downgrade() -> None:
    op.drop_table("refresh_tokens")
    op.drop_table("users")
    sa.Enum(name="account_status").drop(op.get_bind())
    sa.Enum(name="user_role").drop(op.get_bind())
    op.execute("DROP FUNCTION shutter_next_id()")
    op.execute("DROP SEQUENCE shutter_id_seq")
