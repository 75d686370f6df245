"""Getting a deployment's stores ready once migrations have run: graph constraints, the S3
bucket, and on request the demo data (`shutter migrate`, `shutter seed`, `shutter dev`)."""

from __future__ import annotations

from graph.constraints import ensure_constraints
from jobs.broker import bind_broker
from services.seed import seed_demo
from services.stores import open_stores
from settings import Settings


async def prepare_stores(settings: Settings, *, seed: bool) -> None:
    """Apply graph constraints and create the S3 bucket if missing (migrations run before,
    synchronously); optionally seed the demo data."""
    # The demo's follows owe jobs (timeline backfills): send them to this stack's broker.
    bind_broker(settings.redis_url)
    stores = open_stores(settings)
    try:
        await ensure_constraints(stores.graph)
        if settings.storage_backend == "s3":
            # boto3 takes a while to import; only the S3 backend needs it (as in storage/).
            from storage.s3 import S3ObjectStore

            if isinstance(stores.media, S3ObjectStore):
                await stores.media.ensure_bucket()
        if seed:
            await seed_demo(stores)
    finally:
        await stores.close()
