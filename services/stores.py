"""The handles to every store, owned by the app's lifespan or a worker process."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import SessionFactory, create_engine, create_read_session_factory, create_session_factory
from graph import Graph, create_graph
from services.redis_pool import CancelSafePool
from settings import Settings
from storage import ObjectStore, create_store
from storage.urls import SignedUrls


@dataclass
class Stores:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    reads: SessionFactory  # autocommit: for reads that need no transaction
    graph: Graph
    redis: Redis
    media: ObjectStore
    media_urls: SignedUrls  # download URLs of `media`, reused while young

    async def close(self) -> None:
        await self.media.close()
        await self.graph.close()
        await self.redis.aclose()
        await self.engine.dispose()


def open_stores(settings: Settings) -> Stores:
    """Create clients for every store; connections open lazily on first use."""
    engine = create_engine(settings)
    timeout = settings.store_timeout_seconds
    redis = Redis.from_pool(
        CancelSafePool.from_url(
            settings.require_redis_url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=30,
        )
    )
    media = create_store(settings)
    return Stores(
        settings=settings,
        engine=engine,
        sessions=create_session_factory(engine),
        reads=create_read_session_factory(engine),
        graph=create_graph(settings),
        redis=redis,
        media=media,
        media_urls=SignedUrls(media, settings.media_url_ttl_seconds),
    )
