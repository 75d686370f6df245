"""Per-request batch loaders; one set per operation, never shared between requests."""

from __future__ import annotations

from dataclasses import dataclass

from dataloaders.social import FollowCountsByUserIdLoader, RelationshipByUserIdLoader
from dataloaders.users import UserByIdLoader, UserByUsernameLoader
from services.stores import Stores


@dataclass
class Loaders:
    user_by_id: UserByIdLoader
    user_by_username: UserByUsernameLoader
    relationship_by_user_id: RelationshipByUserIdLoader
    follow_counts_by_user_id: FollowCountsByUserIdLoader

    @classmethod
    def create(cls, stores: Stores, viewer_id: int | None) -> Loaders:
        return cls(
            user_by_id=UserByIdLoader(stores),
            user_by_username=UserByUsernameLoader(stores),
            relationship_by_user_id=RelationshipByUserIdLoader(stores, viewer_id),
            follow_counts_by_user_id=FollowCountsByUserIdLoader(stores),
        )
