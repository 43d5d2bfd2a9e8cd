"""Load test of `rolegraph serve` (run by hand; not part of the test run).

Starts `rolegraph serve` on a free loopback port over a store of the shipped cases (built
and reasoned into a temporary directory unless --store is given), then N client threads
ask the named queries (every query, English and Danish, round robin) over keep-alive
connections until a number of requests or a time limit is reached. Every answer is
checked: status 200, SPARQL JSON, and the same number of rows as the first answer to
the same URL. Prints throughput, latency percentiles and failures; exits 1 if any
request failed.

    .venv/bin/python bench/load_test.py                      # 8 clients, 2000 requests or 30 s
    .venv/bin/python bench/load_test.py --clients 32 --requests 10000 --duration 60 --workers 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import rolegraph_serve  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def prepare_store(path: Path) -> None:
    from kg.reasoning import reason
    from kg.pipeline import build_store
    from kg.stores import open_store
    from kg.cases.validate import load_cases

    build_store(load_cases([ROOT / "cases"]), path)
    with open_store(path, write=True) as st:
        reason(st)


class Client(threading.Thread):
    """One client: keep-alive requests until the shared budget or the deadline runs out."""

    def __init__(self, host: str, port: int, urls: list[str], expected: dict[str, int], state: dict) -> None:
        super().__init__(daemon=True)
        self.host, self.port, self.urls, self.expected, self.state = host, port, urls, expected, state
        self.latencies: list[tuple[str, float]] = []
        self.failures: list[str] = []

    def _take(self) -> int | None:
        with self.state["lock"]:
            if self.state["issued"] >= self.state["limit"] or time.monotonic() >= self.state["deadline"]:
                return None
            self.state["issued"] += 1
            return int(self.state["issued"])

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        while (n := self._take()) is not None:
            url = self.urls[n % len(self.urls)]
            start = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Accept": "application/sparql-results+json"})
                resp = conn.getresponse()
                body = resp.read()
                elapsed = time.perf_counter() - start
                if resp.status != 200:
                    self.failures.append(f"{url}: HTTP {resp.status} {body[:200]!r}")
                    continue
                rows = len(json.loads(body)["results"]["bindings"])
                if rows != self.expected[url]:
                    self.failures.append(f"{url}: {rows} rows, expected {self.expected[url]}")
                    continue
                self.latencies.append((url, elapsed))
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                self.failures.append(f"{url}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="a built and reasoned store (default: the shipped cases, temporary)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    ap.add_argument("--requests", type=int, default=2000, help="stop after this many requests in all")
    ap.add_argument("--duration", type=float, default=30.0, help="or after this many seconds")
    ap.add_argument("--workers", type=int, default=None, help="server worker processes (default: the server's)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args()

    from kg.query import load_queries

    with tempfile.TemporaryDirectory(prefix="rolegraph-load-") as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "store"
            t = time.perf_counter()
            prepare_store(store)
            print(f"built and reasoned the shipped cases in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        extra = ["--quiet", "--timeout", "30"] + (["--workers", str(args.workers)] if args.workers else [])
        with rolegraph_serve(store, *extra, log=Path(tmp) / "serve.log") as server:
            parts = urllib.parse.urlsplit(server.url)
            urls = [f"/queries/{urllib.parse.quote(name)}?lang={lang}&format=json"
                    for name in load_queries() for lang in ("en", "da")]
            expected = {}
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            for url in urls:  # warm-up: one answer per URL, which later answers must match
                conn.request("GET", url)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    print(f"warm-up failed: {url}: HTTP {resp.status} {body[:300]!r}", file=sys.stderr)
                    return 1
                expected[url] = len(json.loads(body)["results"]["bindings"])
            conn.close()
            health = json.loads(http_get(parts.hostname, parts.port, "/health"))
            state = {"lock": threading.Lock(), "issued": 0, "limit": args.requests,
                     "deadline": time.monotonic() + args.duration}
            clients = [Client(parts.hostname, parts.port, urls, expected, state) for _ in range(args.clients)]
            start = time.perf_counter()
            for c in clients:
                c.start()
            for c in clients:
                c.join()
            wall = time.perf_counter() - start
    latencies = [lat for c in clients for _, lat in c.latencies]
    failures = [f for c in clients for f in c.failures]
    by_query: dict[str, list[float]] = {}
    for c in clients:
        for url, lat in c.latencies:
            by_query.setdefault(url.split("?")[0].rsplit("/", 1)[-1], []).append(lat)
    figures = {
        "clients": args.clients, "server_workers": health["workers"], "cpus": os.cpu_count(),
        "requests": len(latencies) + len(failures), "succeeded": len(latencies), "failed": len(failures),
        "seconds": round(wall, 2), "throughput_rps": round(len(latencies) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p90_ms": round(percentile(latencies, 90) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1), "max_ms": round(max(latencies, default=0) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "p50_ms_by_query": {k: round(percentile(v, 50) * 1000, 1) for k, v in sorted(by_query.items())},
    }
    print(f"{figures['requests']} requests from {args.clients} clients in {figures['seconds']} s "
          f"against {figures['server_workers']} worker(s) on {figures['cpus']} CPU(s)")
    print(f"throughput {figures['throughput_rps']} requests/s; latency p50 {figures['p50_ms']} ms, "
          f"p90 {figures['p90_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms")
    print("p50 by query: " + ", ".join(f"{k} {v} ms" for k, v in figures["p50_ms_by_query"].items()))
    print(f"failed: {len(failures)}")
    for f in failures[:10]:
        print("  " + f)
    if args.json:
        print(json.dumps(figures, indent=1))
    return 1 if failures else 0


def http_get(host: str, port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
