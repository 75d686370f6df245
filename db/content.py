"""Models for what users share: media, posts, likes and comments."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Computed,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from db.models import NEXT_ID, Base, now_column


class MediaKind(enum.StrEnum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"


class MediaStatus(enum.StrEnum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


class Audience(enum.StrEnum):
    EVERYONE = "EVERYONE"
    FOLLOWERS = "FOLLOWERS"
    CLOSE_FRIENDS = "CLOSE_FRIENDS"


# Media not (yet) usable: the predicate of a partial index, written out so queries match it.
UNFINISHED_MEDIA = "status IN ('AWAITING_UPLOAD', 'FAILED')"


ALT_TEXT_MAX_LENGTH = 1000  # the column's width: services check text against it


class Media(Base):
    """One uploaded photo or video. Rows with the same bytes share their stored objects."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    owner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[MediaKind] = mapped_column(Enum(MediaKind, name="media_kind"), nullable=False)
    status: Mapped[MediaStatus] = mapped_column(Enum(MediaStatus, name="media_status"), nullable=False)
    failure_code: Mapped[str | None] = mapped_column(String(32))
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    byte_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, server_default="")
    storage_key: Mapped[str] = mapped_column(String(512), nullable=False)
    upload_id: Mapped[str | None] = mapped_column(String(1024))
    upload_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    blurhash: Mapped[str | None] = mapped_column(String(64))
    alt_text: Mapped[str] = mapped_column(String(ALT_TEXT_MAX_LENGTH), nullable=False, server_default="")
    # [{"width": 640, "height": 480, "key": "...", "contentType": "image/jpeg"}, ...]
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, server_default="[]")
    post_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="SET NULL"))
    position: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = now_column()
    updated_at: Mapped[dt.datetime] = now_column()

    __table_args__ = (
        Index("ix_media_owner_id_sha256", "owner_id", "sha256"),
        Index("ix_media_post_id_position", "post_id", "position"),
        Index("ix_media_storage_key", "storage_key"),
        # Unfinished media, oldest first, for the sweep that removes abandoned ones.
        Index("ix_media_unfinished_created_at", "created_at", postgresql_where=sql_text(UNFINISHED_MEDIA)),
    )


# What the posts' generated search column holds (the migration that adds it says the same).
SEARCH_VECTOR = "to_tsvector('simple'::regconfig, caption)"


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    author_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    caption: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    location: Mapped[str | None] = mapped_column(String(200))
    audience: Mapped[Audience] = mapped_column(Enum(Audience, name="post_audience"), nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    like_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    comment_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    created_at: Mapped[dt.datetime] = now_column()
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Caption words for searchPosts; 'simple' keeps them unstemmed in any language, and a
    # hashtag's '#' is punctuation to the parser, so "#lisbon" is found by "lisbon". Deferred:
    # only the search query reads it.
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR, persisted=True), deferred=True)

    __table_args__ = (
        UniqueConstraint("author_id", "idempotency_key", name="uq_posts_author_id_idempotency_key"),
        Index("ix_posts_author_id_id", "author_id", "id"),
        Index("ix_posts_search_vector", "search_vector", postgresql_using="gin"),
    )


class PostHashtag(Base):
    __tablename__ = "post_hashtags"

    post_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (Index("ix_post_hashtags_tag_post_id", "tag", "post_id"),)


class PostMention(Base):
    __tablename__ = "post_mentions"

    post_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_post_mentions_user_id", "user_id"),)


class Like(Base):
    __tablename__ = "likes"

    post_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = now_column()

    __table_args__ = (
        Index("ix_likes_post_id_created_at", "post_id", "created_at"),
        Index("ix_likes_user_id_created_at", "user_id", "created_at"),
    )


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    post_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("comments.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    reply_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    created_at: Mapped[dt.datetime] = now_column()
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # by moderation

    __table_args__ = (
        Index("ix_comments_post_id_parent_id_id", "post_id", "parent_id", "id"),
        Index("ix_comments_author_id_post_id", "author_id", "post_id"),
        Index("ix_comments_parent_id", "parent_id", postgresql_where=sql_text("parent_id IS NOT NULL")),
    )
