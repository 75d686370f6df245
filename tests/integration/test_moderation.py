"""Moderation against the real servers: reports and the hide threshold, the queue and log for
moderators only, decisions, suspensions everywhere content shows, banned and hidden words."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry import relay

from db.models import Role
from db.moderation import ReportReason
from db.notifications import NotificationKind
from services import accounts, engagement, moderation, notifications, notify, posts, roles, search
from services.errors import DomainError, ErrorCode
from services.post_access import visible_post
from services.stores import Stores
from tests.integration import feedkit
from tests.integration.test_insights import execute

QUEUE = """query { moderationQueue { edges { node {
  targetKind reportCount hidden status reasons { reason count } post { caption } user { username } } } } }"""
LOG = """query { moderationLog { edges { node { action targetKind targetId reason moderator { username } } } } }"""
MODERATE = """mutation($id: ID!, $action: ModerationDecision!) {
  moderatePost(postId: $id, action: $action) { post { id } errors { code field } } }"""
SUSPEND = (
    'mutation($id: ID!) { suspendUser(userId: $id, reason: "spam ring") { user { username } errors { code field } } }'
)
UNSUSPEND = "mutation($id: ID!) { unsuspendUser(userId: $id) { user { username } errors { code field } } }"
REPORT = "mutation($id: ID!) { reportPost(postId: $id, reason: SPAM) { counted errors { code field } } }"
HIDDEN_WORDS = "mutation($words: [String!]!) { setHiddenWords(words: $words) { words errors { code field } } }"
COMMENTS = """query($id: ID!) { post(id: $id) { comments { edges { node { text } } } previewComments { text } } }"""


def gid(type_name: str, number: int) -> str:
    return str(relay.GlobalID(type_name, str(number)))


async def data(stores: Stores, viewer: int | None, query: str, **variables: Any) -> Any:
    result = await execute(stores, viewer, query, **variables)
    assert result.errors is None, result.errors
    return result.data


async def sees(stores: Stores, viewer: int, post_id: int) -> bool:
    try:
        await visible_post(stores, viewer, post_id)
    except DomainError:
        return False
    return True


async def moderator(stores: Stores, name: str = "mod") -> int:
    user_id = await feedkit.user(stores, name)
    await roles.set_role(stores, name, Role.MODERATOR)
    return user_id


@pytest.fixture
def threshold_three(stores: Stores) -> Stores:
    stores.settings = stores.settings.model_copy(update={"report_hide_threshold": 3})
    return stores


async def test_a_post_hides_exactly_at_the_threshold_of_distinct_reporters(threshold_three: Stores) -> None:
    stores = threshold_three
    author, one, two, three, viewer = await feedkit.users(stores, "ann", "one", "two", "three", "vic")
    mod = await moderator(stores)
    post_id = await feedkit.post(stores, author, "questionable")
    assert await moderation.report_post(stores, one, post_id, ReportReason.SPAM) is True
    assert await moderation.report_post(stores, one, post_id, ReportReason.HATE) is False  # a repeat
    assert await moderation.report_post(stores, two, post_id, ReportReason.SPAM) is True
    assert await sees(stores, viewer, post_id)  # threshold - 1 distinct reporters: still shown
    assert (await data(stores, three, REPORT, id=gid("Post", post_id)))["reportPost"] == {"counted": True, "errors": []}
    assert not await sees(stores, viewer, post_id)
    assert not await sees(stores, one, post_id)
    assert await sees(stores, author, post_id)  # the author still sees it, as with any hidden post
    [edge] = (await data(stores, mod, QUEUE))["moderationQueue"]["edges"]
    assert edge["node"] == {
        "targetKind": "POST",
        "reportCount": 3,
        "hidden": True,
        "status": "PENDING",
        "reasons": [{"reason": "SPAM", "count": 3}],
        "post": {"caption": "questionable"},
        "user": None,
    }
    # Reporting what is hidden from you looks like reporting nothing.
    with pytest.raises(DomainError) as hidden:
        await moderation.report_post(stores, viewer, post_id, ReportReason.SPAM)
    assert (hidden.value.code, hidden.value.field) == (ErrorCode.NOT_FOUND, "postId")


async def test_reports_of_oneself_or_ones_own_content_are_refused(stores: Stores) -> None:
    author, other = await feedkit.users(stores, "ann", "bob")
    post_id = await feedkit.post(stores, author, "mine")
    comment = await engagement.add_comment(stores, other, post_id, "hello")
    for call in (
        moderation.report_post(stores, author, post_id, ReportReason.SPAM),
        moderation.report_comment(stores, other, comment.id, ReportReason.SPAM),
        moderation.report_user(stores, author, author, ReportReason.SPAM),
    ):
        with pytest.raises(DomainError) as refused:
            await call
        assert refused.value.code is ErrorCode.INVALID_INPUT
    assert await moderation.report_user(stores, author, other, ReportReason.HARASSMENT) is True


async def test_only_moderators_reach_moderation(stores: Stores) -> None:
    author, user = await feedkit.users(stores, "ann", "usr")
    post_id = await feedkit.post(stores, author, "fine")
    for query, variables in ((QUEUE, {}), (LOG, {}), (MODERATE, {"id": gid("Post", post_id), "action": "REMOVE"})):
        result = await execute(stores, user, query, **variables)
        assert [e.extensions["code"] for e in result.errors] == ["FORBIDDEN"]
    result = await execute(stores, None, QUEUE)
    assert [e.extensions["code"] for e in result.errors] == ["UNAUTHENTICATED"]
    await roles.set_role(stores, "usr", Role.ADMIN)
    assert (await data(stores, user, QUEUE))["moderationQueue"]["edges"] == []
    with pytest.raises(DomainError) as missing:
        await roles.set_role(stores, "nobody", Role.MODERATOR)
    assert missing.value.code is ErrorCode.NOT_FOUND


async def test_decisions_restore_remove_dismiss_and_are_logged(threshold_three: Stores) -> None:
    stores = threshold_three
    author, *reporters, viewer = await feedkit.users(stores, "ann", "r1", "r2", "r3", "vic")
    mod = await moderator(stores)
    post_id = await feedkit.post(stores, author, "borderline")
    for reporter in reporters:
        await moderation.report_post(stores, reporter, post_id, ReportReason.NUDITY)
    assert not await sees(stores, viewer, post_id)

    async def decide(action: str) -> None:
        payload = (await data(stores, mod, MODERATE, id=gid("Post", post_id), action=action))["moderatePost"]
        assert payload == {"post": {"id": gid("Post", post_id)}, "errors": []}

    await decide("RESTORE")
    assert await sees(stores, viewer, post_id)
    assert (await data(stores, mod, QUEUE))["moderationQueue"]["edges"] == []  # resolved
    await decide("REMOVE")
    assert not await sees(stores, viewer, post_id)
    await decide("DISMISS")  # dismissing keeps a moderator's removal
    assert not await sees(stores, viewer, post_id)
    log = [edge["node"] for edge in (await data(stores, mod, LOG))["moderationLog"]["edges"]]
    assert [(e["action"], e["moderator"]) for e in log] == [
        ("DISMISS", {"username": "mod"}),
        ("REMOVE", {"username": "mod"}),
        ("RESTORE", {"username": "mod"}),
        ("AUTO_HIDE", None),
    ]
    assert {(e["targetKind"], e["targetId"]) for e in log} == {("POST", gid("Post", post_id))}


async def test_dismiss_undoes_an_automatic_hide_of_a_comment(threshold_three: Stores) -> None:
    stores = threshold_three
    author, commenter, *reporters = await feedkit.users(stores, "ann", "cat", "r1", "r2", "r3")
    mod = await moderator(stores)
    post_id = await feedkit.post(stores, author, "a post")
    comment = await engagement.add_comment(stores, commenter, post_id, "a hot take")
    for reporter in reporters:
        await moderation.report_comment(stores, reporter, comment.id, ReportReason.HARASSMENT)
    texts = (await data(stores, author, COMMENTS, id=gid("Post", post_id)))["post"]["comments"]["edges"]
    assert texts == []
    own = (await data(stores, commenter, COMMENTS, id=gid("Post", post_id)))["post"]["comments"]["edges"]
    assert own == [{"node": {"text": "a hot take"}}]  # its author still sees it
    mutation = (
        "mutation($id: ID!) { moderateComment(commentId: $id, action: DISMISS) { comment { text } errors { code } } }"
    )
    assert (await data(stores, mod, mutation, id=gid("Comment", comment.id)))["moderateComment"]["errors"] == []
    texts = (await data(stores, author, COMMENTS, id=gid("Post", post_id)))["post"]["comments"]["edges"]
    assert texts == [{"node": {"text": "a hot take"}}]


async def test_suspension_hides_everything_and_blocks_sign_in_until_lifted(stores: Stores) -> None:
    author, fan = await feedkit.users(stores, "ann", "fan")
    mod = await moderator(stores)
    await feedkit.follow(stores, fan, author)
    fan_post = await feedkit.post(stores, fan, "fan post")
    post_id = await feedkit.post(stores, author, "sunset #beach")
    await engagement.like_post(stores, author, fan_post)  # a LIKE notification for the fan, made as its job would
    await notify.reconcile(stores, notify.Subject(NotificationKind.LIKE, author, fan, fan_post))
    session = await accounts.log_in(stores, username_or_email="ann", password="long-enough-pw", client_address=None)

    async def everywhere() -> tuple[bool, bool, bool]:
        in_feed = post_id in await feedkit.ids(stores, fan)
        view = await search.viewpoint(stores, fan)
        hits = await search.search_posts(stores, view, "sunset", 10, None)
        found = any(hit.post.id == post_id and hit.shown for hit in hits)
        rows = await notifications.page(stores, fan, unread_only=False, before=None, limit=20)
        notified = bool(await notifications.shown(stores, fan, rows))
        return in_feed, found, notified

    assert await everywhere() == (True, True, True)
    assert (await data(stores, mod, SUSPEND, id=gid("User", author)))["suspendUser"]["errors"] == []
    assert await everywhere() == (False, False, False)
    for attempt in (
        accounts.log_in(stores, username_or_email="ann", password="long-enough-pw", client_address=None),
        accounts.refresh(stores, session.refresh_token),
    ):
        with pytest.raises(DomainError) as refused:
            await attempt
        assert refused.value.code in {ErrorCode.ACCOUNT_SUSPENDED, ErrorCode.INVALID_TOKEN, ErrorCode.TOKEN_REUSED}
    assert (await data(stores, mod, UNSUSPEND, id=gid("User", author)))["unsuspendUser"]["errors"] == []
    assert await everywhere() == (True, True, True)
    await accounts.log_in(stores, username_or_email="ann", password="long-enough-pw", client_address=None)
    log = [edge["node"] for edge in (await data(stores, mod, LOG))["moderationLog"]["edges"]]
    assert [(e["action"], e["reason"]) for e in log] == [("UNSUSPEND", ""), ("SUSPEND", "spam ring")]
    # Moderators cannot suspend staff (admins can), nor themselves.
    other_mod = await moderator(stores, "mod2")
    payload = (await data(stores, mod, SUSPEND, id=gid("User", other_mod)))["suspendUser"]
    assert payload["errors"] == [{"code": "FORBIDDEN", "field": "userId"}]
    payload = (await data(stores, mod, SUSPEND, id=gid("User", mod)))["suspendUser"]
    assert payload["errors"] == [{"code": "INVALID_INPUT", "field": "userId"}]


async def test_moderators_open_what_they_judge_by_id(stores: Stores) -> None:
    mod = await moderator(stores)
    author, bystander = await feedkit.users(stores, "ann", "bob")
    post_id = await feedkit.post(stores, author, "judge me")
    await data(stores, mod, MODERATE, id=gid("Post", post_id), action="REMOVE")
    by_id = """query($id: ID!) { post(id: $id) { caption media { width } }
      node(id: $id) { ... on Post { caption } } }"""

    hidden = await data(stores, bystander, by_id, id=gid("Post", post_id))
    assert hidden == {"post": None, "node": None}
    judged = await data(stores, mod, by_id, id=gid("Post", post_id))
    assert judged["post"]["caption"] == "judge me" and judged["node"] == {"caption": "judge me"}
    assert judged["post"]["media"] == [{"width": 640}]
    # Lists keep to the policy, and a deleted post is gone for moderators too.
    assert not await sees(stores, mod, post_id)
    await posts.delete_post(stores, author, post_id)
    assert await data(stores, mod, by_id, id=gid("Post", post_id)) == {"post": None, "node": None}


async def test_reports_of_an_account_are_dismissed_without_action(stores: Stores) -> None:
    mod = await moderator(stores)
    reported, reporter, bystander = await feedkit.users(stores, "rep", "ann", "bob")
    assert await moderation.report_user(stores, reporter, reported, ReportReason.SPAM)
    dismiss = """mutation($id: ID!) { dismissUserReports(userId: $id, reason: "not spam") {
      user { username } errors { code field } } }"""
    refused = await execute(stores, bystander, dismiss, id=gid("User", reported))
    assert [e.extensions["code"] for e in refused.errors] == ["FORBIDDEN"]

    done = (await data(stores, mod, dismiss, id=gid("User", reported)))["dismissUserReports"]
    assert done == {"user": {"username": "rep"}, "errors": []}
    assert (await data(stores, mod, QUEUE))["moderationQueue"]["edges"] == []
    [entry] = (await data(stores, mod, LOG))["moderationLog"]["edges"]
    assert entry["node"] == {
        "action": "DISMISS",
        "targetKind": "USER",
        "targetId": gid("User", reported),
        "reason": "not spam",
        "moderator": {"username": "mod"},
    }
    again = (await data(stores, mod, dismiss, id=gid("User", reported)))["dismissUserReports"]
    assert again == {"user": None, "errors": [{"code": "NOT_FOUND", "field": "userId"}]}
    # The account was never touched: it still signs in.
    assert (
        await accounts.log_in(stores, username_or_email="rep", password="long-enough-pw", client_address=None)
    ).user.id == reported
    # A new report opens a new case.
    assert await moderation.report_user(stores, bystander, reported, ReportReason.HARASSMENT)
    assert len((await data(stores, mod, QUEUE))["moderationQueue"]["edges"]) == 1


async def test_banned_words_are_refused_in_captions_and_comments(stores: Stores) -> None:
    stores.settings = stores.settings.model_copy(update={"banned_words": ("spoiler", "bad word")})
    author = await feedkit.user(stores, "ann")
    post_id = await feedkit.post(stores, author, "no spoilers here, a bad wordsmith")  # whole words only
    for caption in ("Huge SPOILER ahead", "a BAD  word!"):
        with pytest.raises(DomainError) as banned:
            await feedkit.post(stores, author, caption)
        assert (banned.value.code, banned.value.field) == (ErrorCode.BANNED_CONTENT, "caption")
    with pytest.raises(DomainError) as banned:
        await posts.edit_post(stores, author, post_id, caption="spoiler: it ends", location=None)
    assert (banned.value.code, banned.value.field) == (ErrorCode.BANNED_CONTENT, "caption")
    with pytest.raises(DomainError) as banned:
        await engagement.add_comment(stores, author, post_id, "(spoiler)")
    assert (banned.value.code, banned.value.field) == (ErrorCode.BANNED_CONTENT, "text")


async def test_hidden_words_hide_comments_from_all_but_their_authors(stores: Stores) -> None:
    author, rude, kind, viewer = await feedkit.users(stores, "ann", "rude", "kind", "vic")
    post_id = await feedkit.post(stores, author, "my photo")
    payload = (await data(stores, author, HIDDEN_WORDS, words=["  Ugly ", "c++", "ugly"]))["setHiddenWords"]
    assert payload == {"words": ["c++", "ugly"], "errors": []}
    ugly = await engagement.add_comment(stores, rude, post_id, "So UGLY!")
    await engagement.add_comment(stores, kind, post_id, "lovely, not ugl y")
    await engagement.add_comment(stores, kind, post_id, "written in C++")

    async def comments(who: int) -> list[str]:
        post = (await data(stores, who, COMMENTS, id=gid("Post", post_id)))["post"]
        return [edge["node"]["text"] for edge in post["comments"]["edges"]]

    for who in (author, viewer):
        assert await comments(who) == ["lovely, not ugl y"]
    assert await comments(rude) == ["So UGLY!", "lovely, not ugl y"]
    assert await comments(kind) == ["lovely, not ugl y", "written in C++"]
    preview = (await data(stores, rude, COMMENTS, id=gid("Post", post_id)))["post"]["previewComments"]
    assert [c["text"] for c in preview] == ["lovely, not ugl y"]  # previews are shared: hidden for all
    # By id, too, the hidden comment is there for its writer alone.
    node = "query($id: ID!) { node(id: $id) { ... on Comment { text } } }"
    for someone in (author, viewer, kind, None):
        assert (await data(stores, someone, node, id=gid("Comment", ugly.id)))["node"] is None
    assert (await data(stores, rude, node, id=gid("Comment", ugly.id)))["node"] == {"text": "So UGLY!"}
    with pytest.raises(DomainError) as hidden:
        await engagement.add_comment(stores, kind, post_id, "agreed", reply_to_id=ugly.id)
    assert (hidden.value.code, hidden.value.field) == (ErrorCode.NOT_FOUND, "replyToId")
    reply = await engagement.add_comment(stores, rude, post_id, "really", reply_to_id=ugly.id)
    assert (await data(stores, viewer, node, id=gid("Comment", reply.id)))["node"] is None
    query = 'query { user(username: "ann") { hiddenWords } }'
    assert (await data(stores, author, query))["user"]["hiddenWords"] == ["c++", "ugly"]
    assert (await data(stores, viewer, query))["user"]["hiddenWords"] is None
    too_many = [f"w{i}" for i in range(stores.settings.max_hidden_words + 1)]
    payload = (await data(stores, author, HIDDEN_WORDS, words=too_many))["setHiddenWords"]
    assert payload["errors"] == [{"code": "INVALID_INPUT", "field": "words"}]
