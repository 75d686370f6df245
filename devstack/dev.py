"""`shutter dev`: the whole stack in the foreground, stopped cleanly on Ctrl-C or SIGTERM.

Embedded servers start for every store without a configured URL; then migrations, graph
constraints and the demo data; then one Dramatiq worker and the API as child processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
from types import FrameType

from db import migrate
from devstack.stack import start_stack
from jobs.worker import worker_command
from services.store_setup import prepare_stores
from settings import Settings

POLL_SECONDS = 0.5
STOP_TIMEOUT_SECONDS = 15.0


def _say(message: str) -> None:
    print(f"shutter dev: {message}", file=sys.stderr, flush=True)


def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Own session: Ctrl-C reaches only this process, which stops children in order.
    return subprocess.Popen(command, env=env, start_new_session=True)


def _stop(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the child alone: Dramatiq's main process forwards it to its workers and
    hangs when they are signalled twice. The group is killed only if that fails."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=5)


def run_dev(settings: Settings) -> int:
    data_dir = settings.data_dir.resolve()
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    # SIGHUP too: a closed terminal must not leave the servers running in their own sessions.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    children: list[subprocess.Popen[bytes]] = []
    _say(f"starting embedded servers under {data_dir}")
    stack = start_stack(settings, data_dir)
    try:
        stack.write_files(data_dir)
        env = {**os.environ, **stack.env()}
        os.environ.update(stack.env())
        live = Settings()
        _say("applying migrations and graph constraints; seeding demo data")
        migrate.upgrade(live.require_database_url)
        asyncio.run(prepare_stores(live, seed=True))
        if stopping.is_set():
            return 0
        children.append(_spawn(worker_command(live), env))
        children.append(
            _spawn([sys.executable, "-m", "cli", "serve", "--host", live.host, "--port", str(live.port)], env)
        )
        _say(f"serving http://{live.host}:{live.port}/graphql (stack: {data_dir / 'stack.json'}); Ctrl-C stops")
        while not stopping.wait(POLL_SECONDS):
            exited = [child for child in children if child.poll() is not None]
            if exited:
                _say(f"{exited[0].args!r} exited with {exited[0].returncode}; stopping")
                return 1
        return 0
    finally:
        _say("stopping")
        for child in reversed(children):
            _stop(child)
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _say("stopped")
