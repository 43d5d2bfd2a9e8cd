"""The reference for `rolegraph query`: the least a program can do to print a query's rows.

    python bench/minimal_client.py STORE QUERY_FILE

It imports pyoxigraph and nothing else of note, opens the store read-only, runs the query
over the union of its graphs and prints the rows tab-separated. `pipeline_bench.py` runs it
beside `rolegraph query role-transfer`, with the same query text.
"""

import sys

import pyoxigraph as ox

store = ox.Store.read_only(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as f:
    answer = store.query(f.read(), use_default_graph_as_union=True)
names = [v.value for v in answer.variables]
lines = ["\t".join(names)]
lines += ["\t".join("" if s[n] is None else s[n].value for n in names) for s in answer]
print("\n".join(lines))
