"""Load test of `rolegraph serve`, beside the Oxigraph server on the same store, in one run.

Starts `rolegraph serve` on a free loopback port over a store of the shipped cases (built and
reasoned into a temporary directory unless --store is given) and `oxigraph serve-read-only
--union-default-graph` (from the `oxigraph` PyPI package) over the same store directory, then
runs three measurements, each for --duration seconds of keep-alive clients (asyncio coroutines on
raw sockets, bench/http_load.py, spread over --processes client processes, so that the load
generator costs far less per request than the server it measures; every answer is checked: status
200, and each client checks each request's row count once against the first answer):

1. keep pace: --pace-clients clients ask rolegraph's named queries (every query, English and
   Danish, round robin, at /queries/NAME) and, separately, the same clients ask the Oxigraph server
   the same queries as raw SPARQL (the query file's text with its parameters bound, as rolegraph
   runs it). The ratio of the two throughputs is the figure of issue 15 (goal >= 1.0, p99 <= 50 ms).
2. load: --clients clients ask rolegraph's named queries.
3. load beside expensive queries: the same, while --cartesian clients (each from its own loopback
   address, 127.0.0.2, 127.0.0.3, ...) keep sending a cartesian-product query to /sparql, one after
   the other, each stopped by the server's timeout. The named queries should be unaffected. Then
   once more with a new connection for every request (clients that do not keep connections alive),
   and once more with the clients sending --rate requests a second in all (200 by default: the
   goal's rate), as a harness that paces its clients would.
4. cold start: a fresh `rolegraph serve`, and at once --clients clients with no warm-up request.

Writes the figures (with the machine, load average and commit) as JSON and markdown (--output) and
prints the markdown. Exits 1 if any named request failed or a goal was missed.

    .venv/bin/python bench/load_test.py                       # 20 s per measurement
    .venv/bin/python bench/load_test.py --duration 10 --output /tmp/endpoint.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import Target, request_bytes, run_load
from tests.servers import free_port, http_status, rolegraph_serve

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
GOAL_RPS, GOAL_P99_MS, GOAL_RATIO = 200.0, 50.0, 1.0


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def prepare_store(path: Path) -> None:
    from kg.cases.validate import load_cases
    from kg.pipeline import build_store
    from kg.reasoning import reason
    from kg.stores import open_store

    build_store(load_cases([ROOT / "cases"]), path)
    with open_store(path, write=True) as st:
        reason(st)


def named_requests() -> list[tuple[str, Target]]:
    """(rolegraph path, Oxigraph request: the query POSTed) for every named query in English and Danish."""
    from kg.query import PREFIXES, bind_params, load_queries, with_values

    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    out = []
    for name, q in load_queries().items():
        for lang in ("en", "da"):
            raw = prologue + with_values(q.text, bind_params(q, {}, lang=lang), q.params)
            out.append((f"/queries/{urllib.parse.quote(name)}?lang={lang}&format=json",
                        ("/query", raw)))
    return out


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds a process has used so far (0 where /proc is missing)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def warm_up(port: int, paths: list[Target]) -> dict[Target, int]:
    """One answer per request, whose row count later answers must match."""
    expected = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for path in paths:
        accept = {"Accept": "application/sparql-results+json"}
        if isinstance(path, str):
            conn.request("GET", path, headers=accept)
        else:
            conn.request("POST", path[0], body=path[1].encode("utf-8"),
                         headers={**accept, "Content-Type": "application/sparql-query"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise SystemExit(f"warm-up failed: {str(path)[:80]}: HTTP {resp.status} {body[:300]!r}")
        expected[path] = len(json.loads(body)["results"]["bindings"])
    conn.close()
    return expected


def measure(port: int, paths: list[Target], clients: int, duration: float, processes: int,
            server_pid: int | None = None, keep_alive: bool = True, rate: float | None = None,
            expected: dict[Target, int] | None = None) -> dict[str, Any]:
    """Throughput and latency of `clients` keep-alive clients asking `paths` round robin (and the CPU
    time the server process used per answer, a figure that the machine's other load hardly moves).
    Without `expected` (the row counts), one request of each path first warms up."""
    expected = warm_up(port, paths) if expected is None else expected
    cpu_before = cpu_seconds(server_pid)
    latencies, failures = run_load(port, [(request_bytes(p, keep_alive=keep_alive), expected[p]) for p in paths],
                                   clients, duration, processes, rate)
    cpu_used = cpu_seconds(server_pid) - cpu_before
    return {"clients": clients, "seconds": duration, "offered_rps": rate, "requests": len(latencies) + len(failures),
            "failed": len(failures), "failures": failures[:10],
            "throughput_rps": round(len(latencies) / duration, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1), "max_ms": round(max(latencies, default=0) * 1000, 1),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
            "server_cpu_us_per_answer": (round(cpu_used / len(latencies) * 1e6) if latencies and server_pid else None)}


def cartesian(port: int, source: str, stop: threading.Event, log: list[str]) -> None:
    """Keep an expensive query running from the loopback address `source` until `stop`."""
    body = urllib.parse.urlencode({"query": CARTESIAN})
    while not stop.is_set():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120, source_address=(source, 0))
        try:
            conn.request("POST", "/sparql", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            resp.read()
            log.append(f"{source}: HTTP {resp.status}")
        except (OSError, http.client.HTTPException) as exc:
            log.append(f"{source}: {type(exc).__name__}")
        finally:
            conn.close()


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    sys.path.insert(0, str(ROOT / "bench"))
    from reasoning_bench import cpu_and_memory

    cpu, mem = cpu_and_memory()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=False, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "commit": commit, "cpu": cpu, "cores": os.cpu_count(),
            "memory": mem, "platform": platform.platform(), "python": platform.python_version(),
            "versions": {p: version(p) for p in ("pyoxigraph", "oxigraph", "starlette", "uvicorn")},
            "loadavg_start": list(os.getloadavg())}


def report(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    lines = [f"# Endpoint load test ({m['date']}, commit {m['commit']})", "",
             (f"{m['cpu']}, {m['cores']} cores, {m['memory']}; load average at start "
             f"{', '.join(f'{x:.2f}' for x in m['loadavg_start'])}, at end "
             f"{', '.join(f'{x:.2f}' for x in m['loadavg_end'])}. Store: {doc['store']}. "
             f"rolegraph serve with {doc['workers']} query workers; command: `{doc['command']}`"), "",
             "| measurement | clients | requests/s | p50 ms | p95 ms | p99 ms | max ms | failed | server CPU µs/answer |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key, label in (("pace_rolegraph", "rolegraph, named queries"),
                       ("pace_oxigraph", "Oxigraph server, the same queries raw"),
                       ("flagship_rolegraph", f"rolegraph, {doc['flagship']} alone"),
                       ("flagship_oxigraph", f"Oxigraph server, {doc['flagship']} raw alone"),
                       ("load", "rolegraph, named queries"),
                       ("load_cold", "rolegraph, named queries, from a fresh start (no warm-up request)"),
                       ("load_cartesian", f"rolegraph, named queries, {doc['cartesian']} cartesian queries beside"),
                       ("load_cartesian_connections", "the same, a new connection for every request"),
                       ("load_cartesian_paced", (f"the same, kept alive, {doc['rate']:g} requests/s in all "
                                                "(paced)"))):
        r = doc[key]
        lines.append(f"| {label} | {r['clients']} | {r['throughput_rps']} | {r['p50_ms']} | {r['p95_ms']} | "
                     f"{r['p99_ms']} | {r['max_ms']} | {r['failed']} | {r.get('server_cpu_us_per_answer') or ''} |")
    lines += ["", (f"Keep pace: rolegraph / Oxigraph throughput at {doc['pace_rolegraph']['clients']} clients = "
              f"**{doc['pace_ratio']}** over all named queries, **{doc['flagship_ratio']}** for {doc['flagship']} "
              f"alone (goal >= {GOAL_RATIO})."),
              (f"Beside {doc['cartesian']} cartesian queries the named queries kept "
               f"{doc['load_cartesian']['throughput_rps'] / max(doc['load']['throughput_rps'], 0.1):.0%} of their "
               f"throughput alone, p99 {doc['load_cartesian']['p99_ms']} ms against {doc['load']['p99_ms']} ms alone; "
               f"the cartesian queries were answered meanwhile: {', '.join(doc['cartesian_answers']) or 'none'}."), "",
              "Goals: " + "; ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in doc["goals"].items()), ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="a built and reasoned store (default: the shipped cases, temporary)")
    ap.add_argument("--clients", type=int, default=50, help="clients of the load measurements")
    ap.add_argument("--pace-clients", type=int, default=20, help="clients of the keep-pace measurement")
    ap.add_argument("--cartesian", type=int, default=2, help="expensive queries running beside the load")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per measurement")
    ap.add_argument("--processes", type=int, default=2, help="client processes")
    ap.add_argument("--rate", type=float, default=GOAL_RPS,
                    help="requests/s in all of the paced measurement beside the cartesian queries")
    ap.add_argument("--workers", type=int, default=None, help="server query workers (default: the server's)")
    ap.add_argument("--flagship", default="role-transfer", help="the named query measured alone too")
    ap.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "endpoint.json")
    args = ap.parse_args()
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if oxigraph is None:
        raise SystemExit("the `oxigraph` command is missing: pip install oxigraph (it is in the test extras)")
    doc: dict[str, Any] = {"machine": machine(), "cartesian": args.cartesian, "flagship": args.flagship, "rate": args.rate,
                           "command": " ".join(["python", "bench/load_test.py", *sys.argv[1:]])}
    with tempfile.TemporaryDirectory(prefix="rolegraph-load-") as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "store"
            prepare_store(store)
        doc["store"] = "shipped cases" if args.store is None else str(store)
        requests = named_requests()
        extra = ["--quiet", "--timeout", "10"] + (["--workers", str(args.workers)] if args.workers else [])
        with rolegraph_serve(store, *extra, log=Path(tmp) / "serve.log") as server:
            port = int(urllib.parse.urlsplit(server.url).port or 0)
            health = json.loads(urllib.request.urlopen(server.url + "health", timeout=30).read())
            doc["workers"] = health["workers"]
            ours = [r for r, _ in requests]
            flagship = [(r, o) for r, o in requests if r.startswith(f"/queries/{args.flagship}?lang=en")]
            pid = server.process.pid
            doc["pace_rolegraph"] = measure(port, ours, args.pace_clients, args.duration, args.processes, pid)
            doc["flagship_rolegraph"] = measure(port, [flagship[0][0]], args.pace_clients, args.duration,
                                                args.processes, pid)
            ox_port = free_port()
            ox_log = open(Path(tmp) / "oxigraph.log", "wb")  # noqa: SIM115 - closed below
            ox_proc = subprocess.Popen([oxigraph, "serve-read-only", "--location", str(store), "--union-default-graph",
                                        "--bind", f"127.0.0.1:{ox_port}"], stdout=ox_log, stderr=subprocess.STDOUT)
            try:
                ask = f"http://127.0.0.1:{ox_port}/query?" + urllib.parse.urlencode({"query": "ASK {}"})
                for _ in range(300):
                    if http_status(ask) == 200:
                        break
                    time.sleep(0.1)
                doc["pace_oxigraph"] = measure(ox_port, [o for _, o in requests], args.pace_clients, args.duration,
                                               args.processes, ox_proc.pid)
                doc["flagship_oxigraph"] = measure(ox_port, [flagship[0][1]], args.pace_clients, args.duration,
                                                   args.processes, ox_proc.pid)
            finally:
                ox_proc.terminate()
                ox_proc.wait(timeout=30)
                ox_log.close()
            doc["load"] = measure(port, ours, args.clients, args.duration, args.processes, pid)
            stop = threading.Event()
            answers: list[str] = []
            heavy = [threading.Thread(target=cartesian, args=(port, f"127.0.0.{i + 2}", stop, answers))
                     for i in range(args.cartesian)]
            for t in heavy:
                t.start()
            try:
                time.sleep(1.0)  # the expensive queries are running before the clients start
                doc["load_cartesian"] = measure(port, ours, args.clients, args.duration, args.processes, pid)
                doc["load_cartesian_connections"] = measure(port, ours, args.clients, args.duration, args.processes,
                                                            pid, keep_alive=False)
                doc["load_cartesian_paced"] = measure(port, ours, args.clients, args.duration, args.processes, pid,
                                                      rate=args.rate)
            finally:
                stop.set()
                for t in heavy:
                    t.join(timeout=60)
            doc["cartesian_answers"] = answers
            rows = warm_up(port, ours)
        # a harness may start its clients the moment the server is up: a fresh server, no warm-up
        with rolegraph_serve(store, *extra, log=Path(tmp) / "serve-cold.log") as cold:
            doc["load_cold"] = measure(int(urllib.parse.urlsplit(cold.url).port or 0), ours, args.clients,
                                       args.duration, args.processes, cold.process.pid, expected=rows)
    doc["machine"]["loadavg_end"] = list(os.getloadavg())
    doc["pace_ratio"] = round(doc["pace_rolegraph"]["throughput_rps"] / max(doc["pace_oxigraph"]["throughput_rps"],
                                                                           0.1), 2)
    doc["flagship_ratio"] = round(doc["flagship_rolegraph"]["throughput_rps"]
                                  / max(doc["flagship_oxigraph"]["throughput_rps"], 0.1), 2)
    lc = doc["load_cartesian"]
    doc["goals"] = {
        "keep pace >= 1.0x Oxigraph": min(doc["pace_ratio"], doc["flagship_ratio"]) >= GOAL_RATIO,
        "p99 <= 50 ms at 20 clients": doc["pace_rolegraph"]["p99_ms"] <= GOAL_P99_MS,
        ">= 200 requests/s at 50 clients beside the cartesian queries": lc["throughput_rps"] >= GOAL_RPS,
        "p99 <= 50 ms at 50 clients beside the cartesian queries, each client at full speed": lc["p99_ms"] <= GOAL_P99_MS,
        f"p99 <= 50 ms at 50 clients beside the cartesian queries, {args.rate:g} requests/s in all":
            doc["load_cartesian_paced"]["p99_ms"] <= GOAL_P99_MS,
        "no failed named request": all(doc[k]["failed"] == 0 for k in ("pace_rolegraph", "load", "load_cartesian",
                                                                       "load_cartesian_connections",
                                                                       "load_cartesian_paced", "load_cold")),
    }
    text = report(doc)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    args.output.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
    return 0 if all(doc["goals"].values()) else 1


if __name__ == "__main__":
    import urllib.request

    sys.exit(main())
