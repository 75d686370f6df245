"""Per-request batch loaders; one set per operation, never shared between requests."""

from __future__ import annotations

from dataclasses import dataclass

from dataloaders.engagement import InsightsByPostIdLoader, ViewCountByPostIdLoader, ViewerHasSavedByPostIdLoader
from dataloaders.posts import (
    FirstCommentsByPostIdLoader,
    HashtagsByPostIdLoader,
    MediaByPostIdLoader,
    PostCountsByUserIdLoader,
    ViewerHasLikedByPostIdLoader,
)
from dataloaders.social import FollowCountsByUserIdLoader, HiddenByUserIdLoader, RelationshipByUserIdLoader
from dataloaders.users import UserByIdLoader, UserByUsernameLoader
from services.stores import Stores


@dataclass
class Loaders:
    user_by_id: UserByIdLoader
    user_by_username: UserByUsernameLoader
    relationship_by_user_id: RelationshipByUserIdLoader
    hidden_by_user_id: HiddenByUserIdLoader
    follow_counts_by_user_id: FollowCountsByUserIdLoader
    media_by_post_id: MediaByPostIdLoader
    hashtags_by_post_id: HashtagsByPostIdLoader
    first_comments_by_post_id: FirstCommentsByPostIdLoader
    viewer_has_liked_by_post_id: ViewerHasLikedByPostIdLoader
    post_counts_by_user_id: PostCountsByUserIdLoader
    view_count_by_post_id: ViewCountByPostIdLoader
    viewer_has_saved_by_post_id: ViewerHasSavedByPostIdLoader
    insights_by_post_id: InsightsByPostIdLoader

    @classmethod
    def create(cls, stores: Stores, viewer_id: int | None) -> Loaders:
        return cls(
            user_by_id=UserByIdLoader(stores),
            user_by_username=UserByUsernameLoader(stores),
            relationship_by_user_id=RelationshipByUserIdLoader(stores, viewer_id),
            hidden_by_user_id=HiddenByUserIdLoader(stores, viewer_id),
            follow_counts_by_user_id=FollowCountsByUserIdLoader(stores),
            media_by_post_id=MediaByPostIdLoader(stores),
            hashtags_by_post_id=HashtagsByPostIdLoader(stores),
            first_comments_by_post_id=FirstCommentsByPostIdLoader(stores),
            viewer_has_liked_by_post_id=ViewerHasLikedByPostIdLoader(stores, viewer_id),
            post_counts_by_user_id=PostCountsByUserIdLoader(stores),
            view_count_by_post_id=ViewCountByPostIdLoader(stores),
            viewer_has_saved_by_post_id=ViewerHasSavedByPostIdLoader(stores, viewer_id),
            insights_by_post_id=InsightsByPostIdLoader(stores),
        )
