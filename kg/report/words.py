"""Every word of the report, marked for the message catalogue (its Danish is in locale/)."""

from __future__ import annotations

from ..i18n import N_, words

WORDS: dict[str, str] = {
    "report_title": N_("rolegraph report"),
    "generated": N_("Made by rolegraph from the store {store} on {date}."),
    "pseudonymised": N_("Persons are pseudonymised: names and aliases are replaced by stable pseudonyms."),
    "contents": N_("Contents"),
    "case": N_("Case"),
    "actors_teams": N_("Actors and teams"),
    "actor": N_("Actor"),
    "kind": N_("Kind"),
    "side": N_("Side"),
    "member_of": N_("Member of"),
    "team": N_("Team"),
    "members": N_("Members"),
    "no_actors": N_("No actors are recorded."),
    "network": N_("Role network"),
    "network_title": N_("Who claims which role, where"),
    "legend": N_("Arrows go from the bearer to the role and are labelled with the context. Green: recognised; red: refused, contested, failed, not taken up or ignored; orange: both; grey dashed: no response recorded."),
    "claims": N_("Role claims"),
    "findings": N_("Findings"),
    "no_findings": N_("The rules found nothing in this case (was the store reasoned?)."),
    "clashes": N_("Clashes"),
    "no_clashes": N_("No clashes."),
    "finding": N_("Finding"),
    "rules_behind": N_("Rules behind it"),
    "claim": N_("Claim"),
    "bearer": N_("Bearer"),
    "role": N_("Role"),
    "context": N_("Context"),
    "stance": N_("Stance"),
    "recognised": N_("recognised"),
    "refused": N_("refused"),
    "contested": N_("contested"),
    "failed": N_("failed"),
    "nottakenup": N_("not taken up"),
    "ignored": N_("ignored"),
    "for": N_("For (recognised)"),
    "against": N_("Against (refused, contested, failed, not taken up or ignored)"),
    "by": N_("by"),
    "in": N_("in"),
    "said_by": N_("said by"),
    "source": N_("source"),
    "no_quote": N_("(no quote recorded)"),
    "cross_case": N_("Roles across cases"),
    "cross_intro": N_("Each role claimed in the cases, with the contexts in which audiences recognised or refused it."),
    "recognised_in": N_("recognised in"),
    "refused_in": N_("refused in"),
    "contested_in": N_("contested in"),
    "other_in": N_("failed, not taken up or ignored in"),
    "bearers": N_("bearers"),
    "person": N_("person"),
    "organisation": N_("organisation"),
    "group": N_("group"),
    "citizen": N_("citizen side"),
    "public": N_("public side"),
    "evidence": N_("Evidence"),
}
_KIND = {"Person": "person", "Organisation": "organisation", "Group": "group",
         "CitizenActor": "citizen", "PublicSectorActor": "public"}


def words_in(lang: str) -> dict[str, str]:
    """Every word of the report in `lang`."""
    return words(WORDS, lang)


def word(lang: str, key: str) -> str:
    """A word of the report in `lang` (a missing key is a bug: the table has every key)."""
    return words_in(lang)[key]


def kind_word(lang: str, local: str) -> str:
    """An actor kind or side (its class's local name) in words."""
    key = _KIND.get(local)
    return word(lang, key) if key else local
