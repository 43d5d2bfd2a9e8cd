"""Issue 16: definitions of the situation, outcomes beyond refused, presence, order-rule kinds
from extensions, roles compared across settings and cases; and the earlier answers unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kg.cases.extensions import find_extensions
from kg.cases.scaffold import new_extension
from kg.cases.validate import load_cases
from kg.errors import CaseDataError
from kg.ontology import load_ontology
from kg.pipeline import build_store
from kg.query import bind_params, get_query, run_select, to_table
from kg.reasoning import reason
from kg.stores import open_store

from .conftest import ROOT

C = "https://w3id.org/rolegraph/case/"
RG = "https://w3id.org/rolegraph/ontology#"

# A study written the way the guide teaches, from the docs alone: two areas, two groups of
# volunteers in the same role, two teams that define the round table differently.
STUDY = """\
case: partners
title: {en: Cross-sector partners (test study), da: Tværsektorielle partnere (teststudie)}
sources:
  - id: notes
    title: Field notes written for this test
actors:
  - id: volunteers-north
    kind: group
    side: citizen
    label: {en: the volunteers, da: de frivillige}
  - id: volunteers-south
    kind: group
    side: citizen
    label: {en: the volunteers, da: de frivillige}
  - id: municipality
    kind: organisation
    side: public
    label: {en: the municipality, da: kommunen}
  - id: residents
    kind: group
    side: citizen
    label: {en: the residents, da: beboerne}
  - id: association
    kind: organisation
    side: citizen
    label: {en: the association, da: foreningen}
teams:
  - id: municipal-team
    label: {en: the municipal team, da: det kommunale hold}
    members: [municipality]
  - id: civic-team
    label: {en: the civic team, da: civilsamfundsholdet}
    members: [association, volunteers-north, volunteers-south]
roles:
  - id: bridge-builder
    label: {en: bridge-builder, da: brobygger}
    specialises: co-creator
contexts:
  - id: area-north
    kind: partnership
    label: {en: the northern area, da: det nordlige område}
  - id: north-meeting
    kind: meeting
    part_of: area-north
    label: {en: the residents' meeting in the north, da: beboermødet i nord}
  - id: area-south
    kind: partnership
    label: {en: the southern area, da: det sydlige område}
  - id: south-encounter
    kind: encounter
    part_of: area-south
    label: {en: the encounter in the south, da: mødet i syd}
  - id: round-table
    kind: meeting
    label: {en: the round table, da: det runde bord}
    participants: [municipality, association]
definitions:
  - by: municipal-team
    context: round-table
    occasion: {en: equal partners at a round table, da: ligeværdige partnere ved et rundt bord}
    evidence:
      quote: "We meet as equal partners at a round table."
      source: notes
      locator: "note 1"
  - by: civic-team
    context: round-table
    occasion: {en: a forum for access to resources, da: et forum for adgang til ressourcer}
    at_stake: {en: funding, da: midler}
    evidence:
      quote: "For us it is where we get access to resources."
      source: notes
      locator: "note 2"
claims:
  - id: north-bridge
    bearer: volunteers-north
    role: bridge-builder
    context: north-meeting
    evidence: {quote: "They build bridges to the residents.", source: notes, locator: "note 3"}
    responses:
      - by: municipality
        outcome: recognised
        evidence: {quote: "The volunteers are our bridge to the residents.", source: notes, locator: "note 4"}
  - id: south-bridge
    bearer: volunteers-south
    role: bridge-builder
    context: south-encounter
    evidence: {quote: "We offered to be the link.", source: notes, locator: "note 5"}
    responses:
      - by: residents
        outcome: refused
        evidence: {quote: "We do not need a go-between.", source: notes, locator: "note 6"}
  - id: association-partner
    bearer: association
    role: partner
    context: round-table
    evidence: {quote: "We came as partners.", source: notes, locator: "note 7"}
    responses:
      - by: municipality
        outcome: contested
        evidence: {quote: "Partners, yes, but we set the frame.", source: notes, locator: "note 8"}
"""

# A second study with the same shared role, and an actor labelled like one of the first.
OTHER = """\
case: partners-two
title: {en: A second study (test), da: Et andet studie (test)}
sources:
  - id: notes
    title: Field notes written for this test
actors:
  - id: volunteers
    kind: group
    label: {en: the volunteers, da: de frivillige}
  - id: staff
    kind: group
    label: {en: the staff, da: personalet}
contexts:
  - id: workshop
    kind: workshop
    label: {en: the workshop, da: workshoppen}
  - id: ward
    kind: everyday-practice
    label: {en: the ward, da: afdelingen}
claims:
  - id: volunteers-cocreate
    bearer: volunteers
    role: co-creator
    context: workshop
    responses:
      - by: staff
        outcome: recognised
  - id: volunteers-fail
    bearer: volunteers
    role: co-creator
    context: ward
    responses:
      - by: staff
        outcome: failed
"""


def _store(tmp_path: Path, texts: dict[str, str], extensions: list[Any] | None = None) -> Path:
    cases = tmp_path / "cases"
    cases.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (cases / name).write_text(text, encoding="utf-8")
    store = tmp_path / "store"
    onto = load_ontology(extensions) if extensions else None
    build_store(load_cases([cases], ontology=onto), store, extensions=extensions)
    with open_store(store, write=True) as st:
        reason(st)
    return store


def _ask(store: Path, name: str, lang: str = "en", extra: list[Path] | None = None,
         **params: str) -> list[dict[str, str]]:
    q = get_query(name, extra)
    with open_store(store) as st:
        rows = run_select(st, q, bind_params(q, params, lang=lang)).rows
    return [{k: (v.value if v is not None else "") for k, v in r.items()} for r in rows]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _store(tmp_path_factory.mktemp("study"), {"partners.yaml": STUDY, "partners-two.yaml": OTHER})


def test_role_across_settings_regardless_of_bearer(study: Path) -> None:
    assert not [r for r in _ask(study, "role-transfer") if "partners/" in r["bearer"]], \
        "the flagship needs the same bearer"
    rows = [r for r in _ask(study, "role-across-settings") if r["role"] == C + "partners/bridge-builder"]
    assert len(rows) == 1, rows
    r = rows[0]
    assert r["recognisedSetting"] == C + "partners/area-north" and r["refusedSetting"] == C + "partners/area-south"
    assert (r["recognisedCount"], r["refusedCount"]) == ("1", "1")
    # two groups labelled alike: each named with its case and id
    assert r["recognisedBearers"] == "the volunteers [partners/volunteers-north]"
    assert r["refusedBearers"] == "the volunteers [partners/volunteers-south]"
    assert r["outcomes"] == "refused" and r["group"] == "setting"
    kinds = [r for r in _ask(study, "role-across-settings", group="kind") if r["role"].endswith("/bridge-builder")]
    assert [(k["recognisedSettingLabel"], k["refusedSettingLabel"]) for k in kinds] == \
        [("meeting", "encounter with a public service")]
    da = _ask(study, "role-across-settings", lang="da", role="partners/bridge-builder")
    assert [r["roleLabel"] for r in da] == ["brobygger"] and da[0]["refusedSettingLabel"] == "det sydlige område"


def test_divergent_definitions_relate_the_claims_contested_there(study: Path) -> None:
    rows = _ask(study, "divergent-definitions")
    assert len(rows) == 1, rows
    r = rows[0]
    assert r["situation"] == C + "partners/round-table"
    assert {r["occasionA"], r["occasionB"]} == {"equal partners at a round table", "a forum for access to resources"}
    assert r["claimsNotRecognised"] == "1" and "the association as collaboration partner (contested)" in r["notRecognised"]


def test_explain_reaches_the_quotes_of_the_new_findings(study: Path) -> None:
    from kg.explain import Explainer, render_text

    with open_store(study) as st:
        q = get_query("divergent-definitions")
        row = run_select(st, q, bind_params(q, {})).rows[0]
        text = render_text(Explainer(st).explain_node(row["finding"].value))
    assert "rule divergent-definitions" in text
    assert "We meet as equal partners at a round table." in text and "Partners, yes, but we set the frame." in text


def test_outcomes_beyond_refused_count_only_when_asked(study: Path) -> None:
    def mine(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [r for r in rows if r["bearer"] == C + "partners-two/volunteers"]

    assert mine(_ask(study, "role-transfer")) == []
    failed = mine(_ask(study, "role-transfer", outcome="failed"))
    assert len(failed) == 1 and failed[0]["outcomes"] == "failed"
    assert failed[0]["recognisedInLabel"] == "the workshop" and failed[0]["refusedInLabel"] == "the ward"
    assert mine(_ask(study, "role-transfer", outcome="any")) == failed
    assert mine(_ask(study, "role-transfer", outcome="refused, not-taken-up")) == []


def test_compare_cases_puts_one_role_of_two_cases_side_by_side(study: Path) -> None:
    rows = _ask(study, "compare-cases", caseA="partners", caseB="partners-two")
    got = {(r["case"].rsplit("/", 1)[-1], r["situationLabel"], r["outcomeLabel"]) for r in rows
           if r["role"].endswith("/role/co-creator")}
    assert ("partners-two", "the ward", "failed") in got and ("partners-two", "the workshop", "recognised") in got
    assert ("partners", "the residents' meeting in the north", "recognised") in got


def test_compare_cases_with_one_case_compares_it_with_every_other(study: Path) -> None:
    """One case given: its rows and its partners', whichever id sorts first (`partners`
    sorts before `partners-two`), the same as the case given as caseB."""
    def key(rows: list[dict[str, str]]) -> set[tuple[str, ...]]:
        return {(r["role"], r["case"], r["situationLabel"], r["outcomeLabel"], r["claimCount"]) for r in rows}

    as_a = key(_ask(study, "compare-cases", caseA="partners-two"))
    assert as_a == key(_ask(study, "compare-cases", caseB="partners-two"))
    assert {c.rsplit("/", 1)[-1] for _, c, *_ in as_a} >= {"partners", "partners-two"}
    assert as_a == key(_ask(study, "compare-cases", caseA="partners-two", caseB="partners"))


def test_colliding_labels_show_their_case(study: Path) -> None:
    q = get_query("compare-cases")
    with open_store(study) as st:
        result = run_select(st, q, bind_params(q, {"caseA": "partners", "caseB": "partners-two"}))
    table = to_table(result, hide=("role", "case", "situation", "outcome"))
    # one node in many rows keeps its label; bearers labelled alike in two cases are told apart
    assert "co-creator  " in table and "co-creator [" not in table
    assert "the volunteers [partners-two/volunteers]" in table
    q = get_query("role-across-settings")
    with open_store(study) as st:
        result = run_select(st, q, bind_params(q, {"outcome": "any"}))
    assert "the volunteers" in to_table(result)
    # two different actors labelled alike: each label is told apart by its case and id
    import pyoxigraph as ox

    from kg.query import Result

    rows = [{"bearer": ox.NamedNode(C + "a/staff"), "bearerLabel": ox.Literal("the staff", language="en")},
            {"bearer": ox.NamedNode(C + "b/staff"), "bearerLabel": ox.Literal("the staff", language="en")},
            {"bearer": ox.NamedNode(C + "b/mia"), "bearerLabel": ox.Literal("Mia", language="en")}]
    table = to_table(Result(["bearer", "bearerLabel"], rows), hide=("bearer",))
    assert table.splitlines()[2:5] == ["the staff [a/staff]", "the staff [b/staff]", "Mia"]


PRESENCE = """\
case: mini
title: presence
actors:
  - {id: ann, label: Ann}
  - {id: bo, label: Bo}
orders:
  - id: order
    label: the order
    rules:
      - incompatible: [client, adviser]
        held_by: [bo]
        RULE_EXTRA
contexts:
  - id: there
    label: there
    PRESENT
claims:
  - id: known-as-client
    bearer: ann
    role: client
    context: there
    by: bo
  - id: advises
    bearer: ann
    role: adviser
    context: there
"""


@pytest.mark.parametrize("present,extra,predicted", [
    ("", "", True),                                   # nobody's presence stated: the rule predicts
    ("participants: [ann, bo]", "", True),            # the holder is present
    ("participants: [ann]", "", False),               # the holder is absent
    ("participants: [ann]\n    absent: [bo]", "", False),
    ("participants: [ann]", "in_absentia: true", True),  # the rule says it holds in absentia
])
def test_predictions_need_the_holders_present(tmp_path: Path, present: str, extra: str, predicted: bool) -> None:
    store = _store(tmp_path, {"mini.yaml": PRESENCE.replace("PRESENT", present).replace("RULE_EXTRA", extra)})
    with open_store(store) as st:
        found = any(True for _ in st.quads_for_pattern(None, None, None, None)
                    if _.predicate.value == RG + "predictedRefusalBy")
    assert found is predicted


EXT_CASE = """\
case: ext-case
title: uses a kind of order rule from an extension
sources:
  - id: notes
    title: notes
actors:
  - {id: worker, label: a worker}
  - {id: citizen, label: a citizen}
orders:
  - id: order
    label: the order
    rules:
      - study-only-before: co-creator
        before: [worker]
        evidence: {quote: "Only before the worker does it count.", source: notes, locator: "p. 1"}
contexts:
  - id: kitchen
    label: the kitchen
    order: order
    participants: [citizen]
claims:
  - id: cooks
    bearer: citizen
    role: co-creator
    context: kitchen
    evidence: {quote: "I cooked for everyone.", source: notes, locator: "p. 2"}
"""


def test_an_extension_brings_a_kind_of_order_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    new_extension("study", Path("extensions"))
    exts = find_extensions()
    onto = load_ontology(exts)
    assert "study-only-before" in onto.order_kinds and "requires" in onto.order_kinds
    store = _store(tmp_path, {"ext-case.yaml": EXT_CASE}, exts)
    extra = [e.queries for e in exts if e.queries]
    rows = _ask(store, "order-violations", extra=extra)
    assert [(r["claim"], r["prediction"]) for r in rows] == \
        [(C + "ext-case/cooks", "breaks the rule: a role that counts only before certain audiences")]
    da = _ask(store, "order-violations", lang="da", extra=extra)
    assert da[0]["prediction"].startswith("bryder reglen: en rolle, der kun gælder")
    from kg.explain import Explainer, render_text

    with open_store(store) as st:
        text = render_text(Explainer(st).explain_node(C + "ext-case/cooks"))
    assert "rule study-only-before" in text and "I cooked for everyone." in text
    # the worker present: the rule is kept
    ok = _store(tmp_path / "ok", {"ext-case.yaml": EXT_CASE.replace("participants: [citizen]",
                                                                    "participants: [citizen, worker]")}, exts)
    assert _ask(ok, "order-violations", extra=extra) == []


def test_order_rule_kinds_and_fields_are_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    new_extension("study", Path("extensions"))
    onto = load_ontology(find_extensions())
    bad = (EXT_CASE.replace("        before: [worker]", "        befor: [worker]")
           .replace("  - id: order\n", "  - id: other\n    label: x\n    rules:\n      - demands: co-creator\n  - id: order\n"))
    f = tmp_path / "bad.yaml"
    f.write_text(bad.replace("participants: [citizen]", "participants: [citizen]\n    audiences: nobody-here"),
                 encoding="utf-8")
    with pytest.raises(CaseDataError) as err:
        load_cases([f], ontology=onto)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "bad.yaml:18: orders[1].rules[0].befor: unknown field 'befor'" in text and "did you mean 'before'" in text
    assert "bad.yaml:17: orders[1].rules[0].before: a 'study-only-before' rule needs 'before'" in text
    assert "bad.yaml:13: orders[0].rules[0]: a rule needs exactly one kind" in text
    assert "'study-only-before'" in text and "extensions/study/order-kinds.yaml" in text
    assert "$ROLEGRAPH_EXTENSIONS" in text
    assert "unknown id 'nobody-here'" in text


def test_a_bad_kind_declaration_is_reported_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = new_extension("study", Path("extensions"))
    kinds = root / "order-kinds.yaml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("rule: rules/", "rule: nowhere/")
                     .replace("  definition:\n", "  defintion:\n"), encoding="utf-8")
    with pytest.raises(CaseDataError) as err:
        load_ontology(find_extensions())
    text = "\n".join(str(p) for p in err.value.problems)
    assert "extensions/study/order-kinds.yaml:" in text
    assert "unknown field 'defintion' of a kind" in text and "did you mean 'definition'" in text
    assert "no rule file nowhere/study-only-before.rq" in text


def test_outcome_values_are_checked(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(OTHER.replace("outcome: failed", "outcome: not-taken"), encoding="utf-8")
    with pytest.raises(CaseDataError) as err:
        load_cases([f])
    assert "'not-taken' is not an allowed value" in str(err.value.problems[0])
    assert "not-taken-up" in err.value.problems[0].hint


def test_the_user_voices_case_answers_the_new_questions(reasoned_store: Path) -> None:
    uv = C + "user-voices/"
    rows = [r for r in _ask(reasoned_store, "role-across-settings") if r["role"] == uv + "responsible-user"]
    assert [(r["recognisedSetting"], r["refusedSetting"], r["outcomes"], r["refusedBearers"]) for r in rows] == \
        [(uv + "future-workshop-setting", uv + "drop-in-centre-everyday", "failed", "Bent, a user of the drop-in centre")]
    wide = {r["refusedSetting"] for r in _ask(reasoned_store, "role-across-settings", outcome="any")
            if r["role"] == uv + "responsible-user"}
    assert wide == {uv + "drop-in-centre-everyday", uv + "hverdagshelte-setting"}
    div = _ask(reasoned_store, "divergent-definitions")
    assert [(r["situation"], r["definerA"], r["definerB"]) for r in div] == \
        [(uv + "hh-course-day", uv + "camilla", uv + "lauritz")]
    assert "(not taken up)" in div[0]["notRecognised"]
    ov = [r for r in _ask(reasoned_store, "order-violations") if r["claim"] == uv + "citizens-as-partners"]
    assert ov and ov[0]["prediction"] == "breaks the rule: role requires a standing"


def test_the_answers_of_the_earlier_cases_are_unchanged(reasoned_store: Path) -> None:
    recorded = json.loads((ROOT / "tests" / "data" / "answers-before-issue-16.json").read_text(encoding="utf-8"))
    for name, before in recorded["answers"].items():
        keys = set(before[0]) if before else set()
        before = [{k: v or None for k, v in r.items()} for r in before]  # unbound and "" alike
        now = [{k: r.get(k) or None for k in keys} for r in _ask(reasoned_store, name)]
        now = [r for r in now if "user-voices" not in json.dumps(r)]
        assert sorted(now, key=_key) == sorted(before, key=_key), name


def _key(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True)


REQUIRES = """\
case: req
title: requires
actors:
  - {id: ann, label: Ann, member_of: [club]}
  - {id: club, kind: organisation, label: the club}
  - {id: bo, label: Bo}
standings:
  - id: badge
    label: the badge
    HOLDERS
    RECOGNISED
orders:
  - id: order
    label: the order
    rules:
      - requires: STANDING
        role: adviser
contexts:
  - {id: wide, label: the wide setting}
  - {id: here, label: here, part_of: wide, order: order}
  - {id: elsewhere, label: elsewhere}
claims:
  - {id: advises, bearer: ann, role: adviser, context: here}
"""


@pytest.mark.parametrize("holders,recognised,standing,breaks", [
    ("holders: [ann]", "", "badge", False),                          # held, recognised everywhere
    ("holders: [bo]", "", "badge", True),                            # not held
    ("holders: [ann]", "recognised_in: [here]", "badge", False),     # held and recognised here
    ("holders: [ann]", "recognised_in: [wide]", "badge", False),     # ... or in a setting 'here' is part of
    ("holders: [ann]", "recognised_in: [elsewhere]", "badge", True),  # held, but not recognised here
    ("holders: [club]", "recognised_in: [here]", "badge", False),    # held through the club she belongs to
    ("holders: [bo]", "", "club", False),                            # membership of an organisation
])
def test_requires_counts_a_role_only_with_a_standing_recognised_there(
        tmp_path: Path, holders: str, recognised: str, standing: str, breaks: bool) -> None:
    text = REQUIRES.replace("HOLDERS", holders).replace("RECOGNISED", recognised).replace("STANDING", standing)
    store = _store(tmp_path, {"req.yaml": text})
    with open_store(store) as st:
        found = any(q.predicate.value == RG + "breaksRule" for q in st.quads_for_pattern(None, None, None, None))
    assert found is breaks
