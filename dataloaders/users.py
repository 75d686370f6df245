"""Users by id and by username, one query per batch."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from db import users as user_queries
from db.models import User
from services.stores import Stores


class UserByIdLoader(DataLoader[int, User | None]):
    def __init__(self, stores: Stores) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores

    async def _load(self, ids: list[int]) -> list[User | None]:
        async with self._stores.sessions() as session:
            found = await user_queries.by_ids(session, ids)
        return [found.get(uid) for uid in ids]


class UserByUsernameLoader(DataLoader[str, User | None]):
    def __init__(self, stores: Stores) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores

    async def _load(self, usernames: list[str]) -> list[User | None]:
        async with self._stores.sessions() as session:
            found = await user_queries.by_usernames(session, usernames)
        return [found.get(name) for name in usernames]
