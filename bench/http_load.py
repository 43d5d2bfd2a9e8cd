"""A lean HTTP/1.1 load generator: keep-alive clients on asyncio streams in one process each.

The load generator shares the machine's cores with the server it measures, so it must cost far less
per request than the server: each client is a coroutine that writes a prepared request and reads the
answer by its Content-Length (no HTTP library, no threads, no GIL hand-offs between clients). A run
spreads the clients over a few processes and gathers each request's latency.

    run_load(port, requests, clients=50, duration=10, processes=2)             # each client at full speed
    run_load(port, requests, clients=50, duration=10, processes=2, rate=1000)  # 1,000 requests/s in all
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from typing import Any

ACCEPT = "application/sparql-results+json"


# What a client asks: a path to GET, or (path, SPARQL query) to POST as application/sparql-query
# (SPARQL 1.1 protocol), for a query too long for a URL (servers cap a request's headers, 8 kB).
Target = str | tuple[str, str]


def request_bytes(target: Target, host: str = "127.0.0.1", accept: str = ACCEPT, keep_alive: bool = True) -> bytes:
    """The request for `target` (with `keep_alive` False: the server closes the connection after it)."""
    close = "" if keep_alive else "Connection: close\r\n"
    head = f"Host: {host}\r\nAccept: {accept}\r\nUser-Agent: rolegraph-load\r\n{close}"
    if isinstance(target, str):
        return f"GET {target} HTTP/1.1\r\n{head}\r\n".encode("latin-1")
    path, query = target
    body = query.encode("utf-8")
    return (f"POST {path} HTTP/1.1\r\n{head}Content-Type: application/sparql-query\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one response (Content-Length framed, or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length) if length else b""
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def rows_of(body: bytes) -> int:
    """The number of rows of a SPARQL JSON answer."""
    return len(json.loads(body)["results"]["bindings"])


async def _client(port: int, requests: list[tuple[bytes, int]], deadline: float, offset: int,
                  latencies: list[float], failures: list[str], interval: float = 0.0) -> None:
    """One client: a request after the other; a connection kept alive unless the request closes it
    (then each request's time includes opening its connection). With an `interval`, the client's
    requests are due one `interval` apart (one late answer: the next is sent at once); each request is
    timed from when it was sent."""
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    n = offset
    checked: set[int] = set()
    due = time.perf_counter() + interval * (offset % 97) / 97  # the clients' requests spread over an interval
    try:
        while time.monotonic() < deadline:
            i = n % len(requests)
            n += 1
            data, expected = requests[i]
            if interval:
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                due += interval
            start = time.perf_counter()
            try:
                if streams is None:
                    streams = await asyncio.open_connection("127.0.0.1", port)
                streams[1].write(data)
                status, body = await read_response(streams[0])
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                failures.append(f"{data[:60]!r}: {type(exc).__name__}: {exc}")
                if streams is not None:
                    streams[1].close()
                streams = None
                continue
            elapsed = time.perf_counter() - start
            if b"\r\nConnection: close\r\n" in data:
                streams[1].close()
                streams = None
            if status != 200:
                failures.append(f"{data[:60]!r}: HTTP {status} {body[:200]!r}")
                continue
            if i not in checked:  # each client checks each answer's rows once; the bytes after that
                checked.add(i)
                if rows_of(body) != expected:
                    failures.append(f"{data[:60]!r}: {rows_of(body)} rows, expected {expected}")
                    continue
            latencies.append(elapsed)
    finally:
        if streams is not None:
            streams[1].close()


async def _clients(port: int, requests: list[tuple[bytes, int]], clients: int, first: int, duration: float,
                   start_at: float, interval: float) -> tuple[list[float], list[str]]:
    await asyncio.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + duration
    latencies: list[float] = []
    failures: list[str] = []
    await asyncio.gather(*(_client(port, requests, deadline, (first + i) * 7, latencies, failures, interval)
                           for i in range(clients)))
    return latencies, failures


def _process(port: int, requests: list[tuple[bytes, int]], clients: int, first: int, duration: float,
             start_at: float, interval: float, queue: Any) -> None:
    queue.put(asyncio.run(_clients(port, requests, clients, first, duration, start_at, interval)))


def run_load(port: int, requests: list[tuple[bytes, int]], clients: int, duration: float,
             processes: int = 2, rate: float | None = None) -> tuple[list[float], list[str]]:
    """Latencies (s) of successful requests and the failures, of `clients` keep-alive clients sending
    `requests` (request bytes, expected rows) round robin for `duration` seconds: each as fast as it
    is answered, or, with a `rate`, all together that many requests a second."""
    interval = clients / rate if rate else 0.0
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 1.0
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    procs = [ctx.Process(target=_process, args=(port, requests, n, sum(per[:i]), duration, start_at, interval,
                                                      queue))
             for i, n in enumerate(per) if n]
    for p in procs:
        p.start()
    results = [queue.get(timeout=duration + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return [x for lat, _ in results for x in lat], [f for _, fs in results for f in fs]
