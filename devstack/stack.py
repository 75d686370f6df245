"""The stores `shutter dev` and the tests run against: embedded ones for unset URLs."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import os
import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.arcade import DATABASE as GRAPH_DATABASE
from devstack.arcade import USER as GRAPH_USER
from devstack.arcade import ArcadeServer
from devstack.postgres import PostgresProcess
from devstack.procs import PRIVATE_MODE, write_private
from devstack.valkey import ValkeyProcess
from settings import Settings

logger = logging.getLogger(__name__)


def read_or_create_secret(path: Path, make: Callable[[], str]) -> str:
    """A secret kept in `path` (mode 0600), made once so restarts see the same value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        value = path.read_text().strip()
        if value:
            return value
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    value = make()
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value


@dataclass
class Stack:
    """Where each store is, and the embedded servers started for it (None: external)."""

    database_url: str
    redis_url: str
    graph_url: str
    graph_user: str
    graph_password: str
    graph_database: str
    media_dir: Path
    secret_key: str
    postgres: PostgresProcess | None
    valkey: ValkeyProcess | None
    graph: ArcadeServer | None
    data_dir: Path

    def env(self) -> dict[str, str]:
        """The SHUTTER_* variables that point a process at this stack."""
        return {
            "SHUTTER_DATABASE_URL": self.database_url,
            "SHUTTER_REDIS_URL": self.redis_url,
            "SHUTTER_GRAPH_URL": self.graph_url,
            "SHUTTER_GRAPH_USER": self.graph_user,
            "SHUTTER_GRAPH_PASSWORD": self.graph_password,
            "SHUTTER_GRAPH_DATABASE": self.graph_database,
            "SHUTTER_SECRET_KEY": self.secret_key,
            "SHUTTER_DATA_DIR": str(self.data_dir.resolve()),
        }

    def describe(self) -> dict[str, Any]:
        """The contents of stack.json."""
        return {
            "postgres": self.database_url,
            "redis": self.redis_url,
            "bolt": {
                "url": self.graph_url,
                "user": self.graph_user,
                "password": self.graph_password,
                "database": self.graph_database,
            },
            "storage": {"backend": "local", "path": str(self.media_dir)},
            "embedded": {
                "postgres": self.postgres is not None,
                "redis": self.valkey is not None,
                "graph": self.graph is not None,
            },
        }

    def write_files(self, data_dir: Path) -> None:
        """Write <data_dir>/stack.json and a sourceable <data_dir>/stack.env (0600)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        write_private(data_dir / "stack.json", json.dumps(self.describe(), indent=2) + "\n")
        lines = [f"{key}={shlex.quote(value)}" for key, value in self.env().items()]
        write_private(data_dir / "stack.env", "\n".join(lines) + "\n")

    def stop(self) -> None:
        """Stop the embedded servers (graph, then redis, then postgres); idempotent."""
        # An ExitStack runs every callback even when one raises, last registered first.
        with contextlib.ExitStack() as stops:
            for server in (self.postgres, self.valkey, self.graph):
                if server is not None:
                    stops.callback(server.stop)


def start_stack(settings: Settings, data_dir: Path | None = None, *, database_name: str = "shutter") -> Stack:
    """Start an embedded server for each store whose URL `settings` leaves unset.

    The servers start side by side; if one fails, those already up are stopped again.
    """
    root = (data_dir if data_dir is not None else settings.data_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    media_dir = root / "media"
    media_dir.mkdir(exist_ok=True)
    secret_key = settings.secret_key or read_or_create_secret(root / "secret_key", lambda: secrets.token_urlsafe(48))

    postgres = PostgresProcess(root / "postgres") if not settings.database_url else None
    valkey = ValkeyProcess(root / "valkey") if not settings.redis_url else None
    graph: ArcadeServer | None = None
    if not settings.graph_url:
        password = read_or_create_secret(root / "graph" / "password", lambda: secrets.token_urlsafe(24))
        graph = ArcadeServer(root / "graph", password)

    def start_postgres(server: PostgresProcess) -> None:
        server.start()
        server.create_database(database_name)

    jobs: list[tuple[Callable[[], None], Callable[[], None]]] = []
    if postgres is not None:
        jobs.append((lambda: start_postgres(postgres), postgres.stop))
    if valkey is not None:
        jobs.append((valkey.start, valkey.stop))
    if graph is not None:
        jobs.append((graph.start, graph.stop))
    _start_all(jobs)

    database_url = postgres.url(database_name) if postgres else settings.require_database_url
    return Stack(
        database_url=database_url,
        redis_url=valkey.url if valkey else settings.require_redis_url,
        graph_url=graph.bolt_url if graph else settings.require_graph_url,
        graph_user=GRAPH_USER if graph else settings.graph_user,
        graph_password=graph.password if graph else settings.graph_password,
        graph_database=GRAPH_DATABASE if graph else settings.graph_database,
        media_dir=media_dir,
        secret_key=secret_key,
        postgres=postgres,
        valkey=valkey,
        graph=graph,
        data_dir=root,
    )


def _start_all(jobs: list[tuple[Callable[[], None], Callable[[], None]]]) -> None:
    """Run each start in its own thread; on a failure stop every server and re-raise."""
    if not jobs:
        return
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs))
    futures = [pool.submit(start) for start, _ in jobs]
    try:
        concurrent.futures.wait(futures)
    except BaseException:
        # Interrupted (Ctrl-C): let the starts finish so every server can be stopped.
        pool.shutdown(wait=True)
        _stop_all(jobs)
        raise
    pool.shutdown()
    failures = [exc for exc in (future.exception() for future in futures) if exc is not None]
    if failures:
        _stop_all(jobs)
        raise failures[0]


def _stop_all(jobs: list[tuple[Callable[[], None], Callable[[], None]]]) -> None:
    # Reverse start order (graph, then redis, then postgres), as Stack.stop does.
    for _, stop in reversed(jobs):
        try:
            stop()
        except Exception:
            # The start failure is the error to raise; this one goes to the log.
            logger.exception("stopping an embedded server after a failed start")
