"""Every named query evaluated on a store, timed: wall and CPU seconds and rows.

    python bench/query_times.py STORE [NAME[:k=v;k=v] ...] [--lang en] [--output FILE.json]

With no NAME, every shipped query with its default parameters. Each query runs through the
dataset the CLI uses (`query_dataset`), straight on the store: the answers the CLI keeps
per store version (`kg.stores.answers`) are neither read nor written, so the figure is the
evaluation itself. Build a store at scale first, e.g. the 10^5 corpus of
`bench/pipeline_bench.py --sizes 1e5 --keep --workdir W` and `rolegraph build --reason`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pyoxigraph as ox

from kg.query import bind_params, load_queries, with_values
from kg.stores.embedded import open_read_only
from kg.stores.layout import query_dataset


def main() -> None:
    """Time the queries and print one line each; optionally write them as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("specs", nargs="*", help="NAME or NAME:param=value;param=value (default: every query)")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    queries = load_queries()
    specs = args.specs or sorted(queries)
    out = []
    with open_read_only(args.store) as store:
        for spec in specs:
            name, _, given_text = spec.partition(":")
            given = dict(p.split("=", 1) for p in given_text.split(";") if p)
            query = queries[name]
            text = with_values(query.text, bind_params(query, given, lang=args.lang, store=store), query.params)
            wall, cpu = time.perf_counter(), time.process_time()
            solutions = store.query(text, **query_dataset(store, True))
            assert isinstance(solutions, ox.QuerySolutions)  # named queries are SELECTs
            rows = len(list(solutions))
            entry = {"query": spec, "wall_s": round(time.perf_counter() - wall, 3),
                     "cpu_s": round(time.process_time() - cpu, 3), "rows": rows}
            out.append(entry)
            print(f"{spec:50s} {entry['wall_s']:8.2f} s wall {entry['cpu_s']:8.2f} s CPU {rows:7d} rows", flush=True)
    if args.output:
        args.output.write_text(json.dumps({"store": str(args.store), "lang": args.lang, "load": os.getloadavg(),
                                           "queries": out}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
