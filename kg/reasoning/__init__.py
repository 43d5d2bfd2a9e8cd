"""Reasoning inside the store: OWL 2 RL and interaction-order rules to a fixpoint, with derivations.

`reason(store)` picks the engine from the store's traits: a store that reasons in
place runs each rule as SPARQL Update there (`in_store`); otherwise each case is
reasoned with the ontology in memory (`per_case`) by the rule engine (`engine`).
Rules are data (`rules`): SPARQL CONSTRUCT files with a `#+` header.
"""

from __future__ import annotations

from pathlib import Path

from ..progress import Progress
from ..stores.base import GraphStore
from ..stores.layout import is_reasoned, store_extensions
from .engine import (
    Reasoner,
    ReasonReport,
    clear_inferences,
    display_path,
    instantiate,
    mark_reasoned,
    reason_in_memory,
    statement_iri,
    unrecorded_rules,
)
from .in_store import InStoreReasoner
from .per_case import CaseReasoner, reason_while_loading
from .rules import Rule, load_rules

__all__ = [
    "CaseReasoner", "InStoreReasoner", "ReasonReport", "Reasoner", "Rule", "clear_inferences", "display_path",
    "instantiate", "is_reasoned", "load_rules", "mark_reasoned", "reason", "reason_while_loading",
    "statement_iri", "store_rules", "unrecorded_rules",
]


def store_rules(store: GraphStore) -> list[Rule]:
    """The rules that apply to a store: the shipped ones and those of its extensions."""
    return load_rules([e.rules for e in store_extensions(store) if e.rules is not None])


def reason(store: GraphStore, *, extra_rules: list[Path] | None = None, progress: Progress | None = None,
           whole_store: bool = False, record_all: bool = False) -> ReasonReport:
    """Recompute all inferences of a writable store from scratch (with its extensions' rules).

    Each case is reasoned with the ontology (`CaseReasoner`); `whole_store` runs
    every rule over the whole store instead (slower; the reference the tests compare with).
    Derivations are recorded for every rule except the axiom rules `kg.explain` can
    re-derive on demand (the store's own rules, not `extra_rules`); `record_all` records
    those too. A store that reasons in place (a remote one) runs the rules inside itself."""
    ext_rules = [e.rules for e in store_extensions(store) if e.rules is not None]
    rules = load_rules([*ext_rules, *(extra_rules or [])])
    extra = [Path(d).resolve() for d in extra_rules or []]
    known = {r.id for r in rules if not any(r.path.resolve().is_relative_to(d) for d in extra)}
    unrecorded = frozenset() if record_all else unrecorded_rules(rules, known)
    clear_inferences(store)
    if store.traits.reasons_in_place:
        report = InStoreReasoner(store, rules, unrecorded=unrecorded).run(progress)
    elif whole_store:
        report = reason_in_memory(store, rules, unrecorded, progress)
    else:
        report = CaseReasoner(rules, unrecorded=unrecorded).run(store, progress)
        store.optimize()  # merge the files the batches' bulk loads wrote: queries read far fewer
    mark_reasoned(store, rules)
    return report
