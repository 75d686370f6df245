"""The embedded stack: servers answer, data survives restarts, nothing is left over."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from neo4j import GraphDatabase
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from devstack import ArcadeServer, Stack, ValkeyProcess, start_stack
from devstack.procs import pid_alive
from settings import Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep SHUTTER_* variables of the surrounding shell out of Settings()."""
    for key in list(os.environ):
        if key.startswith("SHUTTER_"):
            monkeypatch.delenv(key)


@pytest.fixture
def embedded_settings(clean_env: None, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=None,
        redis_url=None,
        graph_url=None,
        secret_key=None,
    )


def run_sql(url: str, statement: str) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def run_cypher(stack: Stack, query: str) -> list[dict[str, Any]]:
    auth = (stack.graph_user, stack.graph_password)
    with (
        GraphDatabase.driver(stack.graph_url, auth=auth) as driver,
        driver.session(database=stack.graph_database) as session,
    ):
        return [record.data() for record in session.run(query)]


def valkey_client(stack: Stack) -> redis.Redis:
    return redis.Redis.from_url(stack.redis_url, socket_timeout=5)


def embedded_pids(stack: Stack) -> list[int]:
    assert stack.postgres and stack.valkey and stack.graph
    pids = [stack.postgres.pid, stack.valkey.pid, stack.graph.pid]
    assert all(pid is not None for pid in pids)
    return [pid for pid in pids if pid is not None]


def wait_gone(pids: list[int], timeout: float = 5.0) -> list[int]:
    """The pids alive after `timeout`; a stopped server may take a moment to go."""
    deadline = time.monotonic() + timeout
    while any(pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if pid_alive(pid)]


def port_refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def sourced_env(env_file: Path) -> dict[str, str]:
    """What a shell sees after `set -a; . stack.env`."""
    script = f"set -a; . {env_file}; env -0"
    output = subprocess.run(["bash", "-c", script], capture_output=True, check=True, env={}).stdout.decode()
    pairs = (item.split("=", 1) for item in output.split("\0") if "=" in item)
    return {key: value for key, value in pairs if key.startswith("SHUTTER_")}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_stack_starts_persists_and_stops(embedded_settings: Settings, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    stack = start_stack(embedded_settings)
    try:
        assert stack.postgres and stack.valkey and stack.graph
        assert stack.database_url.startswith("postgresql+asyncpg://postgres@/shutter?host=/")
        assert stack.redis_url.startswith("redis://127.0.0.1:")
        assert stack.graph_url.startswith("bolt://127.0.0.1:")
        assert (stack.graph_user, stack.graph_database) == ("root", "shutter")
        assert stack.media_dir == data_dir / "media" and stack.media_dir.is_dir()
        assert mode(data_dir / "secret_key") == 0o600
        assert mode(data_dir / "graph" / "password") == 0o600

        assert run_sql(stack.database_url, "SELECT current_database()") == [("shutter",)]
        run_sql(stack.database_url, "CREATE TABLE probe (id int PRIMARY KEY, note text)")
        run_sql(stack.database_url, "INSERT INTO probe VALUES (1, 'kept')")
        with valkey_client(stack) as client:
            assert client.ping()
            client.set("probe", "kept")
        assert run_cypher(stack, "RETURN 1 AS ok") == [{"ok": 1}]
        run_cypher(stack, "CREATE (:Probe {note: 'kept'})")

        stack.write_files(data_dir)
        described = json.loads((data_dir / "stack.json").read_text())
        assert described == {
            "postgres": stack.database_url,
            "redis": stack.redis_url,
            "bolt": {
                "url": stack.graph_url,
                "user": "root",
                "password": stack.graph_password,
                "database": "shutter",
            },
            "storage": {"backend": "local", "path": str(data_dir / "media")},
            "embedded": {"postgres": True, "redis": True, "graph": True},
        }
        assert sourced_env(data_dir / "stack.env") == stack.env()
        assert stack.env()["SHUTTER_DATA_DIR"] == str(data_dir)
        assert mode(data_dir / "stack.json") == mode(data_dir / "stack.env") == 0o600
        pids = embedded_pids(stack)
    finally:
        stack.stop()
    stack.stop()
    assert wait_gone(pids) == []
    assert not (data_dir / "valkey" / "server.pid").exists()

    again = start_stack(embedded_settings)
    try:
        assert again.graph_password == stack.graph_password
        assert again.secret_key == stack.secret_key
        assert run_sql(again.database_url, "SELECT note FROM probe") == [("kept",)]
        with valkey_client(again) as client:
            assert client.get("probe") == b"kept"
        notes = run_cypher(again, "MATCH (p:Probe) RETURN p.note AS note")
        assert notes == [{"note": "kept"}]
        pids = embedded_pids(again)
    finally:
        again.stop()
    assert wait_gone(pids) == []


def test_graph_stops_and_starts_again(tmp_path: Path) -> None:
    graph = ArcadeServer(tmp_path / "graph", "graph-password")
    graph.start()
    try:
        url, port = graph.bolt_url, graph.bolt_port
        graph.stop()
        assert not graph.running
        assert port_refuses(port)
        graph.start()
        assert graph.running and graph.bolt_url == url
        auth = ("root", "graph-password")
        with GraphDatabase.driver(graph.bolt_url, auth=auth) as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS ok", database_="shutter")
        assert [record.data() for record in records] == [{"ok": 1}]
    finally:
        graph.stop()


def test_leftover_server_is_replaced(tmp_path: Path) -> None:
    # A second owner of the same data dir stands in for a restart after a kill -9.
    first = ValkeyProcess(tmp_path / "valkey")
    first.start()
    second = ValkeyProcess(tmp_path / "valkey")
    try:
        assert first.pid is not None
        leftover = first.pid
        second.start()
        assert wait_gone([leftover]) == []
        with redis.Redis(port=second.port, socket_timeout=5) as client:
            assert client.ping()
    finally:
        second.stop()
        first.stop()


def test_external_urls_start_nothing(clean_env: None, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url="postgresql+asyncpg://app@db.internal/shutter",
        redis_url="redis://cache.internal:6379/2",
        graph_url="neo4j://graph.internal:7687",
        graph_user="shutter",
        graph_password='it\'s a $ecret "quoted"',
        graph_database="social",
        secret_key="fixed-secret",
    )
    stack = start_stack(settings)
    assert (stack.postgres, stack.valkey, stack.graph) == (None, None, None)
    assert stack.database_url == settings.database_url
    assert stack.redis_url == settings.redis_url
    assert (stack.graph_url, stack.graph_user) == (settings.graph_url, "shutter")
    assert (stack.graph_password, stack.graph_database) == (
        settings.graph_password,
        "social",
    )
    assert stack.secret_key == "fixed-secret"
    assert not (tmp_path / "var" / "secret_key").exists()

    stack.write_files(tmp_path / "var")
    assert sourced_env(tmp_path / "var" / "stack.env") == stack.env()
    described = json.loads((tmp_path / "var" / "stack.json").read_text())
    assert described["embedded"] == {"postgres": False, "redis": False, "graph": False}
    stack.stop()
