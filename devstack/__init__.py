"""Embedded PostgreSQL, Valkey and ArcadeDB (Bolt) for `shutter dev` and the tests."""

from devstack.arcade import ArcadeServer
from devstack.postgres import PostgresProcess
from devstack.procs import DevstackError, free_port
from devstack.stack import Stack, start_stack
from devstack.valkey import ValkeyProcess

__all__ = [
    "ArcadeServer",
    "DevstackError",
    "PostgresProcess",
    "Stack",
    "ValkeyProcess",
    "free_port",
    "start_stack",
]
