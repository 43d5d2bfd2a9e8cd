"""Explanations: every row of the flagship answer traces back to rules and source quotes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kg.explain import Explainer, render_json, render_text
from kg.query import bind_params, get_query, run_select
from kg.stores import open_store


def _rows(st):
    q = get_query("role-transfer")
    return run_select(st, q, bind_params(q, {})).rows


def test_every_role_transfer_row_explains_down_to_quotes_of_both_sides(reasoned_store: Path) -> None:
    with open_store(reasoned_store) as st:
        explainer = Explainer(st)
        rows = _rows(st)
        assert rows
        for row in rows:
            for finding in row["findings"].value.split():
                steps = explainer.explain_node(finding)
                assert steps and steps[0].rule and steps[0].rule["id"] == "role-not-transferred"
                quotes = [e for s in steps for e in s.quotes() if e.quote]
                assert quotes, f"no quote behind {finding}"
                assert all(e.source for e in quotes)
                outcomes = {p.object for s in steps for p in s.premises if p.predicate == "outcome"}
                assert outcomes == {"recognised", "refused"}, outcomes
                locations = [p.location for s in steps for p in s.premises if p.status == "case"]
                assert locations and all(loc and loc.startswith("cases/") for loc in locations)


def test_explanation_reaches_the_axiom_that_makes_reasoning_necessary(reasoned_store: Path) -> None:
    with open_store(reasoned_store) as st:
        explainer = Explainer(st)
        row = next(r for r in _rows(st) if r["role"].value.endswith("/ambassador")
                   and "adviser" in r["findings"].value + str([explainer.explain_node(f)[0].also
                                                                for f in r["findings"].value.split()]))
        steps = [s for f in row["findings"].value.split() for s in explainer.explain_node(f)]
    text, full = render_text(steps), render_text(steps, full=True)
    assert "rule prp-spo2" in text or "rule prp-spo1" in text
    assert "“" in text and "[M&S 2022 §" in text and "Müller, M. & Stougaard, M. S. (2022)" in text
    assert "“" in full and "Müller & Stougaard" in full  # the whole chain, each quote where it is used


def test_json_explanation_is_a_tree(reasoned_store: Path) -> None:
    with open_store(reasoned_store) as st:
        finding = _rows(st)[0]["findings"].value.split()[0]
        doc = json.loads(render_json(Explainer(st).explain_node(finding)))
    assert doc[0]["rule"]["id"] == "role-not-transferred"
    assert any(p["evidence"] for p in doc[0]["premises"])


def test_explain_an_asserted_claim_gives_its_evidence(reasoned_store: Path) -> None:
    with open_store(reasoned_store) as st:
        steps = Explainer(st).explain_node("https://w3id.org/rolegraph/case/future-workshop/mia-minute-taker")
    text = render_text(steps)
    assert "role conflict" in text and "du er ikke en af os" in text


def test_derivations_name_premises_by_triple_terms_and_exports_by_statements(reasoned_store: Path) -> None:
    """The store keeps each premise and conclusion as an RDF 1.2 triple term (one quad, where a
    reified statement took five); an export writes the RDF 1.1 form every reader takes."""
    import pyoxigraph as ox
    from rdflib import Dataset, URIRef
    from rdflib.namespace import RDF

    from kg.iris import EXPLANATION_GRAPH
    from kg.reasoning import statement_iri
    from kg.stores import export_store
    from kg.vocab import RG

    exp = ox.NamedNode(EXPLANATION_GRAPH)
    with open_store(reasoned_store) as st:
        premises = list(st.quads_for_pattern(None, ox.NamedNode(str(RG.premise)), None, exp))
        assert premises and all(isinstance(q.object, ox.Triple) for q in premises)
        assert not list(st.quads_for_pattern(None, ox.NamedNode(str(RDF.subject)), None, exp))
        some = premises[0]
        for fmt in ("rdfxml", "jsonld", "trig"):
            data = export_store(st, fmt, inferred=True)
            assert b"<<(" not in data
            ds = Dataset(default_union=True)
            ds.parse(data=data, format={"rdfxml": "xml", "jsonld": "json-ld", "trig": "trig"}[fmt])
            node = URIRef(statement_iri(some.object).value)
            assert (URIRef(some.subject.value), URIRef(str(RG.premise)), node) in ds
            assert (node, RDF.subject, URIRef(some.object.subject.value)) in ds
            assert (node, RDF.type, RDF.Statement) in ds


def test_a_store_with_reified_derivations_still_explains(reasoned_store: Path, tmp_path: Path) -> None:
    """A store built before derivations used triple terms (or copied from one that names them by
    rdf:Statement nodes) explains the same."""
    import pyoxigraph as ox

    from kg.stores.embedded import EmbeddedStore
    from kg.stores.layout import reified

    def tree(steps: list[Any]) -> list[Any]:  # what was derived how, and the quotes behind it
        return sorted((s.rule["id"] if s.rule else s.status, s.subject, s.predicate, s.object, tree(s.premises),
                       sorted(e.quote or "" for e in s.quotes())) for s in steps)

    with open_store(reasoned_store) as st:
        findings = [f for row in _rows(st) for f in row["findings"].value.split()]
        explainer = Explainer(st)
        before = [tree(explainer.explain_node(f)) for f in findings]
        old = EmbeddedStore(ox.Store(), None)
        old.bulk_extend(list(reified(iter(st.quads_for_pattern(None, None, None, None)))))
    assert not any(isinstance(q.object, ox.Triple) for q in old.quads_for_pattern(None, None, None, None))
    explainer = Explainer(old)
    assert [tree(explainer.explain_node(f)) for f in findings] == before


def test_a_triple_term_reads_as_a_statement_in_tables_and_csv() -> None:
    import pyoxigraph as ox

    from kg.cli.plain import cell
    from kg.query import Result, to_csv

    rg = "https://w3id.org/rolegraph/ontology#"
    t = ox.Triple(ox.NamedNode(rg + "a"), ox.NamedNode(rg + "memberOf"), ox.Literal("x"))
    assert cell(t) == "<<( rg:a rg:memberOf x )>>"
    assert to_csv(Result(["t"], [{"t": t}])).splitlines()[1] == f"{rg}a {rg}memberOf x"  # as Oxigraph's CSV
    from kg.server.formats import results_body

    assert results_body("csv", ["t"], [[t]]).decode().splitlines()[1] == f"{rg}a {rg}memberOf x"
    assert results_body("tsv", ["t"], [[t]]).decode().splitlines()[1] == f'<<( <{rg}a> <{rg}memberOf> "x" )>>'
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(rg + "d"), ox.NamedNode(rg + "premise"), t))
    for fmt in ("csv", "tsv"):
        theirs = store.query("SELECT ?t WHERE { ?d ?p ?t }").serialize(format=getattr(ox.QueryResultsFormat, fmt.upper()))
        assert results_body(fmt, ["t"], [[t]]).decode().splitlines()[1] == theirs.decode().splitlines()[1]
