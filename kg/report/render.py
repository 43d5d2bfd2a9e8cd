"""Render a report as self-contained HTML or as Markdown (with SVG figures beside it).

Templates are files under kg/report/templates. HTML is rendered with autoescaping on; the
role networks are inlined as SVG drawn by `dot`, which escapes the labels it is given.
Markdown escapes every value by default (the environment's `finalize`), so case text never
turns into markup on a forge; only the template's own words are markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..stores.base import GraphStore
from .data import CaseView, ReportReader, RoleRow, cross_case
from .network import role_network_svg
from .words import kind_word, words_in

TEMPLATES = Path(__file__).with_name("templates")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!{}])")


class _Raw(str):
    """Markdown the template means as markup (not escaped by finalize)."""


def md_escape(value: Any) -> str:
    """Text made literal for Markdown: specials backslashed, line breaks folded."""
    if value is None:
        return ""
    if isinstance(value, _Raw):
        return str(value)
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text).replace("&", "&amp;")


def _env(fmt: str) -> jinja2.Environment:
    if fmt == "html":
        return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False, finalize=md_escape,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["raw"] = _Raw  # the output of the template's own macros is markup already
    return env


@dataclass
class Report:
    """A rendered report: its main text and any figures to write beside it."""

    text: str
    figures: dict[str, str] = field(default_factory=dict)


def build_report(store: GraphStore, *, cases: list[str] | None = None, fmt: str = "html", lang: str = "en",
                 store_name: str = "", pseudonymised: bool = False, figures_dir: str = "figures") -> Report:
    """Read the cases from a store and render the report."""
    reader = ReportReader(store, lang)
    views: list[CaseView] = [reader.case(iri) for iri in reader.case_iris(cases)]
    for v in views:
        v.svg = role_network_svg(v, lang)
    rows: list[RoleRow] = cross_case(views)
    w = words_in(lang)
    context = {"w": w, "lang": lang, "cases": views, "rows": rows, "pseudonymised": pseudonymised,
               "generated": w["generated"].format(store=store_name or "-", date=date.today().isoformat()),
               "kind_word": lambda local: kind_word(lang, local)}
    env = _env(fmt)
    if fmt == "html":
        for v in views:
            v.svg = Markup(v.svg)  # drawn by dot from escaped labels
        return Report(env.get_template("report.html.j2").render(**context))
    figures = {f"{figures_dir}/{v.id}.svg": v.svg for v in views if v.svg}
    context["raw"] = _Raw
    context["figures_dir"] = figures_dir
    return Report(env.get_template("report.md.j2").render(**context), figures)


def write_report(report: Report, out: Path) -> list[Path]:
    """Write the report and its figures (paths of figures are relative to the report)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.text, encoding="utf-8")
    written = [out]
    for rel, svg in report.figures.items():
        p = out.parent / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + svg, encoding="utf-8")
        written.append(p)
    return written
