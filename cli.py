"""The `shutter` command: dev, serve, worker, migrate, seed, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
        ws="websockets-sansio",
    )
    return 0


def worker_command(settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dramatiq",
        "jobs.actors",
        "--processes",
        str(settings.worker_processes),
        "--threads",
        str(settings.worker_threads),
    ]


def _worker(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.redis_url:
        # Without a broker URL the actors would bind to a stub broker and consume nothing.
        print("shutter worker: SHUTTER_REDIS_URL is not set", file=sys.stderr)
        return 2
    command = worker_command(settings)
    os.execv(command[0], command)


async def prepare_stores(settings: Settings, *, seed: bool) -> None:
    """Apply graph constraints and create the S3 bucket if missing (migrations run before,
    synchronously); optionally seed the demo data."""
    from graph.constraints import ensure_constraints
    from jobs.broker import bind_broker
    from services.seed import seed_demo
    from services.stores import open_stores

    # The demo's follows owe jobs (timeline backfills): send them to this stack's broker.
    bind_broker(settings.redis_url)
    stores = open_stores(settings)
    try:
        await ensure_constraints(stores.graph)
        if settings.storage_backend == "s3":
            from storage.s3 import S3ObjectStore

            if isinstance(stores.media, S3ObjectStore):
                await stores.media.ensure_bucket()
        if seed:
            await seed_demo(stores)
    finally:
        await stores.close()


def _migrate(args: argparse.Namespace) -> int:
    from db import migrate

    settings = get_settings()
    migrate.upgrade(settings.require_database_url, args.revision)
    asyncio.run(prepare_stores(settings, seed=False))
    return 0


def _seed(args: argparse.Namespace) -> int:
    asyncio.run(prepare_stores(get_settings(), seed=True))
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from schema import build_schema

    sdl = build_schema(Settings()).as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl)
    return 0


def _dev(args: argparse.Namespace) -> int:
    from devstack.dev import run_dev

    return run_dev(get_settings())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="shutter", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="embedded servers + migrations + demo data + API + worker")
    dev.set_defaults(run=_dev)
    serve = commands.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)
    commands.add_parser("worker", help="run Dramatiq workers").set_defaults(run=_worker)
    migrate = commands.add_parser("migrate", help="apply migrations and graph constraints")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(run=_migrate)
    commands.add_parser("seed", help="create the demo users and follows").set_defaults(run=_seed)
    export = commands.add_parser("export-schema", help="print the SDL")
    export.add_argument("--output", default=str(ROOT / "schema.graphql"))
    export.set_defaults(run=_export_schema)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
