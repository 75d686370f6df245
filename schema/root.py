"""Root Query and Mutation, composed from one class per domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission

from resolvers import accounts, feed, posts, search, social, users
from resolvers import insights as insight_resolvers
from resolvers import moderation as moderation_resolvers
from resolvers import node as nodes
from resolvers import notifications as notification_resolvers
from schema.accounts import AuthPayload, LogOutPayload, UpdateProfilePayload
from schema.context import Context
from schema.feed import FeedConnection
from schema.insights import RecordViewsPayload
from schema.media import CreateUploadPayload, MediaPayload
from schema.moderation import (
    HiddenWordsPayload,
    IsModerator,
    ModerateCommentPayload,
    ModeratePostPayload,
    ModerationCase,
    ModerationLogEntry,
    ReportPayload,
    SuspensionPayload,
)
from schema.notifications import (
    MarkNotificationsReadPayload,
    Notification,
    NotificationConnection,
    PostNotificationsPayload,
)
from schema.permissions import IsAuthenticated
from schema.post_inputs import CommentPayload, DeleteCommentPayload, DeletePostPayload, PostPayload
from schema.posts import Post
from schema.relay import Connection
from schema.search import Hashtag, TrendingHashtag, UserSuggestion
from schema.social import FollowPayload, UserPayload
from schema.users import User

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]
MODERATORS: list[type[BasePermission]] = [IsAuthenticated, IsModerator]


def _guarded(declare: Callable[..., Any], permissions: list[type[BasePermission]]) -> Callable[..., Any]:
    """A declaration of root fields whose permission classes are said once, here."""

    def field(resolver: Callable[..., Any], description: str | None = None) -> Any:
        return declare(resolver=resolver, permission_classes=permissions, description=description)

    return field


signed_in_field = _guarded(strawberry.field, AUTHENTICATED)
signed_in_mutation = _guarded(strawberry.mutation, AUTHENTICATED)
moderator_field = _guarded(strawberry.field, MODERATORS)
moderator_mutation = _guarded(strawberry.mutation, MODERATORS)


@strawberry.type
class UserQueries:
    viewer: User | None = strawberry.field(
        resolver=users.viewer, description="The signed-in user; null when anonymous."
    )
    user: User | None = strawberry.field(
        resolver=users.user, description="A user by username; null when missing or hidden."
    )
    node: relay.Node | None = strawberry.field(resolver=nodes.node, description="Any object by its global id.")
    follow_requests: Connection[User] = signed_in_field(
        users.follow_requests, "People asking to follow the viewer, newest first."
    )
    blocked_users: Connection[User] = signed_in_field(users.blocked_users, "Whom the viewer blocks.")


@strawberry.type
class AccountMutations:
    sign_up: AuthPayload = strawberry.mutation(resolver=accounts.sign_up)
    log_in: AuthPayload = strawberry.mutation(resolver=accounts.log_in)
    refresh_token: AuthPayload = strawberry.mutation(
        resolver=accounts.refresh_token, description="Swap a refresh token for a new pair; each works once."
    )
    log_out: LogOutPayload = signed_in_mutation(accounts.log_out)
    update_profile: UpdateProfilePayload = signed_in_mutation(accounts.update_profile)


@strawberry.type
class SocialMutations:
    follow: FollowPayload = signed_in_mutation(
        social.follow, "FOLLOWING for public accounts, REQUESTED for private ones. Repeating is harmless."
    )
    unfollow: FollowPayload = signed_in_mutation(social.unfollow, "Also withdraws a pending request.")
    approve_follow_request: UserPayload = signed_in_mutation(social.approve_follow_request)
    reject_follow_request: UserPayload = signed_in_mutation(social.reject_follow_request)
    remove_follower: UserPayload = signed_in_mutation(social.remove_follower)
    block: UserPayload = signed_in_mutation(social.block, "Also removes follows and requests in both directions.")
    unblock: UserPayload = signed_in_mutation(social.unblock)


@strawberry.type
class PostQueries:
    post: Post | None = strawberry.field(resolver=posts.post, description="A post; null when missing or hidden.")
    close_friends: Connection[User] = signed_in_field(posts.close_friends, "The viewer's close friends.")


@strawberry.type
class PostMutations:
    create_upload: CreateUploadPayload = signed_in_mutation(
        posts.create_upload, "Declare a file; PUT its bytes as instructed, then call completeUpload."
    )
    complete_upload: MediaPayload = signed_in_mutation(
        posts.complete_upload, "Check the uploaded bytes (size, sha256) and start processing."
    )
    upload_media: MediaPayload = signed_in_mutation(
        posts.upload_media, "A small image in one request (GraphQL multipart request; send GraphQL-Require-Preflight)."
    )
    create_post: PostPayload = signed_in_mutation(posts.create_post)
    edit_post: PostPayload = signed_in_mutation(posts.edit_post)
    delete_post: DeletePostPayload = signed_in_mutation(posts.delete_post)
    like_post: PostPayload = signed_in_mutation(posts.like_post, "Liking twice changes nothing.")
    unlike_post: PostPayload = signed_in_mutation(posts.unlike_post)
    add_comment: CommentPayload = signed_in_mutation(posts.add_comment)
    delete_comment: DeleteCommentPayload = signed_in_mutation(
        posts.delete_comment, "For the comment's author and the post's author."
    )
    add_close_friend: UserPayload = signed_in_mutation(social.add_close_friend)
    remove_close_friend: UserPayload = signed_in_mutation(social.remove_close_friend)


@strawberry.type
class FeedQueries:
    feed: FeedConnection = signed_in_field(
        feed.home_feed, "The viewer's home feed: their own posts and those of the people they follow."
    )


@strawberry.type
class SearchQueries:
    search_posts: Connection[Post] = strawberry.field(
        resolver=search.search_posts,
        description=(
            "Posts whose caption (hashtags included) matches the query, best match first, then newest. "
            'Web search syntax: words, "a phrase", -excluded, or. '
            "At most SHUTTER_SEARCH_QUERY_MAX_LENGTH characters (200 by default); an empty query finds nothing."
        ),
    )
    search_users: Connection[User] = strawberry.field(
        resolver=search.search_users,
        description=(
            "People whose username starts with the query, then those whose full name (or a later word "
            "of it) does; each group by username."
        ),
    )
    hashtag: Hashtag = strawberry.field(
        resolver=search.hashtag, description="A hashtag by name ('#' optional, any case)."
    )
    trending_hashtags: list[TrendingHashtag] = strawberry.field(
        resolver=search.trending_hashtags,
        description=(
            "Hashtags on the most posts of the last SHUTTER_TRENDING_WINDOW_DAYS days (7 by default) that the "
            "viewer may see; ties by name."
        ),
    )
    suggested_users: list[UserSuggestion] = signed_in_field(
        search.suggested_users,
        (
            "People followed by those the viewer follows, most mutual follows first; never anyone "
            "the viewer follows, asked to follow or has a block with. A list, not a connection."
        ),
    )


@strawberry.type
class NotificationQueries:
    notifications: NotificationConnection = signed_in_field(
        notification_resolvers.notification_list, "The viewer's notifications, newest activity first."
    )
    unread_notification_count: int = signed_in_field(notification_resolvers.unread_notification_count)


@strawberry.type
class NotificationMutations:
    mark_notifications_read: MarkNotificationsReadPayload = signed_in_mutation(
        notification_resolvers.mark_notifications_read,
        "Mark the given notifications read, or all of them with all: true.",
    )
    set_post_notifications: PostNotificationsPayload = signed_in_mutation(
        notification_resolvers.set_post_notifications,
        "Get (or stop getting) a NEW_POST notification for each post of an account you follow.",
    )


@strawberry.type
class InsightsQueries:
    saved_posts: Connection[Post] = signed_in_field(
        insight_resolvers.saved_posts,
        (
            "The viewer's saved posts, newest save first. A post the viewer may no longer see (its "
            "author went private or blocked them, or it was deleted) is left out."
        ),
    )


@strawberry.type
class InsightsMutations:
    record_views: RecordViewsPayload = signed_in_mutation(
        insight_resolvers.record_views,
        (
            "Report posts the viewer has seen, at most SHUTTER_RECORD_VIEWS_MAX_POSTS (100 by default) "
            "per call; each post listed counts one view (listed twice, still one). Views of the viewer's "
            "own posts do not count, and posts the viewer may not see are passed over without an error."
        ),
    )
    save_post: PostPayload = signed_in_mutation(
        insight_resolvers.save_post, "Saving twice changes nothing; only the viewer sees what they saved."
    )
    unsave_post: PostPayload = signed_in_mutation(insight_resolvers.unsave_post)


@strawberry.type
class ModerationQueries:
    moderation_queue: Connection[ModerationCase] = moderator_field(
        moderation_resolvers.moderation_queue,
        "Reported posts, comments and accounts, oldest case first. Moderators only (else FORBIDDEN).",
    )
    moderation_log: Connection[ModerationLogEntry] = moderator_field(
        moderation_resolvers.moderation_log, "Every moderation action, newest first. Moderators only (else FORBIDDEN)."
    )


@strawberry.type
class ModerationMutations:
    report_post: ReportPayload = signed_in_mutation(
        moderation_resolvers.report_post,
        (
            "Report a post; once SHUTTER_REPORT_HIDE_THRESHOLD (5 by default) distinct people report it, it is "
            "hidden pending review. Reporting twice counts once."
        ),
    )
    report_comment: ReportPayload = signed_in_mutation(
        moderation_resolvers.report_comment, "Report a comment; hidden at the same threshold as posts."
    )
    report_user: ReportPayload = signed_in_mutation(
        moderation_resolvers.report_user, "Report an account for review; reports alone never suspend it."
    )
    moderate_post: ModeratePostPayload = moderator_mutation(moderation_resolvers.moderate_post)
    moderate_comment: ModerateCommentPayload = moderator_mutation(moderation_resolvers.moderate_comment)
    suspend_user: SuspensionPayload = moderator_mutation(
        moderation_resolvers.suspend_user,
        "The account can no longer sign in and everything it shared is hidden. Staff: admins only.",
    )
    unsuspend_user: SuspensionPayload = moderator_mutation(moderation_resolvers.unsuspend_user)
    dismiss_user_reports: SuspensionPayload = moderator_mutation(
        moderation_resolvers.dismiss_user_reports,
        "Close an account's pending reports with no action against it; logged as DISMISS.",
    )
    set_hidden_words: HiddenWordsPayload = signed_in_mutation(
        moderation_resolvers.set_hidden_words,
        (
            "Replace the viewer's hidden words: comments on the viewer's posts holding one (whole word, any "
            "case) are seen only by whoever wrote them."
        ),
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=AUTHENTICATED,
        description="The viewer's notifications as they happen (authenticate in connection_init).",
    )
    async def notifications(self, info: strawberry.Info[Context, None]) -> AsyncGenerator[Notification, None]:
        async for notification in notification_resolvers.live_notifications(info):
            yield notification


@strawberry.type
class Mutation(
    AccountMutations, SocialMutations, PostMutations, NotificationMutations, InsightsMutations, ModerationMutations
):
    pass


@strawberry.type
class Query(
    UserQueries, PostQueries, FeedQueries, NotificationQueries, SearchQueries, InsightsQueries, ModerationQueries
):
    pass
