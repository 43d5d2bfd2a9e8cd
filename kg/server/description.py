"""The SPARQL 1.1 Service Description of the endpoint (GET /sparql without a query)."""

from __future__ import annotations

import pyoxigraph as ox

from .formats import GRAPH_FORMATS, RESULT_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# media types the description itself is offered in
DESCRIPTION_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/rdf+xml": "rdfxml",
                     "application/xml": "rdfxml", "text/xml": "rdfxml", "application/ld+json": "jsonld",
                     "application/json": "jsonld", "application/n-triples": "ntriples"}
PREFIXES = {"sd": SD, "format": FORMATS}
_RESULT_IRIS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
                "tsv": "SPARQL_Results_TSV"}
_GRAPH_IRIS = {"turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF_XML"}


def describe(endpoint: str, updates: bool) -> list[ox.Triple]:
    """The description of the service at `endpoint`: languages, formats, features, default dataset."""
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    out = [ox.Triple(service, RDF_TYPE, sd("Service")),
           ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
           ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
           ox.Triple(service, sd("feature"), sd("UnionDefaultGraph"))]
    if updates:
        out.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    for name in RESULT_FORMATS:
        out.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + _RESULT_IRIS[name])))
    for name in GRAPH_FORMATS:
        out.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + _GRAPH_IRIS[name])))
    out += [ox.Triple(service, sd("defaultDataset"), dataset),
            ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
            ox.Triple(dataset, sd("defaultGraph"), default_graph),
            ox.Triple(default_graph, RDF_TYPE, sd("Graph"))]
    return out
