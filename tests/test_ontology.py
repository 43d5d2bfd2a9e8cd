"""The ontology: every term labelled in English and Danish with a definition,
the typed vocabulary in step with the files, and HermiT finds it consistent."""

from __future__ import annotations

import os
import tempfile

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.ontology import RG_NS, load_ontology
from kg.resources import data_dir
from kg.stores import export_ontology
from kg.vocab import RG, ROLE

from .conftest import require_tool

ONTOLOGY_IRI = "https://w3id.org/rolegraph/ontology"
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


def test_alignment_module_imports_no_external_ontology() -> None:
    g = load_ontology().graph
    imported = {str(o) for o in g.objects(None, OWL.imports)}
    assert imported and all(i.startswith(ONTOLOGY_IRI + "/") for i in imported), imported
    assert (RG.Role, RDFS.subClassOf, URIRef("http://www.ontologydesignpatterns.org/ont/dul/DUL.owl#Role")) in g
    assert (RG.Actor, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Agent")) in g
    assert (RG.Organisation, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Organization")) in g
    assert (RG.Team, RDFS.subClassOf, URIRef("http://xmlns.com/foaf/0.1/Group")) in g


@pytest.mark.slow
def test_hermit_finds_ontology_consistent_with_no_unsatisfiable_class() -> None:
    require_tool("java")
    import owlready2

    with tempfile.TemporaryDirectory() as tmp:
        nt = os.path.join(tmp, "ontology.nt")
        with open(nt, "wb") as fh:  # owlready2 cannot parse Turtle
            fh.write(export_ontology("nt"))
        world = owlready2.World()
        onto = world.get_ontology("file://" + nt).load()
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        unsatisfiable = list(world.inconsistent_classes())
    assert unsatisfiable == []
    assert len(list(onto.classes())) > 30


def _modules() -> dict[str, tuple[str, Graph]]:
    """Each ontology file by its ontology IRI."""
    out: dict[str, tuple[str, Graph]] = {}
    for path in sorted(data_dir("ontology").glob("*.ttl")):
        if path.name == "shapes.ttl":
            continue
        g = Graph().parse(path, format="turtle")
        heads = list(g.subjects(RDF.type, OWL.Ontology))
        assert len(heads) == 1, f"{path.name}: {len(heads)} ontology headers"
        out[str(heads[0])] = (path.name, g)
    return out


def test_top_level_ontology_imports_every_module_and_carries_its_metadata() -> None:
    from rdflib.namespace import DCTERMS

    modules = _modules()
    name, top = modules[ONTOLOGY_IRI]
    assert name == "rolegraph.ttl"
    head = URIRef(ONTOLOGY_IRI)
    assert {str(o) for o in top.objects(head, OWL.imports)} == set(modules) - {ONTOLOGY_IRI}
    for prop in (OWL.versionIRI, DCTERMS.license, DCTERMS.creator):
        assert top.value(head, prop) is not None, prop
    assert {lit.language for lit in top.objects(head, DCTERMS.description)} == {"en", "da"}
    for iri, (_, g) in modules.items():  # every module has a version IRI of its own
        assert str(g.value(URIRef(iri), OWL.versionIRI)).startswith(iri + "/"), iri


def test_every_module_declares_what_it_uses_or_imports_what_declares_it() -> None:
    modules = _modules()
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual}

    def declared(g: Graph) -> set[URIRef]:
        return {s for s, _, o in g.triples((None, RDF.type, None))
                if isinstance(s, URIRef) and (o in kinds or str(o).startswith(RG_NS))}

    def imports(iri: str, seen: set[str]) -> set[str]:
        if iri not in seen:
            seen.add(iri)
            for o in modules[iri][1].objects(URIRef(iri), OWL.imports):
                imports(str(o), seen)
        return seen

    problems = []
    for iri, (name, g) in modules.items():
        known = set().union(*(declared(modules[m][1]) for m in imports(iri, set())))
        used = {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(RG_NS)}
        problems += [f"{name}: uses {u} but neither declares nor imports it" for u in sorted(used - known)]
    assert not problems, "\n".join(problems)


def test_catalog_resolves_every_module_iri_to_its_file() -> None:
    import xml.etree.ElementTree as ET  # our own file, not untrusted input

    folder = data_dir("ontology")
    ns = {"c": "urn:oasis:names:tc:entity:xmlns:xml:catalog"}
    entries = {u.get("name"): u.get("uri") for u in ET.parse(folder / "catalog-v001.xml").iterfind(".//c:uri", ns)}
    for iri, (name, g) in _modules().items():
        assert entries.get(iri) == name, iri
        assert entries.get(str(g.value(URIRef(iri), OWL.versionIRI))) == name, iri
    assert all((folder / f).exists() for f in entries.values())


@pytest.mark.parametrize("fmt", ["rdfxml", "ttl", "jsonld", "nt"])
def test_exported_ontology_is_one_ontology_with_one_header(fmt: str) -> None:
    from rdflib import Dataset

    ds = Dataset().parse(data=export_ontology(fmt), format={"rdfxml": "xml", "ttl": "turtle", "jsonld": "json-ld",
                                                             "nt": "nt"}[fmt])
    g = Graph()
    for part in ds.graphs():
        g += part
    assert list(g.subjects(RDF.type, OWL.Ontology)) == [URIRef(ONTOLOGY_IRI)]
    assert not list(g.objects(None, OWL.imports))  # merged: nothing left to import
    from rdflib.namespace import DCTERMS

    assert len(list(g.objects(URIRef(ONTOLOGY_IRI), DCTERMS.hasPart))) == len(_modules()) - 1
    assert len(g) == len(Graph().parse(data=export_ontology("nt"), format="nt"))


def test_jsonld_export_carries_an_inline_context() -> None:
    import json

    doc = json.loads(export_ontology("jsonld"))
    assert doc["@context"]["rg"] == RG_NS
    assert "rdfs:label" in export_ontology("jsonld").decode()


@pytest.mark.slow
def test_owlready2_loads_the_rdfxml_export_as_one_ontology_and_hermit_reasons_it(tmp_path) -> None:
    require_tool("java")
    import owlready2

    path = tmp_path / "rolegraph.owl"
    path.write_bytes(export_ontology("rdfxml"))
    world = owlready2.World()
    onto = world.get_ontology("file://" + str(path)).load()  # follows no import: there is none
    # one ontology (owlready2 also keys it by its file name, and keeps its own anonymous one)
    assert {id(o) for key, o in world.ontologies.items() if key != "http://anonymous/"} == {id(onto)}
    assert onto.base_iri == ONTOLOGY_IRI + "#" and onto.imported_ontologies == []
    assert world[str(RG.RoleClaim)] is not None
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
