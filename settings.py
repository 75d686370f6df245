"""Every knob Shutter has, read from the environment (prefix ``SHUTTER_``).

The README's configuration table documents each field; keep the two in step.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUTTER_", extra="ignore")

    # Process and local state
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    api_processes: int = Field(default=1, ge=1)  # `shutter serve` processes sharing the port
    log_level: str = "INFO"

    # Stores. Unset URLs mean "use the embedded server" under `shutter dev` and the tests.
    database_url: str | None = None
    database_pool_size: int = 10
    redis_url: str | None = None
    graph_url: str | None = None
    graph_user: str = "neo4j"
    graph_password: str = ""
    graph_database: str = "neo4j"
    store_timeout_seconds: float = 5.0

    # Auth
    secret_key: str | None = None
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # Each API process reads revoked sign-ins from PostgreSQL this often, besides hearing of
    # them at once over Redis (services/revocations.py).
    revocation_poll_seconds: float = Field(default=10.0, gt=0)
    password_min_length: int = 8
    # Argon2id cost (RFC 9106's second recommended option by default)
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    password_hash_parallelism: int = 4
    # Failures of one account across addresses after which any address backs off from its
    # first failure (a slowdown, never a lock: an address that has not failed still gets in).
    login_attempts_per_account: int = 10
    login_attempts_per_address: int = 50
    login_attempts_window_seconds: int = 900
    # Failed log-ins per (account, client address) before that pair backs off; each further
    # failure doubles the wait, from login_backoff_seconds up to login_attempts_window_seconds.
    login_attempts_per_account_address: int = Field(default=5, ge=1)
    login_backoff_seconds: float = Field(default=1.0, gt=0)

    # Ids (DESIGN.md section 6)
    shard_id: int = Field(default=0, ge=0, le=8191)

    # API guards
    max_page_size: int = 100
    default_page_size: int = 20
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    graphiql: bool = True
    max_request_bytes: int = 1_000_000

    # Abuse resistance (DESIGN.md section 7). "production" turns off introspection, field
    # suggestions and GraphiQL for everyone but staff.
    env: Literal["development", "production"] = "development"
    # Static cost: list sizes multiply (schema/cost.py). The feed's full card at first: 100
    # (about 5,800) passes; two nested 100-item connections (over 21,000) do not.
    max_query_cost: int = Field(default=8_000, ge=1)
    # Operations refused for their cost, per client (user or address) and minute, in each API
    # process; beyond, RATE_LIMITED. Counted in memory, so a refusal touches no store.
    refused_operations_per_minute: int = Field(default=30, ge=1)
    expose_query_cost: bool = False  # always report extensions.cost (else on request, see README)
    operation_timeout_seconds: float = Field(default=10.0, gt=0)  # a query or mutation's deadline
    # Token buckets spent by each operation's cost: per signed-in user, and per client address
    # for anonymous traffic. burst = bucket size, per_second = refill.
    rate_limit_user_burst: int = Field(default=40_000, ge=1)
    rate_limit_user_per_second: float = Field(default=2_000.0, gt=0)
    rate_limit_address_burst: int = Field(default=40_000, ge=1)
    rate_limit_address_per_second: float = Field(default=2_000.0, gt=0)
    # Content-creating mutations per user (per address for sign-ups), per hour.
    posts_per_hour: int = Field(default=60, ge=1)
    comments_per_hour: int = Field(default=300, ge=1)
    follows_per_hour: int = Field(default=300, ge=1)
    likes_per_hour: int = Field(default=1_000, ge=1)
    reports_per_hour: int = Field(default=60, ge=1)
    uploads_per_hour: int = Field(default=300, ge=1)
    sign_ups_per_address_per_hour: int = Field(default=20, ge=1)
    # Answers that say an email or username is taken, per client address and hour.
    taken_checks_per_address_per_hour: int = Field(default=60, ge=1)
    # Automatic persisted queries (Apollo's APQ), kept in Redis.
    persisted_queries: bool = True
    persisted_query_max_bytes: int = Field(default=100_000, ge=1)
    persisted_query_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=1)
    # Shared caches (a CDN) may keep an anonymous hash-only GET's answer this long; 0: never.
    persisted_query_cache_seconds: int = Field(default=30, ge=0)
    # A JSON file of {sha256: document}: when set, only these documents run.
    trusted_documents: Path | None = None
    # WebSocket bounds
    ws_max_subscriptions: int = Field(default=20, ge=1)
    ws_max_message_bytes: int = Field(default=1_000_000, ge=1)
    # /metrics and the detail of /readyz: with a token, callers send it as a bearer;
    # without one, only loopback peers get them.
    metrics_token: str | None = None
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated
    # addresses or CIDRs, or "*"); none by default.
    trusted_proxies: str = ""

    # Profile limits
    # Bounded by the columns that hold them.
    username_max_length: int = Field(default=30, ge=1, le=30)
    full_name_max_length: int = Field(default=64, ge=1, le=64)
    bio_max_length: int = Field(default=150, ge=1, le=150)

    # Media storage: "local" (files under media_dir, signed URLs served by the app) or "s3"
    storage_backend: str = "local"
    media_dir: Path | None = None  # default: <data_dir>/media
    public_base_url: str | None = None  # how clients reach this API; default http://<host>:<port>
    s3_bucket: str = "shutter-media"
    s3_region: str = "us-east-1"
    s3_endpoint_url: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    upload_url_ttl_seconds: int = 900
    media_url_ttl_seconds: int = 300
    multipart_threshold_bytes: int = 32 * 1024 * 1024
    multipart_part_size_bytes: int = 16 * 1024 * 1024
    # Uploads never completed, and media that failed processing, are removed with their bytes
    # once this much older than their upload URLs (each worker looks every upload_sweep_seconds).
    upload_abandoned_after_seconds: int = Field(default=24 * 3600, ge=0)
    upload_sweep_seconds: float = Field(default=600.0, gt=0)

    # Media limits and processing
    image_max_bytes: int = 30 * 1024 * 1024
    image_max_pixels: int = 100_000_000
    video_max_bytes: int = 1024 * 1024 * 1024
    multipart_upload_max_bytes: int = 10 * 1024 * 1024  # uploadMedia through GraphQL multipart
    image_variant_widths: tuple[int, ...] = (150, 320, 640, 1080)

    # Posts
    caption_max_length: int = 2200
    comment_max_length: int = 2200
    max_hashtags: int = 30
    max_mentions: int = 20
    max_media_per_post: int = 20

    # Home feed (DESIGN.md section 3: fan-out and feed read)
    timeline_max_items: int = Field(default=800, ge=1)  # post ids kept per timeline
    celebrity_threshold: int = Field(default=10_000, ge=1)  # followers from which posts are pulled
    feed_active_days: int = Field(default=14, ge=1)  # fan-out reaches users signed in this recently
    feed_context_ttl_seconds: int = Field(default=600, ge=1)  # cached follows/blocks per viewer
    feed_top_window: int = Field(default=500, ge=1)  # newest posts re-ranked by order: TOP
    fanout_page_size: int = Field(default=1000, ge=1)  # followers read and written per batch
    backfill_posts: int = Field(default=40, ge=0)  # recent posts a new follow brings in
    feed_strategy: Literal["hybrid", "pull"] = "hybrid"  # "pull" is the benchmark's baseline

    # Search and discovery
    search_query_max_length: int = Field(default=200, ge=1)
    trending_window_days: int = Field(default=7, ge=1)

    # Tracing: an OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces) turns it on
    otel_endpoint: str | None = None
    otel_service_name: str = "shutter"

    # Background jobs
    outbox_redeliver_seconds: int = 1800  # longer than any job's time limit (media: 15 min)
    outbox_dispatch_grace_seconds: float = 2.0  # the relay leaves rows this young to their request
    outbox_max_attempts: int = 10
    outbox_batch_size: int = 100
    outbox_poll_seconds: float = 0.5
    worker_processes: int = 1
    worker_threads: int = 4

    # Views, saves and insights
    record_views_max_posts: int = Field(default=100, ge=1)  # post ids one recordViews call may carry
    view_flush_seconds: float = Field(default=1.0, gt=0)  # each API process sends gathered views to Redis
    view_fold_seconds: float = Field(default=1.0, gt=0)  # each worker folds flushed views into PostgreSQL
    view_fold_batch_size: int = Field(default=100, ge=1)  # flushed batches folded per transaction
    view_buffer_max_batches: int = Field(default=300, ge=1)  # unsent batches kept through a Redis outage
    view_batch_memory_hours: int = Field(default=24, ge=1)  # folded batch ids kept to turn repeats away
    insights_days: int = Field(default=30, ge=1)  # days in a post's insights series, today included

    # Moderation
    report_hide_threshold: int = Field(default=5, ge=1)  # distinct reporters that hide a post or comment
    banned_words: tuple[str, ...] = ()  # refused in captions and comments, whole words, any case (JSON list)
    max_hidden_words: int = Field(default=100, ge=0)  # hidden words per user (setHiddenWords)
    hidden_word_max_length: int = Field(default=50, ge=1, le=100)  # bounded by the column
    moderation_reason_max_length: int = Field(default=500, ge=1)  # suspendUser's reason

    @property
    def public_url(self) -> str:
        """The API's address as clients see it (local media URLs are signed under it)."""
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL is a development tool: production serves it to no one."""
        return self.graphiql and self.env != "production"

    @property
    def media_root(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    @property
    def require_database_url(self) -> str:
        if not self.database_url:
            raise RuntimeError("SHUTTER_DATABASE_URL is not set")
        return self.database_url

    @property
    def require_redis_url(self) -> str:
        if not self.redis_url:
            raise RuntimeError("SHUTTER_REDIS_URL is not set")
        return self.redis_url

    @property
    def require_graph_url(self) -> str:
        if not self.graph_url:
            raise RuntimeError("SHUTTER_GRAPH_URL is not set")
        return self.graph_url


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
