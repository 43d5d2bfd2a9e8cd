"""Scaffolds for new work: an annotated case file and an ontology extension module.

Both scaffolds are valid as written (so `rolegraph validate` passes at once) and
say in comments what to change. Nothing is overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import UsageError
from ..i18n import N_

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")

CASE_TEMPLATE = """\
# rolegraph case file for '{name}'. Edit it, then run
#     rolegraph validate {path}
# The full reference is docs/case-format.md; docs/example-case.yaml shows every field.
# Everything below is a valid placeholder: replace it with your case.

case: {name}
lang: en                      # language of plain-string labels (en or da)
title:
  en: {title}
  da: {title}

sources:                      # the documents your evidence quotes
  - id: interviews
    title: Interview transcripts (replace with your source)
    # file: ../sources/transcript-01.txt   # its plain text: every quote is checked against it

actors:                       # kind: person | organisation | group (or an extension's kind)
  - id: citizen               # side: citizen | public
    label: {{en: a citizen, da: en borger}}
    side: citizen
  - id: worker
    label: {{en: a front-line worker, da: en frontmedarbejder}}
    side: public

teams:                        # Goffman's teams: who keeps a definition of the situation together
  - id: citizens
    label: {{en: the citizens, da: borgerne}}
    members: [citizen]
  - id: staff
    label: {{en: the staff, da: personalet}}
    members: [worker]

standings:                    # mandates, credentials, memberships a `requires` rule can ask for
  - id: mandate
    kind: mandate               # mandate | credential | membership
    label: {{en: a mandate from the municipality, da: et mandat fra kommunen}}
    holders: [worker]           # who holds it (a team's members hold it too)
    recognised_in: [first-context]   # where it counts (with contexts part_of it); none = everywhere

orders:                       # interaction orders: who normally does what, as rules
  - id: first-order
    label: {{en: the order of the first context, da: den første konteksts orden}}
    rules:                      # kinds: reserve (+ for), incompatible, requires (+ role), or an extension's
      - requires: mandate       # the role below counts here only if its bearer holds `mandate`
        role: co-creator
        held_by: [worker]       # predictions only where a holder is present (or nobody's presence is stated)
        # in_absentia: true     # ... unless the rule holds even where its holders are absent

contexts:                     # social situations; kind: workshop, meeting, course, encounter, ...
  - id: first-context
    label: {{en: the first context, da: den første kontekst}}
    order: first-order
    participants: [citizen, worker]   # who is present: participants, audiences; absent: absent but relevant
  - id: second-context
    label: {{en: the second context, da: den anden kontekst}}
    # part_of: first-context  # nesting: settings for role-across-settings; nested contexts are not compared

definitions:                  # how an actor or team defines a situation (Goffman)
  - by: citizen
    context: first-context
    occasion: {{en: a meeting of equals, da: et møde mellem ligeværdige}}   # what kind of occasion
    at_stake: {{en: being heard, da: at blive hørt}}                         # what is at stake
    casts:                      # who counts as what, to the definer
      - actor: worker
        as: facilitator
    evidence:
      - paraphrase: Replace with the words in which the source gives this definition.
        source: interviews
        locator: "interview 1, p. 2"

claims:                       # who takes or is given which role, where; and how audiences respond
  - bearer: citizen
    role: co-creator          # a shared role (rolegraph roles) or one under `roles:`
    context: first-context
    mode: given               # taken | given
    by: worker
    evidence:
      - paraphrase: Replace with what the source says, or use `quote:` with its exact words.
        source: interviews
        locator: "interview 1, p. 1"
    responses:
      - by: worker
        # recognised | refused | contested | failed (tried, did not work out, nobody refused)
        # | not-taken-up (offered, nobody stepped into it) | ignored (no notice taken)
        outcome: recognised
"""

EXTENSION_TEMPLATE = """\
# rolegraph ontology extension '{name}'. `rolegraph build` picks it up from
# {path} and checks it:
#   - a new role is an individual of rg:Role that rg:specialises an existing role;
#   - a new class sits under a core class (rg:Actor, rg:SocialSituation, rg:Team, ...);
#   - every new term has rdfs:label in English and Danish (and should have a definition).
# In a case file, a new role is named by its local name (`role: {example_role}`), a new
# context kind by its kebab-case name (`kind: {example_kind}`), a new actor kind likewise.
# Rules in rules/*.rq and queries in queries/*.rq of this directory are used too, and kinds of
# interaction-order rule declared in order-kinds.yaml (see the example there).
# `build` looks for extensions in ./extensions and in the directories listed in
# $ROLEGRAPH_EXTENSIONS (separated by ':').

@prefix rg:   <https://w3id.org/rolegraph/ontology#> .
@prefix role: <https://w3id.org/rolegraph/role/> .
@prefix ext:  <https://w3id.org/rolegraph/ext/{name}#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

# It imports the rolegraph ontology whose terms it uses (Protégé resolves that import
# offline through the catalog-v001.xml beside rolegraph.ttl; rolegraph merges both).
<https://w3id.org/rolegraph/ext/{name}> a owl:Ontology ;
    owl:imports <https://w3id.org/rolegraph/ontology> ;
    rdfs:label "rolegraph extension: {name}"@en , "rolegraph-udvidelse: {name}"@da .

# A new kind of role. Replace the name, labels and definition; keep rg:specialises.
ext:{example_role} a owl:NamedIndividual , rg:Role ;
    rg:specialises role:co-creator ;
    rdfs:label "new role (rename me)"@en , "ny rolle (omdøb mig)"@da ;
    skos:definition "What a person in this role does, and before whom."@en ,
        "Hvad en person i denne rolle gør, og over for hvem."@da .

# A new kind of context (social situation).
ext:{example_class} a owl:Class ;
    rdfs:subClassOf rg:SocialSituation ;
    rdfs:label "new kind of situation (rename me)"@en , "ny slags situation (omdøb mig)"@da ;
    skos:definition "The kind of setting in which such roles are taken."@en ,
        "Den slags ramme, hvor sådanne roller tages."@da .
"""

KINDS_TEMPLATE = """\
# Kinds of interaction-order rule that extension '{name}' brings (kg/cases/orderkinds.py). A case
# uses a kind like `reserve`, in an order's rules:
#     orders:
#       - id: my-order
#         label: ...
#         rules:
#           - {kind}: <role>          # the kind's own key, of the type under `value:`
#             before: [<actor id>]    # its further fields, under `fields:`
#             held_by: [<actor id>]   # every rule may also have: id, held_by, in_absentia, note, evidence
# `rolegraph validate` checks the fields (unknown kinds and fields are reported at file:line);
# `build` writes the rule as a node of `class:` with one `property:` per field, and `reason`
# applies the SPARQL file under `rule:` (in this extension's rules/), explained like every rule.
# A rule concludes `?claim rg:breaksRule ?rule` (listed by the order-violations query with the
# kind's label) and may conclude `?claim rg:predictedRefusalBy ?audience`.
# Field types: text, label, bool, role, roles, enum:a|b, ref:<kinds>, refs:<kinds>, where kinds
# are actor, team, context, process, phase, source, order, standing, claim, membership, definition.
# Defaults: class ext:<KindInCamelCase>, property ext:<fieldInCamelCase>, in this extension's
# namespace <https://w3id.org/rolegraph/ext/{name}#>.
{kind}:
  label: {{en: a role that counts only before certain audiences, da: "en rolle, der kun gælder over for bestemte publikummer"}}
  definition:
    en: In a situation with this order, the role counts only where one of the named audiences is present.
    da: I en situation med denne orden gælder rollen kun, hvor et af de nævnte publikummer er til stede.
  class: ext:OnlyBefore
  value:
    type: role
    property: ext:onlyBeforeRole
    label: {{en: role, da: rolle}}
  fields:
    before:
      type: "refs:actor|team"
      required: true
      property: ext:onlyBefore
      label: {{en: before whom, da: over for hvem}}
  rule: rules/{kind}.rq
"""

KIND_RULE_TEMPLATE = """\
#+ title: a role that counts only before certain audiences, taken where none of them is present
#+ title@da: "en rolle, der kun gælder over for bestemte publikummer, taget hvor ingen af dem er til stede"
#+ description: "The meaning of the order-rule kind '{kind}' (order-kinds.yaml): a claim of the role in a situation whose order has such a rule, where the situation lists who is present and none of the named audiences is, breaks the rule."
#+ kind: interaction-order
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rg: <https://w3id.org/rolegraph/ontology#>
PREFIX ext: <https://w3id.org/rolegraph/ext/{name}#>
CONSTRUCT {{ ?claim rg:breaksRule ?rule }}
WHERE {{
  ?claim rdf:type rg:RoleClaim ; rg:countsAs ?role ; rg:inSituation ?situation .
  ?situation rg:hasOrder ?order . ?order rg:hasRule ?rule .
  ?rule rdf:type ext:OnlyBefore ; ext:onlyBeforeRole ?role .
  ?situation rg:present ?someone .
  FILTER NOT EXISTS {{ ?rule ext:onlyBefore ?audience . ?situation rg:present ?audience }}
}}
"""

RULE_README = """\
Interaction-order rules of this extension: SPARQL CONSTRUCT files with a `#+` header,
like the shipped ones in rules/order/. `rolegraph reason` applies them after the OWL 2 RL
rules, and records for every conclusion the rule and premises it came from.

A rule runs on each case with the ontology (`#+ scope: case`, the default): its premises
must join through the nodes of one case (a bearer, a claim, a situation). A rule that
compares across cases says `#+ scope: store` in its header and runs on the whole store.
"""


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise UsageError(N_("'{name}' is not a valid name"),
                         hint=N_("use lower-case ASCII letters, digits and '-', e.g. `elderly-care`"), params={"name": name})


def new_case(name: str, directory: Path) -> Path:
    """Write an annotated, valid case file `directory/name.yaml`."""
    _check_name(name)
    path = directory / f"{name}.yaml"
    if path.exists():
        raise UsageError(N_("{path} exists already"), hint=N_("choose another name or edit that file"), params={"path": path})
    directory.mkdir(parents=True, exist_ok=True)
    title = name.replace("-", " ").capitalize()
    path.write_text(CASE_TEMPLATE.format(name=name, path=path, title=title), encoding="utf-8")
    return path


def new_extension(name: str, directory: Path) -> Path:
    """Write an extension module `directory/name/`: ontology.ttl, order-kinds.yaml, rules/ and queries/."""
    _check_name(name)
    root = directory / name
    if root.exists():
        raise UsageError(N_("{root} exists already"), hint=N_("choose another name or edit that extension"), params={"root": root})
    (root / "rules").mkdir(parents=True)
    (root / "queries").mkdir()
    camel = "".join(part.capitalize() for part in name.split("-"))
    (root / "ontology.ttl").write_text(EXTENSION_TEMPLATE.format(
        name=name, path=root, example_role=f"{name}-role", example_kind=f"{name}-situation",
        example_class=f"{camel}Situation"), encoding="utf-8")
    (root / "rules" / "README.md").write_text(RULE_README, encoding="utf-8")
    kind = f"{name}-only-before"
    (root / "order-kinds.yaml").write_text(KINDS_TEMPLATE.format(name=name, kind=kind), encoding="utf-8")
    (root / "rules" / f"{kind}.rq").write_text(KIND_RULE_TEMPLATE.format(name=name, kind=kind), encoding="utf-8")
    (root / "queries" / "README.md").write_text(
        "Named queries of this extension: .rq files with a `#+` header, like those in queries/.\n",
        encoding="utf-8")
    return root
