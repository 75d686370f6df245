"""Search and discovery against the real servers: ranking, web search syntax, hashtag pages,
trending, people search and suggestions, each through the privacy policy, and their cursors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import update

from bench.roundtrips import count_round_trips
from db.content import Audience, Post
from db.models import AccountStatus, User
from schema import build_schema
from services import posts, profiles, search, social
from services.errors import DomainError, ErrorCode
from services.stores import Stores
from settings import Settings
from tests.integration import feedkit


async def _set_private(stores: Stores, user_id: int) -> None:
    await profiles.update_profile(stores, user_id, profiles.ProfileChanges(is_private=True))


async def _suspend(stores: Stores, user_id: int) -> None:
    async with stores.sessions.begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(status=AccountStatus.SUSPENDED))


async def _hide(stores: Stores, post_id: int) -> None:
    async with stores.sessions.begin() as session:
        await session.execute(update(Post).where(Post.id == post_id).values(hidden_at=dt.datetime.now(dt.UTC)))


async def _search(stores: Stores, viewer: int | None, text: str, first: int = 50) -> list[int]:
    view = await search.viewpoint(stores, viewer)
    hits = await search.search_posts(stores, view, search.search_text(stores.settings, text), first, None)
    assert all(hit.shown for hit in hits)  # the SQL and the policy agree
    return [hit.post.id for hit in hits]


async def _all_pages(stores: Stores, viewer: int | None, text: str, first: int) -> list[int]:
    view = await search.viewpoint(stores, viewer)
    found: list[int] = []
    after: tuple[int, ...] | None = None
    while True:
        hits = await search.search_posts(stores, view, text, first + 1, after)
        found += [hit.post.id for hit in hits[:first]]
        if len(hits) <= first:
            return found
        after = hits[first - 1].cursor


@dataclass(frozen=True)
class Seen:
    """One hashtag's posts as one viewer finds them on every discovery path."""

    searched: list[int]
    tagged: list[int]
    count: int
    trending: dict[str, int]


async def _seen(stores: Stores, viewer: int | None, tag: str = "lisbon") -> Seen:
    view = await search.viewpoint(stores, viewer)
    tagged = await search.hashtag_posts(stores, view, tag, 50, None)
    counts = await search.hashtag_post_counts(stores, view, [tag])
    trending = dict(await search.trending_hashtags(stores, view, 50))
    return Seen(await _search(stores, viewer, tag), [hit.post.id for hit in tagged], counts[tag], trending)


def _sees(seen: Seen, *post_ids: int, tag: str = "lisbon") -> None:
    expected = sorted(post_ids, reverse=True)
    assert sorted(seen.searched, reverse=True) == expected
    assert seen.tagged == expected
    assert seen.count == len(post_ids)
    assert seen.trending.get(tag, 0) == len(post_ids)


# --- posts by words ------------------------------------------------------------------------


async def test_better_matches_rank_first_and_ties_go_to_the_newest(stores: Stores) -> None:
    author = await feedkit.user(stores, "ansel")
    once_old = await feedkit.post(stores, author, "sunset at the harbour")
    twice = await feedkit.post(stores, author, "sunset after sunset, #sunset")
    once_new = await feedkit.post(stores, author, "another sunset by the harbour")
    beach = await feedkit.post(stores, author, "a beach")
    both = await feedkit.post(stores, author, "beach sunset")
    await feedkit.post(stores, author, "nothing to see")

    assert await _search(stores, None, "sunset") == [twice, both, once_new, once_old]
    # Matching both alternatives beats matching one; among one-word matches, the newest first.
    found = await _search(stores, None, "sunset or beach")
    assert found[0] == both and set(found) == {twice, once_new, once_old, beach, both}
    assert found.index(once_new) < found.index(once_old)


async def test_web_search_syntax(stores: Stores) -> None:
    author = await feedkit.user(stores, "ansel")
    beach = await feedkit.post(stores, author, "Sunset on the beach")
    city = await feedkit.post(stores, author, "Sunset over #Lisbon")
    golden = await feedkit.post(stores, author, "golden hour in the hills")
    hour = await feedkit.post(stores, author, "an hour of golden light")

    assert await _search(stores, None, "sunset -beach") == [city]
    assert await _search(stores, None, '"golden hour"') == [golden]
    assert set(await _search(stores, None, "golden hour")) == {golden, hour}
    assert await _search(stores, None, "LISBON") == [city]
    assert await _search(stores, None, "#lisbon") == [city]
    assert await _search(stores, None, "sunset lisbon") == [city]
    assert beach in await _search(stores, None, "sunset")
    # Nothing to look for: punctuation alone, or blanks.
    assert await _search(stores, None, "!!! ---") == []
    assert await _search(stores, None, "   ") == []


async def test_an_edited_caption_is_searched_as_it_now_reads(stores: Stores) -> None:
    author = await feedkit.user(stores, "ansel")
    post_id = await feedkit.post(stores, author, "sunset")
    await posts.edit_post(stores, author, post_id, caption="sunrise #porto", location=None, alt_texts={})
    assert await _search(stores, None, "sunset") == []
    assert await _search(stores, None, "porto") == [post_id]


def test_search_input_is_checked() -> None:
    settings = Settings(search_query_max_length=50)
    assert search.search_text(settings, "  sunset \x00  over\tlisbon ") == "sunset over lisbon"
    assert search.search_text(settings, "x" * 50) == "x" * 50
    with pytest.raises(DomainError) as raised:
        search.search_text(settings, "x" * 51)
    assert (raised.value.code, raised.value.field) == (ErrorCode.INVALID_INPUT, "query")
    assert search.hashtag_name("#Lisbon") == "lisbon"
    assert search.hashtag_name("café_2026") == "café_2026"
    for bad in ("", "#", "two words", "a#b", "2026", "x" * 101, "semi;colon"):
        with pytest.raises(DomainError) as raised:
            search.hashtag_name(bad)
        assert (raised.value.code, raised.value.field) == (ErrorCode.INVALID_INPUT, "name"), bad


async def test_search_pages_cover_every_match_once(stores: Stores) -> None:
    author = await feedkit.user(stores, "ansel")
    captions = ["sunset", "sunset sunset", "sunset", "sunset sunset sunset", "sunset", "sunset sunset", "sunset"]
    made = [await feedkit.post(stores, author, caption) for caption in captions]
    everything = await _search(stores, None, "sunset")
    assert sorted(everything) == sorted(made)
    for size in (1, 2, 3):
        assert await _all_pages(stores, None, "sunset", size) == everything


# --- the privacy policy on every path ------------------------------------------------------


async def test_a_private_authors_posts_show_only_to_followers(stores: Stores) -> None:
    author, follower, stranger, requester = await feedkit.users(stores, "ansel", "fan", "stranger", "asker")
    await feedkit.follow(stores, follower, author)
    post_id = await feedkit.post(stores, author, "sunset over #lisbon")
    _sees(await _seen(stores, stranger), post_id)

    await _set_private(stores, author)
    await social.follow(stores, requester, author)  # a pending request shows nothing
    for viewer in (None, stranger, requester):
        _sees(await _seen(stores, viewer))
    _sees(await _seen(stores, follower), post_id)
    _sees(await _seen(stores, author), post_id)


async def test_audiences_deletion_and_moderation(stores: Stores) -> None:
    author, follower, friend, stranger, outsider = await feedkit.users(
        stores, "ansel", "fan", "friend", "stranger", "outsider"
    )
    await feedkit.follow(stores, follower, author)
    await feedkit.follow(stores, friend, author)
    await social.add_close_friend(stores, author, friend)
    await social.add_close_friend(stores, author, outsider)  # listed, not following: public author
    everyone = await feedkit.post(stores, author, "#lisbon for all")
    followers = await feedkit.post(stores, author, "#lisbon for followers", Audience.FOLLOWERS)
    close = await feedkit.post(stores, author, "#lisbon for close friends", Audience.CLOSE_FRIENDS)
    deleted = await feedkit.post(stores, author, "#lisbon soon gone")
    hidden = await feedkit.post(stores, author, "#lisbon reported")
    await posts.delete_post(stores, author, deleted)
    await _hide(stores, hidden)

    _sees(await _seen(stores, None), everyone)
    _sees(await _seen(stores, stranger), everyone)
    _sees(await _seen(stores, follower), everyone, followers)
    _sees(await _seen(stores, friend), everyone, followers, close)
    _sees(await _seen(stores, outsider), everyone, close)
    # Discovery leaves out deleted and moderated posts even for their author.
    _sees(await _seen(stores, author), everyone, followers, close)

    # A private author's close friend who does not follow sees nothing.
    await _set_private(stores, author)
    _sees(await _seen(stores, outsider))
    _sees(await _seen(stores, friend), everyone, followers, close)


async def test_blocks_either_way_and_suspension_hide_posts(stores: Stores) -> None:
    author, blocker, blocked, bystander = await feedkit.users(stores, "ansel", "blocker", "blocked", "bystander")
    post_id = await feedkit.post(stores, author, "sunset over #lisbon")
    await social.block(stores, blocker, author)
    await social.block(stores, author, blocked)
    _sees(await _seen(stores, blocker))
    _sees(await _seen(stores, blocked))
    _sees(await _seen(stores, bystander), post_id)

    await _suspend(stores, author)
    for viewer in (None, bystander, author):
        _sees(await _seen(stores, viewer))


# --- trending ------------------------------------------------------------------------------


async def test_trending_counts_what_the_viewer_may_see(stores: Stores) -> None:
    author, private, fan, stranger = await feedkit.users(stores, "ansel", "hidden", "fan", "stranger")
    await _set_private(stores, private)
    await feedkit.follow(stores, fan, author)
    await social.follow(stores, fan, private)
    await social.approve_follow_request(stores, private, fan)
    for caption in ("#porto #lisbon", "#porto", "#lisbon #braga", "#braga #porto"):
        await feedkit.post(stores, author, caption)
    await feedkit.post(stores, author, "#braga #braga", Audience.FOLLOWERS)  # one post, one count
    for _ in range(3):
        await feedkit.post(stores, private, "#secret #braga")

    anonymous = await search.viewpoint(stores, None)
    assert await search.trending_hashtags(stores, anonymous, 10) == [("porto", 3), ("braga", 2), ("lisbon", 2)]
    assert await search.trending_hashtags(stores, anonymous, 2) == [("porto", 3), ("braga", 2)]
    assert await search.trending_hashtags(stores, await search.viewpoint(stores, stranger), 10) == [
        ("porto", 3),
        ("braga", 2),
        ("lisbon", 2),
    ]
    assert await search.trending_hashtags(stores, await search.viewpoint(stores, fan), 10) == [
        ("braga", 6),
        ("porto", 3),
        ("secret", 3),
        ("lisbon", 2),
    ]
    # Posts older than the window do not trend.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=stores.settings.trending_window_days) + dt.timedelta(minutes=1)
    assert await search.trending_hashtags(stores, anonymous, 10, now=later) == []
    assert await search.trending_hashtags(stores, anonymous, 10, window=dt.timedelta(days=30), now=later) != []


# --- people --------------------------------------------------------------------------------


async def _people(stores: Stores, viewer: int | None, query: str, first: int = 50) -> list[str]:
    view = await search.viewpoint(stores, viewer)
    hits = await search.search_users(stores, view, search.user_term(stores.settings, query), first, None)
    assert all(hit.shown for hit in hits)
    return [hit.user.username for hit in hits]


async def test_people_by_username_prefix_then_full_name(stores: Stores) -> None:
    await feedkit.users(stores, "ana", "ana.silva", "anabel", "banana", "joana_ana")
    await feedkit.users(stores, "zed", "bob")
    async with stores.sessions.begin() as session:
        names = {"zed": "Anastasia Zed", "bob": "Robert Anand", "banana": "Banana Split"}
        for username, full_name in names.items():
            await session.execute(update(User).where(User.username == username).values(full_name=full_name))

    # Username prefix matches first (by username), then full-name and later-word matches.
    assert await _people(stores, None, "ana") == ["ana", "ana.silva", "anabel", "bob", "zed"]
    assert await _people(stores, None, "@Ana.S") == ["ana.silva"]
    assert await _people(stores, None, "robert an") == ["bob"]
    assert await _people(stores, None, "split") == ["banana"]
    # LIKE's wildcards in the query are plain characters.
    assert await _people(stores, None, "%") == []
    assert await _people(stores, None, "_") == []
    assert await _people(stores, None, "joana_") == ["joana_ana"]
    assert await _people(stores, None, "  ") == []


async def test_people_search_hides_blocks_and_suspended_and_pages(stores: Stores) -> None:
    viewer, blocker, blocked, gone = await feedkit.users(stores, "viewer", "ana.blocker", "ana.blocked", "ana.gone")
    others = await feedkit.users(stores, *(f"ana{n}" for n in range(7)))
    await social.block(stores, blocker, viewer)
    await social.block(stores, viewer, blocked)
    await _suspend(stores, gone)
    expected = [f"ana{n}" for n in range(7)]
    assert await _people(stores, viewer, "ana") == expected
    assert await _people(stores, None, "ana") == ["ana.blocked", "ana.blocker", *expected]
    assert len(others) == 7

    view = await search.viewpoint(stores, viewer)
    for size in (1, 2, 3):
        found: list[str] = []
        after: tuple[int, str] | None = None
        while True:
            hits = await search.search_users(stores, view, "ana", size + 1, after)
            found += [hit.user.username for hit in hits[:size]]
            if len(hits) <= size:
                break
            after = hits[size - 1].cursor
        assert found == expected


# --- suggestions ---------------------------------------------------------------------------


async def test_suggestions_rank_friends_of_friends_by_mutual_follows(stores: Stores) -> None:
    ids = await feedkit.users(stores, "viewer", "f1", "f2", "f3", "two", "three", "one", "followed", "asked")
    viewer, f1, f2, f3, two, three, one, followed, asked = ids
    blocked, blocker, gone = await feedkit.users(stores, "blocked", "blocker", "gone")
    await _set_private(stores, asked)
    await feedkit.follow(stores, viewer, f1, f2, f3, followed)
    await social.follow(stores, viewer, asked)  # a request only
    await feedkit.follow(stores, f1, three, two, one, followed, asked, blocked, blocker, gone, viewer)
    await feedkit.follow(stores, f2, three, two, followed, blocked, gone)
    await feedkit.follow(stores, f3, three, blocked, gone)
    await social.approve_follow_request(stores, asked, f1)
    await social.block(stores, viewer, blocked)
    await social.block(stores, blocker, viewer)
    await _suspend(stores, gone)

    found = await search.suggested_users(stores, viewer, 10)
    assert [(s.user.username, s.mutual_follows) for s in found] == [("three", 3), ("two", 2), ("one", 1)]
    assert [s.user.username for s in await search.suggested_users(stores, viewer, 2)] == ["three", "two"]
    assert await search.suggested_users(stores, viewer, 0) == []
    assert await search.suggested_users(stores, one, 10) == []


# --- round trips ---------------------------------------------------------------------------

SEARCH_PAGE = """query ($first: Int!) {
  searchPosts(query: "sunset", first: $first) {
    edges { node { id caption hashtags author { username } media { width } } }
    pageInfo { hasNextPage endCursor }
  }
  hashtag(name: "lisbon") { postCount posts(first: $first) { edges { node { author { username } } } } }
  trendingHashtags(first: $first) { recentPostCount hashtag { name postCount } }
}"""


async def test_a_search_page_costs_the_same_for_3_as_for_12(stores: Stores, settings: Settings) -> None:
    authors = await feedkit.users(stores, "ansel", "dorothea", "viewer")
    for n in range(12):
        await feedkit.post(stores, authors[n % 2], f"sunset over #lisbon #tag{n}")
    schema = build_schema(settings)
    costs: dict[int, dict[str, int]] = {}
    for size in (3, 12):
        context = feedkit.request_context(stores, authors[2])
        with count_round_trips(stores) as counted:
            result = await schema.execute(SEARCH_PAGE, variable_values={"first": size}, context_value=context)
        assert result.errors is None, result.errors
        data: Any = result.data
        assert len(data["searchPosts"]["edges"]) == size
        assert data["hashtag"]["postCount"] == 12
        assert len(data["trendingHashtags"]) == size
        costs[size] = counted.totals()
    assert costs[3] == costs[12], costs
    # Three graph reads (one per root field), SQL: each list, one media batch, one hashtag
    # batch, two counts; no author look-ups (the lists read the authors).
    assert costs[12]["graph"] == 3
    assert costs[12]["sql"] <= 7, costs
