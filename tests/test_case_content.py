"""Content of the shipped cases, checked on the compiled RDF.

- every quote is verbatim in the source file its source names (whitespace collapsed), read
  here independently of the validator's own quote check;
- every piece of evidence has a source, and every source a file in sources/ that exists;
- the cases hold what the project's domain primer lists for case 1 (the women's
  association), case 2 (the future workshop), the slides' drop-in-centre cases and the
  front-line workers' roles, with the key quotes as evidence;
- every role claim, membership claim and response carries evidence.

Each failing assertion says what is missing.
"""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, RDFS, Graph, URIRef

from kg.vocab import RG, ROLE, case_graph, case_iri

from .conftest import CASES, SOURCES

NS = {"rg": RG._NS, "role": ROLE, "rdfs": RDFS, "rdf": RDF}

C1 = "womens-association"
C2 = "future-workshop"
SLIDES = "drop-in-centres"
FRONT = "frontline-roles"
# `file:` of a source, relative to the case file (all shipped cases are in cases/)
ARTICLE_FILE = "../sources/mueller-stougaard-2022-akademisk-kvarter.txt"
SLIDES_FILE = "../sources/mueller-slides-roller-og-mulighedsrum.txt"


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def graphs() -> dict[URIRef, Graph]:
    """The compiled case graphs of the shipped cases, one per case."""
    from kg.cases.validate import load_cases

    return load_cases([CASES]).graphs


def _case(graphs: dict[URIRef, Graph], case_id: str) -> Graph:
    iri = case_graph(case_id)
    assert iri in graphs, f"case {case_id!r} is missing from cases/ (no graph {iri}); have {sorted(graphs)}"
    return graphs[iri]


def _ask(g: Graph, where: str, **bindings: URIRef) -> bool:
    return bool(g.query(f"ASK {{ {where} }}", initNs=NS, initBindings=bindings).askAnswer)


def _n(uri: URIRef) -> str:
    """A short name for messages: the local part of a case IRI, or the IRI."""
    s = str(uri)
    for prefix, short in ((str(RG._NS), "rg:"), (str(ROLE), "role:")):
        if s.startswith(prefix):
            return short + s[len(prefix):]
    parts = s.split("/case/", 1)
    return parts[1] if len(parts) == 2 else s


# ---------------------------------------------------------------------------
# 1. Quotes are verbatim in the sources
# ---------------------------------------------------------------------------

QUOTES = """
SELECT ?ev ?quote ?src ?file WHERE {
  ?ev rg:quote ?quote .
  OPTIONAL { ?ev rg:source ?src . OPTIONAL { ?src rg:fileName ?file } }
}"""


def test_every_quote_is_verbatim_in_its_source(graphs: dict[URIRef, Graph]) -> None:
    source_text: dict[str, str] = {}
    bad: list[str] = []
    count = 0
    for gi, g in sorted(graphs.items()):
        for ev, quote, src, file in g.query(QUOTES, initNs=NS):
            count += 1
            where = f"{_n(gi)} {_n(ev)}"
            if file is None:
                bad.append(f"{where}: quote has no source file (source {src}): {str(quote)!r}")
                continue
            path = (CASES / str(file)).resolve()
            if not path.is_file() or not path.is_relative_to(SOURCES):
                bad.append(f"{where}: {file} is not a file in sources/: {str(quote)!r}")
                continue
            text = source_text.setdefault(str(file), _ws(path.read_text(encoding="utf-8")))
            if _ws(str(quote)) not in text:
                bad.append(f"{where}: not verbatim in {file}: {str(quote)!r}")
    assert count > 0, "no rg:quote literal in the compiled cases"
    assert not bad, f"{len(bad)} of {count} quotes are not verbatim in their source:\n" + "\n".join(bad)


# ---------------------------------------------------------------------------
# 2. Evidence has a source; sources have existing files in sources/
# ---------------------------------------------------------------------------

def test_every_evidence_has_a_source_with_an_existing_file(graphs: dict[URIRef, Graph]) -> None:
    problems: list[str] = []
    n_evidence = 0
    for gi, g in sorted(graphs.items()):
        for ev in sorted(g.subjects(RDF.type, RG.Evidence)):
            n_evidence += 1
            sources = list(g.objects(ev, RG.source))
            if not sources:
                problems.append(f"{_n(gi)} {_n(ev)}: evidence has no rg:source")
            for src in sources:
                if (src, RDF.type, RG.SourceDocument) not in g:
                    problems.append(f"{_n(gi)} {_n(ev)}: source {_n(src)} is not an rg:SourceDocument of the case")
            if g.value(ev, RG.quote) is None and g.value(ev, RG.paraphrase) is None:
                problems.append(f"{_n(gi)} {_n(ev)}: evidence has neither rg:quote nor rg:paraphrase")
        for src in sorted(g.subjects(RDF.type, RG.SourceDocument)):
            files = list(g.objects(src, RG.fileName))
            if not files:
                problems.append(f"{_n(gi)} source {_n(src)}: no rg:fileName")
            for f in files:
                path = (CASES / str(f)).resolve()
                if not path.is_file() or not path.is_relative_to(SOURCES):
                    problems.append(f"{_n(gi)} source {_n(src)}: file {f} is not a file in sources/")
    assert n_evidence > 0, "no rg:Evidence in the compiled cases"
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------
# 4. Every claim and response carries evidence
# ---------------------------------------------------------------------------

def test_every_claim_and_response_has_evidence(graphs: dict[URIRef, Graph]) -> None:
    missing: list[str] = []
    for gi, g in sorted(graphs.items()):
        for cls in (RG.RoleClaim, RG.MembershipClaim, RG.Response):
            for node in sorted(g.subjects(RDF.type, cls)):
                if g.value(node, RG.evidence) is None:
                    missing.append(f"{_n(gi)}: {_n(cls)} {_n(node)} has no rg:evidence")
    assert not missing, "claims/responses without evidence:\n" + "\n".join(missing)


# ---------------------------------------------------------------------------
# 3. The cases hold what the domain primer lists
# ---------------------------------------------------------------------------

ACTOR_CLASSES = (RG.Person, RG.Organisation, RG.Group)


def _check_actors(g: Graph, case_id: str, expected: dict[str, URIRef | None]) -> list[str]:
    """expected: actor id -> required class (None: any of Person/Organisation/Group)."""
    missing = []
    for local, cls in expected.items():
        node = case_iri(case_id, local)
        types = set(g.objects(node, RDF.type))
        if not types & set(ACTOR_CLASSES):
            missing.append(f"{case_id}: actor {local!r} is missing (no rg:Person/Organisation/Group)")
        elif cls is not None and cls not in types:
            missing.append(f"{case_id}: actor {local!r} is not typed {_n(cls)} (types {sorted(map(_n, types))})")
        elif g.value(node, RDFS.label) is None:
            missing.append(f"{case_id}: actor {local!r} has no rdfs:label")
    return missing


def _check_contexts(g: Graph, case_id: str, ids: list[str]) -> list[str]:
    missing = []
    for local in ids:
        node = case_iri(case_id, local)
        if (node, RDF.type, RG.SocialSituation) not in g:
            missing.append(f"{case_id}: context {local!r} is missing (no rg:SocialSituation)")
        elif g.value(node, RDFS.label) is None:
            missing.append(f"{case_id}: context {local!r} has no rdfs:label")
    return missing


def _claim_exists(g: Graph, bearer: URIRef, role: URIRef, **extra: URIRef) -> bool:
    clauses = "".join(f" ; {p} ?{k}" for k, p in (
        ("ctx", "rg:inSituation"), ("by", "rg:assignedBy"), ("stance", "rg:stance"), ("mode", "rg:mode"))
        if k in extra)
    return _ask(g, f"?c a rg:RoleClaim ; rg:bearer ?bearer ; rg:role ?role{clauses} .",
                bearer=bearer, role=role, **extra)


def _response_exists(g: Graph, bearer: URIRef, role: URIRef, respondent: URIRef, outcome: URIRef,
                     within: URIRef) -> bool:
    """A response by `respondent` with `outcome` to a claim of `bearer` in `role`, in the
    situation `within` or a situation nested in it."""
    return _ask(g, """
        ?c a rg:RoleClaim ; rg:bearer ?bearer ; rg:role ?role .
        ?r a rg:Response ; rg:respondsTo ?c ; rg:respondent ?who ; rg:outcome ?outcome ;
           rg:inSituation ?ctx .
        ?ctx rg:partOfSituation* ?within .""",
                bearer=bearer, role=role, who=respondent, outcome=outcome, within=within)


def _quote_evidence(g: Graph, fragment: str, speaker: URIRef | None, file: str) -> list[str]:
    """Problems with the evidence quoting `fragment` (whitespace collapsed): it must exist,
    name `speaker` (if given) and come from a source with file `file`."""
    frag = _ws(fragment)
    hits = [(ev, q) for ev, q in g.subject_objects(RG.quote) if frag in _ws(str(q))]
    if not hits:
        return [f"no evidence quotes {fragment!r}"]
    good = [ev for ev, _ in hits
            if (speaker is None or (ev, RG.speaker, speaker) in g)
            and any(str(g.value(s, RG.fileName)) == file for s in g.objects(ev, RG.source))]
    if good:
        return []
    detail = "; ".join(
        f"{_n(ev)} speaker={[_n(s) for s in g.objects(ev, RG.speaker)]} "
        f"file={[str(g.value(s, RG.fileName)) for s in g.objects(ev, RG.source)]}" for ev, _ in hits)
    want = f"speaker {_n(speaker)} and " if speaker is not None else ""
    return [f"evidence quoting {fragment!r} lacks {want}source file {file} ({detail})"]


def _assert_none(problems: list[str], what: str) -> None:
    assert not problems, f"{what}:\n" + "\n".join(problems)


# --- Case 1: the women's association ---------------------------------------

def test_case1_actors_and_contexts(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C1)
    c = lambda x: case_iri(C1, x)
    problems = _check_actors(g, C1, {
        "womens-association": None,           # treated as one group; coded as an organisation
        "ssp-worker": RG.Person,
        "youth-school": RG.Organisation,
        "caseworkers": None,
        "man-with-children-difficulties": RG.Person,
        "danish-somali-boys": RG.Group,
    })
    problems += _check_contexts(g, C1, ["ssp-partnership", "safety-walks", "ambassador-course",
                                        "department-encounter"])
    for part in ("safety-walks", "ambassador-course"):
        if (c(part), RG.partOfSituation, c("ssp-partnership")) not in g:
            problems.append(f"{C1}: context {part!r} is not rg:partOfSituation ssp-partnership")
    if _ask(g, "?d rg:partOfSituation* ?p .", d=c("department-encounter"), p=c("ssp-partnership")):
        problems.append(f"{C1}: department-encounter must be a context outside the SSP partnership")
    if not _ask(g, "?p a rg:CoProductionProcess ; rg:initiator ?w .", w=c("womens-association")):
        problems.append(f"{C1}: no rg:CoProductionProcess with rg:initiator womens-association "
                        "(the women initiated the collaboration)")
    _assert_none(problems, "case 1 lacks actors/contexts listed in the domain primer")


def test_case1_roles_recognised_with_ssp_refused_in_department(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C1)
    c = lambda x: case_iri(C1, x)
    women, ssp_ctx, dept = c("womens-association"), c("ssp-partnership"), c("department-encounter")
    problems = []
    for role in ("crime-prevention-partner", "co-creator", "ambassador", "adviser", "vulnerable-mother"):
        if not _claim_exists(g, women, ROLE[role]):
            problems.append(f"no rg:RoleClaim of womens-association in role:{role}")
    for role in ("crime-prevention-partner", "co-creator", "ambassador", "adviser"):
        if not any(_response_exists(g, women, ROLE[role], c(who), RG.Recognised, ssp_ctx)
                   for who in ("ssp", "ssp-worker")):
            problems.append(f"role:{role} of the women is not rg:Recognised by ssp/ssp-worker "
                            "in the SSP partnership (or a context within it)")
    for role in ("co-creator", "ambassador", "adviser"):
        if not _response_exists(g, women, ROLE[role], c("caseworkers"), RG.Refused, dept):
            problems.append(f"role:{role} of the women is not rg:Refused by caseworkers in department-encounter")
    if not _response_exists(g, women, ROLE["vulnerable-mother"], c("caseworkers"), RG.Recognised, dept):
        problems.append("the caseworkers do not hold the women in role:vulnerable-mother "
                        "(no rg:Recognised response by caseworkers in department-encounter)")
    _assert_none(problems, "case 1 lacks roles/audiences listed in the domain primer")


def test_case1_role_distance(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C1)
    c = lambda x: case_iri(C1, x)
    dept = c("department-encounter")
    problems = []
    if not _claim_exists(g, c("womens-association"), ROLE["vulnerable-mother"],
                         stance=RG.Distances, by=c("caseworkers"), ctx=dept):
        problems.append("no claim: womens-association in role:vulnerable-mother, rg:assignedBy caseworkers, "
                        "rg:stance rg:Distances, in department-encounter")
    if not _claim_exists(g, c("caseworkers"), ROLE["co-creator"], stance=RG.Distances, ctx=dept):
        problems.append("no claim: caseworkers in role:co-creator with rg:stance rg:Distances in department-encounter")
    for giver in ("womens-association",):
        if not _claim_exists(g, c("caseworkers"), ROLE["co-creator"], stance=RG.Distances, by=c(giver)):
            problems.append(f"the caseworkers' co-creator claim is not rg:assignedBy {giver}")
    if not any(_claim_exists(g, c("caseworkers"), ROLE["co-creator"], stance=RG.Distances, by=c(who))
               for who in ("ssp", "ssp-worker")):
        problems.append("the caseworkers' co-creator claim is not rg:assignedBy ssp or ssp-worker")
    _assert_none(problems, "case 1 lacks role distance listed in the domain primer")


def test_case1_teams(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C1)
    c = lambda x: case_iri(C1, x)
    problems = []
    team, cw_team = c("womens-ssp-team"), c("caseworkers-team")
    for t in (team, cw_team, c("municipal-team")):
        if (t, RDF.type, RG.Team) not in g:
            problems.append(f"team {_n(t)} is missing (no rg:Team)")
    if (c("womens-association"), RG.memberOf, team) not in g:
        problems.append("womens-association is not rg:memberOf womens-ssp-team")
    if not any((c(s), RG.memberOf, team) in g for s in ("ssp", "ssp-worker")):
        problems.append("neither ssp nor ssp-worker is rg:memberOf womens-ssp-team (the women and SSP form a team)")
    if (c("caseworkers"), RG.memberOf, cw_team) not in g:
        problems.append("caseworkers are not rg:memberOf caseworkers-team")
    if not _ask(g, """
            ?m a rg:MembershipClaim ; rg:bearer ?w ; rg:team ?t .
            ?r rg:respondsTo ?m ; rg:respondent ?cw ; rg:outcome rg:Refused ; rg:inSituation ?d .""",
                w=c("womens-association"), t=c("municipal-team"), cw=c("caseworkers"),
                d=c("department-encounter")):
        problems.append("no rg:MembershipClaim of womens-association on municipal-team refused by "
                        "caseworkers in department-encounter")
    _assert_none(problems, "case 1 lacks teams listed in the domain primer")


def test_case1_interaction_order(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C1)
    c = lambda x: case_iri(C1, x)
    assert _ask(g, """
        ?d rg:hasOrder ?o . ?o rg:hasRule ?rule .
        ?rule a rg:RoleIncompatibility ; rg:incompatibleRole role:vulnerable-mother , role:adviser ;
              rg:heldBy ?cw .""", d=c("department-encounter"), cw=c("caseworkers")), (
        "department-encounter has no interaction-order rule, held by caseworkers, that "
        "role:vulnerable-mother and role:adviser are incompatible (citizens known as clients acting as advisers)")


def test_case1_key_quote(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C1)
    _assert_none(_quote_evidence(g, "Jamen hov, hun har to dybt kriminelle sønner",
                                 case_iri(C1, "ssp-worker"), ARTICLE_FILE),
                 "case 1 key quote")


# --- Case 2: the future workshop -------------------------------------------

def test_case2_actors_and_contexts(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C2)
    c = lambda x: case_iri(C2, x)
    problems = _check_actors(g, C2, {
        "michael": RG.Person, "mia": RG.Person, "inger": RG.Person, "bo": RG.Person,
        "other-users": RG.Group, "staff": RG.Group, "project-leader": RG.Person, "users": RG.Group,
    })
    problems += _check_contexts(g, C2, ["workshop", "implementation"])
    for ctx, time in (("workshop", RG.During), ("implementation", RG.After)):
        if (c(ctx), RG.time, time) not in g:
            problems.append(f"{C2}: context {ctx!r} is not rg:time {_n(time)}")
    if not _ask(g, "?p a rg:CoProductionProcess ; rg:statedType rg:CoCreation ."):
        problems.append(f"{C2}: the future workshop process is not rg:statedType rg:CoCreation (slides)")
    _assert_none(problems, "case 2 lacks actors/contexts listed in the domain primer")


def test_case2_mia_minute_taker(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C2)
    c = lambda x: case_iri(C2, x)
    mia, ws = c("mia"), c("workshop")
    problems = []
    if not _claim_exists(g, mia, ROLE["minute-taker"], mode=RG.Given, by=c("michael"), ctx=ws):
        problems.append("no claim: mia in role:minute-taker, rg:mode rg:Given, rg:assignedBy michael, in workshop")
    if not _response_exists(g, mia, ROLE["minute-taker"], c("michael"), RG.Recognised, ws):
        problems.append("Mia's minute-taker claim is not rg:Recognised by michael in workshop")
    if not _response_exists(g, mia, ROLE["minute-taker"], c("other-users"), RG.Refused, ws):
        problems.append("Mia's minute-taker claim is not rg:Refused by other-users in workshop")
    if not _ask(g, """
            ?ctx rg:hasOrder ?o . ?o rg:hasRule ?rule .
            ?rule a rg:RoleReservation ; rg:reservedRole role:minute-taker ; rg:reservedFor ?t .""",
                ctx=ws, t=c("staff-team")):
        problems.append("the workshop's interaction order does not reserve role:minute-taker for staff-team")
    if (mia, RG.memberOf, c("users-team")) not in g:
        problems.append("mia is not rg:memberOf users-team (the team she moves away from)")
    if not _ask(g, "?m a rg:MembershipClaim ; rg:bearer ?mia ; rg:team ?t ; rg:inSituation ?ws .",
                mia=mia, t=c("staff-team"), ws=ws):
        problems.append("no rg:MembershipClaim of mia on staff-team in workshop (crossing towards the staff)")
    _assert_none(problems, "case 2 lacks Mia's minute-taker role conflict listed in the domain primer")


def test_case2_michael(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, C2)
    c = lambda x: case_iri(C2, x)
    problems = []
    if not _claim_exists(g, c("michael"), ROLE["staff-member"], stance=RG.Distances, ctx=c("workshop")):
        problems.append("no claim: michael in role:staff-member with rg:stance rg:Distances in workshop")
    if not _claim_exists(g, c("michael"), ROLE["initiator-in-charge"], ctx=c("implementation")):
        problems.append("no claim: michael in role:initiator-in-charge in implementation "
                        "(after the workshops the responsibility slides back to him)")
    _assert_none(problems, "case 2 lacks Michael's roles listed in the domain primer")


@pytest.mark.parametrize(("fragment", "speaker", "file"), [
    ("du er ikke en af os", "mia", ARTICLE_FILE),
    ("Vi er nogle psykiske syge", "inger", ARTICLE_FILE),
    ("hundredprocent brugerinddragelse", "bo", SLIDES_FILE),
], ids=["mia", "inger", "bo"])
def test_case2_key_quotes(graphs: dict[URIRef, Graph], fragment: str, speaker: str, file: str) -> None:
    g = _case(graphs, C2)
    _assert_none(_quote_evidence(g, fragment, case_iri(C2, speaker), file), "case 2 key quote")


# --- Slides: Madhåndværkere and Hverdagshelte ------------------------------

def test_slides_drop_in_centre_cases(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, SLIDES)
    c = lambda x: case_iri(SLIDES, x)
    problems = []
    for proc, typ in (("madhaandvaerkere", RG.UserCentred), ("hverdagshelte", RG.CitizenDriven)):
        if (c(proc), RDF.type, RG.CoProductionProcess) not in g:
            problems.append(f"process {proc!r} is missing (no rg:CoProductionProcess)")
        elif (c(proc), RG.statedType, typ) not in g:
            problems.append(f"process {proc!r} is not rg:statedType {_n(typ)}")
    problems += _check_actors(g, SLIDES, {"lauritz": RG.Person, "camilla": RG.Person,
                                          "ina": RG.Person, "lars": RG.Person})
    for leader in ("ina", "lars"):
        if not _claim_exists(g, c(leader), ROLE["course-leader"], ctx=c("hverdagshelte-course")):
            problems.append(f"no claim: {leader} in role:course-leader in hverdagshelte-course")
    problems += _quote_evidence(g, "hvad fanden skal vi gøre", c("lauritz"), SLIDES_FILE)
    problems += _quote_evidence(g, "smelte sammen", c("camilla"), SLIDES_FILE)
    _assert_none(problems, "the slides' drop-in-centre cases lack what the domain primer lists")


# --- Slides: front-line workers' roles -------------------------------------

def test_frontline_roles(graphs: dict[URIRef, Graph]) -> None:
    g = _case(graphs, FRONT)
    staff = case_iri(FRONT, "frontline-staff")
    problems = _check_actors(g, FRONT, {"frontline-staff": RG.Group})
    if (staff, RDF.type, RG.PublicSectorActor) not in g:
        problems.append("frontline-staff is not an rg:PublicSectorActor")
    for role in ("facilitator", "supporter", "inclusion-operator", "protective-carer", "initiator-in-charge"):
        if not _claim_exists(g, staff, ROLE[role]):
            problems.append(f"no claim: frontline-staff in role:{role}")
    _assert_none(problems, "the front-line roles case lacks roles listed in the domain primer")
