"""Explanations: every row of the flagship answer traces back to rules and source quotes."""

from __future__ import annotations

import json
from pathlib import Path

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
