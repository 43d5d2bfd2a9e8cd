"""The vocabulary of rolegraph as rdflib terms, built from the IRIs of `kg.iris`.

`RG` lists every term of ontology/*.ttl and fails on a misspelt one; a test keeps
it in step with the ontology files.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from . import iris

BASE = iris.BASE
CASE_GRAPH_PREFIX = iris.CASE_GRAPH_PREFIX
CASE_PREFIX = iris.CASE


class RG(DefinedNamespace):
    """Terms of the rolegraph ontology (core, goffman, typology)."""

    _NS = Namespace(iris.RG)
    _fail = True

    Accepts: URIRef
    Activity: URIRef
    Actor: URIRef
    After: URIRef
    Before: URIRef
    Case: URIRef
    CaseWork: URIRef
    Casting: URIRef
    CitizenActor: URIRef
    CitizenDecidedProcess: URIRef
    CitizenDriven: URIRef
    CitizenInitiatedProcess: URIRef
    CitizensInIdeationProcess: URIRef
    CitizensInImplementationProcess: URIRef
    Claim: URIRef
    Clash: URIRef
    ClaimMode: URIRef
    CoCreation: URIRef
    CoProductionProcess: URIRef
    CoProductionSetting: URIRef
    CoProductionType: URIRef
    CollectiveCoProduction: URIRef
    Contested: URIRef
    Course: URIRef
    Credential: URIRef
    DecisiveInfluence: URIRef
    Derivation: URIRef
    Descriptive: URIRef
    Design: URIRef
    Distances: URIRef
    DivergentDefinitions: URIRef
    During: URIRef
    Embraces: URIRef
    Encounter: URIRef
    EverydayPractice: URIRef
    Evidence: URIRef
    Failed: URIRef
    Finding: URIRef
    Given: URIRef
    Group: URIRef
    Ideation: URIRef
    Ignored: URIRef
    Implementation: URIRef
    IndividualCoProduction: URIRef
    Influence: URIRef
    InteractionOrder: URIRef
    Intermediary: URIRef
    Mandate: URIRef
    Meeting: URIRef
    MembershipClaim: URIRef
    MembershipStanding: URIRef
    NeedhamCarr: URIRef
    NoInfluence: URIRef
    NonTransferredRole: URIRef
    NotTakenUp: URIRef
    OrderRule: URIRef
    Organisation: URIRef
    Outcome: URIRef
    Partnership: URIRef
    Person: URIRef
    Phase: URIRef
    PhaseKind: URIRef
    Planning: URIRef
    PredictedConflict: URIRef
    Project: URIRef
    PublicInitiatedProcess: URIRef
    PublicSectorActor: URIRef
    Recognised: URIRef
    RecognisedClaim: URIRef
    Refused: URIRef
    RefusedClaim: URIRef
    Response: URIRef
    Role: URIRef
    RoleClaim: URIRef
    RoleConflict: URIRef
    RoleDistance: URIRef
    RoleIncompatibility: URIRef
    RoleRequirement: URIRef
    RoleReservation: URIRef
    Rule: URIRef
    ScopeTypology: URIRef
    SharedInfluence: URIRef
    SharedInfluenceProcess: URIRef
    SituationDefinition: URIRef
    SlidesTypology: URIRef
    SocialSituation: URIRef
    SourceDocument: URIRef
    Stance: URIRef
    Standing: URIRef
    Taken: URIRef
    Team: URIRef
    TeamCrossing: URIRef
    TimeRelation: URIRef
    Transformative: URIRef
    Typology: URIRef
    UserCentred: URIRef
    Workshop: URIRef
    absentButRelevant: URIRef
    againstOutcome: URIRef
    aim: URIRef
    assignedBy: URIRef
    atStake: URIRef
    bearer: URIRef
    breaksRule: URIRef
    castActor: URIRef
    castRole: URIRef
    casts: URIRef
    citation: URIRef
    personal: URIRef
    alias: URIRef
    citizenInfluence: URIRef
    classifiedType: URIRef
    conclusion: URIRef
    countsAs: URIRef
    crossesFrom: URIRef
    crossesTo: URIRef
    definedBy: URIRef
    definesSituation: URIRef
    divergentDefinition: URIRef
    divergesIn: URIRef
    evidence: URIRef
    fileName: URIRef
    findingBearer: URIRef
    form: URIRef
    generalises: URIRef
    hasMember: URIRef
    hasOrder: URIRef
    hasPhase: URIRef
    hasResponse: URIRef
    hasRule: URIRef
    heldBy: URIRef
    holder: URIRef
    holdsInAbsentia: URIRef
    inCase: URIRef
    inPhase: URIRef
    inSituation: URIRef
    inTypology: URIRef
    incompatibleRole: URIRef
    initiator: URIRef
    locator: URIRef
    memberOf: URIRef
    mode: URIRef
    note: URIRef
    occasion: URIRef
    outcome: URIRef
    paraphrase: URIRef
    partOfSituation: URIRef
    participant: URIRef
    phaseKind: URIRef
    predictedRefusalBy: URIRef
    premise: URIRef
    present: URIRef
    presentAudience: URIRef
    presentParticipant: URIRef
    quote: URIRef
    recognisedBy: URIRef
    recognisedClaim: URIRef
    recognisedIn: URIRef
    refusedBy: URIRef
    refusedClaim: URIRef
    refusedIn: URIRef
    requiredStanding: URIRef
    requiringRole: URIRef
    reservedFor: URIRef
    reservedRole: URIRef
    respondent: URIRef
    respondsTo: URIRef
    role: URIRef
    round: URIRef
    ruleFile: URIRef
    ruleKind: URIRef
    situationOf: URIRef
    source: URIRef
    speaker: URIRef
    specialises: URIRef
    stance: URIRef
    statedType: URIRef
    strainedClaim: URIRef
    team: URIRef
    time: URIRef
    transferredRole: URIRef
    usedRule: URIRef
    validIn: URIRef
    clashNode: URIRef
    clashRule: URIRef


ROLE = Namespace(iris.ROLE)
"""Shared roles of ontology/roles.ttl, e.g. ROLE["co-creator"]."""

ONTOLOGY_GRAPH = URIRef(iris.ONTOLOGY_GRAPH)
INFERRED_GRAPH = URIRef(iris.INFERRED_GRAPH)
EXPLANATION_GRAPH = URIRef(iris.EXPLANATION_GRAPH)
CLASH_BASE = BASE + "clash/"  # one IRI per clash the reasoner finds: CLASH_BASE + rule id + "/" + hash


def case_graph(case_id: str) -> URIRef:
    """The named graph that holds one case's asserted statements."""
    return URIRef(iris.case_graph(case_id))


def case_iri(case_id: str, local: str | None = None) -> URIRef:
    """The IRI of a case, or of a record `local` within it."""
    return URIRef(iris.case_iri(case_id, local))
