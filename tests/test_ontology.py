"""The ontology: every term labelled in English and Danish with a definition,
the typed vocabulary in step with the files, and HermiT finds it consistent."""

from __future__ import annotations

import os
import tempfile

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.ontology import RG_NS, load_ontology
from kg.vocab import RG, ROLE

from .conftest import require_tool

DECLARED = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual, RG.Role)


def _own_terms(g: Graph) -> set[URIRef]:
    return {s for t in DECLARED for s in g.subjects(RDF.type, t)
            if isinstance(s, URIRef) and (str(s).startswith(RG_NS) or str(s).startswith(str(ROLE)))}


def test_every_term_has_english_and_danish_label_and_definition() -> None:
    g = load_ontology().graph
    missing = []
    for term in sorted(_own_terms(g)):
        labels = {lit.language for lit in g.objects(term, RDFS.label) if isinstance(lit, Literal)}
        defs = {lit.language for lit in g.objects(term, SKOS.definition) if isinstance(lit, Literal)}
        if not {"en", "da"} <= labels:
            missing.append(f"{term}: label languages {sorted(labels)}")
        if not {"en", "da"} <= defs:
            missing.append(f"{term}: definition languages {sorted(defs)}")
    assert not missing, "\n".join(missing)


def test_vocabulary_class_is_in_step_with_the_ontology() -> None:
    g = load_ontology().graph
    in_files = {str(s)[len(RG_NS):] for s in g.subjects() if str(s).startswith(RG_NS)}
    in_code = {name for name in RG.__annotations__}
    assert in_files == in_code


def test_misspelt_vocabulary_term_fails() -> None:
    with pytest.raises(AttributeError):
        RG.RoleClaimm  # noqa: B018


def test_roles_are_individuals_not_classes() -> None:
    g = load_ontology().graph
    roles = list(g.subjects(RDF.type, RG.Role))
    assert len(roles) >= 20
    for r in roles:
        assert (r, RDF.type, OWL.Class) not in g
        assert (r, RDF.type, OWL.NamedIndividual) in g


def test_alignment_module_imports_nothing() -> None:
    g = load_ontology().graph
    assert not list(g.triples((None, OWL.imports, None)))
    assert (RG.Role, RDFS.subClassOf, URIRef("http://www.ontologydesignpatterns.org/ont/dul/DUL.owl#Role")) in g
    assert (RG.Actor, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Agent")) in g
    assert (RG.Organisation, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Organization")) in g
    assert (RG.Team, RDFS.subClassOf, URIRef("http://xmlns.com/foaf/0.1/Group")) in g


@pytest.mark.slow
def test_hermit_finds_ontology_consistent_with_no_unsatisfiable_class() -> None:
    require_tool("java")
    import owlready2

    g = load_ontology().graph
    with tempfile.TemporaryDirectory() as tmp:
        nt = os.path.join(tmp, "ontology.nt")
        g.serialize(nt, format="nt", encoding="utf-8")  # owlready2 cannot parse Turtle
        world = owlready2.World()
        onto = world.get_ontology("file://" + nt).load()
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        unsatisfiable = list(world.inconsistent_classes())
    assert unsatisfiable == []
    assert len(list(onto.classes())) > 30
