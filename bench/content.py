"""Set-based SQL that loads the data set's users, posts, media, comments and hashtags.

Rows are made inside PostgreSQL (INSERT ... SELECT over generate_series), so a million
posts never cross the wire. Ids follow shutter_next_id()'s layout (milliseconds since the
epoch, shard, sequence) computed from each row's creation time, so id order is time order;
they carry their own shard number, so they cannot collide with ids the live shard makes.
Every row gets its own millisecond within its table, which keeps the ids unique.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.ids import EPOCH_MS, SHARD_SHIFT, TIMESTAMP_SHIFT, make_id

BENCH_SHARD = 8191  # the highest shard number, kept for generated rows
EMAIL_DOMAIN = "bench.shutter.test"
USERNAME_PREFIX = "bench"
DAY_MS = 24 * 3600 * 1000
USERS_SINCE_DAYS = 90  # accounts were opened between 90 and 30 days ago
POSTS_SINCE_DAYS = 30  # posts span the last 30 days
POST_SKEW = 2.0  # author = rank N * u**skew: the top 1% of users write about 10% of posts
HASHTAG_SHARE = 0.15
FOLLOWERS_SHARE = 0.10
CLOSE_FRIENDS_SHARE = 0.02
MIN_POST_GAP_MS = 3  # a post, its media (1 ms before) and two comments (a third of the gap after)

HASHTAGS = ("film", "streetphotography", "sunset", "portrait", "travel", "coffee", "mountains", "blackandwhite")
CAPTIONS = ("frame", "light", "morning walk", "from the archive", "new roll", "out and about", "quiet day")
COMMENTS = ("nice shot", "love the light", "where is this?", "beautiful", "great colours", "so good")
# A few common phone and camera shapes.
SHAPES = ((1080, 1080), (1080, 1350), (1080, 720), (1080, 608))


def bench_id(ms: int, sequence: int) -> int:
    """The id shutter_next_id() would give a row made at ``ms``, on the bench shard."""
    return make_id(ms, BENCH_SHARD, sequence)


def _id_sql(ms: str, sequence: str) -> str:
    return f"((({ms}) - {EPOCH_MS}) << {TIMESTAMP_SHIFT}) | ({BENCH_SHARD} << {SHARD_SHIFT}) | (({sequence}) % 1024)"


def _ts_sql(ms: str) -> str:
    # Exact to the millisecond, unlike to_timestamp() over a float.
    return f"(TIMESTAMPTZ 'epoch' + ({ms}) * INTERVAL '1 millisecond')"


def _text_array(values: Sequence[str]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"ARRAY[{quoted}]::text[]"


def _variants_sql(widths: Sequence[int]) -> str:
    """Processed variants for every configured width, so media URLs resolve as in production."""
    parts = [
        f"jsonb_build_object('width', {int(w)}, 'height', (height * {int(w)}) / width, "
        f"'key', 'bench/' || id || '/{int(w)}.jpg', 'contentType', 'image/jpeg')"
        for w in sorted(widths)
    ]
    return f"jsonb_build_array({', '.join(parts)})"


def _user_select(ms: str) -> str:
    return (
        f"SELECT {_id_sql(ms, 'n')}, '{USERNAME_PREFIX}' || n, '{USERNAME_PREFIX}' || n || '@{EMAIL_DOMAIN}', "
        f":hash, 'Bench User ' || n, {_ts_sql(ms)}, {_ts_sql(ms)}, now() "
    )


_USER_COLUMNS = (
    "INSERT INTO users (id, username, email, password_hash, full_name, created_at, updated_at, last_login_at) "
)


async def insert_users(
    connection: AsyncConnection, count: int, password_hash: str, *, first_number: int, start_ms: int, gap_ms: int
) -> dict[int, str]:
    """``count`` active users named bench<first_number>... sharing one password hash, made
    ``gap_ms`` apart from ``start_ms`` on; id -> username."""
    result = await connection.execute(
        text(
            _USER_COLUMNS + _user_select(f"{start_ms} + (n - CAST(:first AS bigint)) * {gap_ms}") + "FROM "
            "generate_series(CAST(:first AS bigint), CAST(:first AS bigint) + CAST(:count AS bigint) - 1) AS n "
            "RETURNING id, username"
        ),
        {"hash": password_hash, "count": count, "first": first_number},
    )
    return {int(row[0]): str(row[1]) for row in result}


def user_gap_ms(count: int) -> int:
    """Spacing for a data set's users: opened between 90 and 30 days ago."""
    return max(1, (USERS_SINCE_DAYS - POSTS_SINCE_DAYS) * DAY_MS // max(count, 1))


async def highest_number(connection: AsyncConnection) -> int:
    """The highest n among users named bench<n> (0 when there are none)."""
    found = await connection.execute(
        text(
            f"SELECT max(substring(username FROM {len(USERNAME_PREFIX) + 1})::bigint) FROM users "
            f"WHERE email LIKE '%@{EMAIL_DOMAIN}' AND username ~ '^{USERNAME_PREFIX}[0-9]+$'"
        )
    )
    return int(found.scalar_one() or 0)


async def ensure_user(connection: AsyncConnection, name: str, password_hash: str, now_ms: int) -> int:
    """The id of bench user ``bench<name>``, made now if missing."""
    username = USERNAME_PREFIX + name
    await connection.execute(
        text(
            _USER_COLUMNS + f"VALUES ({bench_id(now_ms, 0)}, :username, :email, :hash, :username, "
            f"{_ts_sql(str(now_ms))}, {_ts_sql(str(now_ms))}, now()) ON CONFLICT (username) DO NOTHING"
        ),
        {"username": username, "email": f"{username}@{EMAIL_DOMAIN}", "hash": password_hash},
    )
    found = await connection.execute(
        text(f"SELECT id FROM users WHERE username = :username AND email LIKE '%@{EMAIL_DOMAIN}'"),
        {"username": username},
    )
    return int(found.scalar_one())


async def bench_user_sample(connection: AsyncConnection, count: int, *, exclude: int = 0) -> list[int]:
    found = await connection.execute(
        text(f"SELECT id FROM users WHERE email LIKE '%@{EMAIL_DOMAIN}' AND id <> :exclude ORDER BY id LIMIT :count"),
        {"count": count, "exclude": exclude},
    )
    return [int(row[0]) for row in found]


async def sample_active_users(connection: AsyncConnection, count: int, active_days: int) -> list[int]:
    """Up to ``count`` random bench users who signed in within ``active_days``."""
    found = await connection.execute(
        text(
            f"SELECT id FROM users WHERE email LIKE '%@{EMAIL_DOMAIN}' "
            "AND last_login_at > now() - make_interval(days => CAST(:days AS int)) ORDER BY random() LIMIT :count"
        ),
        {"count": count, "days": active_days},
    )
    return [int(row[0]) for row in found]


async def mark_active(connection: AsyncConnection, ids: Sequence[int]) -> None:
    await connection.execute(
        text("UPDATE users SET last_login_at = now() WHERE id = ANY(CAST(:ids AS bigint[]))"), {"ids": list(ids)}
    )


async def insert_ready_image(
    connection: AsyncConnection, owner_id: int, now_ms: int, *, post_id: int | None = None
) -> int:
    """A READY image of ``owner_id``'s, as processing would leave it; attached to ``post_id`` if given."""
    media_id = bench_id(now_ms, now_ms)
    await connection.execute(
        text(
            "INSERT INTO media (id, owner_id, kind, status, content_type, byte_size, sha256, filename, storage_key, "
            "width, height, variants, post_id, position, created_at, updated_at) "
            "VALUES (:id, :owner, 'IMAGE', 'READY', 'image/jpeg', 200000, md5(:key) || md5(:owner_text), "
            f"'bench.jpg', :key, 1080, 1080, '[]', :post, :position, {_ts_sql(str(now_ms))}, {_ts_sql(str(now_ms))})"
        ),
        {
            "id": media_id,
            "owner": owner_id,
            "owner_text": str(owner_id),
            "key": f"bench/{media_id}",
            "post": post_id,
            "position": None if post_id is None else 0,
        },
    )
    return media_id


async def insert_post(connection: AsyncConnection, author_id: int, now_ms: int) -> int:
    """A post for everyone with one image, written straight to the table: no job is owed for it."""
    post_id = bench_id(now_ms, now_ms)
    await connection.execute(
        text(
            "INSERT INTO posts (id, author_id, caption, audience, created_at) "
            f"VALUES (:id, :author, 'fan-out check', 'EVERYONE', {_ts_sql(str(now_ms))})"
        ),
        {"id": post_id, "author": author_id},
    )
    await insert_ready_image(connection, author_id, now_ms - 1, post_id=post_id)
    return post_id


@dataclass(frozen=True)
class PostBatch:
    """Posts numbered [first, last) of ``total``; authors drawn from ``ranked`` (most active first)."""

    first: int
    last: int
    total: int
    now_ms: int
    comment_share: float
    variant_widths: tuple[int, ...]


@dataclass(frozen=True)
class Loaded:
    posts: int = 0
    media: int = 0
    comments: int = 0
    hashtags: int = 0

    def __add__(self, other: Loaded) -> Loaded:
        return Loaded(
            self.posts + other.posts,
            self.media + other.media,
            self.comments + other.comments,
            self.hashtags + other.hashtags,
        )


def post_gap_ms(total: int) -> int:
    return POSTS_SINCE_DAYS * DAY_MS // max(total, 1)


def _posts_sql(batch: PostBatch) -> str:
    gap = post_gap_ms(batch.total)
    start = batch.now_ms - POSTS_SINCE_DAYS * DAY_MS
    tags, captions, comments = _text_array(HASHTAGS), _text_array(CAPTIONS), _text_array(COMMENTS)
    widths = ", ".join(str(w) for w, _ in SHAPES)
    heights = ", ".join(str(h) for _, h in SHAPES)
    audience = (
        f"CASE WHEN r_audience < {CLOSE_FRIENDS_SHARE} THEN 'CLOSE_FRIENDS' "
        f"WHEN r_audience < {CLOSE_FRIENDS_SHARE + FOLLOWERS_SHARE} THEN 'FOLLOWERS' "
        "ELSE 'EVERYONE' END::post_audience"
    )
    caption = (
        f"({captions})[1 + (n % {len(CAPTIONS)})] || ' ' || n || "
        f"CASE WHEN r_tag < {HASHTAG_SHARE} "
        f"THEN ' #' || ({tags})[1 + floor(r_tag / {HASHTAG_SHARE} * {len(HASHTAGS)})::int] ELSE '' END"
    )
    # Pareto tails: most posts have a few likes, a handful have thousands.
    likes = "least(floor(3 * power(1 - r_likes, -1 / 1.3)) - 3, 1000000)::int"
    post_ms = f"((p.id >> {TIMESTAMP_SHIFT}) + {EPOCH_MS})"
    sequence = "(p.id & 1023)"
    shape = f"(1 + {sequence} % {len(SHAPES)})"
    comment_ms = f"{post_ms} + j * {gap // 3}"
    author = "(CAST(:ranked AS bigint[]))[1 + floor(CAST(:users AS int) * {})::int]"
    post_author = author.format(f"power(random(), {POST_SKEW})")
    commenter = author.format("random()")
    comment_id, comment_at = _id_sql(comment_ms, f"{sequence} + j"), _ts_sql(comment_ms)
    media_id, media_ms = _id_sql(f"{post_ms} - 1", sequence), f"{post_ms} - 1"
    post_id, created_at, media_at = _id_sql("ms", "n"), _ts_sql("ms"), _ts_sql("ms")
    variants = _variants_sql(batch.variant_widths)
    return f"""
WITH drawn AS (
    SELECT n, {start} + n * {gap} AS ms, {post_author} AS author_id,
           random() AS r_audience, random() AS r_tag, random() AS r_likes, random() AS r_comments
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint) - 1) AS n
), p AS (
    INSERT INTO posts (id, author_id, caption, audience, like_count, comment_count, created_at)
    SELECT {post_id}, author_id, {caption}, {audience}, {likes},
           CASE WHEN r_comments < CAST(:comment_share AS float8) THEN 2 ELSE 0 END, {created_at}
    FROM drawn
    RETURNING id, author_id, caption, comment_count
), shaped AS (
    SELECT {media_id} AS id, p.id AS post_id, p.author_id, {media_ms} AS ms,
           (ARRAY[{widths}])[{shape}] AS width, (ARRAY[{heights}])[{shape}] AS height
    FROM p
), m AS (
    INSERT INTO media (id, owner_id, kind, status, content_type, byte_size, sha256, filename, storage_key,
                       width, height, variants, post_id, position, created_at, updated_at)
    SELECT id, author_id, 'IMAGE', 'READY', 'image/jpeg', 150000 + post_id % 850000,
           md5(id::text) || md5(post_id::text), 'bench.jpg', 'bench/' || id, width, height,
           {variants}, post_id, 0, {media_at}, {media_at}
    FROM shaped
    RETURNING 1
), c AS (
    INSERT INTO comments (id, post_id, author_id, text, created_at)
    SELECT {comment_id}, p.id, {commenter},
           ({comments})[1 + floor(random() * {len(COMMENTS)})::int], {comment_at}
    FROM p CROSS JOIN generate_series(1, 2) AS j
    WHERE p.comment_count > 0
    RETURNING 1
), h AS (
    INSERT INTO post_hashtags (post_id, tag)
    SELECT id, substring(caption FROM '#([a-z]+)$') FROM p WHERE caption LIKE '%#%'
    RETURNING 1
)
SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM m), (SELECT count(*) FROM c), (SELECT count(*) FROM h)
"""


async def insert_posts(connection: AsyncConnection, batch: PostBatch, ranked: Sequence[int], seed: float) -> Loaded:
    """One batch of posts, each with one READY image; some with two comments and a hashtag."""
    await connection.execute(text("SELECT setseed(:seed)"), {"seed": seed})
    result = await connection.execute(
        text(_posts_sql(batch)),
        {
            "ranked": list(ranked),
            "users": len(ranked),
            "first": batch.first,
            "last": batch.last,
            "comment_share": batch.comment_share,
        },
    )
    posts, media, comments, hashtags = result.one()
    return Loaded(int(posts), int(media), int(comments), int(hashtags))


async def bench_user_ids(connection: AsyncConnection) -> list[int]:
    result = await connection.execute(text(f"SELECT id FROM users WHERE email LIKE '%@{EMAIL_DOMAIN}' ORDER BY id"))
    return [int(row[0]) for row in result]


LOADED_TABLES = ("users", "posts", "media", "comments", "post_hashtags")


async def analyze(connection: AsyncConnection) -> None:
    """Fresh planner statistics: right after a bulk load the tables look empty to the planner,
    which then picks nested loops that take hours over a million rows."""
    await connection.execute(text(f"ANALYZE {', '.join(LOADED_TABLES)}"))


# Children first, joined to the bench users, so no row goes through a per-row cascade that a
# set-based delete can do at once.
_DELETES = (
    "DELETE FROM comments c USING posts p, users u WHERE c.post_id = p.id AND p.author_id = u.id AND {bench}",
    "DELETE FROM comments c USING users u WHERE c.author_id = u.id AND {bench}",
    "DELETE FROM post_hashtags h USING posts p, users u WHERE h.post_id = p.id AND p.author_id = u.id AND {bench}",
    "DELETE FROM media m USING users u WHERE m.owner_id = u.id AND {bench}",
    "DELETE FROM posts p USING users u WHERE p.author_id = u.id AND {bench}",
    "DELETE FROM users u WHERE {bench}",
)
# Foreign keys into the tables a reset deletes from whose column leads no index: PostgreSQL
# checks each deleted row against them with a full scan of the referencing table.
_UNINDEXED_REFERENCES = """
SELECT c.conrelid::regclass::text, quote_ident(a.attname)
FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
  AND c.confrelid IN ('users'::regclass, 'posts'::regclass, 'comments'::regclass, 'media'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
"""


async def delete_bench_rows(connection: AsyncConnection) -> None:
    """Delete the bench users and everything they made, in the caller's transaction.

    Referencing columns without an index get one for the length of the transaction, so the
    per-row foreign key checks are index look-ups rather than scans of a million rows."""
    await analyze(connection)
    # Both names come quoted from the catalog (regclass output, quote_ident).
    unindexed = (await connection.execute(text(_UNINDEXED_REFERENCES))).all()
    helpers = [f"bench_reset_{n}" for n in range(len(unindexed))]
    for helper, (table, column) in zip(helpers, unindexed, strict=True):
        await connection.execute(text(f"CREATE INDEX {helper} ON {table} ({column})"))
    for statement in _DELETES:
        await connection.execute(text(statement.format(bench=f"u.email LIKE '%@{EMAIL_DOMAIN}'")))
    for helper in helpers:
        await connection.execute(text(f"DROP INDEX {helper}"))


def now_ms() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp() * 1000)
