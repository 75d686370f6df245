"""SQLAlchemy models for the metadata Shutter keeps in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids come from the database (time, shard, sequence), see the first migration.
NEXT_ID = text("shutter_next_id()")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(enum.StrEnum):
    USER = "USER"
    MODERATOR = "MODERATOR"
    ADMIN = "ADMIN"


class AccountStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


def now_column() -> Mapped[dt.datetime]:
    """A timestamp the database fills in when the row is made."""
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    username: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    full_name: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    bio: Mapped[str] = mapped_column(String(150), nullable=False, server_default="")
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    role: Mapped[Role] = mapped_column(Enum(Role, name="user_role"), nullable=False, server_default=Role.USER.value)
    status: Mapped[AccountStatus] = mapped_column(
        Enum(AccountStatus, name="account_status"),
        nullable=False,
        server_default=AccountStatus.ACTIVE.value,
    )
    created_at: Mapped[dt.datetime] = now_column()
    updated_at: Mapped[dt.datetime] = now_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # Full-name prefix search (searchUsers) later leans on this; usernames use the unique index.
        Index("ix_users_full_name_lower", func.lower(full_name)),
    )


class RefreshToken(Base):
    """One issued refresh token. Tokens of one login form a family; reuse revokes the family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    family_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = now_column()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    # Each API process reads the sign-ins revoked since its last read (services/revocations.py).
    __table_args__ = (
        Index("ix_refresh_tokens_revoked_at", "revoked_at", postgresql_where=text("revoked_at IS NOT NULL")),
    )
