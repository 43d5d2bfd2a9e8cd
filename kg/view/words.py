"""The words of the page in English and Danish: each key's English here, marked for the
message catalogue (kg.i18n, locale/), whose Danish the page gets."""

from __future__ import annotations

from ..errors import UsageError
from ..i18n import N_, words
from .defaults import LANGS

__all__ = ["LANGS", "WORDS", "all_words", "check_lang", "ui_words"]

WORDS: dict[str, str] = {
    "title": N_("rolegraph: roles in context"),
    "legend": N_("Legend"),
    "nodes": N_("Nodes"),
    "edges": N_("Edges"),
    "person": N_("person"),
    "organisation": N_("organisation"),
    "group": N_("group"),
    "team": N_("team"),
    "actor": N_("actor (another kind)"),
    "role": N_("role"),
    "context": N_("context (social situation)"),
    "case": N_("case"),
    "claim": N_("role claim (per context and outcome)"),
    "mclaim": N_("team membership claim"),
    "recognised": N_("recognised"),
    "refused": N_("refused"),
    "contested": N_("contested"),
    "none": N_("no audience response"),
    "distanced": N_("bearer keeps distance from the role"),
    "edge_claim": N_("role claim: bearer → claim → role"),
    "edge_mclaim": N_("team membership claim"),
    "edge_audience": N_("audience response"),
    "edge_where": N_("where (claim → context)"),
    "edge_member": N_("member of"),
    "edge_specialises": N_("specialises"),
    "edge_partof": N_("part of (situation)"),
    "edge_incase": N_("context in case"),
    "dashed_note": N_("Colour: the audience's outcome. Dashed: the bearer keeps distance from the role."),
    "details": N_("Details"),
    "hint": N_("Click a node or an edge to see its evidence."),
    "evidence": N_("Evidence"),
    "claim_evidence": N_("Evidence for the claim"),
    "response_evidence": N_("Evidence for the response"),
    "no_evidence": N_("No evidence recorded."),
    "paraphrase": N_("paraphrase"),
    "speaker": N_("speaker"),
    "source": N_("source"),
    "locator": N_("at"),
    "bearer": N_("bearer"),
    "in": N_("in"),
    "by": N_("by"),
    "mode": N_("mode"),
    "stance": N_("stance"),
    "given_by": N_("given by"),
    "note": N_("note"),
    "responses": N_("Audience responses"),
    "other_responses": N_("Responses elsewhere"),
    "claims": N_("Claims"),
    "id": N_("id"),
    "kind": N_("kind"),
    "definition": N_("definition"),
    "description": N_("description"),
    "more": N_("more not listed"),
    "search": N_("Find a node…"),
    "fit": N_("Fit"),
    "relayout": N_("Re-layout"),
    "dim": N_("Dim the rest"),
    "query": N_("Query"),
    "rows": N_("rows"),
    "row_hint": N_("Click a row to select its nodes and edges."),
    "overview": N_("Overview of a large graph: one node per {unit}. Click a node to open its neighbourhood."),
    "unit_case": N_("case"),
    "unit_context": N_("context"),
    "empty": N_("No claims or nodes match the filters."),
    "filters": N_("Filters"),
    "stabilising": N_("Laying out…"),
    "counts": N_("{nodes} nodes, {edges} edges"),
    "shown": N_("{nodes} of {total} nodes shown"),
    "expanded": N_("added {n} nodes"),
    "capped": N_("showing {shown} of {total} claims"),
    "taken": N_("taken"),
    "given": N_("given"),
    "embraces": N_("embraces"),
    "accepts": N_("accepts"),
    "distances": N_("distances"),
    "contexts": N_("contexts"),
    "actors": N_("actors"),
    "claims_n": N_("claims"),
    "claimed_in": N_("claim made in"),
    "ov_context": N_("context (size: claims; colour: recognised → refused)"),
    "cluster": N_("{n} cases: {first} … {last}"),
    "cases_n": N_("cases"),
    "ov_cluster": N_("cluster of cases (click to open)"),
    "answers": N_("The answers of '{query}' and their neighbourhood. Click a node to open its neighbourhood."),
    "show_all": N_("Show all"),
    "legend_hint": N_("shapes and colours"),
    "row_both": N_("Both sides of the row"),
    "row_recognised": N_("Recognised"),
    "row_refused": N_("Refused"),
    "row_other": N_("Other claims in the row"),
    "audience": N_("audience"),
    "unit_cluster": N_("cluster of cases"),
}


def all_words() -> dict[str, dict[str, str]]:
    """Every language's words."""
    return {lang: words(WORDS, lang) for lang in LANGS}


def check_lang(lang: str) -> None:
    """Refuse a language the page has no words for."""
    if lang not in LANGS:
        raise UsageError(N_("language must be one of {join}, not '{lang}'"), params={"join": ', '.join(LANGS), "lang": lang})


def ui_words(lang: str) -> dict[str, str]:
    """The page's words in `lang`."""
    check_lang(lang)
    return words(WORDS, lang)
