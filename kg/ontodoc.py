"""Ontology documentation as one offline HTML page: classes, properties, roles, typologies,
extensions, in English and Danish, with a diagram of the core model drawn from the
ontology's own domain and range axioms. No script and nothing loaded from outside.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from .i18n import N_, translator
from .iris import shorten
from .ontology import Ontology
from .vocab import RG, ROLE

# The core model's classes and where they stand in the diagram (x, y of the box centre).
CORE = {
    "SourceDocument": (110, 60), "Actor": (450, 60), "Team": (760, 60),
    "Evidence": (110, 210), "Claim": (450, 210), "Role": (790, 300),
    "MembershipClaim": (280, 320), "RoleClaim": (600, 320),
    "Response": (110, 430), "SocialSituation": (450, 470), "InteractionOrder": (760, 470),
    "Phase": (110, 610), "CoProductionProcess": (450, 610), "OrderRule": (760, 610),
}
_BOX_W, _BOX_H = 150, 34

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#222;line-height:1.45}
header{background:#23395d;color:#fff;padding:1rem 2rem}
main{padding:1rem 2rem;max-width:70rem}
nav a{margin-right:1rem}
h2{border-bottom:2px solid #23395d;padding-bottom:.2rem;margin-top:2rem}
.term{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
.term h3{margin:.1rem 0;font-size:1.05rem}
.iri{font-family:monospace;font-size:.85rem;color:#555}
.da{color:#6a4c93}
dl{display:grid;grid-template-columns:10rem 1fr;gap:.2rem .8rem;margin:.4rem 0}
dt{font-weight:600;color:#444}
ul.tree{list-style:none;padding-left:1.2rem;margin:.2rem 0}
svg text{font-size:12px}
"""


def _both(word: str) -> str:
    """A word of the page (marked with N_) in English and Danish, as the page shows both."""
    return f"{word} / {translator('da')(word)}"


def _labels(g: Graph, term: URIRef, prop: URIRef = RDFS.label) -> dict[str, str]:
    out: dict[str, str] = {}
    for lit in g.objects(term, prop):
        if isinstance(lit, Literal):
            out.setdefault(lit.language or "", str(lit))
    return out


def _short(term: object) -> str:
    return shorten(str(term))


def _anchor(term: object) -> str:
    return "t-" + "".join(c if c.isalnum() else "-" for c in _short(term))


def _link(g: Graph, term: object, own: set[URIRef]) -> str:
    text = html.escape(_short(term))
    return f'<a href="#{_anchor(term)}">{text}</a>' if term in own else f"<code>{text}</code>"


def _term_block(g: Graph, term: URIRef, own: set[URIRef], facts: list[tuple[str, list[object]]]) -> str:
    labels = _labels(g, term)
    defs = _labels(g, term, SKOS.definition)
    parts = [(f'<div class="term" id="{_anchor(term)}"><h3>{html.escape(labels.get("en", _short(term)))}'
             f' <span class="da">/ {html.escape(labels.get("da", ""))}</span></h3>'),
             f'<div class="iri">{html.escape(str(term))}</div>']
    if defs.get("en"):
        parts.append(f"<p>{html.escape(defs['en'])}</p>")
    if defs.get("da"):
        parts.append(f'<p class="da" lang="da">{html.escape(defs["da"])}</p>')
    rows = [(k, v) for k, v in facts if v]
    if rows:
        parts.append("<dl>" + "".join(
            f"<dt>{html.escape(_both(k))}</dt><dd>{', '.join(_link(g, x, own) for x in v)}</dd>" for k, v in rows) + "</dl>")
    parts.append("</div>")
    return "".join(parts)


def _clip(x1: float, y1: float, x2: float, y2: float) -> tuple[float, float]:
    """The point where the segment from (x1, y1) enters the box centred at (x2, y2)."""
    dx, dy = x2 - x1, y2 - y1
    thresholds = [1 - (_BOX_W / 2 + 2) / abs(dx) if dx else float("-inf"),
                  1 - (_BOX_H / 2 + 2) / abs(dy) if dy else float("-inf")]
    t = min(max(max(thresholds), 0.0), 1.0)
    return x1 + dx * t, y1 + dy * t


def diagram(g: Graph) -> str:
    """An SVG of the core classes and the object properties between them (domain -> range)."""
    pos = {RG[c]: xy for c, xy in CORE.items()}
    labels: dict[tuple[URIRef, URIRef], list[str]] = {}
    for p in sorted(set(g.subjects(RDF.type, OWL.ObjectProperty)), key=str):
        d, rng = g.value(p, RDFS.domain), g.value(p, RDFS.range)
        if not (isinstance(p, URIRef) and isinstance(d, URIRef) and isinstance(rng, URIRef)):
            continue
        if d in pos and rng in pos and d != rng and (rng, d) not in labels:
            labels.setdefault((d, rng), []).append(_labels(g, p).get("en", _short(p)))
    for sub in pos:
        for sup in g.objects(sub, RDFS.subClassOf):
            if isinstance(sup, URIRef) and sup in pos and sub != sup:
                labels.setdefault((sub, sup), []).append(_both(N_("is a")))
    w, h = 900, 660
    aria = html.escape(_both(N_("core model of the rolegraph ontology")))
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" '
           f'aria-label="{aria}">'),
           ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>')]
    for (a, b), names in labels.items():
        (x1, y1), (x2, y2) = pos[a], pos[b]
        ex, ey = _clip(x1, y1, x2, y2)
        sx, sy = _clip(x2, y2, x1, y1)
        dash = ' stroke-dasharray="5 4"' if names == [_both(N_("is a"))] else ""
        out.append(f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{ex:.0f}" y2="{ey:.0f}" stroke="#888"{dash} '
                   f'marker-end="url(#arrow)"/>')
        mx, my = (sx + ex) / 2, (sy + ey) / 2
        text = html.escape(", ".join(names))
        out.append(f'<text x="{mx:.0f}" y="{my - 4:.0f}" fill="#444" text-anchor="middle" '
                   f'paint-order="stroke" stroke="#fff" stroke-width="3">{text}</text>')
    for n, (x, y) in pos.items():
        label = _labels(g, n).get("en", _short(n))
        out.append(f'<g><rect x="{x - _BOX_W / 2:.0f}" y="{y - _BOX_H / 2:.0f}" width="{_BOX_W}" height="{_BOX_H}" '
                   f'rx="6" fill="#eef2f8" stroke="#23395d"/><text x="{x:.0f}" y="{y + 4:.0f}" text-anchor="middle">'
                   f'<a href="#{_anchor(n)}">{html.escape(label)}</a></text></g>')
    out.append("</svg>")
    return "".join(out)


def render(ontology: Ontology) -> str:
    """The documentation page for an ontology and its extensions."""
    g = ontology.graph
    own: set[URIRef] = {s for s in g.subjects() if isinstance(s, URIRef) and (
        str(s).startswith(str(RG)) or str(s).startswith(str(ROLE)) or "/rolegraph/ext/" in str(s))}

    def owned(nodes: Iterable[Node]) -> list[URIRef]:
        return sorted((n for n in nodes if isinstance(n, URIRef) and n in own), key=_short)

    classes = owned(g.subjects(RDF.type, OWL.Class))
    props = owned(p for t in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in g.subjects(RDF.type, t))
    roles = owned(g.subjects(RDF.type, RG.Role))
    other = [i for i in owned(g.subjects(RDF.type, OWL.NamedIndividual)) if i not in roles]

    def class_facts(c: URIRef) -> list[tuple[str, list[object]]]:
        return [(N_("subclass of"), sorted(g.objects(c, RDFS.subClassOf), key=str)),
                (N_("subclasses"), sorted((s for s in g.subjects(RDFS.subClassOf, c) if isinstance(s, URIRef)),
                                          key=str)),
                (N_("disjoint with"), sorted(g.objects(c, OWL.disjointWith), key=str))]

    def prop_facts(p: URIRef) -> list[tuple[str, list[object]]]:
        chars: list[object] = [t for t in g.objects(p, RDF.type) if t not in (OWL.ObjectProperty, OWL.DatatypeProperty)]
        return [(N_("domain"), list(g.objects(p, RDFS.domain))), (N_("range"), list(g.objects(p, RDFS.range))),
                (N_("subproperty of"), list(g.objects(p, RDFS.subPropertyOf))),
                (N_("inverse of"), list(g.objects(p, OWL.inverseOf))), (N_("characteristics"), chars)]

    def role_tree(parent: URIRef | None, depth: int = 0) -> str:
        kids = [r for r in roles if (parent is None and not any(
            p in roles for p in g.objects(r, RG.specialises) if not _indirect(g, r, p, roles)))
            or (parent is not None and parent in g.objects(r, RG.specialises) and not _indirect(g, r, parent, roles))]
        if not kids or depth > 12:
            return ""
        items = "".join(f'<li><a href="#{_anchor(k)}">{html.escape(_labels(g, k).get("en", _short(k)))}</a> '
                        f'<span class="da">/ {html.escape(_labels(g, k).get("da", ""))}</span>{role_tree(k, depth + 1)}</li>'
                        for k in sorted(kids, key=_short))
        return f'<ul class="tree">{items}</ul>'

    intro = N_("Roles in co-production after Goffman. Modules: {modules}; extensions: {extensions}.")
    da = translator("da")
    modules = ", ".join(f.name for f in ontology.files)
    extensions = ", ".join(e.name for e in ontology.extensions)
    extensions_da = extensions or da(N_("none"))
    nav = (("model", N_("core model")), ("classes", N_("classes")), ("properties", N_("properties")),
           ("roles", N_("roles")), ("individuals", N_("other individuals")))
    ordered = N_("Roles are individuals ordered by {property}:")
    body = [
        '<header><h1>rolegraph ontology / ontologi</h1>',
        f"<p>{html.escape(intro.format(modules=modules, extensions=extensions or 'none'))}</p>",
        f'<p class="da" lang="da">{html.escape(da(intro).format(modules=modules, extensions=extensions_da))}</p>',
        "</header><main>",
        "<nav>" + "".join(f'<a href="#{a}">{html.escape(_both(w))}</a>' for a, w in nav) + "</nav>",
        f'<h2 id="model">Core model / kernemodel</h2>{diagram(g)}',
        '<h2 id="classes">Classes / klasser</h2>',
        *[_term_block(g, c, own, class_facts(c)) for c in classes],
        '<h2 id="properties">Properties / egenskaber</h2>',
        *[_term_block(g, p, own, prop_facts(p)) for p in props],
        (f'<h2 id="roles">Roles / roller</h2><p>{ordered.format(property="<code>rg:specialises</code>")}</p>'
         f'<p class="da" lang="da">{da(ordered).format(property="<code>rg:specialises</code>")}</p>{role_tree(None)}'),
        *[_term_block(g, r, own, [(N_("specialises"), list(g.objects(r, RG.specialises)))]) for r in roles],
        '<h2 id="individuals">Other individuals / øvrige individer</h2>',
        *[_term_block(g, i, own, [(N_("type"), [t for t in g.objects(i, RDF.type) if t != OWL.NamedIndividual])])
          for i in other],
        "</main>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>rolegraph ontology</title><meta name=\"viewport\" content=\"width=device-width\">"
            f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>\n")


def _indirect(g: Graph, child: URIRef, parent: Node, roles: list[URIRef]) -> bool:
    """Whether `child` specialises `parent` only through another listed parent (skip in the tree)."""
    return any(other != parent and parent in g.transitive_objects(other, RG.specialises)
               for other in g.objects(child, RG.specialises) if other in roles)


def write_docs(ontology: Ontology, out: Path) -> Path:
    """Write the documentation page; return its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(ontology), encoding="utf-8")
    return out
