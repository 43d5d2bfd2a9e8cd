"""Result formats: content negotiation and the serialisers for SELECT, ASK, CONSTRUCT and DESCRIBE."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from ..errors import Msg
from ..i18n import N_
from ..iris import PREFIXES
from ..query import term_json, term_text
from .errors import HttpError

# format name -> media type
RESULT_FORMATS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_FORMATS = {"turtle": "text/turtle", "jsonld": "application/ld+json", "ntriples": "application/n-triples",
                 "rdfxml": "application/rdf+xml"}
RESULT_TYPES = {"application/sparql-results+json": "json", "application/json": "json",
                "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
                "text/csv": "csv", "text/tab-separated-values": "tsv"}
GRAPH_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/turtle": "turtle",
               "text/n3": "turtle", "application/n3": "turtle",
               "application/ld+json": "jsonld", "application/json": "jsonld",
               "application/n-triples": "ntriples", "text/plain": "ntriples",
               "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml"}
# the `format` parameter (also what SPARQLWrapper sends as format/output/results)
FORMAT_ALIASES: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"), "xml": ("xml", "rdfxml"), "csv": ("csv", None),
    "tsv": ("tsv", None), "turtle": (None, "turtle"), "ttl": (None, "turtle"),
    "n3": (None, "turtle"), "json-ld": (None, "jsonld"), "jsonld": (None, "jsonld"),
    "nt": (None, "ntriples"), "ntriples": (None, "ntriples"), "n-triples": (None, "ntriples"),
    "rdf": (None, "rdfxml"), "rdfxml": (None, "rdfxml"), "rdf+xml": (None, "rdfxml")}
_RDF = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
        "ntriples": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML}
_XSD_STRING = PREFIXES["xsd"] + "string"


def media_ranges(accept: str | None) -> list[tuple[str, float, int]]:
    """(media type, q, position) from an Accept header, best first."""
    out = []
    for i, part in enumerate((accept or "*/*").split(",")):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        out.append((media, q, i))
    return sorted(out, key=lambda x: (-x[1], x[2]))


def negotiate(accept: str | None, table: dict[str, str], default: str) -> str | None:
    """The format name for an Accept header, from `table` (media type -> name); None if
    nothing acceptable is on offer."""
    preferred = [m for m, name in table.items() if name == default]
    for media, q, _ in media_ranges(accept):
        if q <= 0:
            continue
        if media in table:
            return table[media]
        if media == "*/*":
            return default
        if media.endswith("/*"):
            for m in [*preferred, *table]:
                if m.startswith(media[:-1]):
                    return table[m]
    return None


def formats(params: dict[str, list[str]], accept: str | None) -> tuple[str | None, str | None]:
    """(results format, graph format) from the `format`/`output`/`results` parameters or Accept."""
    for key in ("format", "output", "results"):
        for value in params.get(key, []):
            v = value.strip().lower()
            if v in FORMAT_ALIASES:
                return FORMAT_ALIASES[v]
            if v in RESULT_TYPES or v in GRAPH_TYPES:
                return RESULT_TYPES.get(v), GRAPH_TYPES.get(v)
            if key == "format":
                raise HttpError(400, N_("unknown format '{value}'"),
                                N_("use json, xml, csv or tsv for SELECT and ASK; turtle, jsonld, ntriples or "
                                   "rdfxml for CONSTRUCT and DESCRIBE"), params={"value": value})
    return negotiate(accept, RESULT_TYPES, "json"), negotiate(accept, GRAPH_TYPES, "turtle")


def too_many(max_rows: int, what: str) -> HttpError:
    """The answer to a result above --max-rows."""
    return HttpError(422, N_("the result has more than {max_rows} {what} (the server's --max-rows)"),
                     N_("add a LIMIT, narrow the query, or restart the server with a larger --max-rows"),
                     params={"max_rows": max_rows, "what": Msg(what)})


def serialize(answer: Any, results_format: str | None, graph_format: str | None,
              max_rows: int) -> tuple[str, bytes]:
    """(content type, body) of a query answer in the negotiated format, refused above max_rows."""
    if isinstance(answer, ox.QueryBoolean):
        if results_format == "json":
            body = json.dumps({"head": {}, "boolean": bool(answer)}).encode()
        elif results_format == "xml":
            body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                    f"<head/><boolean>{'true' if answer else 'false'}</boolean></sparql>\n").encode()
        else:
            raise HttpError(406, N_("an ASK answer has no CSV or TSV form"),
                            N_("ask for application/sparql-results+json or +xml"))
        return RESULT_FORMATS[results_format], body
    if isinstance(answer, ox.QuerySolutions):
        if results_format is None:
            raise HttpError(406, N_("none of the formats in the Accept header fits a SELECT result"),
                            N_("accept one of {formats}"), params={"formats": ", ".join(RESULT_FORMATS.values())})
        names = [v.value for v in answer.variables]
        rows: list[list[Any]] = []
        for solution in answer:
            if len(rows) >= max_rows:
                raise too_many(max_rows, N_("rows"))
            rows.append([solution[n] for n in names])
        return RESULT_FORMATS[results_format], results_body(results_format, names, rows)
    if graph_format is None:
        raise HttpError(406, N_("none of the formats in the Accept header fits a CONSTRUCT or DESCRIBE result"),
                        N_("accept one of {formats}"), params={"formats": ", ".join(GRAPH_FORMATS.values())})
    triples: list[Any] = []
    for t in answer:
        if len(triples) >= max_rows:
            raise too_many(max_rows, N_("triples"))
        triples.append(t)
    prefixes = PREFIXES if graph_format in ("turtle", "rdfxml") else None
    return GRAPH_FORMATS[graph_format], ox.serialize(triples, format=_RDF[graph_format], prefixes=prefixes) or b""


def graph_body(triples: list[ox.Triple], graph_format: str, prefixes: dict[str, str]) -> bytes:
    """Triples serialised as `graph_format` (turtle, jsonld, ntriples, rdfxml)."""
    return ox.serialize(triples, format=_RDF[graph_format], prefixes=prefixes) or b""


def _cell_xml(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_cell_xml(term.subject)}</subject><predicate>{_cell_xml(term.predicate)}"
                f"</predicate><object>{_cell_xml(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
    if term.datatype is not None and term.datatype.value != _XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"
    return f"<literal>{xml_escape(term.value)}</literal>"


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return term_text(term)
    return str(term.value)


def results_body(fmt: str, names: list[str], rows: list[list[Any]]) -> bytes:
    """SELECT rows in the W3C JSON, XML, CSV or TSV results format."""
    if fmt == "json":
        bindings = [{n: term_json(t) for n, t in zip(names, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out += [f"<variable name={quoteattr(n)}/>" for n in names]
        out.append("</head>\n<results>")
        for row in rows:
            cells = "".join(f"<binding name={quoteattr(n)}>{_cell_xml(t)}</binding>"
                            for n, t in zip(names, row, strict=True) if t is not None)
            out.append(f"<result>{cells}</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        for row in rows:
            w.writerow([_csv_value(t) for t in row])
        return buf.getvalue().encode("utf-8")
    lines = ["\t".join("?" + n for n in names)]
    lines += ["\t".join("" if t is None else f"<<( {t} )>>" if isinstance(t, ox.Triple) else str(t) for t in row)
              for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")
