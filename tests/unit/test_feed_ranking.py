"""Timeline members sort as their post ids do; TOP scores fall with age, rise with engagement."""

from __future__ import annotations

from db.ids import created_ms
from services.feed import score
from services.timelines import BUILDING, LIVE, Entry, FeedContext, bound

HOUR_MS = 3_600_000


def test_members_sort_like_ids_even_beyond_a_doubles_precision() -> None:
    ids = [2**62 + 1, 2**62, 2**53 + 1, 2**53, 1_000, 7]
    members = sorted(Entry(pid, 42).member for pid in ids)
    assert [Entry.parse(m).post_id for m in members] == sorted(ids)
    assert all(BUILDING < m < LIVE for m in members)
    # The exclusive bound sits just below its own id's member.
    assert Entry(1_000, 9).member > bound(1_000)[1:] > Entry(999, 9).member


def test_context_blobs_round_trip_without_following() -> None:
    context = FeedContext(
        following=frozenset({1, 2}), celebrities=frozenset({2}), close_friend_of=frozenset({3}), hidden=frozenset({4})
    )
    assert FeedContext.from_blob(context.blob()) == FeedContext(
        celebrities=frozenset({2}), close_friend_of=frozenset({3}), hidden=frozenset({4})
    )


def test_scores_fall_with_age_and_rise_with_engagement() -> None:
    anchor = 10_000_000 << 23
    hour_older = anchor - (HOUR_MS << 23)
    assert created_ms(anchor) - created_ms(hour_older) == HOUR_MS
    assert score(0, 0, anchor, anchor) > score(0, 0, hour_older, anchor)
    assert score(5, 0, hour_older, anchor) > score(0, 0, anchor, anchor)
    assert score(0, 1, anchor, anchor) == score(2, 0, anchor, anchor)
    # Posts newer than the anchor (none should be ranked) are not favoured.
    assert score(0, 0, anchor + (HOUR_MS << 23), anchor) == score(0, 0, anchor, anchor)
