"""How the engine evaluates a rule (semi-naively or in full, a batch settled on the ontology's
closure or not) changes its cost, never its conclusions or derivations."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
import pytest

from kg.cases.validate import load_cases
from kg.pipeline import build_store
from kg.reasoning import CaseReasoner, Reasoner, engine, load_rules, unrecorded_rules
from kg.reasoning.entailment import closure, entails
from kg.stores import open_store
from kg.stores.embedded import in_memory
from kg.vocab import ONTOLOGY_GRAPH

from .conftest import CASES

CASE = "https://w3id.org/rolegraph/graph/case/"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The ontology's quads and the shipped cases' quads, from one unreasoned build."""
    path = tmp_path_factory.mktemp("seminaive") / "store"
    build_store(load_cases([CASES]), path)
    with open_store(path) as st:
        onto = list(st.quads_for_pattern(None, None, None, ox.NamedNode(str(ONTOLOGY_GRAPH))))
        cases = [q for q in st.quads_for_pattern(None, None, None, None)
                 if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(CASE)]
    assert onto and cases
    return onto, cases


def _batch(shipped: tuple[list[ox.Quad], list[ox.Quad]]) -> tuple[set[str], dict[str, int]]:
    onto, cases = shipped
    rules = load_rules()
    cr = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
    cr.prepare(onto)
    out = {str(q) for q in cr.reason_batch(cases)}
    return out, cr.report.fired


@pytest.mark.parametrize("anchor", [0, 10**9])
@pytest.mark.parametrize("settle", [True, False])
@pytest.mark.parametrize("closed", [True, False])
def test_the_evaluation_plan_does_not_change_the_closure(shipped: tuple[list[ox.Quad], list[ox.Quad]],
                                                        monkeypatch: pytest.MonkeyPatch, anchor: int,
                                                        settle: bool, closed: bool) -> None:
    reference, fired = _batch(shipped)  # as shipped: some rules in full, the rest semi-naively
    assert any(k.startswith("cax-") for k in fired) and len(reference) > 1000
    # anchor 0: every rule that can be evaluated semi-naively is; 10**9: every rule with a
    # premise of a fixed predicate runs in full each time.
    monkeypatch.setattr(engine, "ANCHOR_TRIPLES", anchor)
    monkeypatch.setattr(engine, "ANCHOR_MEMBERS", anchor)
    if not closed:  # cax-sco and prp-spo1 see their own conclusions again (`closed-by`)
        monkeypatch.setattr(Reasoner, "_closed", lambda self, rule: False)
    if not settle:  # every rule starts with a full run, as if the batch were all new
        monkeypatch.setattr(Reasoner, "settle", lambda self, added: None)
    assert _batch(shipped)[0] == reference


def test_a_settled_batch_skips_the_rules_that_read_only_the_ontology(
        shipped: tuple[list[ox.Quad], list[ox.Quad]], monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    apply = Reasoner.apply

    def counting(self: Reasoner, rule: engine.Rule, round_no: int) -> int:
        ran.append(rule.id)
        return apply(self, rule, round_no)

    onto, cases = shipped
    rules = load_rules()
    cr = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
    cr.prepare(onto)
    monkeypatch.setattr(Reasoner, "apply", counting)
    cr.reason_batch(cases)
    assert "cax-sco" in ran  # reads rdf:type, which the cases have
    assert "scm-sco" not in ran  # reads only rdfs:subClassOf, which no case states


def test_own_conclusions_are_left_out_only_while_the_closing_relation_is_unchanged(
        shipped: tuple[list[ox.Quad], list[ox.Quad]], monkeypatch: pytest.MonkeyPatch) -> None:
    """`closed-by: scm-sco` lets cax-sco skip its own conclusions in a settled batch; a batch
    whose case states a subclass chain of its own (scm-sco then has something new to read)
    must still reach the types at the chain's end, as it does with the skip turned off."""
    onto, _ = shipped
    ex, rdfs = "http://example.org/", "http://www.w3.org/2000/01/rdf-schema#"
    g = ox.NamedNode(CASE + "chain")
    sco, typ = ox.NamedNode(rdfs + "subClassOf"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    a, b, c, x = (ox.NamedNode(ex + n) for n in ("A", "B", "C", "x"))
    case = [ox.Quad(a, sco, b, g), ox.Quad(b, sco, c, g), ox.Quad(x, typ, a, g)]
    rules = load_rules()
    skipped: list[tuple[str, bool]] = []
    closed = Reasoner._closed

    def noting(self: Reasoner, rule: engine.Rule) -> bool:
        skipped.append((rule.id, closed(self, rule)))
        return skipped[-1][1]

    monkeypatch.setattr(Reasoner, "_closed", noting)
    cr = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
    cr.prepare(onto)
    got = {str(q) for q in cr.reason_batch(case)}
    assert f"<{ex}x> <{typ.value}> <{ex}C> <https://w3id.org/rolegraph/graph/inferred>" in got
    # The case brought rdfs:subClassOf: cax-sco sees its own conclusions again.
    assert ("cax-sco", False) in skipped and ("cax-sco", True) not in skipped
    monkeypatch.setattr(Reasoner, "_closed", lambda self, rule: False)
    cr = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
    cr.prepare(onto)
    assert {str(q) for q in cr.reason_batch(case)} == got


def test_a_settled_batch_leaves_out_the_own_conclusions_of_a_closed_rule(
        shipped: tuple[list[ox.Quad], list[ox.Quad]], monkeypatch: pytest.MonkeyPatch) -> None:
    onto, cases = shipped
    rules = load_rules()
    closed: list[str] = []
    real = Reasoner._closed

    def noting(self: Reasoner, rule: engine.Rule) -> bool:
        if real(self, rule):
            closed.append(rule.id)
            return True
        return False

    monkeypatch.setattr(Reasoner, "_closed", noting)
    cr = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
    cr.prepare(onto)
    cr.reason_batch(cases)
    assert {"cax-sco", "prp-spo1"} <= set(closed)


def test_settle_is_not_done_with_equality(shipped: tuple[list[ox.Quad], list[ox.Quad]]) -> None:
    onto, _ = shipped
    same = ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
                   ox.NamedNode("urn:x:b"), ox.NamedNode(CASE + "x"))
    settled = Reasoner(in_memory([*onto, same]), load_rules(), scratch=True, settled=[same])
    assert settled._started == {}  # every rule runs in full: equality rewrites the store
    plain = [q for q in onto if q.predicate.value != same.predicate.value]
    assert Reasoner(in_memory(plain), load_rules(), scratch=True, settled=[])._started


def test_each_chain_length_runs_even_when_a_shorter_chain_concludes_nothing() -> None:
    """The unrolled prp-spo2 instances share the rule's id; each is a rule of its own to the
    engine, so a chain of two that adds nothing does not mark the chain of three as run."""
    ex = "http://example.org/"
    ttl = f"""@prefix ex: <{ex}> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
    ex:p2 owl:propertyChainAxiom (ex:d ex:e) .
    ex:p3 owl:propertyChainAxiom (ex:a ex:b ex:c) .
    ex:x ex:a ex:y . ex:y ex:b ex:z . ex:z ex:c ex:w ."""
    store = closure(ox.parse(ttl, format=ox.RdfFormat.TURTLE))
    assert entails(store, [ox.Triple(ox.NamedNode(ex + "x"), ox.NamedNode(ex + "p3"), ox.NamedNode(ex + "w"))])
    assert not entails(store, [ox.Triple(ox.NamedNode(ex + "x"), ox.NamedNode(ex + "p2"), ox.NamedNode(ex + "w"))])


def test_pinning_variable_predicates_does_not_change_the_closure(
        shipped: tuple[list[ox.Quad], list[ox.Quad]], monkeypatch: pytest.MonkeyPatch) -> None:
    reference, _ = _batch(shipped)
    monkeypatch.setattr(Reasoner, "_pins", lambda self, rule, premises, previous: {})  # no VALUES for ?p
    assert _batch(shipped)[0] == reference


def test_conclusions_loaded_as_ntriples_are_those_added_as_python_triples(
        shipped: tuple[list[ox.Quad], list[ox.Quad]], monkeypatch: pytest.MonkeyPatch) -> None:
    """An unrecorded rule's conclusions go from the CONSTRUCT to the store as N-Triples
    (`Reasoner._add_ntriples`): the same closure and counts as Python triples added one by one,
    the ontology's blank nodes (restrictions) named by their own labels."""
    reference, fired = _batch(shipped)
    assert any(" _:" in q for q in reference)  # conclusions naming an ontology blank node
    monkeypatch.setattr(Reasoner, "_add_ntriples", lambda self, data, load, by="": self._add(
        {t for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}, by) if data else 0)
    assert _batch(shipped) == (reference, fired)


def test_a_variable_predicate_is_pinned_to_what_the_other_premises_allow() -> None:
    """prp-fp reads `?p a owl:FunctionalProperty . ?x ?p ?y1 , ?y2`: when the new triples are
    types only, no new triple can be a premise, and its branch of the union is left out."""
    ex, owl, rdf = "http://example.org/", "http://www.w3.org/2002/07/owl#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    ttl = f"""@prefix ex: <{ex}> . @prefix owl: <{owl}> .
    ex:f a owl:FunctionalProperty . ex:g a owl:FunctionalProperty . ex:x ex:f ex:y ."""
    rule = next(r for r in load_rules() if r.id == "prp-fp")
    r = Reasoner(in_memory([ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(ttl, format=ox.RdfFormat.TURTLE)]),
                 [rule])
    assert rule.delta is not None
    # the premises a new triple may match when no property was declared functional since
    premises = [p for p in rule.delta if not p[1].startswith(rdf)]
    assert len(premises) == 2
    r._changed = {rdf + "type": 2, "type|" + ex + "C": 2}
    assert r._pins(rule, premises, 1) == {"p": []}
    graphs = [engine._GEN + "2"]
    text = rule.construct_query_delta(graphs, premises, r._pins(rule, premises, 1))
    assert "GRAPH ?__g" not in text and "FILTER(false)" in text
    assert list(r.store.query(text, use_default_graph_as_union=True)) == []
    r._changed[ex + "f"] = 3
    r._changed[ex + "h"] = 3  # new, but not functional
    assert r._pins(rule, premises, 1) == {"p": [ex + "f"]}
    assert r._pins(rule, premises, 2) == {"p": [ex + "f"]}
    text = rule.construct_query_delta(graphs, premises, r._pins(rule, premises, 1))
    assert text.count(f"VALUES ?p {{ <{ex}f> }}") == 2
    assert r._pins(rule, premises, 3) == {"p": []}  # nothing new since the rule last ran


def test_conclusions_written_by_the_store_keep_blank_labels_apart() -> None:
    """A worker hands its conclusions back as N-Quads the store wrote: lines naming a blank node
    go apart (the parent keeps their labels), a line break inside a literal stays escaped."""
    ex = "http://example.org/"
    store = in_memory()
    r = Reasoner(store, [], scratch=True)
    r._add([ox.Triple(ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p"), ox.Literal("two\nlines _: .")),
            ox.Triple(ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p"), ox.BlankNode("b1")),
            ox.Triple(ox.NamedNode(ex + "a"), ox.NamedNode(ex + "q"), ox.NamedNode(ex + "c"))])
    r._collect()
    plain, blank = r.concluded_nquads()
    assert r.report.inferred == 3
    assert {str(q) for q in ox.parse(plain + blank, format=ox.RdfFormat.N_QUADS)} == {str(q) for q in r.concluded}
    assert b"_:b1" in blank and b"_:b1" not in plain
    assert plain.count(b"\n") == 1 and b"/q>" in plain  # the literal's "_:" sends its line apart too


def test_outside_a_scratch_store_the_conclusions_move_to_the_inferred_graph() -> None:
    ex, rdf, rdfs = "http://example.org/", "http://www.w3.org/1999/02/22-rdf-syntax-ns#", \
        "http://www.w3.org/2000/01/rdf-schema#"
    g = ox.NamedNode(CASE + "x")
    store = in_memory([ox.Quad(ox.NamedNode(ex + "A"), ox.NamedNode(rdfs + "subClassOf"), ox.NamedNode(ex + "B"), g),
                       ox.Quad(ox.NamedNode(ex + "a"), ox.NamedNode(rdf + "type"), ox.NamedNode(ex + "A"), g)])
    r = Reasoner(store, [next(x for x in load_rules() if x.id == "cax-sco")])
    assert r.run().inferred == 1
    inferred = ox.NamedNode("https://w3id.org/rolegraph/graph/inferred")
    assert [str(q.object) for q in store.quads_for_pattern(None, None, None, inferred)] == [f"<{ex}B>"]
    assert r.concluded == list(store.quads_for_pattern(None, None, None, inferred))
    assert not [q for q in store.quads_for_pattern(None, None, None, None) if "generation" in str(q.graph_name)]


def test_derivations_with_statement_nodes_are_the_reified_form_of_those_with_triple_terms() -> None:
    """A reasoner for a store without RDF 1.2 (`triple_terms = False`) writes what an export of
    the triple-term derivations writes (kg.stores.layout.reified)."""
    from kg.stores.layout import reified

    ex, rdf, rdfs = "http://example.org/", "http://www.w3.org/1999/02/22-rdf-syntax-ns#", \
        "http://www.w3.org/2000/01/rdf-schema#"
    g = ox.NamedNode(CASE + "x")
    quads = [ox.Quad(ox.NamedNode(ex + "A"), ox.NamedNode(rdfs + "subClassOf"), ox.NamedNode(ex + "B"), g),
             ox.Quad(ox.NamedNode(ex + "a"), ox.NamedNode(rdf + "type"), ox.NamedNode(ex + "A"), g)]
    rule = next(x for x in load_rules() if x.id == "cax-sco")  # recorded: no `unrecorded` given
    explained: dict[bool, list[ox.Quad]] = {}
    for terms in (True, False):
        r = Reasoner(in_memory(quads), [rule], scratch=True)
        r.triple_terms = terms
        r.run(keep_explanations=True)
        explained[terms] = r.explanations
    assert any(isinstance(q.object, ox.Triple) for q in explained[True])
    assert not any(isinstance(q.object, ox.Triple) for q in explained[False])
    assert {str(q) for q in reified(iter(explained[True]))} == {str(q) for q in explained[False]}


def test_intersections_unrolled_conclude_what_the_general_form_does() -> None:
    """cls-int1 runs as its plain join for each intersection length the store has
    (`unroll: intersection`); the file's general form (double negation over the list)
    concludes the same, for lists of one, two and three members, a restriction among them,
    a member repeated, and types that arrive in later rounds (through cax-sco, cls-svf1)."""
    ex = "http://example.org/"
    ttl = f"""@prefix ex: <{ex}> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ex:One owl:intersectionOf (ex:A) .
    ex:Two owl:intersectionOf (ex:A ex:B) .
    ex:Three owl:intersectionOf (ex:A ex:B [ owl:onProperty ex:p ; owl:someValuesFrom ex:C ]) .
    ex:Same owl:intersectionOf (ex:B ex:B) .
    ex:Sub rdfs:subClassOf ex:A .
    ex:x a ex:Sub , ex:B ; ex:p ex:y . ex:y a ex:C .
    ex:z a ex:A . ex:w a ex:B ."""
    triples = list(ox.parse(ttl, format=ox.RdfFormat.TURTLE))
    rules = load_rules()
    general = [replace(r, unroll=None) if r.unroll == "intersection" else r for r in rules]
    assert any(r.unroll == "intersection" for r in rules)

    def types(store: object) -> set[str]:
        return {str(q) for q in closure_quads(store) if q.predicate.value.endswith("#type")}

    unrolled, plain = types(closure(triples, rules)), types(closure(triples, general))
    assert unrolled == plain
    x = f"<{ex}x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    assert {f"{x} <{ex}{c}>" for c in ("One", "Two", "Three", "Same")} <= unrolled
    assert not any(t.startswith(f"<{ex}z>") and t.endswith(f"<{ex}Two>") for t in unrolled)


def closure_quads(store: object) -> list[ox.Triple]:
    """The closure's triples, graphs aside (premises and conclusions alike)."""
    return [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None)  # type: ignore[attr-defined]
            if q.graph_name.value != "https://w3id.org/rolegraph/graph/explanation"]


def test_most_specific_classes_leave_the_superclasses_to_cax_sco(
        shipped: tuple[list[ox.Quad], list[ox.Quad]], monkeypatch: pytest.MonkeyPatch) -> None:
    """`most-specific: cax-sco` (prp-dom, prp-rng): in a settled batch the engine keeps only the
    most specific range (domain) classes; an untyped object of `rg:refusedBy`, whose range
    rg:Actor has superclasses (foaf:Agent, prov:Agent, DUL's Agent) that are ranges too by the
    ontology's closure, still gets every one of them, as with the restriction off."""
    onto, _ = shipped
    rg, ex = "https://w3id.org/rolegraph/ontology#", "http://example.org/"
    g = ox.NamedNode(CASE + "untyped")
    case = [ox.Quad(ox.NamedNode(ex + "claim"), ox.NamedNode(rg + "refusedBy"), ox.NamedNode(ex + "someone"), g),
            ox.Quad(ox.NamedNode(ex + "claim"), ox.NamedNode(rg + "transferredRole"), ox.NamedNode(ex + "r"), g)]
    rules = load_rules()
    restricted: list[tuple[str, str]] = []
    specific = Reasoner._specific

    def noting(self: Reasoner, rule: engine.Rule) -> str:
        text = specific(self, rule)
        restricted.append((rule.id, text))
        return text

    monkeypatch.setattr(Reasoner, "_specific", noting)
    cr = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
    cr.prepare(onto)
    got = {str(q) for q in cr.reason_batch(case)}
    rng = next(text for rule_id, text in restricted if rule_id == "prp-rng" and text)
    assert f"<{ex}someone>" not in rng and f"(<{rg}refusedBy> <{rg}Actor>)" in rng
    assert f"(<{rg}refusedBy> <http://xmlns.com/foaf/0.1/Agent>)" not in rng  # a superclass of rg:Actor
    typ, inf = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<https://w3id.org/rolegraph/graph/inferred>"
    for cls in (f"{rg}Actor", "http://xmlns.com/foaf/0.1/Agent", "http://www.w3.org/ns/prov#Agent",
                "http://www.ontologydesignpatterns.org/ont/dul/DUL.owl#Agent", f"{rg}Role", "http://www.w3.org/ns/org#Role"):
        assert f"<{ex}{'r' if cls.endswith('Role') else 'someone'}> {typ} <{cls}> {inf}" in got
    monkeypatch.setattr(Reasoner, "_specific", lambda self, rule: "")
    cr = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
    cr.prepare(onto)
    assert {str(q) for q in cr.reason_batch(case)} == got
