"""CPU seconds per rule while the case reasoner reasons batches of a built store's cases.

    python bench/rule_times.py STORE [--cases 100] [--batch 20] [--top 20]

Copies the store into memory, reasons its ontology once (`CaseReasoner.prepare`), then
reasons the first `--cases` case graphs in batches of `--batch`, in this one process, timing
every `Reasoner.apply` with `time.process_time` (CPU time: the machine may be shared). For each
rule: CPU seconds, calls, conclusions added, and whether its conclusions go unrecorded (U).
Run it with PYTHONPATH pointing at another checkout to time that checkout's engine.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import pyoxigraph as ox

from kg.iris import ONTOLOGY_GRAPH
from kg.reasoning import engine
from kg.reasoning.engine import Reasoner, unrecorded_rules
from kg.reasoning.per_case import CaseReasoner
from kg.reasoning.rules import Rule, load_rules
from kg.stores.embedded import in_memory
from kg.stores.layout import asserted_graphs


def main() -> None:
    """Time each rule over batches of a store's cases and print one line per rule."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--top", type=int, default=20)
    args = ap.parse_args()
    src = ox.Store.read_only(args.store)
    mem = in_memory(list(src.quads_for_pattern(None, None, None, None)))
    del src
    rules = load_rules()
    unrecorded = unrecorded_rules(rules)
    cr = CaseReasoner(rules, unrecorded=unrecorded)
    onto = ox.NamedNode(ONTOLOGY_GRAPH)
    cr.prepare(list(mem.quads_for_pattern(None, None, None, onto)))
    cases = [g for g in asserted_graphs(mem) if g != onto][:args.cases]
    seconds: dict[str, float] = {}
    calls: Counter[str] = Counter()
    added: Counter[str] = Counter()
    apply = Reasoner.apply

    def timed(self: Reasoner, rule: Rule, round_no: int) -> int:
        start = time.process_time()
        n = apply(self, rule, round_no)
        seconds[rule.id] = seconds.get(rule.id, 0.0) + time.process_time() - start
        calls[rule.id] += 1
        added[rule.id] += n
        return n

    engine.Reasoner.apply = timed  # type: ignore[method-assign]
    start = time.process_time()
    for i in range(0, len(cases), args.batch):
        cr.reason_batch([q for g in cases[i:i + args.batch] for q in mem.quads_for_pattern(None, None, None, g)])
    print(f"{len(cases)} cases: {time.process_time() - start:.2f} s CPU, {sum(seconds.values()):.2f} s in apply, "
          f"{sum(calls.values())} calls")
    for rule_id, s in sorted(seconds.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"{s:6.3f} s {calls[rule_id]:4d} calls {added[rule_id]:6d} new  {rule_id}"
              f"{'  U' if rule_id in unrecorded else ''}")


if __name__ == "__main__":
    main()
