"""Who sees a post, on every path that reaches it: the privacy matrix, changes of heart, deletion, media URLs."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
import httpx
import pytest

from tests.e2e.client import Account, Api
from tests.e2e.posting import (
    approved_follower,
    codes,
    comment,
    comment_id,
    create_post,
    delete_post,
    follow,
    jpeg,
    like,
    media_copy,
    own_worker,
    post_count,
    ready_media,
    user_action,
)

AUDIENCES = ("EVERYONE", "FOLLOWERS", "CLOSE_FRIENDS")
READ_PATHS = ("post", "node", "user.posts", "likers", "comments", "media node", "media url", "comment node")
WRITE_PATHS = ("likePost", "addComment")
# Every read path of one post in one request: the post, its node, its media and comment by id,
# and the author's profile listing.
READS = """query($post: ID!, $media: ID!, $comment: ID!, $author: String!) {
  post(id: $post) {
    id media { id url }
    likers(first: 100) { edges { node { username } } }
    comments(first: 100) { edges { node { id } } }
  }
  postNode: node(id: $post) { id }
  mediaNode: node(id: $media) { id ... on Media { url } }
  commentNode: node(id: $comment) { id }
  user(username: $author) { posts(first: 100) { edges { node { id media { url } } } } }
}"""


class Viewer(enum.Enum):
    ANONYMOUS = "anonymous"
    STRANGER = "stranger"
    REQUESTER = "pending requester"
    FOLLOWER = "follower"
    CLOSE_FRIEND = "close friend"
    BLOCKED = "blocked by the author"
    BLOCKING = "blocking the author"
    AUTHOR = "author"


def expected_visible(viewer: Viewer, audience: str, private: bool) -> bool:
    """The rules, independent of the code under test."""
    if viewer is Viewer.AUTHOR:
        return True
    if viewer in (Viewer.BLOCKED, Viewer.BLOCKING):
        return False
    follower = viewer in (Viewer.FOLLOWER, Viewer.CLOSE_FRIEND)
    if private and not follower:
        return False
    if audience == "FOLLOWERS":
        return follower
    if audience == "CLOSE_FRIENDS":
        return viewer is Viewer.CLOSE_FRIEND
    return True


@dataclass(frozen=True)
class PostRefs:
    """One post and the things hanging off it that have ids of their own."""

    id: str
    media_id: str
    comment_id: str
    author: Account


async def post_with_comment(api: Api, author: Account, media_id: str, audience: str) -> PostRefs:
    """A post by ``author`` that the author liked and commented on, so likers and comments are not empty."""
    post = await create_post(api, author, [media_id], f"for {audience.lower()}", audience)
    assert (await like(api, author, post["id"]))["errors"] == []
    return PostRefs(post["id"], media_id, await comment_id(api, author, post["id"], "first!"), author)


async def reads(api: Api, viewer: Account | None, refs: PostRefs) -> dict[str, bool]:
    """For each read path, whether ``viewer`` reaches the post (or what hangs off it) through it."""
    variables = {"post": refs.id, "media": refs.media_id, "comment": refs.comment_id, "author": refs.author.username}
    data = await api.data(READS, variables, token=viewer.token if viewer else None)
    post, media_node, user = data["post"], data["mediaNode"], data["user"]
    listed = [edge["node"] for edge in user["posts"]["edges"]] if user else []
    listed_post = next((node for node in listed if node["id"] == refs.id), None)
    urls = [media["url"] for media in post["media"]] if post else []
    urls += [media_node["url"]] if media_node else []
    urls += [media["url"] for media in listed_post["media"]] if listed_post else []
    return {
        "post": post is not None,
        "node": data["postNode"] is not None,
        "user.posts": listed_post is not None,
        "likers": post is not None
        and refs.author.username in [edge["node"]["username"] for edge in post["likers"]["edges"]],
        "comments": post is not None and refs.comment_id in [edge["node"]["id"] for edge in post["comments"]["edges"]],
        "media node": media_node is not None and media_node["id"] == refs.media_id,
        "media url": any(url is not None for url in urls),
        "comment node": data["commentNode"] is not None,
    }


def write_outcome(payload: dict[str, Any], result: str) -> str:
    """'ok', 'NOT_FOUND postId', or the unexpected payload."""
    if payload["errors"] == [] and payload[result] is not None:
        return "ok"
    if codes(payload) == [("NOT_FOUND", "postId")] and payload[result] is None:
        return "NOT_FOUND postId"
    return repr(payload)


async def writes(api: Api, viewer: Account | None, refs: PostRefs) -> dict[str, str]:
    """likePost and addComment by ``viewer``; anonymous viewers are refused before any post is looked at."""
    if viewer is None:
        outcomes = {}
        for path, query in (
            ("likePost", "mutation($id: ID!) { likePost(postId: $id) { errors { code } } }"),
            ("addComment", 'mutation($id: ID!) { addComment(input: {postId: $id, text: "hi"}) { errors { code } } }'),
        ):
            body = await api.post(query, {"id": refs.id})
            outcomes[path] = ",".join(str(e.get("extensions", {}).get("code")) for e in body.get("errors", []))
        return outcomes
    return {
        "likePost": write_outcome(await like(api, viewer, refs.id), "post"),
        "addComment": write_outcome(await comment(api, viewer, refs.id, "hello"), "comment"),
    }


def mismatches(
    label: str, observed: dict[str, bool], written: dict[str, str], visible: bool, anonymous: bool = False
) -> list[str]:
    """Messages for every path whose outcome differs from ``visible``."""
    found = [
        f"{label} {path}: expected {'visible' if visible else 'hidden'}, got {'visible' if seen else 'hidden'}"
        for path, seen in observed.items()
        if seen != visible
    ]
    expected_write = "UNAUTHENTICATED" if anonymous else ("ok" if visible else "NOT_FOUND postId")
    found += [
        f"{label} {path}: expected {expected_write}, got {outcome}"
        for path, outcome in written.items()
        if outcome != expected_write
    ]
    return found


async def check(api: Api, label: str, viewer: Account | None, refs: PostRefs, visible: bool) -> list[str]:
    """Every read path, then the writes, for one viewer and one post."""
    observed = await reads(api, viewer, refs)
    assert set(observed) == set(READ_PATHS)
    written = await writes(api, viewer, refs)
    assert set(written) == set(WRITE_PATHS)
    return mismatches(label, observed, written, visible, anonymous=viewer is None)


@pytest.mark.parametrize("private", [False, True], ids=["public account", "private account"])
async def test_privacy_matrix(api: Api, worker: dramatiq.Worker, private: bool) -> None:
    author = await api.sign_up("author", private=private)
    names: dict[Viewer, str] = {
        viewer: viewer.name.lower() for viewer in Viewer if viewer not in (Viewer.ANONYMOUS, Viewer.AUTHOR)
    }
    if not private:
        del names[Viewer.REQUESTER]
    accounts: dict[Viewer, Account | None] = {Viewer.ANONYMOUS: None, Viewer.AUTHOR: author}
    for viewer, name in names.items():
        accounts[viewer] = await api.sign_up(name)

    def account(viewer: Viewer) -> Account:
        found = accounts[viewer]
        assert found is not None
        return found

    if private:
        assert await follow(api, account(Viewer.REQUESTER), author) == "REQUESTED"
    # The blocked and blocking viewers were followers and close friends before the block.
    for viewer in (Viewer.FOLLOWER, Viewer.CLOSE_FRIEND, Viewer.BLOCKED, Viewer.BLOCKING):
        await approved_follower(api, account(viewer), author)
    for viewer in (Viewer.CLOSE_FRIEND, Viewer.BLOCKED, Viewer.BLOCKING):
        await user_action(api, "addCloseFriend", author, account(viewer))
    await user_action(api, "block", author, account(Viewer.BLOCKED))
    await user_action(api, "block", account(Viewer.BLOCKING), author)

    media_ids = await ready_media(api, author, len(AUDIENCES))
    posts = {
        audience: await post_with_comment(api, author, media_id, audience)
        for audience, media_id in zip(AUDIENCES, media_ids, strict=True)
    }

    problems: list[str] = []
    cells = 0
    for viewer, viewer_account in accounts.items():
        for audience, refs in posts.items():
            label = f"[{'private' if private else 'public'} account, {audience} post, {viewer.value}]"
            problems += await check(api, label, viewer_account, refs, expected_visible(viewer, audience, private))
            cells += 1
    assert cells == len(accounts) * len(AUDIENCES)
    assert problems == [], "\n".join(problems)


async def test_changes_apply_to_old_posts_on_the_next_request(api: Api, worker: dramatiq.Worker) -> None:
    author = await api.sign_up("author")
    stranger, stays, leaves, removed, blocked, blocking = [
        await api.sign_up(name) for name in ("stranger", "stays", "leaves", "removed", "blocked", "blocking")
    ]
    for follower in (stays, leaves, removed, blocked, blocking):
        await approved_follower(api, follower, author)
    every_media, followers_media = await ready_media(api, author, 2)
    everyone = await post_with_comment(api, author, every_media, "EVERYONE")
    followers_only = await post_with_comment(api, author, followers_media, "FOLLOWERS")

    async def expect(step: str, seen_by: dict[str, tuple[Account | None, bool, bool]]) -> None:
        """For each viewer: (account, sees the EVERYONE post, sees the FOLLOWERS post)."""
        problems = []
        for name, (viewer, sees_everyone, sees_followers) in seen_by.items():
            problems += await check(api, f"[{step}, {name}, EVERYONE post]", viewer, everyone, sees_everyone)
            problems += await check(api, f"[{step}, {name}, FOLLOWERS post]", viewer, followers_only, sees_followers)
        assert problems == [], "\n".join(problems)

    await expect(
        "before",
        {
            "anonymous": (None, True, False),
            "stranger": (stranger, True, False),
            "follower": (stays, True, True),
            "leaves": (leaves, True, True),
            "removed": (removed, True, True),
            "blocked": (blocked, True, True),
            "blocking": (blocking, True, True),
        },
    )

    await user_action(api, "unfollow", leaves, author)
    await expect("after unfollow", {"unfollowed": (leaves, True, False), "follower": (stays, True, True)})

    await user_action(api, "removeFollower", author, removed)
    await expect("after removeFollower", {"removed": (removed, True, False), "follower": (stays, True, True)})

    await user_action(api, "block", author, blocked)
    await expect("after the author blocks", {"blocked": (blocked, False, False), "follower": (stays, True, True)})

    await user_action(api, "block", blocking, author)
    await expect("after the viewer blocks", {"blocking": (blocking, False, False), "follower": (stays, True, True)})

    private = await api.data(
        "mutation { updateProfile(input: {isPrivate: true}) { user { isPrivate } errors { code } } }",
        token=author.token,
    )
    assert private["updateProfile"] == {"user": {"isPrivate": True}, "errors": []}
    await expect(
        "after going private",
        {
            "anonymous": (None, False, False),
            "stranger": (stranger, False, False),
            "unfollowed": (leaves, False, False),
            "removed": (removed, False, False),
            "follower": (stays, True, True),
            "author": (author, True, True),
        },
    )


async def test_deleted_post_vanishes_for_everyone(api: Api) -> None:
    author = await api.sign_up("author")
    follower, stranger = await api.sign_up("follower"), await api.sign_up("stranger")
    await approved_follower(api, follower, author)
    # The job that purges a deleted post's media would remove the rows soon after deletePost;
    # the worker stops before it, so what is checked below is what deletePost itself did.
    async with own_worker():
        (media_id,) = await ready_media(api, author, 1)
    refs = await post_with_comment(api, author, media_id, "EVERYONE")
    assert await post_count(api, None, "author") == 1
    viewers: dict[str, Account | None] = {
        "anonymous": None,
        "stranger": stranger,
        "follower": follower,
        "author": author,
    }
    problems = []
    for name, viewer in viewers.items():
        problems += mismatches(f"[before deletion, {name}]", await reads(api, viewer, refs), {}, visible=True)
    assert problems == [], "\n".join(problems)

    assert await delete_post(api, author, refs.id) == {"deletedPostId": refs.id, "errors": []}

    for name, viewer in viewers.items():
        problems += await check(api, f"[deleted post, {name}]", viewer, refs, visible=False)
        if (count := await post_count(api, viewer, "author")) != 0:
            problems.append(f"[deleted post, {name}] postCount: expected 0, got {count}")
    again = await delete_post(api, author, refs.id)
    if codes(again) != [("NOT_FOUND", "postId")] or again["deletedPostId"] is not None:
        problems.append(f"[deleted post, author] deletePost again: expected NOT_FOUND postId, got {again}")
    assert problems == [], "\n".join(problems)


async def test_signed_media_url_downloads_and_a_tampered_one_is_refused(api: Api, worker: dramatiq.Worker) -> None:
    author = await api.sign_up("author")
    viewer = await api.sign_up("viewer")
    picture = jpeg(700, 500)
    (media_id,) = await ready_media(api, author, 1, picture)
    post = await create_post(api, author, [media_id])
    seen = await api.data(
        "query($id: ID!) { post(id: $id) { media { url(size: 320) } } }", {"id": post["id"]}, token=viewer.token
    )
    url: str | None = seen["post"]["media"][0]["url"]
    assert url is not None

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    assert set(query) >= {"expires", "sig"}, url

    def with_query(**changes: str) -> str:
        return urlunsplit(parts._replace(query=urlencode({**query, **changes})))

    def with_path(path: str) -> str:
        return urlunsplit(parts._replace(path=path))

    sibling_key = parts.path.rsplit("/", 1)[0] + "/original"
    async with httpx.AsyncClient() as client:
        downloaded = await client.get(url)
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.headers["content-type"].startswith("image/") and len(downloaded.content) > 0
        refusals = {
            "signature changed": with_query(sig=("0" if query["sig"][0] != "0" else "1") + query["sig"][1:]),
            "expiry stretched": with_query(expires=str(int(query["expires"]) + 3600)),
            "expiry in the past": with_query(expires="1"),
            "another object": with_path(sibling_key),
            "signature dropped": urlunsplit(parts._replace(query=urlencode({"expires": query["expires"]}))),
        }
        for reason, tampered in refusals.items():
            refused = await client.get(tampered)
            assert refused.status_code == 403, (reason, refused.status_code, refused.text)
            assert refused.content != downloaded.content


async def test_a_copy_of_the_same_bytes_is_ready_without_processing(api: Api, worker: dramatiq.Worker) -> None:
    """The shortcut the matrix relies on: a second upload of the same bytes is READY at once."""
    author = await api.sign_up("author")
    data = jpeg(300, 200)
    (first,) = await ready_media(api, author, 1, data)
    copy = await media_copy(api, author, data)
    assert copy != first
    both = [await create_post(api, author, [media]) for media in (first, copy)]
    assert [len(post["media"]) for post in both] == [1, 1]
