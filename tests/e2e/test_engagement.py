"""Likes, comments and edits on a post: exact counts under concurrency, threads, permissions, blocks."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq

from tests.e2e.client import Account, Api
from tests.e2e.posting import (
    codes,
    comment,
    comment_id,
    create_post,
    delete_comment,
    like,
    ready_media,
    unlike,
    user_action,
)

LIKES = "query($id: ID!) { post(id: $id) { likeCount viewerHasLiked } }"
LIKERS = """query($id: ID!, $first: Int, $after: String) { post(id: $id) {
  likers(first: $first, after: $after) { edges { node { username } } pageInfo { hasNextPage endCursor } } } }"""
# A hundred comments, each with up to twenty replies: a hundred replies under each of a hundred
# comments would cost more than SHUTTER_MAX_QUERY_COST allows.
THREAD = """query($id: ID!) { post(id: $id) {
  commentCount
  previewComments { id }
  comments(first: 100) { edges { node { id text replyCount author { username }
    replies(first: 20) { edges { node { id text } } } } } }
} }"""
EDITABLE = """query($id: ID!) { post(id: $id) { caption hashtags editedAt media { id altText } } }"""
EDIT = """mutation($input: EditPostInput!) { editPost(input: $input) {
  post { caption hashtags editedAt media { id altText } } errors { code field } } }"""


async def author_and_post(api: Api, caption: str = "a post") -> tuple[Account, dict[str, Any]]:
    author = await api.sign_up("author")
    (media_id,) = await ready_media(api, author, 1)
    return author, await create_post(api, author, [media_id], caption)


async def likes(api: Api, viewer: Account | None, post_id: str) -> dict[str, Any]:
    data = await api.data(LIKES, {"id": post_id}, token=viewer.token if viewer else None)
    post: dict[str, Any] = data["post"]
    return post


async def thread(api: Api, viewer: Account, post_id: str) -> dict[str, Any]:
    data = await api.data(THREAD, {"id": post_id}, token=viewer.token)
    post: dict[str, Any] = data["post"]
    return post


def top_level(post: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in post["comments"]["edges"]]


async def test_likes_are_idempotent_and_exact_under_concurrency(api: Api, worker: dramatiq.Worker) -> None:
    author, post = await author_and_post(api)
    fans = list(await asyncio.gather(*(api.sign_up(f"fan{n}") for n in range(20))))

    async def all_like(who: list[Account]) -> None:
        results = await asyncio.gather(*(like(api, fan, post["id"]) for fan in who))
        assert all(result["errors"] == [] and result["post"]["viewerHasLiked"] for result in results), results

    await all_like(fans)
    assert await likes(api, author, post["id"]) == {"likeCount": 20, "viewerHasLiked": False}
    await all_like(fans + fans)  # each fan twice more, all at once
    assert await likes(api, None, post["id"]) == {"likeCount": 20, "viewerHasLiked": False}

    leaving = fans[::2]
    unliked = await asyncio.gather(*(unlike(api, fan, post["id"]) for fan in leaving + leaving))
    assert all(result["errors"] == [] and not result["post"]["viewerHasLiked"] for result in unliked), unliked
    assert (await likes(api, author, post["id"]))["likeCount"] == 10
    for fan in fans:
        seen = await likes(api, fan, post["id"])
        assert seen == {"likeCount": 10, "viewerHasLiked": fan not in leaving}, fan.username

    never_liked = await unlike(api, author, post["id"])
    assert never_liked["errors"] == [] and never_liked["post"] == {"likeCount": 10, "viewerHasLiked": False}
    likers = await api.data(LIKERS, {"id": post["id"], "first": 100}, token=author.token)
    names = {edge["node"]["username"] for edge in likers["post"]["likers"]["edges"]}
    assert names == {fan.username for fan in fans if fan not in leaving}


async def test_likers_are_newest_first_and_page(api: Api, worker: dramatiq.Worker) -> None:
    author, post = await author_and_post(api)
    fans = [await api.sign_up(f"fan{n}") for n in range(5)]
    for fan in fans:
        assert (await like(api, fan, post["id"]))["errors"] == []
    newest_first = [fan.username for fan in reversed(fans)]

    pages: list[list[str]] = []
    after = None
    while True:
        data = await api.data(LIKERS, {"id": post["id"], "first": 2, "after": after}, token=fans[0].token)
        connection = data["post"]["likers"]
        pages.append([edge["node"]["username"] for edge in connection["edges"]])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:]]

    # Liking again does not move a liker to the front; unliking and liking again does.
    assert (await like(api, fans[0], post["id"]))["errors"] == []
    assert (await unlike(api, fans[1], post["id"]))["errors"] == []
    assert (await like(api, fans[1], post["id"]))["errors"] == []
    data = await api.data(LIKERS, {"id": post["id"], "first": 10}, token=author.token)
    order = [edge["node"]["username"] for edge in data["post"]["likers"]["edges"]]
    assert order == ["fan1", "fan4", "fan3", "fan2", "fan0"]


async def test_comments_replies_and_counts(api: Api, worker: dramatiq.Worker) -> None:
    author, post = await author_and_post(api)
    ann, ben = await api.sign_up("ann"), await api.sign_up("ben")
    first = await comment_id(api, ann, post["id"], "first!")
    reply = await comment_id(api, ben, post["id"], "a reply", reply_to=first)
    reply_to_reply = await comment_id(api, author, post["id"], "a reply to the reply", reply_to=reply)
    second = await comment_id(api, ben, post["id"], "second")
    third = await comment_id(api, author, post["id"], "third")

    seen = await thread(api, ann, post["id"])
    assert seen["commentCount"] == 5
    assert [c["id"] for c in top_level(seen)] == [first, second, third]  # oldest first, replies not among them
    assert [c["id"] for c in seen["previewComments"]] == [first, second]
    opening = top_level(seen)[0]
    assert opening["replyCount"] == 2 and opening["author"] == {"username": "ann"}
    # A reply to a reply joins the thread of the top-level comment, oldest first.
    assert [edge["node"]["id"] for edge in opening["replies"]["edges"]] == [reply, reply_to_reply]
    assert [c["replyCount"] for c in top_level(seen)[1:]] == [0, 0]

    reply_node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Comment { text replies { edges { node { id } } } } } }",
        {"id": reply},
        token=ann.token,
    )
    assert reply_node["node"] == {"text": "a reply", "replies": {"edges": []}}

    too_long = await comment(api, ann, post["id"], "x" * 2201)
    assert too_long["comment"] is None and codes(too_long) == [("TOO_LONG", "text")]
    just_right = await comment(api, ann, post["id"], "y" * 2200)
    assert just_right["errors"] == [] and len(just_right["comment"]["text"]) == 2200
    for empty in ("", "   \n\t "):
        refused = await comment(api, ann, post["id"], empty)
        assert refused["comment"] is None and codes(refused) == [("INVALID_INPUT", "text")], repr(empty)
    assert (await thread(api, author, post["id"]))["commentCount"] == 6


async def test_deleting_comments(api: Api, worker: dramatiq.Worker) -> None:
    author, post = await author_and_post(api)
    ann, ben, cat = await api.sign_up("ann"), await api.sign_up("ben"), await api.sign_up("cat")
    top = await comment_id(api, ann, post["id"], "top")
    replies = [await comment_id(api, who, post["id"], f"reply by {who.username}", top) for who in (ben, cat, ben)]
    own = await comment_id(api, ben, post["id"], "ben's own")
    others = await comment_id(api, cat, post["id"], "cat's")
    assert (await thread(api, author, post["id"]))["commentCount"] == 6

    stranger_try = await delete_comment(api, cat, own)
    assert stranger_try["deletedCommentId"] is None and codes(stranger_try) == [("NOT_ALLOWED", "commentId")]
    assert (await thread(api, author, post["id"]))["commentCount"] == 6

    assert await delete_comment(api, ben, own) == {"deletedCommentId": own, "errors": []}  # its author
    assert await delete_comment(api, author, others) == {"deletedCommentId": others, "errors": []}  # post's author
    assert await delete_comment(api, ben, replies[0]) == {"deletedCommentId": replies[0], "errors": []}
    seen = await thread(api, ann, post["id"])
    assert seen["commentCount"] == 3
    assert [c["id"] for c in top_level(seen)] == [top]
    assert top_level(seen)[0]["replyCount"] == 2
    assert [e["node"]["id"] for e in top_level(seen)[0]["replies"]["edges"]] == replies[1:]

    again = await delete_comment(api, ben, own)
    assert codes(again) == [("NOT_FOUND", "commentId")], again
    gone = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": own}, token=ben.token)
    assert gone["node"] is None

    # A top-level comment goes with its replies, from the lists and from the count.
    assert await delete_comment(api, author, top) == {"deletedCommentId": top, "errors": []}
    seen = await thread(api, ann, post["id"])
    assert seen == {"commentCount": 0, "previewComments": [], "comments": {"edges": []}}
    for orphan in replies[1:]:
        found = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": orphan}, token=author.token)
        assert found["node"] is None, orphan
        late = await comment(api, ann, post["id"], "too late", reply_to=orphan)
        assert codes(late) == [("NOT_FOUND", "replyToId")], late


async def test_comments_across_a_block_are_left_out(api: Api, worker: dramatiq.Worker) -> None:
    author, post = await author_and_post(api)
    viewer = await api.sign_up("viewer")
    friend, blocks_viewer, blocked_by_viewer = [
        await api.sign_up(name) for name in ("friend", "blocksviewer", "blockedbyviewer")
    ]
    ids = {
        "friend": await comment_id(api, friend, post["id"], "from a friend"),
        "blocksviewer": await comment_id(api, blocks_viewer, post["id"], "from someone who blocked the viewer"),
        "blockedbyviewer": await comment_id(api, blocked_by_viewer, post["id"], "from someone the viewer blocked"),
        "friend again": await comment_id(api, friend, post["id"], "again"),
    }
    await user_action(api, "block", blocks_viewer, viewer)
    await user_action(api, "block", viewer, blocked_by_viewer)

    as_viewer = await thread(api, viewer, post["id"])
    shown = [c["id"] for c in top_level(as_viewer)]
    assert shown == [ids["friend"], ids["friend again"]]
    preview = [c["id"] for c in as_viewer["previewComments"]]
    assert preview[:1] == [ids["friend"]] and set(preview) <= {ids["friend"], ids["friend again"]}, preview
    for hidden in ("blocksviewer", "blockedbyviewer"):
        found = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": ids[hidden]}, token=viewer.token)
        assert found["node"] is None, hidden
    # Replies across a block are left out too.
    reply = await comment_id(api, blocked_by_viewer, post["id"], "a reply", reply_to=ids["friend"])
    replies = top_level(await thread(api, viewer, post["id"]))[0]["replies"]["edges"]
    assert reply not in [edge["node"]["id"] for edge in replies]

    as_author = await thread(api, author, post["id"])
    assert [c["id"] for c in top_level(as_author)] == list(ids.values())
    assert [c["id"] for c in as_author["previewComments"]] == [ids["friend"], ids["blocksviewer"]]


async def test_edit_post(api: Api, worker: dramatiq.Worker) -> None:
    author, post = await author_and_post(api, "morning in #Porto")
    other = await api.sign_up("other")
    media_id = post["media"][0]["id"]
    before = (await api.data(EDITABLE, {"id": post["id"]}, token=author.token))["post"]
    assert before == {
        "caption": "morning in #Porto",
        "hashtags": ["porto"],
        "editedAt": None,
        "media": [{"id": media_id, "altText": ""}],
    }

    change = {
        "postId": post["id"],
        "caption": "evening in #Lisbon #sunset",
        "altTexts": [{"mediaId": media_id, "altText": "the river at dusk"}],
    }
    refused = (await api.data(EDIT, {"input": change}, token=other.token))["editPost"]
    assert refused["post"] is None and codes(refused) == [("NOT_FOUND", "postId")]
    assert (await api.data(EDITABLE, {"id": post["id"]}, token=author.token))["post"] == before

    too_many = {**change, "caption": " ".join(f"#tag{n}" for n in range(31))}
    refused = (await api.data(EDIT, {"input": too_many}, token=author.token))["editPost"]
    assert refused["post"] is None and codes(refused) == [("TOO_MANY_HASHTAGS", "caption")]
    assert (await api.data(EDITABLE, {"id": post["id"]}, token=author.token))["post"] == before

    edited = (await api.data(EDIT, {"input": change}, token=author.token))["editPost"]
    assert edited["errors"] == []
    expected = {
        "caption": "evening in #Lisbon #sunset",
        "hashtags": ["lisbon", "sunset"],
        "media": [{"id": media_id, "altText": "the river at dusk"}],
    }
    assert {key: edited["post"][key] for key in expected} == expected
    assert edited["post"]["editedAt"] is not None
    seen = (await api.data(EDITABLE, {"id": post["id"]}, token=other.token))["post"]
    assert {key: seen[key] for key in expected} == expected
