"""The messages of the SHACL shapes (ontology/shapes.ttl), marked for the message catalogue.

pySHACL reports a shape's `sh:message` as written (in English); validation says it in the
command's language through the catalogue. A test checks that this list is the shapes' messages.
"""

from __future__ import annotations

from ..i18n import N_

SHAPE_MESSAGES = (
    N_("a casting names exactly one actor"),
    N_("a casting names exactly one role"),
    N_("a definition of the situation defines exactly one situation"),
    N_("a definition of the situation is one actor's or team's"),
    N_("a membership claim needs exactly one member"),
    N_("a membership claim needs exactly one team"),
    N_("a requirement rule names the role that requires the standing"),
    N_("a requirement rule names the standing (or the organisation or team) required"),
    N_("a reservation rule names exactly one role"),
    N_("a reservation rule names the team the role is reserved for"),
    N_("a response answers exactly one claim"),
    N_("a response needs an audience: the actor or team who responds"),
    N_("a role claim needs exactly one bearer, an actor or team"),
    N_("a role claim needs exactly one role, declared as a rg:Role"),
    N_("a role is assigned by an actor or team"),
    N_("a source document needs a title (dcterms:title)"),
    N_("an incompatibility rule names exactly two roles"),
    N_("claim has no context: every claim happens in a social situation"),
    N_("evidence has at most one quote, as plain text"),
    N_("evidence has no source: name the source document it comes from"),
    N_("evidence needs a quote or a paraphrase"),
    N_("mode is rg:Taken or rg:Given"),
    N_("needs a label (rdfs:label), in English and/or Danish"),
    N_("outcome is rg:Recognised, rg:Refused, rg:Contested, rg:Failed, rg:NotTakenUp or rg:Ignored"),
    N_("stance is rg:Embraces, rg:Accepts or rg:Distances"),
    N_("the speaker of a quote is an actor"),
    N_("violates a SHACL shape"),  # a shape without a message
)
