"""Root Query and Mutation, composed from one class per domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator

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


@strawberry.type
class UserQueries:
    viewer: User | None = strawberry.field(
        resolver=users.viewer, description="The signed-in user; null when anonymous."
    )
    user: User | None = strawberry.field(
        resolver=users.user, description="A user by username; null when missing or hidden."
    )
    node: relay.Node | None = strawberry.field(resolver=nodes.node, description="Any object by its global id.")
    follow_requests: Connection[User] = strawberry.field(
        resolver=users.follow_requests,
        permission_classes=AUTHENTICATED,
        description="People asking to follow the viewer, newest first.",
    )
    blocked_users: Connection[User] = strawberry.field(
        resolver=users.blocked_users, permission_classes=AUTHENTICATED, description="Whom the viewer blocks."
    )


@strawberry.type
class AccountMutations:
    sign_up: AuthPayload = strawberry.mutation(resolver=accounts.sign_up)
    log_in: AuthPayload = strawberry.mutation(resolver=accounts.log_in)
    refresh_token: AuthPayload = strawberry.mutation(
        resolver=accounts.refresh_token, description="Swap a refresh token for a new pair; each works once."
    )
    log_out: LogOutPayload = strawberry.mutation(resolver=accounts.log_out, permission_classes=AUTHENTICATED)
    update_profile: UpdateProfilePayload = strawberry.mutation(
        resolver=accounts.update_profile, permission_classes=AUTHENTICATED
    )


@strawberry.type
class SocialMutations:
    follow: FollowPayload = strawberry.mutation(
        resolver=social.follow,
        permission_classes=AUTHENTICATED,
        description="FOLLOWING for public accounts, REQUESTED for private ones. Repeating is harmless.",
    )
    unfollow: FollowPayload = strawberry.mutation(
        resolver=social.unfollow, permission_classes=AUTHENTICATED, description="Also withdraws a pending request."
    )
    approve_follow_request: UserPayload = strawberry.mutation(
        resolver=social.approve_follow_request, permission_classes=AUTHENTICATED
    )
    reject_follow_request: UserPayload = strawberry.mutation(
        resolver=social.reject_follow_request, permission_classes=AUTHENTICATED
    )
    remove_follower: UserPayload = strawberry.mutation(
        resolver=social.remove_follower, permission_classes=AUTHENTICATED
    )
    block: UserPayload = strawberry.mutation(
        resolver=social.block,
        permission_classes=AUTHENTICATED,
        description="Also removes follows and requests in both directions.",
    )
    unblock: UserPayload = strawberry.mutation(resolver=social.unblock, permission_classes=AUTHENTICATED)


@strawberry.type
class PostQueries:
    post: Post | None = strawberry.field(resolver=posts.post, description="A post; null when missing or hidden.")
    close_friends: Connection[User] = strawberry.field(
        resolver=posts.close_friends, permission_classes=AUTHENTICATED, description="The viewer's close friends."
    )


@strawberry.type
class PostMutations:
    create_upload: CreateUploadPayload = strawberry.mutation(
        resolver=posts.create_upload,
        permission_classes=AUTHENTICATED,
        description="Declare a file; PUT its bytes as instructed, then call completeUpload.",
    )
    complete_upload: MediaPayload = strawberry.mutation(
        resolver=posts.complete_upload,
        permission_classes=AUTHENTICATED,
        description="Check the uploaded bytes (size, sha256) and start processing.",
    )
    upload_media: MediaPayload = strawberry.mutation(
        resolver=posts.upload_media,
        permission_classes=AUTHENTICATED,
        description="A small image in one request (GraphQL multipart request; send GraphQL-Require-Preflight).",
    )
    create_post: PostPayload = strawberry.mutation(resolver=posts.create_post, permission_classes=AUTHENTICATED)
    edit_post: PostPayload = strawberry.mutation(resolver=posts.edit_post, permission_classes=AUTHENTICATED)
    delete_post: DeletePostPayload = strawberry.mutation(resolver=posts.delete_post, permission_classes=AUTHENTICATED)
    like_post: PostPayload = strawberry.mutation(
        resolver=posts.like_post, permission_classes=AUTHENTICATED, description="Liking twice changes nothing."
    )
    unlike_post: PostPayload = strawberry.mutation(resolver=posts.unlike_post, permission_classes=AUTHENTICATED)
    add_comment: CommentPayload = strawberry.mutation(resolver=posts.add_comment, permission_classes=AUTHENTICATED)
    delete_comment: DeleteCommentPayload = strawberry.mutation(
        resolver=posts.delete_comment,
        permission_classes=AUTHENTICATED,
        description="For the comment's author and the post's author.",
    )
    add_close_friend: UserPayload = strawberry.mutation(
        resolver=social.add_close_friend, permission_classes=AUTHENTICATED
    )
    remove_close_friend: UserPayload = strawberry.mutation(
        resolver=social.remove_close_friend, permission_classes=AUTHENTICATED
    )


@strawberry.type
class FeedQueries:
    feed: FeedConnection = strawberry.field(
        resolver=feed.home_feed,
        permission_classes=AUTHENTICATED,
        description="The viewer's home feed: their own posts and those of the people they follow.",
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
    suggested_users: list[UserSuggestion] = strawberry.field(
        resolver=search.suggested_users,
        permission_classes=AUTHENTICATED,
        description=(
            "People followed by those the viewer follows, most mutual follows first; never anyone "
            "the viewer follows, asked to follow or has a block with. A list, not a connection."
        ),
    )


@strawberry.type
class NotificationQueries:
    notifications: NotificationConnection = strawberry.field(
        resolver=notification_resolvers.notification_list,
        permission_classes=AUTHENTICATED,
        description="The viewer's notifications, newest activity first.",
    )
    unread_notification_count: int = strawberry.field(
        resolver=notification_resolvers.unread_notification_count, permission_classes=AUTHENTICATED
    )


@strawberry.type
class NotificationMutations:
    mark_notifications_read: MarkNotificationsReadPayload = strawberry.mutation(
        resolver=notification_resolvers.mark_notifications_read,
        permission_classes=AUTHENTICATED,
        description="Mark the given notifications read, or all of them with all: true.",
    )
    set_post_notifications: PostNotificationsPayload = strawberry.mutation(
        resolver=notification_resolvers.set_post_notifications,
        permission_classes=AUTHENTICATED,
        description="Get (or stop getting) a NEW_POST notification for each post of an account you follow.",
    )


@strawberry.type
class InsightsQueries:
    saved_posts: Connection[Post] = strawberry.field(
        resolver=insight_resolvers.saved_posts,
        permission_classes=AUTHENTICATED,
        description=(
            "The viewer's saved posts, newest save first. A post the viewer may no longer see (its "
            "author went private or blocked them, or it was deleted) is left out."
        ),
    )


@strawberry.type
class InsightsMutations:
    record_views: RecordViewsPayload = strawberry.mutation(
        resolver=insight_resolvers.record_views,
        permission_classes=AUTHENTICATED,
        description=(
            "Report posts the viewer has seen, at most SHUTTER_RECORD_VIEWS_MAX_POSTS (100 by default) "
            "per call; each post listed counts one view (listed twice, still one). Views of the viewer's "
            "own posts do not count, and posts the viewer may not see are passed over without an error."
        ),
    )
    save_post: PostPayload = strawberry.mutation(
        resolver=insight_resolvers.save_post,
        permission_classes=AUTHENTICATED,
        description="Saving twice changes nothing; only the viewer sees what they saved.",
    )
    unsave_post: PostPayload = strawberry.mutation(
        resolver=insight_resolvers.unsave_post, permission_classes=AUTHENTICATED
    )


@strawberry.type
class ModerationQueries:
    moderation_queue: Connection[ModerationCase] = strawberry.field(
        resolver=moderation_resolvers.moderation_queue,
        permission_classes=MODERATORS,
        description="Reported posts, comments and accounts, oldest case first. Moderators only (else FORBIDDEN).",
    )
    moderation_log: Connection[ModerationLogEntry] = strawberry.field(
        resolver=moderation_resolvers.moderation_log,
        permission_classes=MODERATORS,
        description="Every moderation action, newest first. Moderators only (else FORBIDDEN).",
    )


@strawberry.type
class ModerationMutations:
    report_post: ReportPayload = strawberry.mutation(
        resolver=moderation_resolvers.report_post,
        permission_classes=AUTHENTICATED,
        description=(
            "Report a post; once SHUTTER_REPORT_HIDE_THRESHOLD (5 by default) distinct people report it, it is "
            "hidden pending review. Reporting twice counts once."
        ),
    )
    report_comment: ReportPayload = strawberry.mutation(
        resolver=moderation_resolvers.report_comment,
        permission_classes=AUTHENTICATED,
        description="Report a comment; hidden at the same threshold as posts.",
    )
    report_user: ReportPayload = strawberry.mutation(
        resolver=moderation_resolvers.report_user,
        permission_classes=AUTHENTICATED,
        description="Report an account for review; reports alone never suspend it.",
    )
    moderate_post: ModeratePostPayload = strawberry.mutation(
        resolver=moderation_resolvers.moderate_post, permission_classes=MODERATORS
    )
    moderate_comment: ModerateCommentPayload = strawberry.mutation(
        resolver=moderation_resolvers.moderate_comment, permission_classes=MODERATORS
    )
    suspend_user: SuspensionPayload = strawberry.mutation(
        resolver=moderation_resolvers.suspend_user,
        permission_classes=MODERATORS,
        description="The account can no longer sign in and everything it shared is hidden. Staff: admins only.",
    )
    unsuspend_user: SuspensionPayload = strawberry.mutation(
        resolver=moderation_resolvers.unsuspend_user, permission_classes=MODERATORS
    )
    dismiss_user_reports: SuspensionPayload = strawberry.mutation(
        resolver=moderation_resolvers.dismiss_user_reports,
        permission_classes=MODERATORS,
        description="Close an account's pending reports with no action against it; logged as DISMISS.",
    )
    set_hidden_words: HiddenWordsPayload = strawberry.mutation(
        resolver=moderation_resolvers.set_hidden_words,
        permission_classes=AUTHENTICATED,
        description=(
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
