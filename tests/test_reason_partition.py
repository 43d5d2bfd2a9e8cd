"""Reasoning case by case gives the closure of reasoning the whole store, and every
inferred triple stays explainable (recorded, or re-derived on demand)."""

from __future__ import annotations

import gc
import io
import random
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from kg.cases.packed import PackedTriples
from kg.cases.validate import load_cases
from kg.explain import Explainer
from kg.pipeline import build_store
from kg.reasoning import reason
from kg.reasoning.partition import SchemaStatement, group
from kg.stores import open_store
from kg.stores.layout import to_ox
from kg.vocab import EXPLANATION_GRAPH, INFERRED_GRAPH, RG

from .conftest import CASES, sample

INF = ox.NamedNode(str(INFERRED_GRAPH))
EXP = ox.NamedNode(str(EXPLANATION_GRAPH))
CASE = "https://w3id.org/rolegraph/case/"


def _inferred(path: Path) -> set[tuple[Any, ...]]:
    with open_store(path) as st:
        return {(q.subject, q.predicate, q.object) for q in st.quads_for_pattern(None, None, None, INF)}


def _copy_store(src: Path, dst: Path) -> None:
    """A consistent copy of the store at `src` (blank nodes keep their labels): a RocksDB
    checkpoint, not a file copy, which a compaction still running could leave without an .sst."""
    gc.collect()  # a handle no longer used, closed before the checkpoint
    source = ox.Store.read_only(str(src))
    source.backup(str(dst))
    del source
    gc.collect()


def _twins(tmp_path: Path, sources: list[Path], edit: Any = None) -> tuple[Path, Path]:
    """One build, copied: blank nodes of the ontology keep their labels in both."""
    a, b = tmp_path / "a", tmp_path / "b"
    build_store(load_cases(sources), a)
    if edit is not None:
        with open_store(a, write=True) as st:
            edit(st)
        del st  # the last reference: the store closes (its compactions end) before it is copied
    _copy_store(a, b)
    return a, b


def _reason_both(a: Path, b: Path, **kwargs: Any) -> tuple[Any, Any]:
    with open_store(a, write=True) as st:
        whole = reason(st, whole_store=True, **kwargs)
    with open_store(b, write=True) as st:
        by_case = reason(st, **kwargs)
    del st  # the writers close before the stores are read
    return whole, by_case


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kg.synthetic import generate

    out = tmp_path_factory.mktemp("corpus")
    generate(out, cases=12, seed=3)
    return out


@pytest.fixture(scope="module")
def corpus_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped and generated cases, built once; tests reason copies of it (blank nodes of
    the ontology keep their labels in every copy)."""
    path = tmp_path_factory.mktemp("corpus-build") / "store"
    build_store(load_cases([CASES, corpus]), path)
    return path


@pytest.fixture(scope="module")
def corpus_whole(corpus_build: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[set[Any], Any]:
    """The reference: the corpus reasoned with every rule over the whole store, once."""
    a = tmp_path_factory.mktemp("corpus-whole") / "store"
    _copy_store(corpus_build, a)
    with open_store(a, write=True) as st:
        report = reason(st, whole_store=True)
    del st  # the writer closes before the store is read
    return _inferred(a), report


def test_case_by_case_equals_the_whole_store_on_shipped_and_generated_cases(
        tmp_path: Path, corpus_build: Path, corpus_whole: tuple[set[Any], Any]) -> None:
    b = tmp_path / "b"
    _copy_store(corpus_build, b)
    with open_store(b, write=True) as st:
        by_case = reason(st)
    del st  # the writer closes before the store is read
    reference, whole = corpus_whole
    assert by_case.mode == "per case" and by_case.parts == 17 and whole.mode == "whole store"  # 5 shipped + 12
    assert reference == _inferred(b)
    assert whole.inferred == by_case.inferred > 0
    findings = {k: v for k, v in whole.fired.items() if not k.startswith(("cax", "scm", "prp", "cls"))}
    assert findings and all(by_case.fired.get(k) == v for k, v in findings.items())


def test_cases_that_share_a_node_are_reasoned_together(tmp_path: Path, corpus: Path) -> None:
    """A case stating that its actor is a member of another case's team: the team-crossing
    rule needs both cases in one part, or it would miss the crossing."""
    files = sorted(corpus.glob("*.yaml"))[:2]
    src = tmp_path / "src"
    src.mkdir()
    for f in files:
        shutil.copy(f, src / f.name)

    def link(st: ox.Store) -> None:
        graphs = sorted(g.value for g in st.named_graphs() if g.value.startswith(CASE.replace("/case/", "/graph/case/")))
        assert len(graphs) == 2
        first, second = (ox.NamedNode(g) for g in graphs)
        member = ox.NamedNode(str(RG.memberOf))
        bearer = next(q.subject for q in st.quads_for_pattern(None, member, None, first))
        team = next(q.object for q in st.quads_for_pattern(None, member, None, second))
        st.add(ox.Quad(bearer, member, team, second))

    a, b = _twins(tmp_path, [src], link)
    _whole, by_case = _reason_both(a, b)
    assert by_case.parts == 1
    assert _inferred(a) == _inferred(b)


def test_a_key_that_makes_nodes_of_two_cases_the_same_reasons_those_cases_together(
        tmp_path: Path, corpus: Path) -> None:
    """Two cases share no node, but a person of each has the same value of a key property:
    prp-key makes them the same, so the two cases must reason together (the literal value
    joins them), and the closure is the whole store's, with one representative."""
    files = sorted(corpus.glob("*.yaml"))[:2]
    src = tmp_path / "src"
    src.mkdir()
    for f in files:
        shutil.copy(f, src / f.name)
    onto = ox.NamedNode("https://w3id.org/rolegraph/graph/ontology")
    key = ox.NamedNode("https://w3id.org/rolegraph/ontology#testPersonalId")
    people: list[ox.NamedNode] = []

    def keyed(st: ox.Store) -> None:
        graphs = sorted(g.value for g in st.named_graphs() if g.value.startswith(CASE.replace("/case/", "/graph/case/")))
        member = ox.NamedNode(str(RG.memberOf))
        assert any(True for _ in st.quads_for_pattern(None, None, None, onto))
        owl, rdf = "http://www.w3.org/2002/07/owl#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        lst = ox.BlankNode()
        st.extend([ox.Quad(ox.NamedNode(str(RG.Actor)), ox.NamedNode(owl + "hasKey"), lst, onto),
                   ox.Quad(lst, ox.NamedNode(rdf + "first"), key, onto),
                   ox.Quad(lst, ox.NamedNode(rdf + "rest"), ox.NamedNode(rdf + "nil"), onto),
                   ox.Quad(key, ox.NamedNode(rdf + "type"), ox.NamedNode(owl + "DatatypeProperty"), onto)])
        for g in graphs:
            person = next(q.subject for q in st.quads_for_pattern(None, member, None, ox.NamedNode(g)))
            people.append(person)  # type: ignore[arg-type]
            st.add(ox.Quad(person, key, ox.Literal("4711"), ox.NamedNode(g)))

    a, b = _twins(tmp_path, [src], keyed)
    _, by_case = _reason_both(a, b)
    assert by_case.parts == 1 and by_case.mode == "per case"
    assert _inferred(a) == _inferred(b)
    same = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    rep, alias = sorted(people, key=lambda n: n.value)
    inferred = _inferred(b)
    assert (alias, same, rep) in inferred
    # The alias's memberships now hold of the representative; the alias keeps only its link.
    member = ox.NamedNode(str(RG.memberOf))
    assert sum(1 for s, p, o in inferred if s == rep and p == member) >= 1
    assert not any(s == alias and p != same for s, p, o in inferred)


def test_a_case_graph_about_an_ontology_term_makes_reasoning_whole_store(tmp_path: Path) -> None:
    def widen(st: ox.Store) -> None:
        g = next(g for g in st.named_graphs() if "/graph/case/" in g.value)
        st.add(ox.Quad(ox.NamedNode(str(RG.RoleClaim)), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                       ox.NamedNode(str(RG.Finding)), g))

    a, b = _twins(tmp_path, [CASES], widen)
    _whole, by_case = _reason_both(a, b)
    assert by_case.mode.startswith("whole store: a case graph states something about the ontology")
    assert _inferred(a) == _inferred(b)


def test_a_rule_with_scope_store_compares_across_cases(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "same-role-elsewhere.rq").write_text(
        "#+ title: a role recognised in two cases\n#+ kind: interaction-order\n#+ scope: store\n"
        "PREFIX rg: <https://w3id.org/rolegraph/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "CONSTRUCT { ?a rdfs:seeAlso ?b }\n"
        "WHERE { ?a a rg:RecognisedClaim ; rg:countsAs ?r . ?b a rg:RecognisedClaim ; rg:countsAs ?r .\n"
        "        FILTER(STRBEFORE(STRAFTER(STR(?a), 'case/'), '/') != STRBEFORE(STRAFTER(STR(?b), 'case/'), '/')) }\n",
        encoding="utf-8")
    a, b = _twins(tmp_path, [CASES])
    _whole, by_case = _reason_both(a, b, extra_rules=[rules])
    assert by_case.mode.startswith("per case, then the whole store")
    assert by_case.fired.get("same-role-elsewhere", 0) > 0
    assert _inferred(a) == _inferred(b)


def test_every_inferred_triple_of_the_shipped_cases_is_explained(reasoned_store: Path) -> None:
    with open_store(reasoned_store) as st:
        explainer = Explainer(st)
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in st.quads_for_pattern(None, None, None, INF)]
        recorded = re_derived = 0
        for t in sample(sorted(triples, key=str), 80):  # every one in the full run
            deriv = explainer.derivation_of(t)
            if deriv is None:
                found = explainer.rederive(t, set())
                assert found is not None, t
                rule, premises = found
                assert rule.kind == "axiom", rule.id
                re_derived += 1
                if not rule.premises:  # an axiomatic triple of the tables (cls-thing, dt-type1, prp-ap)
                    continue
            else:
                premises = explainer.premises_of(deriv)
                recorded += 1
            assert premises and t not in premises
            for p in premises:
                assert any(True for _ in st.quads_for_pattern(p.subject, p.predicate, p.object, None)), p
        for t in triples[:: max(1, len(triples) // 40)]:  # whole trees for a sample
            assert explainer.explain_triple(t).rule is not None
    assert recorded > 0 and re_derived > recorded


def test_re_derived_explanations_match_recorded_ones(tmp_path: Path) -> None:
    """With `record_all`, the reasoner records every derivation; the explainer's re-derivation of
    an axiom conclusion names a rule that concludes it from premises that hold."""
    a, _ = _twins(tmp_path, [CASES])
    with open_store(a, write=True) as st:
        reason(st, record_all=True)
        ex = Explainer(st)
        checked = 0
        first = list(st.quads_for_pattern(None, None, None, INF))[:300]
        assert len(first) == 300
        some = sample(first, 60)  # all 300 in the full run
        for q in some:
            t = ox.Triple(q.subject, q.predicate, q.object)
            deriv = ex.derivation_of(t)
            assert deriv is not None
            found = ex.rederive(t, set())
            assert found is not None
            _rule, premises = found
            assert t not in premises
            for p in premises:
                assert any(True for _ in st.quads_for_pattern(p.subject, p.predicate, p.object, None))
            checked += 1
    assert checked == len(some)


def test_progress_shows_a_bar_on_a_terminal_and_nothing_elsewhere(tmp_path: Path) -> None:
    from kg.progress import Bar, terminal_bar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert terminal_bar(io.StringIO()) is None
    out = Tty()
    bar = terminal_bar(out)
    assert isinstance(bar, Bar)
    bar("reason", 0, 4)
    bar("reason", 4, 4)
    bar.close()
    text = out.getvalue()
    assert "\r" in text and "4/4" in text and "#" * Bar.WIDTH in text and text.endswith("\n")


def test_reason_on_the_command_line_is_quiet_when_not_on_a_terminal(cli: Any) -> None:
    assert cli("build", str(CASES)).exit_code == 0
    result = cli("reason")
    assert result.exit_code == 0
    assert "\r" not in result.output and "[#" not in result.output
    assert "independent part(s)" in result.output


def test_build_with_reason_gives_the_store_of_build_then_reason(cli: Any, store: Path, tmp_path: Path) -> None:
    from kg.reasoning import is_reasoned

    result = cli("build", "--reason", str(CASES))
    assert result.exit_code == 0, result.output
    assert "reasoned: " in result.output and "\r" not in result.output and "[#" not in result.output
    with open_store(store) as st:
        assert is_reasoned(st)
        inline = {(str(q.subject), q.predicate.value, str(q.object)) for q in st.quads_for_pattern(None, None, None, INF)
                  if not isinstance(q.object, ox.BlankNode) and not isinstance(q.subject, ox.BlankNode)}
        findings = {str(q.subject) for q in st.quads_for_pattern(None, None, None, EXP)
                    if q.predicate.value == str(RG.usedRule)}
    assert cli("build", str(CASES)).exit_code == 0
    assert cli("reason").exit_code == 0
    with open_store(store) as st:
        separate = {(str(q.subject), q.predicate.value, str(q.object)) for q in st.quads_for_pattern(None, None, None, INF)
                    if not isinstance(q.object, ox.BlankNode) and not isinstance(q.subject, ox.BlankNode)}
    assert inline == separate and findings
    rows = cli("query", "role-transfer", "--format", "csv").output.strip().splitlines()
    assert len(rows) == 7  # the header and the six rows of the shipped cases


@pytest.mark.parametrize("workers", [pytest.param("1", marks=pytest.mark.slow), "2"])  # the fast loop: 2 processes
def test_many_batches_in_worker_processes_give_the_same_closure(
        tmp_path: Path, corpus_build: Path, corpus_whole: tuple[set[Any], Any], workers: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.reasoning import CaseReasoner, mark_reasoned, store_rules, unrecorded_rules

    monkeypatch.setenv("ROLEGRAPH_WORKERS", workers)
    b = tmp_path / "b"
    _copy_store(corpus_build, b)
    with open_store(b, write=True) as st:
        rules = store_rules(st)
        report = CaseReasoner(rules, batch_triples=1500, unrecorded=unrecorded_rules(rules)).run(st)
        mark_reasoned(st, rules)
    del st  # the last reference: the writer closes (its compactions end) before the store is read
    gc.collect()
    assert report.batches >= 5
    assert corpus_whole[0] == _inferred(b)
    with open_store(b) as st:  # the derivations came back from the workers whole
        explainer = Explainer(st)
        finding = next(q.subject for q in st.quads_for_pattern(None, None, ox.NamedNode(str(RG.NonTransferredRole)), INF))
        assert isinstance(finding, ox.NamedNode)
        steps = explainer.explain_node(finding.value)
        assert steps and steps[0].rule and steps[0].rule["id"] == "role-not-transferred"
        assert any(e.quote for s in steps for e in s.quotes())


def test_grouping_packed_cases_by_what_they_mention_equals_grouping_their_triples() -> None:
    """A case compiled in a worker comes packed with the nodes it mentions; grouping by those
    gives the parts that reading every triple gives: shared nodes, literals and ontology
    nodes as objects of a joining property, blank nodes, and a case about an ontology node."""
    onto = [URIRef(f"https://example.org/onto#C{i}") for i in range(4)]
    same, knows = URIRef("http://www.w3.org/2002/07/owl#sameAs"), URIRef("https://example.org/knows")
    shared = {ox.NamedNode(str(c)) for c in onto} | {ox.NamedNode(str(knows))}
    joining = {ox.NamedNode(str(same))}
    merged = 0
    for seed in range(30):
        rnd = random.Random(seed)
        pool: list[Any] = [URIRef(f"https://example.org/n{i}") for i in range(12)] + [BNode(f"b{i}") for i in range(3)]
        cases: dict[str, list[Any]] = {}
        for c in range(8):
            own = [URIRef(f"https://example.org/case{c}/x{i}") for i in range(4)]
            triples = set()
            for _ in range(rnd.randint(1, 6)):
                s = rnd.choice(own + pool[:2] if rnd.random() < 0.3 else own)
                p, o = rnd.choice([(knows, rnd.choice(own + pool + onto)), (same, rnd.choice(onto + [Literal("k")])),
                                   (knows, Literal(f"v{rnd.randint(0, 3)}"))])
                triples.add((s, p, o))
            if seed % 10 == 9 and c == 3:
                triples.add((onto[0], knows, own[0]))  # a case stating something about the ontology
            cases[f"g{c}"] = sorted(triples)
        def by_triples(cases: dict[str, list[Any]] = cases) -> Any:
            return group(list(cases), ((k, [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in ts])
                                       for k, ts in cases.items()), shared, joining)

        def by_mentions(cases: dict[str, list[Any]] = cases) -> Any:
            return group(list(cases), ((k, PackedTriples.pack(ts)) for k, ts in cases.items()), shared, joining)

        if seed % 10 == 9:
            with pytest.raises(SchemaStatement):
                by_triples()
            with pytest.raises(SchemaStatement):
                by_mentions()
        else:
            parts, sizes = by_mentions()
            assert (parts, sizes) == by_triples(), seed
            merged += len(parts) < len(cases)
    assert merged > 10  # cases did share nodes and literals: the parts were not all single cases


def test_split_blank_sorts_each_line_by_whether_it_names_a_blank_node() -> None:
    """What a worker hands back: the lines a bulk load may take, and those that name a
    blank node (or hold `_:` in a text: parsed apart too, which keeps them right)."""
    from kg.reasoning.engine import split_blank

    lines = [b'<a> <p> <b> <g> .\n', b'_:x <p> <b> <g> .\n', b'<a> <p> "t_:t" <g> .\n', b'<a> <p> _:y <g> .\n',
             b'<a> <p> "one\\n_:two" <g> .\n', b'_:a <p> _:c <g> .\n', b'<c> <p> "plain" <g> .\n']
    rng = random.Random(3)
    for _ in range(2000):
        picked = [rng.choice(lines) for _ in range(rng.randint(0, 9))]
        plain, named = split_blank(b"".join(picked))
        assert plain == b"".join(x for x in picked if b"_:" not in x)
        assert named == b"".join(x for x in picked if b"_:" in x)
    assert split_blank(b'<a> <p> _:b <g> .') == (b"", b'<a> <p> _:b <g> .')  # a last line without its newline


def test_the_ontology_reasoned_ahead_is_the_one_a_build_reasons(tmp_path: Path) -> None:
    """`prepare_ahead` (what `rolegraph build` runs while its workers read) reasons the ontology
    into the process's cache under the key a build's `prepare` looks up: the build finds it
    there, and its store is the same as without it."""
    from kg.reasoning import per_case

    per_case._SCHEMA.clear()
    build_store(load_cases([CASES]), tmp_path / "cold", reason=True)
    assert len(per_case._SCHEMA) == 1
    per_case._SCHEMA.clear()
    per_case.prepare_ahead(None)
    ahead = dict(per_case._SCHEMA)
    assert len(ahead) == 1
    build_store(load_cases([CASES]), tmp_path / "warm", reason=True)
    assert per_case._SCHEMA == ahead  # found, not reasoned again under another key
    assert _inferred(tmp_path / "warm") == _inferred(tmp_path / "cold")


def test_the_workers_setup_made_ahead_is_the_one_a_build_hands_out(tmp_path: Path) -> None:
    """`prepare_ahead` returns the setup of the reasoning workers; a build's `CaseReasoner`,
    prepared on the ontology read back from its new store, makes the same one (the same key),
    so workers warmed with it (`Workers.warm`) do not build it again."""
    import pyoxigraph as ox

    from kg.reasoning import engine, per_case
    from kg.reasoning.rules import load_rules
    from kg.stores.embedded import load_ontology_into
    from kg.vocab import ONTOLOGY_GRAPH

    per_case._SCHEMA.clear()
    ahead = per_case.prepare_ahead(None)
    store = ox.Store(str(tmp_path / "store"))
    load_ontology_into(store)
    rules = load_rules()
    cr = per_case.CaseReasoner(rules, unrecorded=engine.unrecorded_rules(rules))
    cr.prepare(list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(ONTOLOGY_GRAPH)))))
    assert cr.worker_setup().key == ahead.key
