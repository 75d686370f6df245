"""`shutter dev` as a newcomer runs it: ready, files written, clean stop, data kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]
import pytest

from devstack import free_port

READY_SECONDS = 120
STOP_SECONDS = 40
ROOT = Path(__file__).resolve().parents[2]


class Dev:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        # Everything embedded, whatever the surrounding run points at.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHUTTER_")}
        env |= {"SHUTTER_DATA_DIR": str(data_dir), "SHUTTER_PORT": str(self.port)}
        self.log_path = data_dir.parent / f"dev-{self.port}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "dev"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self._stderr()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"not ready in {READY_SECONDS} s")

    def graphql(self, query: str) -> dict[str, object]:
        response = httpx.post(f"{self.url}/graphql", json={"query": query}, timeout=10)
        body: dict[str, object] = response.json()
        return body

    def descendants(self) -> list[psutil.Process]:
        return list(psutil.Process(self.process.pid).children(recursive=True))

    def stop(self, signum: signal.Signals = signal.SIGINT) -> None:
        self.process.send_signal(signum)
        self.process.wait(timeout=STOP_SECONDS)

    def _stderr(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _servers_of(data_dir: Path) -> list[psutil.Process]:
    """Embedded servers still running on this data dir (found by their command lines)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info.get("cmdline") or [])
        if str(data_dir) in cmdline:
            found.append(process)
    return found


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "var"
    for process in _servers_of(tmp_path / "var"):  # never leave servers behind a failed test
        process.kill()


@pytest.mark.slow
def test_dev_serves_stops_cleanly_and_keeps_data(data_dir: Path) -> None:
    dev = Dev(data_dir)
    try:
        dev.wait_ready()
        stack = json.loads((data_dir / "stack.json").read_text())
        assert set(stack) >= {"postgres", "redis", "bolt", "storage"}
        assert stack["bolt"]["password"] and stack["embedded"] == {"postgres": True, "redis": True, "graph": True}
        env_file = (data_dir / "stack.env").read_text()
        assert "SHUTTER_DATABASE_URL=" in env_file and "SHUTTER_GRAPH_PASSWORD=" in env_file
        seeded = dev.graphql('{ user(username: "alice") { followerCount followingCount } }')
        assert seeded == {"data": {"user": {"followerCount": 3, "followingCount": 2}}}
        created = dev.graphql(
            'mutation { signUp(input: {username: "newcomer", email: "n@example.com", password: "newcomer-pw-1"}) '
            "{ errors { code } } }"
        )
        assert created == {"data": {"signUp": {"errors": []}}}
        children = dev.descendants()
        commands = [" ".join(child.cmdline()) for child in children]
        assert any(" -m cli serve " in f" {command} " for command in commands), commands  # the API
        assert any("-m dramatiq jobs.worker.actors" in command for command in commands), commands  # the worker
        dev.stop(signal.SIGINT)
        assert dev.process.returncode == 0
        assert not [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not _servers_of(data_dir)
    finally:
        dev.kill()

    again = Dev(data_dir)
    try:
        again.wait_ready()
        kept = again.graphql(
            '{ newcomer: user(username: "newcomer") { username } alice: user(username: "alice") { followerCount } }'
        )
        assert kept == {"data": {"newcomer": {"username": "newcomer"}, "alice": {"followerCount": 3}}}
        again.stop(signal.SIGTERM)
        assert not _servers_of(data_dir)
    finally:
        again.kill()
