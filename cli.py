"""The `shutter` command: dev, serve, worker, migrate, seed, bench, users, trusted-documents,
export-schema."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from web.proxies import proxy_options

    settings = get_settings()
    uvicorn.run(
        "app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        **proxy_options(settings),
        ws_max_size=settings.ws_max_message_bytes,  # refused before it is buffered
        workers=args.processes or settings.api_processes,
        log_level=settings.log_level.lower(),
        ws="websockets-sansio",
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from jobs.worker import worker_command

    settings = get_settings()
    if not settings.redis_url:
        # Without a broker URL the actors would bind to a stub broker and consume nothing.
        print("shutter worker: SHUTTER_REDIS_URL is not set", file=sys.stderr)
        return 2
    command = worker_command(settings)
    os.execv(command[0], command)


def _migrate(args: argparse.Namespace) -> int:
    from db import migrate
    from services.store_setup import prepare_stores

    settings = get_settings()
    migrate.upgrade(settings.require_database_url, args.revision)
    asyncio.run(prepare_stores(settings, seed=False))
    return 0


def bench_settings() -> Settings:
    """Settings from the environment, completed from the stack.env `shutter dev` wrote into the
    data dir, so benchmarks run against a `make dev` stack without exporting anything."""
    from bench.results import stack_env

    missing = {key: value for key, value in stack_env(get_settings().data_dir).items() if key not in os.environ}
    if missing:
        os.environ.update(missing)
        get_settings.cache_clear()
    return get_settings()


def _seed(args: argparse.Namespace) -> int:
    if args.users is None:
        if args.avg_follows is not None or args.posts is not None or args.reset:
            print("shutter seed: --avg-follows, --posts and --reset need --users", file=sys.stderr)
            return 2
        from services.store_setup import prepare_stores

        asyncio.run(prepare_stores(get_settings(), seed=True))
        return 0
    from bench import dataset, results

    try:
        spec = dataset.DatasetSpec(
            users=args.users,
            avg_follows=50.0 if args.avg_follows is None else args.avg_follows,
            posts=50 * args.users if args.posts is None else args.posts,
            celebrities=args.celebrities,
            celebrity_share=args.celebrity_share,
            seed=args.seed,
        )
    except ValueError as error:
        print(f"shutter seed: {error}", file=sys.stderr)
        return 2
    settings = bench_settings()
    try:
        summary = asyncio.run(dataset.run(settings, spec, reset_first=args.reset))
    except dataset.DatasetExists as error:
        print(f"shutter seed: {error}", file=sys.stderr)
        return 2
    payload = summary.as_dict()
    results.write(results.results_dir(settings) / results.DATASET_FILE, payload)
    print(json.dumps(payload, separators=(",", ":")))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from bench import results

    settings = bench_settings()
    try:
        if args.benchmark == "feed":
            from bench import feed

            spec = feed.FeedBenchSpec(
                concurrency=args.concurrency,
                duration=args.duration,
                users_sample=args.users_sample,
                processes=args.processes,
            )
            payload = asyncio.run(feed.run(settings, spec))
        elif args.benchmark == "abuse":
            from bench import abuse

            abuse_spec = abuse.AbuseBenchSpec(
                url=args.url or f"http://127.0.0.1:{settings.port}",
                repeats=args.repeats,
                users_sample=args.users_sample,
                seconds=args.duration,
                readers=args.readers,
                attackers=args.attackers,
                leak_requests=args.leak_requests,
                leak_concurrency=args.leak_concurrency,
                username=args.username,
            )
            payload = asyncio.run(abuse.run(settings, abuse_spec))
        else:
            from bench import fanout

            payload = asyncio.run(fanout.run(settings, fanout.FanoutBenchSpec(followers=args.followers)))
    except RuntimeError as error:
        print(f"shutter bench {args.benchmark}: {error}", file=sys.stderr)
        return 1
    path = Path(args.output) if args.output else results.timestamped(settings, args.benchmark)
    results.write(path, payload)
    print(json.dumps(payload, indent=2))
    print(f"shutter bench {args.benchmark}: wrote {path}", file=sys.stderr)
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from schema import build_schema

    sdl = build_schema(Settings()).as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl)
    return 0


def _trusted_documents(args: argparse.Namespace) -> int:
    """Write the trusted-documents file for a client's operations: one document a file, sent
    by the client exactly as it is written there."""
    from services.persisted import manifest

    documents = [Path(name).read_text(encoding="utf-8") for name in args.documents]
    text = json.dumps(manifest(documents), indent=2, sort_keys=True) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


def _dev(args: argparse.Namespace) -> int:
    from devstack.dev import run_dev

    return run_dev(get_settings())


async def _apply_role(settings: Settings, username: str, role: str) -> str:
    from db.models import Role
    from services.roles import set_role
    from services.stores import open_stores

    stores = open_stores(settings)
    try:
        user = await set_role(stores, username, Role(role))
    finally:
        await stores.close()
    return user.username


def _set_role(args: argparse.Namespace) -> int:
    from services.errors import DomainError

    try:
        name = asyncio.run(_apply_role(get_settings(), args.username, args.role))
    except DomainError as error:
        print(f"shutter users set-role: {error.message}", file=sys.stderr)
        return 1
    print(f"{name} is now {args.role}")
    return 0


def _abuse_arguments(benchmarks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    abuse = benchmarks.add_parser(
        "abuse",
        help="crafted queries refused fast, the feed under attack, no pool leaked (a running server, limits raised)",
    )
    abuse.add_argument("--url", help="the API server under test (default http://127.0.0.1:$SHUTTER_PORT)")
    abuse.add_argument("--repeats", type=int, default=20, help="sends of each crafted query, per variant (default 20)")
    abuse.add_argument("--users-sample", type=int, default=50, help="active users who read feeds (default 50)")
    abuse.add_argument("--duration", type=float, default=5.0, help="feed seconds, alone then attacked (default 5)")
    abuse.add_argument("--readers", type=int, default=2, help="clients reading feeds (default 2)")
    abuse.add_argument("--attackers", type=int, default=4, help="clients sending crafted queries (default 4)")
    abuse.add_argument("--leak-requests", type=int, default=500, help="sends of the cancelling shape (default 500)")
    abuse.add_argument("--leak-concurrency", type=int, default=50, help="of those at once (default 50)")
    abuse.add_argument("--username", help="account whose follows the cancelling shape reads (default: busiest sampled)")
    abuse.add_argument("--output", help="result file (default <data dir>/bench/abuse-<time>.json)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="shutter", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="embedded servers + migrations + demo data + API + worker")
    dev.set_defaults(run=_dev)
    serve = commands.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--processes", type=int, help="API processes on the port (default SHUTTER_API_PROCESSES)")
    serve.set_defaults(run=_serve)
    commands.add_parser("worker", help="run Dramatiq workers").set_defaults(run=_worker)
    migrate = commands.add_parser("migrate", help="apply migrations and graph constraints")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(run=_migrate)
    seed = commands.add_parser(
        "seed",
        help="create the demo users and follows, or with --users a synthetic data set for benchmarks",
    )
    seed.add_argument("--users", type=int, help="build a synthetic data set with this many users")
    seed.add_argument("--avg-follows", type=float, help="accounts each user follows on average (default 50)")
    seed.add_argument("--posts", type=int, help="posts over the last 30 days (default 50 per user)")
    seed.add_argument("--celebrities", type=int, default=5, help="accounts followed by a share of everyone")
    seed.add_argument(
        "--celebrity-share", type=float, default=0.6, help="share of users following each celebrity (default 0.6)"
    )
    seed.add_argument("--seed", type=int, default=0, help="random seed: one seed, one data set")
    seed.add_argument("--reset", action="store_true", help="delete an earlier synthetic data set first")
    seed.set_defaults(run=_seed)
    bench = commands.add_parser("bench", help="measure the feed and fan-out on a data set from `seed --users`")
    benchmarks = bench.add_subparsers(dest="benchmark", required=True)
    feed = benchmarks.add_parser("feed", help="feed latency and throughput, hybrid against pull")
    feed.add_argument("--concurrency", type=int, default=8, help="clients reading at once (default 8)")
    feed.add_argument("--duration", type=float, default=30.0, help="seconds of load per strategy (default 30)")
    feed.add_argument("--users-sample", type=int, default=500, help="active users the clients read as (default 500)")
    feed.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="API servers, one process each (default: one a CPU)"
    )
    feed.add_argument("--output", help="result file (default <data dir>/bench/feed-<time>.json)")
    fanout = benchmarks.add_parser("fanout", help="fan-out throughput and post-to-visible latency")
    fanout.add_argument("--followers", type=int, default=10_000, help="followers of the posting author (default 10000)")
    fanout.add_argument("--output", help="result file (default <data dir>/bench/fanout-<time>.json)")
    _abuse_arguments(benchmarks)
    bench.set_defaults(run=_bench)
    users = commands.add_parser("users", help="manage accounts").add_subparsers(dest="users_command", required=True)
    set_role = users.add_parser("set-role", help="give a user the role USER, MODERATOR or ADMIN")
    set_role.add_argument("username")
    set_role.add_argument("role", choices=["USER", "MODERATOR", "ADMIN"])
    set_role.set_defaults(run=_set_role)
    trusted = commands.add_parser(
        "trusted-documents", help="write a SHUTTER_TRUSTED_DOCUMENTS file (sha256 -> document) from .graphql files"
    )
    trusted.add_argument("documents", nargs="+", help="one operation document a file, as the client sends it")
    trusted.add_argument("--output", default="-", help="where to write it (default: standard output)")
    trusted.set_defaults(run=_trusted_documents)
    export = commands.add_parser("export-schema", help="print the SDL")
    export.add_argument("--output", default=str(ROOT / "schema.graphql"))
    export.set_defaults(run=_export_schema)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
