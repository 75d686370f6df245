"""Embedded graph: ArcadeDB with its Bolt plugin, on the JRE in arcadedb-embedded."""

from __future__ import annotations

from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from devstack.child import ChildServer, FatalProbeError, NotReadyError
from devstack.procs import package_dir, write_private

HOST = "127.0.0.1"
DATABASE = "shutter"
USER = "root"
HEAP = "1g"


class ArcadeServer(ChildServer):
    """ArcadeDB answering Bolt on loopback, with the `shutter` database under `root`.

    ArcadeDB stores the root user on first start, so `password` must be the same
    every time for the same `root`.
    """

    name = "arcadedb"

    def __init__(self, root: Path, password: str) -> None:
        if len(password) < 8:
            raise ValueError("ArcadeDB needs a root password of at least 8 characters")
        super().__init__(root)
        self.password = password
        self.bolt_port = 0
        self.http_port = 0

    @property
    def bolt_url(self) -> str:
        return f"bolt://{HOST}:{self.bolt_port}"

    def _choose_ports(self) -> None:
        self.bolt_port = self._port("bolt")
        self.http_port = self._port("http")

    def _command(self) -> list[str]:
        pkg = package_dir("arcadedb_embedded")
        return [
            str(pkg / "jre" / "bin" / "java"),
            f"-Xmx{HEAP}",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF8",
            "-Dpolyglot.engine.WarnInterpreterOnly=false",
            "--enable-native-access=ALL-UNNAMED",
            # The engine reflects into these; ArcadeDB's own server.sh opens them too.
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.nio.channels.spi=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "-cp", str(pkg / "jars" / "*"),
            f"-Darcadedb.server.rootPath={self.root}",
            f"-Darcadedb.server.databaseDirectory={self.root / 'databases'}",
            f"@{self._secret_args()}",
            f"-Darcadedb.server.defaultDatabases={DATABASE}[{USER}]",
            "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            f"-Darcadedb.bolt.host={HOST}",
            f"-Darcadedb.bolt.port={self.bolt_port}",
            f"-Darcadedb.server.httpIncomingHost={HOST}",
            f"-Darcadedb.server.httpIncomingPort={self.http_port}",
            "com.arcadedb.server.ArcadeDBServer",
        ]  # fmt: skip

    def _secret_args(self) -> Path:
        # A java @argfile keeps the root password off the command line, where `ps`
        # shows it to every local user.
        path = self.root / "secret.jvmargs"
        quoted = self.password.replace("\\", "\\\\").replace('"', '\\"')
        write_private(path, f'"-Darcadedb.server.rootPassword={quoted}"\n')
        return path

    def _probe(self) -> None:
        # Bolt listens before the default database exists, so ask that database itself.
        with GraphDatabase.driver(self.bolt_url, auth=(USER, self.password), connection_timeout=2.0) as driver:
            try:
                # A plain session, not execute_query: that retries on its own for 30 s.
                with driver.session(database=DATABASE) as session:
                    session.run("RETURN 1 AS ok").consume()
            except AuthError as exc:
                raise FatalProbeError(
                    f"{self.name} refused the root password; it was stored on first "
                    f"start in {self.root / 'config' / 'server-users.jsonl'}"
                ) from exc
            except (DriverError, Neo4jError, OSError) as exc:
                raise NotReadyError(f"RETURN 1 failed: {exc}") from exc
