"""Root Query and Mutation, composed from one class per domain."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission

from resolvers import accounts, social, users
from schema.accounts import AuthPayload, LogOutPayload, UpdateProfilePayload
from schema.permissions import IsAuthenticated
from schema.relay import Connection
from schema.social import FollowPayload, UserPayload
from schema.users import User

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]


@strawberry.type
class UserQueries:
    viewer: User | None = strawberry.field(
        resolver=users.viewer, description="The signed-in user; null when anonymous."
    )
    user: User | None = strawberry.field(
        resolver=users.user, description="A user by username; null when missing or hidden."
    )
    node: relay.Node | None = strawberry.field(resolver=users.node, description="Any object by its global id.")
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
class Query(UserQueries):
    pass


@strawberry.type
class Mutation(AccountMutations, SocialMutations):
    pass
