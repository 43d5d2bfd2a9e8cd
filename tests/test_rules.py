"""Each interaction-order rule fires on a small case, and removing one premise removes its conclusion.
Rules are data: a user's rule directory is applied without code changes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cases.validate import load_cases
from kg.errors import ReasoningError
from kg.pipeline import build_store
from kg.reasoning import reason
from kg.reasoning.rules import load_rules, parse_rule
from kg.stores import open_store

C = "https://w3id.org/rolegraph/case/mini/"
RG = "https://w3id.org/rolegraph/ontology#"

BASE = """case: mini
title: A minimal case
sources:
  - id: src
    title: A source
actors:
  - id: ann
    label: Ann
    side: citizen
  - id: bo
    label: Bo
    side: public
  - id: cy
    label: Cy
    side: citizen
teams:
  - id: users
    label: users
    members: [ann, cy]
  - id: staff
    label: staff
    members: [bo]
orders:
  - id: order
    label: the order
    rules:
      - reserve: minute-taker
        for: staff
      - incompatible: [client, adviser]
        held_by: [bo]
      - requires: badge
        role: adviser
standings:
  - id: badge
    label: the badge
    holders: [bo]
contexts:
  - id: here
    label: here
    order: order
  - id: there
    label: there
"""

CLAIMS = {
    "minutes": """  - id: minutes
    bearer: ann
    role: minute-taker
    context: here
    responses:
      - by: bo
        outcome: recognised
      - by: cy
        outcome: refused
""",
    "client": """  - id: known-as-client
    bearer: ann
    role: client
    context: there
    by: bo
""",
    "adviser": """  - id: advises
    bearer: ann
    role: adviser
    context: there
""",
    "ambassador-here": """  - id: ambassador-here
    bearer: ann
    role: ambassador
    context: here
    responses:
      - by: bo
        outcome: recognised
""",
    "adviser-here": """  - id: adviser-here
    bearer: ann
    role: adviser
    context: here
""",
    # a top-level section after the claims: it must come last
    "definitions": """definitions:
  - by: ann
    context: here
    occasion: a party
  - by: bo
    context: here
    occasion: a meeting
""",
    "adviser-refused-there": """  - id: adviser-there
    bearer: ann
    role: adviser
    context: there
    responses:
      - by: bo
        outcome: refused
""",
}


def _reasoned(tmp_path: Path, text: str) -> set[tuple[str, str, str]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    f = tmp_path / "mini.yaml"
    f.write_text(text, encoding="utf-8")
    store = tmp_path / "store"
    build_store(load_cases([f]), store)
    with open_store(store, write=True) as st:
        reason(st)
        triples = {(q.subject.value, q.predicate.value,
                    str(q.object) if isinstance(q.object, ox.Triple) else q.object.value)  # a premise
                   for q in st.quads_for_pattern(None, None, None, None)}
    return triples


def case(*claims: str, drop: str = "") -> str:
    text = BASE + "claims:\n" + "".join(CLAIMS[c] for c in claims)
    for line in filter(None, drop.split("|")):
        assert line in text, line
        text = text.replace(line, "")
    return text


T = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# rule id, claims, expected conclusion, a premise to remove (text removed from the case)
CASES = [
    ("reserved-role-outsider", ("minutes",), (C + "minutes", T, RG + "PredictedConflict"),
     "      - reserve: minute-taker\n        for: staff\n"),
    ("team-crossing-by-role", ("minutes",), (C + "minutes", RG + "crossesTo", C + "staff"),
     "    members: [ann, cy]\n"),
    ("observed-role-conflict", ("minutes",), (C + "minutes", T, RG + "RoleConflict"),
     "      - by: cy\n        outcome: refused\n"),
    ("incompatible-roles-refusal", ("client", "adviser"), (C + "advises", RG + "predictedRefusalBy", C + "bo"),
     "    by: bo\n"),
    ("role-not-transferred", ("ambassador-here", "adviser-refused-there"), None,
     "    responses:\n      - by: bo\n        outcome: refused\n"),
    ("role-requirement-unmet", ("adviser-here",), (C + "adviser-here", RG + "breaksRule", C + "order-rule-3"),
     "      - requires: badge\n        role: adviser\n"),
    ("divergent-definitions", ("minutes", "definitions"), None, "    occasion: a meeting\n"),
]


@pytest.mark.parametrize("rule,claims,conclusion,premise", CASES, ids=[c[0] for c in CASES])
def test_rule_fires_and_removing_a_premise_removes_its_conclusion(
        tmp_path: Path, rule: str, claims: tuple[str, ...], conclusion, premise: str) -> None:
    with_premise = _reasoned(tmp_path / "with", case(*claims))
    without = _reasoned(tmp_path / "without", case(*claims, drop=premise))
    if conclusion is None:  # the finding node's IRI is minted by the rule
        finding = RG + ("DivergentDefinitions" if rule == "divergent-definitions" else "NonTransferredRole")
        conclusion_of = lambda ts: {s for s, p, o in ts if p == T and o == finding}
        assert conclusion_of(with_premise)
        assert not conclusion_of(without)
    else:
        assert conclusion in with_premise
        assert conclusion not in without


def test_every_interaction_order_rule_is_exercised_by_a_test() -> None:
    tested = {c[0] for c in CASES} | {"team-crossing-by-membership"}
    order_rules = {r.id for r in load_rules() if r.kind == "interaction-order"}
    assert order_rules <= tested


def test_team_crossing_by_membership(tmp_path: Path) -> None:
    text = case("minutes") + """memberships:
  - member: ann
    team: staff
    context: here
"""
    triples = _reasoned(tmp_path, text)
    crossing = [s for s, p, o in triples if p == T and o == RG + "TeamCrossing"]
    assert any("membership-ann-staff-here" in s for s in crossing)
    without = _reasoned(tmp_path / "b", case("minutes"))
    assert not any("membership" in s for s, p, o in without if p == T and o == RG + "TeamCrossing")


def test_a_users_rule_directory_is_applied_without_code(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "distanced-given-role.rq").write_text("""#+ title: a role given by someone and distanced from is imposed
#+ kind: interaction-order
PREFIX rg: <https://w3id.org/rolegraph/ontology#>
PREFIX ex: <https://example.org/my-study#>
CONSTRUCT { ?claim a ex:ImposedRole }
WHERE { ?claim a rg:RoleClaim ; rg:stance rg:Distances ; rg:assignedBy ?someone . }
""", encoding="utf-8")
    f = tmp_path / "c.yaml"
    f.write_text(case("client").replace("    by: bo\n", "    by: bo\n    stance: distances\n"), encoding="utf-8")
    store = tmp_path / "store"
    build_store(load_cases([f]), store)
    with open_store(store, write=True) as st:
        report = reason(st, extra_rules=[rules])
        found = list(st.quads_for_pattern(None, None, None, None))
    assert report.fired.get("distanced-given-role") == 1
    assert any(q.object.value == "https://example.org/my-study#ImposedRole" for q in found)


@pytest.mark.parametrize("text,message", [
    ("CONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }", "must open with a '#+ ' header"),
    ("#+ title: t\n#+ kin: axiom\nCONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }", "unknown header field 'kin'"),
    ("#+ title: t\nSELECT * WHERE { ?a ?b ?c }", "must be a CONSTRUCT query"),
    ("#+ title: t\nCONSTRUCT { ?a ?b ?c } WHERE { ?a ?b }", "does not parse"),
])
def test_bad_rule_files_get_a_precise_error(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.rq"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ReasoningError) as info:
        parse_rule(f)
    assert message in str(info.value) and "bad.rq" in str(info.value)
