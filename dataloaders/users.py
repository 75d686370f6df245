"""Users by id and by username, one query per batch."""

from __future__ import annotations

from dataloaders.base import QueryLoader
from db import users as user_queries
from db.models import User
from services.stores import Stores


class UserByIdLoader(QueryLoader[int, User | None]):
    def __init__(self, stores: Stores) -> None:
        super().__init__(stores, user_queries.by_ids, None)


class UserByUsernameLoader(QueryLoader[str, User | None]):
    def __init__(self, stores: Stores) -> None:
        super().__init__(stores, user_queries.by_usernames, None)
