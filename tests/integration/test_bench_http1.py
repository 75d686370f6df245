"""The benchmark's HTTP/1.1 client against a loopback server that answers in every way it reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bench import http1

ANSWERS = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy",
    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
]


@pytest.fixture
async def server() -> AsyncIterator[tuple[int, list[bytes], list[int]]]:
    received: list[bytes] = []
    connections: list[int] = []
    answers = iter(ANSWERS)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(received))
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length:")).split()[1])
            received.append(head + await reader.readexactly(length))
            answer = next(answers)
            writer.write(answer)
            await writer.drain()
            if b"Connection: close" in answer:
                break
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield port, received, connections


async def test_answers_are_read_by_length_or_chunks_and_a_closed_connection_is_reopened(
    server: tuple[int, list[bytes], list[int]],
) -> None:
    port, received, connections = server
    request = http1.prepare("127.0.0.1", "/graphql", {"Content-Type": "application/json"}, b'{"a":1}')
    connection = http1.Connection("127.0.0.1", port, timeout=5)
    try:
        answers = [await connection.send(request) for _ in ANSWERS]
    finally:
        await connection.close()
    assert answers == [
        http1.Answer(200, b"hello"),
        http1.Answer(200, b"abcde"),
        http1.Answer(503, b"busy"),
        http1.Answer(200, b"ok"),
    ]
    assert received == [request] * 4
    assert received[0].startswith(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 7\r\n")
    assert connections == [0, 3]  # kept alive, then opened again after "Connection: close"
