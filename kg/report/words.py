"""Every word of the report, in English and Danish."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "report_title": "rolegraph report",
        "generated": "Made by rolegraph from the store {store} on {date}.",
        "pseudonymised": "Persons are pseudonymised: names and aliases are replaced by stable pseudonyms.",
        "contents": "Contents",
        "case": "Case",
        "actors_teams": "Actors and teams",
        "actor": "Actor", "kind": "Kind", "side": "Side", "member_of": "Member of",
        "team": "Team", "members": "Members",
        "no_actors": "No actors are recorded.",
        "network": "Role network",
        "network_title": "Who claims which role, where",
        "legend": "Arrows go from the bearer to the role and are labelled with the context. "
                  "Green: recognised; red: refused, contested, failed, not taken up or ignored; orange: both; grey dashed: no response recorded.",
        "claims": "Role claims",
        "findings": "Findings",
        "no_findings": "The rules found nothing in this case (was the store reasoned?).",
        "clashes": "Clashes",
        "no_clashes": "No clashes.",
        "finding": "Finding",
        "rules_behind": "Rules behind it",
        "claim": "Claim",
        "bearer": "Bearer", "role": "Role", "context": "Context", "stance": "Stance",
        "recognised": "recognised", "refused": "refused", "contested": "contested",
        "failed": "failed", "nottakenup": "not taken up", "ignored": "ignored",
        "for": "For (recognised)", "against": "Against (refused, contested, failed, not taken up or ignored)",
        "by": "by", "in": "in", "said_by": "said by", "source": "source",
        "no_quote": "(no quote recorded)",
        "cross_case": "Roles across cases",
        "cross_intro": "Each role claimed in the cases, with the contexts in which audiences recognised or refused it.",
        "recognised_in": "recognised in", "refused_in": "refused in", "contested_in": "contested in",
        "other_in": "failed, not taken up or ignored in",
        "bearers": "bearers",
        "person": "person", "organisation": "organisation", "group": "group",
        "citizen": "citizen side", "public": "public side",
        "evidence": "Evidence",
    },
    "da": {
        "report_title": "rolegraph-rapport",
        "generated": "Lavet af rolegraph ud fra lageret {store} den {date}.",
        "pseudonymised": "Personer er pseudonymiserede: navne og aliaser er erstattet af faste pseudonymer.",
        "contents": "Indhold",
        "case": "Case",
        "actors_teams": "Aktører og hold",
        "actor": "Aktør", "kind": "Slags", "side": "Side", "member_of": "Medlem af",
        "team": "Hold", "members": "Medlemmer",
        "no_actors": "Ingen aktører er registreret.",
        "network": "Rollenetværk",
        "network_title": "Hvem gør krav på hvilken rolle, hvor",
        "legend": "Pilene går fra rolleindehaveren til rollen og er mærket med konteksten. "
                  "Grøn: anerkendt; rød: afvist, omstridt, mislykket, ikke taget op eller ignoreret; orange: begge dele; grå stiplet: ingen respons registreret.",
        "claims": "Rollekrav",
        "findings": "Fund",
        "no_findings": "Reglerne fandt intet i denne case (er lageret blevet ræsonneret?).",
        "clashes": "Sammenstød",
        "no_clashes": "Ingen sammenstød.",
        "finding": "Fund",
        "rules_behind": "Reglerne bag",
        "claim": "Krav",
        "bearer": "Indehaver", "role": "Rolle", "context": "Kontekst", "stance": "Holdning",
        "recognised": "anerkendt", "refused": "afvist", "contested": "omstridt",
        "failed": "mislykkedes", "nottakenup": "ikke taget op", "ignored": "ignoreret",
        "for": "For (anerkendt)", "against": "Imod (afvist, omstridt, mislykket, ikke taget op eller ignoreret)",
        "by": "af", "in": "i", "said_by": "sagt af", "source": "kilde",
        "no_quote": "(intet citat registreret)",
        "cross_case": "Roller på tværs af cases",
        "cross_intro": "Hver rolle, der gøres krav på i casene, med de kontekster, hvor publikum anerkendte eller afviste den.",
        "recognised_in": "anerkendt i", "refused_in": "afvist i", "contested_in": "omstridt i",
        "other_in": "mislykkedes, ikke taget op eller ignoreret i",
        "bearers": "indehavere",
        "person": "person", "organisation": "organisation", "group": "gruppe",
        "citizen": "borgersiden", "public": "den offentlige side",
        "evidence": "Belæg",
    },
}
_KIND = {"Person": "person", "Organisation": "organisation", "Group": "group",
         "CitizenActor": "citizen", "PublicSectorActor": "public"}


def word(lang: str, key: str) -> str:
    """A word of the report in `lang` (a missing key is a bug: both languages have every key)."""
    return WORDS[lang][key]


def kind_word(lang: str, local: str) -> str:
    """An actor kind or side (its class's local name) in words."""
    key = _KIND.get(local)
    return WORDS[lang][key] if key else local
