"""Every IRI rolegraph mints or names, as plain strings, and the one way to print an IRI short.

The namespaces of the ontology, the named graphs a store holds, the prefixes of
queries and exports, and the languages of labels all live here; other modules
import them (pySHACL keeps its constants in one module the same way). It imports
nothing, so every layer may use it.
"""

from __future__ import annotations

BASE = "https://w3id.org/rolegraph/"

# The ontology (ontology/rolegraph.ttl, which imports every module) and its namespaces
ONTOLOGY = BASE + "ontology"
RG = BASE + "ontology#"
ROLE = BASE + "role/"
CASE = BASE + "case/"
EXT = BASE + "ext/"
RULE = BASE + "rule/"
STATEMENT = BASE + "statement/"
DERIVATION = BASE + "derivation/"
META = BASE + "meta#"

# Named graphs: rolegraph writes only to graphs under GRAPH_PREFIX
GRAPH_PREFIX = BASE + "graph/"
ONTOLOGY_GRAPH = GRAPH_PREFIX + "ontology"
INFERRED_GRAPH = GRAPH_PREFIX + "inferred"
EXPLANATION_GRAPH = GRAPH_PREFIX + "explanations"
META_GRAPH = GRAPH_PREFIX + "meta"
CASE_GRAPH_PREFIX = GRAPH_PREFIX + "case/"
STAGING_PREFIX = BASE + "staging/"  # where a remote build loads before it swaps
# Blank nodes are skolemised on a remote store (RDF 1.1 Concepts, section 3.5), so that
# every statement can be addressed again in a later request and explained.
GENID = BASE + ".well-known/genid/"

# Standard vocabularies
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
OWL_ONTOLOGY = OWL + "Ontology"
OWL_IMPORTS = OWL + "imports"
SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"

# The prefixes every query may use without declaring them, and exports write: the
# ontology's own and those of the vocabularies it aligns to.
PREFIXES: dict[str, str] = {
    "rg": RG,
    "role": ROLE,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "xsd": XSD,
    "dul": "http://www.ontologydesignpatterns.org/ont/dul/DUL.owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "oa": "http://www.w3.org/ns/oa#",
    "vann": "http://purl.org/vocab/vann/",
    "sh": SH,
    "rgsh": BASE + "shapes#",
}

LANGS = ("en", "da")  # every label and user-facing word exists in these languages


def _table() -> list[tuple[str, str]]:
    # Case IRIs print as their case-relative id (womens-association/ambassador), which
    # `rolegraph explain` and --param accept back; other rolegraph IRIs without their base.
    pairs = [(ns, f"{p}:") for p, ns in PREFIXES.items()]
    pairs += [(CASE, ""), (BASE, "")]
    return sorted(pairs, key=lambda pair: -len(pair[0]))  # the longest namespace wins


_SHORT = _table()


def shorten(iri: str) -> str:
    """The IRI as people read it: `rg:Role`, `role:ambassador`, `case-id/local`, else unchanged."""
    if iri.startswith(EXT) and "#" in iri:
        # each extension declares `ext:` for its own namespace (`rolegraph new-extension`)
        return "ext:" + iri.split("#", 1)[1]
    for ns, short in _SHORT:
        if iri.startswith(ns) and len(iri) > len(ns):
            return short + iri[len(ns):]
    return iri


def case_graph(case_id: str) -> str:
    """The named graph that holds one case's asserted statements."""
    return CASE_GRAPH_PREFIX + case_id


def case_iri(case_id: str, local: str | None = None) -> str:
    """The IRI of a case, or of a record `local` within it."""
    return CASE + case_id if local is None else f"{CASE}{case_id}/{local}"
