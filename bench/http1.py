"""A lean HTTP/1.1 client for load generation: prepared requests over keep-alive connections.

A general-purpose client spends more CPU per request than the server under test can spare
on a small machine, and the load generator shares that machine. This one sends bytes made
once per request kind and reads the answer by its Content-Length (or chunks), nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


class ProtocolError(Exception):
    """The server's answer was not HTTP/1.1 this client can read."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


def prepare(host: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """A whole POST request, ready to send as many times as wanted."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> Answer:
        """Send one request and read its answer, within the timeout (connecting included)."""
        try:
            return await asyncio.wait_for(self._exchange(request), self._timeout)
        except BaseException:
            await self.close()
            raise

    async def _exchange(self, request: bytes) -> Answer:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        self._writer.write(request)
        try:
            return await self._read(self._reader)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            raise ProtocolError(f"unreadable response: {error}") from error

    async def _read(self, reader: asyncio.StreamReader) -> Answer:
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise ProtocolError(f"bad status line: {status_line!r}")
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _chunks(reader)
        else:
            raise ProtocolError("response without a length")
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Answer(int(parts[1]), body)

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers are sent to this client
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)
