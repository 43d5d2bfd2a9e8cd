"""Seeded synthetic corpora in the YAML case format, for tests and benchmarks.

`generate(out_dir, cases=N, seed=S)` writes N case files shaped like the shipped
cases: 8-12 actors on the citizen and the public side, 2-3 teams, 3-4 social
situations (one nested in another, one after the process, one outside it), an
interaction order with a reserve rule and an incompatible rule, a process with
initiators and phases, about ten role claims with 1-2 responses each, a
membership claim, and evidence. Every quote and paraphrase is synthetic text,
marked "[synthetic]", and every source says it is not a real document.

Some cases carry on purpose the patterns the interaction-order rules look for:
a role recognised in one situation and refused in another (the flagship
question `role-transfer`), the same but refused in a nested situation (a near
miss the rule must skip), a reserved role taken by an outsider, two roles an
audience holds incompatible, and a crossing onto the other team.

Output is a function of the seed alone: each case is drawn from its own random
stream seeded by (seed, case number), so a corpus of 10 cases is the first ten
files of a corpus of 100 with the same seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .cases.validate import CASE_SUFFIXES
from .errors import UsageError
from .i18n import N_

CASE_PREFIX = "synthetic"
# Probabilities of the deliberate patterns (per case; case 0 always has a transfer).
P_TRANSFER = 0.6
P_SECOND_TRANSFER = 0.3
P_NEAR_MISS = 0.4
P_RESERVED = 0.7
P_INCOMPATIBLE = 0.6
P_LOCAL_ROLE = 0.3


@dataclass
class GenerateReport:
    """What `generate` wrote."""

    out_dir: Path
    seed: int
    files: list[Path] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)
    claims: int = 0
    responses: int = 0
    transfer_cases: int = 0  # cases with a deliberate recognised-here / refused-there pattern
    transfer_patterns: int = 0

    @property
    def cases(self) -> int:
        return len(self.files)


# ---- vocabulary pools ---------------------------------------------------------------------

Label = tuple[str, str]  # (en, da)

THEMES: list[dict[str, Any]] = [
    {
        "setting": ("a drop-in centre", "et værested"),
        "org": ("the users' council", "brugerrådet"),
        "users": ("the users of the drop-in centre", "brugerne af værestedet"),
        "public_org": ("the municipality's social services", "kommunens socialforvaltning"),
        "staff": ("the front-line staff of the centre", "værestedets frontpersonale"),
        "main": ("workshop", ("the future workshop", "fremtidsværkstedet")),
        "sub": ("activity", ("the café evenings", "caféaftenerne")),
        "after": ("everyday-practice", ("everyday life at the centre after the workshop",
                                        "hverdagen på værestedet efter workshoppen")),
        "aim": "developing new activities at the drop-in centre with its users",
    },
    {
        "setting": ("a vulnerable housing area", "et udsat boligområde"),
        "org": ("the residents' association", "beboerforeningen"),
        "users": ("the residents of the housing area", "beboerne i boligområdet"),
        "public_org": ("SSP (school, social services and police)", "SSP (skole, socialforvaltning og politi)"),
        "staff": ("the SSP workers", "SSP-medarbejderne"),
        "main": ("partnership", ("the partnership with SSP", "partnerskabet med SSP")),
        "sub": ("activity", ("the night walks in the area", "natteravnene i området")),
        "after": ("everyday-practice", ("the area after the partnership", "området efter partnerskabet")),
        "aim": "preventing crime among young people through joint activities",
    },
    {
        "setting": ("a family centre", "et familiecenter"),
        "org": ("the parents' network", "forældrenetværket"),
        "users": ("the parents using the family centre", "forældrene i familiecentret"),
        "public_org": ("the children-and-youth department", "børn- og ungeforvaltningen"),
        "staff": ("the family counsellors", "familierådgiverne"),
        "main": ("course", ("the parenting course", "forældrekurset")),
        "sub": ("meeting", ("the parents' evening meetings", "forældremøderne om aftenen")),
        "after": ("everyday-practice", ("the parents' groups after the course", "forældregrupperne efter kurset")),
        "aim": "strengthening parents' networks and their children's well-being",
    },
    {
        "setting": ("a public library", "et folkebibliotek"),
        "org": ("the library's friends' association", "bibliotekets venneforening"),
        "users": ("the library's regular visitors", "bibliotekets faste brugere"),
        "public_org": ("the culture department", "kulturforvaltningen"),
        "staff": ("the librarians", "bibliotekarerne"),
        "main": ("workshop", ("the design workshops for the new library", "designworkshoppene om det nye bibliotek")),
        "sub": ("activity", ("the reading circles", "læsekredsene")),
        "after": ("everyday-practice", ("the new library in use", "det nye bibliotek i brug")),
        "aim": "designing the library's new rooms and activities with its visitors",
    },
    {
        "setting": ("a job centre", "et jobcenter"),
        "org": ("the unemployed people's association", "de lediges forening"),
        "users": ("the citizens on benefits", "borgerne på ydelse"),
        "public_org": ("the employment department", "beskæftigelsesforvaltningen"),
        "staff": ("the job consultants", "jobkonsulenterne"),
        "main": ("meeting", ("the dialogue meetings", "dialogmøderne")),
        "sub": ("activity", ("the peer-support groups", "makkergrupperne")),
        "after": ("everyday-practice", ("the job centre's daily work after the project",
                                        "jobcentrets hverdag efter projektet")),
        "aim": "redesigning the job centre's meetings with the citizens who attend them",
    },
    {
        "setting": ("an allotment garden project", "et nyttehaveprojekt"),
        "org": ("the garden group", "havegruppen"),
        "users": ("the gardeners from the area", "haveejerne fra området"),
        "public_org": ("the park and nature department", "park- og naturforvaltningen"),
        "staff": ("the park staff", "parkmedarbejderne"),
        "main": ("project", ("the garden project", "haveprojektet")),
        "sub": ("activity", ("the shared harvest days", "de fælles høstdage")),
        "after": ("everyday-practice", ("the garden run by the residents", "haven drevet af beboerne")),
        "aim": "turning an unused green space into a garden run by residents",
    },
    {
        "setting": ("a youth club", "en ungdomsklub"),
        "org": ("the young people's council", "ungerådet"),
        "users": ("the young people of the club", "klubbens unge"),
        "public_org": ("the youth school", "ungdomsskolen"),
        "staff": ("the club workers", "klubmedarbejderne"),
        "main": ("workshop", ("the club's planning workshops", "klubbens planlægningsworkshops")),
        "sub": ("activity", ("the Friday events", "fredagsarrangementerne")),
        "after": ("everyday-practice", ("the club after the workshops", "klubben efter workshoppene")),
        "aim": "letting the young people plan and run the club's activities",
    },
    {
        "setting": ("a health centre", "et sundhedscenter"),
        "org": ("the patients' association", "patientforeningen"),
        "users": ("the citizens with chronic illness", "borgerne med kronisk sygdom"),
        "public_org": ("the health department", "sundhedsforvaltningen"),
        "staff": ("the nurses and therapists", "sygeplejerskerne og terapeuterne"),
        "main": ("course", ("the self-care course", "egenomsorgskurset")),
        "sub": ("meeting", ("the course's exercise sessions", "kursets træningsgange")),
        "after": ("everyday-practice", ("the self-help groups after the course", "selvhjælpsgrupperne efter kurset")),
        "aim": "developing a self-care course together with patients",
    },
]

OUTSIDE = [
    ("encounter", ("the encounter at the children-and-youth department", "mødet i børn- og ungeafdelingen")),
    ("encounter", ("the meeting at the housing office", "mødet på boligkontoret")),
    ("case-work", ("the child-welfare cases", "børnesagerne")),
    ("encounter", ("the visit to the job centre", "besøget i jobcentret")),
    ("case-work", ("the benefit cases", "ydelsessagerne")),
]

CASEWORKERS = [("the caseworkers", "sagsbehandlerne"),
               ("the case officers of the department", "forvaltningens sagsbehandlere"),
               ("the municipal caseworkers", "de kommunale sagsbehandlere")]

CITIZEN_NAMES = ["Amina", "Anna", "Asta", "Birgit", "Bo", "Camilla", "Dorte", "Emil", "Fatima", "Freja",
                 "Hamid", "Hanne", "Ida", "Inger", "Jonas", "Karen", "Layla", "Lauritz", "Leila", "Mads",
                 "Maja", "Mia", "Nadia", "Ole", "Omar", "Rasmus", "Sara", "Sofie", "Yusuf", "Aksel"]
STAFF_NAMES = ["Anders", "Bente", "Christian", "Dorthe", "Erik", "Gitte", "Helle", "Henrik", "Ina", "Jens",
               "Kirsten", "Lars", "Lone", "Martin", "Mette", "Michael", "Niels", "Pia", "Susanne", "Torben"]
STAFF_TITLES = [("the centre leader", "lederen"), ("the project leader", "projektlederen"),
                ("a social worker", "en socialrådgiver"), ("the coordinator", "koordinatoren"),
                ("a front-line worker", "en frontmedarbejder")]

PHASE_LABELS = {"planning": ("planning", "planlægning"), "ideation": ("development of ideas", "idéudvikling"),
                "design": ("design", "design"), "implementation": ("implementation", "implementering")}

# Roles a citizen may be offered and see recognised in one place and refused in another:
# (role, a narrower role that specialises it or None).
TRANSFER_ROLES = [("crime-prevention-partner", None), ("partner", "crime-prevention-partner"),
                  ("ambassador", "adviser"), ("adviser", None), ("co-creator", "idea-developer"),
                  ("co-creator", "activity-organiser"), ("activity-organiser", None),
                  ("idea-developer", None)]
RESERVED_ROLES = ["minute-taker", "facilitator", "course-leader", "supporter"]
INCOMPATIBLE = [("vulnerable-mother", "adviser"), ("client", "ambassador"), ("client", "partner"),
                ("vulnerable-mother", "crime-prevention-partner"), ("user", "facilitator")]
LOCAL_ROLES = [("night-walker", ("night walker", "natteravn"), "crime-prevention-partner"),
               ("cafe-volunteer", ("volunteer running the café", "frivillig i caféen"), "co-creator"),
               ("peer-mentor", ("peer mentor", "makkermentor"), "adviser"),
               ("garden-keeper", ("keeper of the garden", "havens vogter"), "activity-organiser"),
               ("event-host", ("host of events", "vært ved arrangementer"), "activity-organiser")]

ROLE_VERBS = {
    "crime-prevention-partner": "a partner in preventing crime",
    "partner": "a partner in the collaboration",
    "ambassador": "an ambassador for the municipality",
    "adviser": "an adviser who goes along with other residents",
    "co-creator": "a co-creator of the activities",
    "idea-developer": "the one who comes up with the ideas",
    "activity-organiser": "responsible for the activities",
    "minute-taker": "the one who writes the minutes",
    "facilitator": "the one who leads the session",
    "course-leader": "the course leader",
    "supporter": "the one who supports the others",
    "vulnerable-mother": "a vulnerable mother with social problems",
    "client": "a client of the department",
    "user": "just one of the users",
    "staff-member": "an ordinary member of staff",
    "informant": "someone who tells us about the area",
    "initiator-in-charge": "the one left in charge",
    "inclusion-operator": "the one who draws newcomers in",
    "protective-carer": "the one who has to protect them",
    "caseworker": "the caseworker on the file",
}

LOCATORS = {"field-notes": ["field notes, day {n}", "observation log, entry {a}"],
            "interviews": ["interview {n}, lines {a}-{b}", "focus group {n}, p. {a}", "interview {n}, p. {a}"]}


# ---- building one case --------------------------------------------------------------------

def _label(pair: Label, rng: random.Random, p_da: float = 0.6) -> str | dict[str, str]:
    en, da = pair
    return {"en": en, "da": da} if rng.random() < p_da else en


def _en(pair: Label) -> str:
    return pair[0]


class _Case:
    """Draws one case from its own random stream."""

    def __init__(self, seed: int, index: int) -> None:
        self.rng = random.Random(f"rolegraph-generate:{seed}:{index}")
        self.seed = seed
        self.index = index
        self.case_id = case_id(seed, index)
        self.ids: set[str] = set()
        self.labels: dict[str, str] = {}  # id -> English label, for synthetic text
        self.claims: list[dict[str, Any]] = []
        self.transfers = 0
        self.responses = 0

    # -- helpers --
    def uid(self, base: str) -> str:
        out, n = base, 2
        while out in self.ids:
            out, n = f"{base}-{n}", n + 1
        self.ids.add(out)
        return out

    def locator(self, source: str) -> str:
        r = self.rng
        a = r.randint(1, 400)
        return r.choice(LOCATORS[source]).format(n=r.randint(1, 12), a=a, b=a + r.randint(1, 9))

    def evidence(self, text: str, speaker: str | None = None, p: float = 1.0) -> list[dict[str, Any]] | None:
        """0-2 evidence items about `text`; quotes marked synthetic, sometimes with a speaker."""
        r = self.rng
        if r.random() >= p:
            return None
        items = []
        quote_first = r.random() < 0.55
        for k in range(1 if r.random() < 0.7 else 2):  # a second item is of the other kind
            if quote_first == (k == 0):
                item: dict[str, Any] = {"quote": f"[synthetic] {text}"}
                if speaker and r.random() < 0.6:
                    item["speaker"] = speaker
            else:
                item = {"paraphrase": f"Synthetic paraphrase: {text}"}
            source = r.choice(self.sources)
            item["source"] = source
            item["locator"] = self.locator(source)
            items.append(item)
        return items

    def with_evidence(self, rec: dict[str, Any], text: str, speaker: str | None = None,
                      p: float = 1.0) -> dict[str, Any]:
        ev = self.evidence(text, speaker, p)
        if ev:
            rec["evidence"] = ev[0] if len(ev) == 1 and self.rng.random() < 0.5 else ev
        return rec

    # -- sections --
    def build(self) -> dict[str, Any]:
        r = self.rng
        theme = r.choice(THEMES)
        self.theme = theme
        self.sources = [self.uid("field-notes"), self.uid("interviews")]  # the keys of LOCATORS
        doc: dict[str, Any] = {
            "case": self.case_id,
            "lang": "en",
            "title": {"en": f"Synthetic case {self.index}: co-production at {_en(theme['setting'])}",
                      "da": f"Syntetisk case {self.index}: samskabelse i {theme['setting'][1]}"},
            "description": (f"A generated case (seed {self.seed}, case {self.index}) shaped like the "
                            f"shipped cases: {theme['aim']}. Every actor, quote and source is synthetic."),
            "sources": [
                {"id": self.sources[0], "title": f"Synthetic field notes, case {self.index}",
                 "citation": "Generated by `rolegraph generate`; not a real document."},
                {"id": self.sources[1], "title": f"Synthetic interview transcripts, case {self.index}",
                 "citation": "Generated by `rolegraph generate`; not a real document."},
            ],
        }
        doc["actors"] = self.actors()
        doc["teams"] = self.teams()
        local_role = self.local_role()
        if local_role:
            doc["roles"] = [local_role]
        doc["orders"] = [self.order()]
        doc["processes"] = [self.process()]
        doc["contexts"] = self.contexts()
        self.make_claims()
        doc["claims"] = self.claims
        doc["memberships"] = [self.membership()]
        return doc

    def actors(self) -> list[dict[str, Any]]:
        r, t = self.rng, self.theme
        out: list[dict[str, Any]] = []

        def add(base: str, kind: str, side: str | None, label: Any, en: str, **extra: Any) -> str:
            aid = self.uid(base)
            rec: dict[str, Any] = {"id": aid, "kind": kind}
            if side:
                rec["side"] = side
            rec["label"] = label
            rec.update(extra)
            self.labels[aid] = en
            out.append(self.with_evidence(rec, f"{en[0].upper()}{en[1:]} took part.", p=0.3))
            return aid

        self.org = add("association", "organisation", "citizen", _label(t["org"], r), _en(t["org"]))
        self.users = add("users", "group", "citizen", _label(t["users"], r), _en(t["users"]))
        n_cit = r.randint(2, 4)
        self.citizens = []
        for name in r.sample(CITIZEN_NAMES, n_cit):
            self.citizens.append(add(name.lower(), "person", "citizen", f"{name}, a participant",
                                     f"{name}, a participant", member_of=[self.users]))
        self.other_users = add("other-users", "group", "citizen", {"en": "the other participants",
                               "da": "de andre deltagere"}, "the other participants", member_of=[self.users])
        self.public_org = add("department", "organisation", "public", _label(t["public_org"], r),
                              _en(t["public_org"]))
        self.staff_group = add("staff", "group", "public", _label(t["staff"], r), _en(t["staff"]))
        self.staff = []
        n_staff = r.randint(1, 2)
        for name, title in zip(r.sample(STAFF_NAMES, n_staff), r.sample(STAFF_TITLES, n_staff), strict=True):
            self.staff.append(add(name.lower(), "person", "public", {"en": f"{name}, {title[0]}",
                                  "da": f"{name}, {title[1]}"}, f"{name}, {title[0]}",
                                  member_of=[self.public_org]))
        cw = r.choice(CASEWORKERS)
        self.caseworkers = add("caseworkers", "group", "public", _label(cw, r), cw[0])
        if len(out) < 10 and r.random() < 0.5:  # someone whose side the sources do not state
            name = r.choice([n for n in STAFF_NAMES if n.lower() not in self.ids])
            self.volunteer: str | None = add(name.lower(), "person", None, f"{name}, a volunteer",
                                 f"{name}, a volunteer", note="The sources do not say who employs them.")
        else:
            self.volunteer = None
        return out

    def teams(self) -> list[dict[str, Any]]:
        r, t = self.rng, self.theme
        self.citizen_team = self.uid("citizens-team")
        self.staff_team = self.uid("staff-team")
        teams = [
            self.with_evidence({"id": self.citizen_team, "label": _label(t["users"], r),
                                "members": [*self.citizens, self.other_users]},
                               "We stick together, we are the users here.", speaker=self.citizens[0], p=0.5),
            self.with_evidence({"id": self.staff_team, "label": _label(t["staff"], r),
                                "members": [*self.staff, self.staff_group]},
                               "The staff keep the meeting together.", p=0.4),
        ]
        self.labels[self.citizen_team] = _en(t["users"])
        self.labels[self.staff_team] = _en(t["staff"])
        self.third_team = None
        if r.random() < 0.6:
            if r.random() < 0.5:
                self.third_team = self.uid("joint-team")
                teams.append({"id": self.third_team,
                              "label": {"en": f"{_en(t['org'])} and the staff", "da": "foreningen og personalet"},
                              "members": [self.org, self.staff[0]],
                              "note": "A team across the sides, kept together by close collaboration."})
            else:
                self.third_team = self.uid("caseworkers-team")
                teams.append({"id": self.third_team, "label": {"en": "the caseworkers", "da": "sagsbehandlerne"},
                              "members": [self.caseworkers]})
        return teams

    def local_role(self) -> dict[str, Any] | None:
        r = self.rng
        self.local = None
        if r.random() >= P_LOCAL_ROLE:
            return None
        rid, label, parent = r.choice(LOCAL_ROLES)
        self.local = (self.uid(rid), parent)
        self.local_verb = label[0]
        return {"id": self.local[0], "label": _label(label, r), "specialises": parent,
                "definition": f"A synthetic role of this case: {label[0]}."}

    def order(self) -> dict[str, Any]:
        r = self.rng
        self.order_id = self.uid("main-order")
        self.reserved = r.choice(RESERVED_ROLES)
        self.incompatible = r.choice(INCOMPATIBLE)
        return self.with_evidence({
            "id": self.order_id,
            "label": {"en": "the everyday order of the setting", "da": "stedets hverdagsorden"},
            "rules": [
                self.with_evidence({"reserve": self.reserved, "for": self.staff_team,
                                    "held_by": [self.other_users]},
                                   f"Normally it is the staff who act as {ROLE_VERBS[self.reserved]}.", p=0.5),
                {"incompatible": list(self.incompatible), "held_by": [self.caseworkers],
                 "note": "Synthetic: the caseworkers cannot see the one role beside the other."},
            ]}, "There are rules for who does what here, even if nobody writes them down.", p=0.4)

    def process(self) -> dict[str, Any]:
        r, t = self.rng, self.theme
        self.process_id = self.uid("process")
        initiators = r.choice([[self.org], [self.staff_group], [self.org, self.staff_group],
                               [self.public_org], [self.users, self.staff[0]]])
        citizen_init = any(a in (self.org, self.users) for a in initiators)
        public_init = any(a in (self.staff_group, self.public_org, *self.staff) for a in initiators)
        types = ["co-creation"] if citizen_init and public_init else (
            ["citizen-driven"] if citizen_init else ["user-centred"])
        if r.random() < 0.3:
            types.append(r.choice(["individual", "collective", "transformative", "intermediary"]))
        kinds = ["planning", "ideation", "design", "implementation"]
        chosen = sorted(r.sample(kinds, r.randint(2, 4)), key=kinds.index)
        if "ideation" not in chosen and "design" not in chosen:
            chosen.insert(1, "ideation")
        self.phases: dict[str, str] = {}
        phases = []
        for k in chosen:
            pid = self.uid(f"ph-{k}")
            self.phases[k] = pid
            parts = {"planning": [self.staff_group], "ideation": [self.users, self.org],
                     "design": [self.users], "implementation": [self.users, self.staff_group]}[k]
            if r.random() < 0.4:
                parts = [*parts, self.staff[0]]
            ph: dict[str, Any] = {"id": pid, "kind": k, "label": _label(PHASE_LABELS[k], r, 0.8),
                                  "participants": parts}
            if r.random() < 0.8:
                ph["influence"] = r.choice(["none", "shared", "decisive"])
            phases.append(self.with_evidence(ph, f"In the {PHASE_LABELS[k][0]} phase we decided together.",
                                             speaker=self.citizens[0], p=0.5))
        participants = [self.org, self.users, *self.citizens, self.other_users, self.staff_group, *self.staff]
        rec: dict[str, Any] = {
            "id": self.process_id,
            "label": {"en": f"co-production at {_en(t['setting'])}", "da": f"samskabelse i {t['setting'][1]}"},
            "aim": t["aim"][0].upper() + t["aim"][1:] + ".",
            "form": r.choice(["Two workshops and follow-up meetings.", "A long-term partnership.",
                              "A course of six sessions.", "Monthly meetings over a year."]),
            "initiators": initiators,
            "participants": participants,
            "types": types,
            "phases": phases,
        }
        return self.with_evidence(rec, f"The aim was {t['aim']}.", p=0.9)

    def contexts(self) -> list[dict[str, Any]]:
        r, t = self.rng, self.theme
        out = []
        kind, label = t["main"]
        self.main = self.uid(kind)
        self.main_phase = self.phases.get("ideation") or self.phases.get("design")
        out.append(self.with_evidence({"id": self.main, "kind": kind, "label": _label(label, r),
                                       "process": self.process_id, "order": self.order_id, "time": "during",
                                       "phase": self.main_phase},
                                      f"{_en(label)[0].upper()}{_en(label)[1:]} brought everyone together.", p=0.6))
        self.labels[self.main] = _en(label)
        has_sub, has_after = r.random() < 0.75, r.random() < 0.75
        if not (has_sub or has_after):
            has_sub = has_after = True
        self.sub = self.after = None
        if has_sub:
            kind, label = t["sub"]
            self.sub = self.uid(kind)
            out.append(self.with_evidence({"id": self.sub, "kind": kind, "label": _label(label, r),
                                           "part_of": self.main, "process": self.process_id, "time": "during"},
                                          f"Within {_en(t['main'][1])} there were also {_en(label)}.", p=0.5))
            self.labels[self.sub] = _en(label)
        if has_after:
            kind, label = t["after"]
            self.after = self.uid("after")
            rec = {"id": self.after, "kind": kind, "label": _label(label, r), "process": self.process_id,
                   "time": "after"}
            if "implementation" in self.phases:
                rec["phase"] = self.phases["implementation"]
            out.append(self.with_evidence(rec, "Afterwards the responsibility slid back to the staff.", p=0.5))
            self.labels[self.after] = _en(label)
        kind, label = r.choice(OUTSIDE)
        self.outside = self.uid("outside")
        out.append(self.with_evidence({"id": self.outside, "kind": kind, "label": _label(label, r),
                                       "order": self.order_id,
                                       "note": "Outside the co-production: the roles may not carry over."},
                                      f"In {_en(label)} nobody knew us from the project.", p=0.6))
        self.labels[self.outside] = _en(label)
        return out

    # -- claims --
    def when(self, ctx: str) -> dict[str, Any]:
        if ctx == self.main:
            return {"time": "during", "phase": self.main_phase} if self.main_phase else {"time": "during"}
        if ctx == self.sub:
            return {"time": "during"}
        if ctx == self.after:
            out: dict[str, Any] = {"time": "after"}
            if "implementation" in self.phases:
                out["phase"] = self.phases["implementation"]
            return out
        return {}

    def response(self, by: list[str], outcome: str, context: str | None = None,
                 text: str | None = None) -> dict[str, Any]:
        self.responses += 1
        rec: dict[str, Any] = {"by": by, "outcome": outcome}
        if context:
            rec["context"] = context
        if text:
            self.with_evidence(rec, text, speaker=by[0], p=0.45)
        return rec

    def claim(self, bearer: str, role: str, context: str, responses: list[dict[str, Any]], *,
              mode: str | None = None, by: list[str] | None = None, stance: str | None = None,
              note: str | None = None) -> dict[str, Any]:
        cid = self.uid(f"{bearer}-{role}-{context}")
        rec: dict[str, Any] = {"id": cid, "bearer": bearer, "role": role, "context": context}
        if mode:
            rec["mode"] = mode
        if by:
            rec["by"] = by
        if stance:
            rec["stance"] = stance
        rec.update(self.when(context))
        if note:
            rec["note"] = note
        verb = self.local_verb if self.local and role == self.local[0] else ROLE_VERBS.get(role, role)
        speaker = bearer if bearer in self.citizens or bearer in self.staff else None
        we = "I was" if bearer in self.citizens or bearer in self.staff else "we were"
        self.with_evidence(rec, f"In {self.labels.get(context, context)} {we} {verb}.", speaker=speaker, p=0.8)
        rec["responses"] = responses
        self.claims.append(rec)
        return rec

    def make_claims(self) -> None:
        r = self.rng
        citizen_bearers = [self.org, *self.citizens]
        staff_p = self.staff[0]
        transfer_bearer = None
        # 1. recognised here, refused there (the flagship pattern)
        if self.index == 0 or r.random() < P_TRANSFER:
            role, narrower = r.choice(TRANSFER_ROLES)
            if self.local and r.random() < 0.5:
                role, narrower = self.local[1], self.local[0]
            bearer = transfer_bearer = r.choice(citizen_bearers)
            there = self.outside
            self.transfers += 1
            yes = self.response([staff_p] + ([self.staff_group] if r.random() < 0.4 else []), "recognised",
                                text="They are really doing a great job with us.")
            if r.random() < 0.5:  # one claim, refused by the caseworkers in another situation
                self.claim(bearer, role, self.main, [yes, self.response(
                    [self.caseworkers], "refused", context=there, text="What could she help with here?")],
                    mode="given", by=[staff_p], stance=r.choice(["embraces", "accepts"]),
                    note="Synthetic: recognised in the project, refused outside it.")
            else:  # two claims, the second perhaps of a narrower role
                self.claim(bearer, role, self.main, [yes], mode="given", by=[staff_p],
                           stance=r.choice(["embraces", "accepts"]))
                second = narrower if narrower and r.random() < 0.5 else role
                self.claim(bearer, second, there, [self.response([self.caseworkers], "refused",
                           text="We do not work with them in that way.")],
                           mode="taken", stance="embraces",
                           note="Synthetic: the role does not carry over into this situation.")
            if self.after and r.random() < P_SECOND_TRANSFER:  # not transferred into everyday practice
                self.transfers += 1
                self.claim(bearer, role, self.after, [self.response([self.staff_group], "refused",
                           text="After the project it was back to the old ways.")], mode="taken",
                           stance="accepts")
        # 2. a near miss: refused in a situation nested in the one where it is recognised
        if self.sub and r.random() < P_NEAR_MISS:
            role, _ = r.choice(TRANSFER_ROLES)
            bearer = r.choice(citizen_bearers)
            self.claim(bearer, role, self.main, [self.response([staff_p], "recognised")], mode="given",
                       by=[self.staff_group], stance="accepts")
            self.claim(bearer, role, self.sub, [self.response([self.other_users], "refused",
                       text="In the small group she was just one of us.")], mode="taken",
                       note="Synthetic near miss: the refusal is inside the situation that recognises it.")
        # 3. a reserved role taken by an outsider
        if r.random() < P_RESERVED:
            bearer = r.choice(self.citizens)
            self.claim(bearer, self.reserved, self.main, [
                self.response([staff_p], "recognised", text="I asked her because she can do it."),
                self.response([self.other_users], r.choice(["refused", "refused", "contested"]),
                              text="You are not one of us any more."),
            ], mode="given", by=[staff_p], stance=r.choice(["accepts", "distances", "embraces"]))
        # 4. two roles an audience holds incompatible
        if r.random() < P_INCOMPATIBLE:
            known, other = self.incompatible
            bearer = transfer_bearer if transfer_bearer and r.random() < 0.5 else r.choice(citizen_bearers)
            ctx = self.outside
            self.claim(bearer, known, ctx, [self.response([self.caseworkers], "recognised",
                       text="We know her from the cases.")], mode="given", by=[self.caseworkers],
                       stance="distances")
            self.claim(bearer, other, self.main, [self.response([staff_p], "recognised")],
                       mode=r.choice(["taken", "given"]), stance="embraces")
        # 5. ordinary claims until the case has 8-12
        target = r.randint(8, 12)
        fillers = self.fillers()
        r.shuffle(fillers)
        for make in fillers:
            if len(self.claims) >= target:
                break
            make()

    def fillers(self) -> list[Callable[[], object]]:
        r = self.rng
        staff_p = self.staff[-1]
        contexts = [c for c in (self.main, self.sub, self.after) if c]

        def outcome() -> str:
            return r.choices(["recognised", "contested", "refused"], weights=[70, 20, 10])[0]

        def resp(by: str, ctx: str | None = None) -> list[dict[str, Any]]:
            out = [self.response([by], outcome(), context=ctx, text="That is how we saw it.")]
            if r.random() < 0.35:
                out.append(self.response([r.choice([self.users, self.staff_group, self.org])], outcome()))
            return out

        def mk(bearer: str, role: str, ctx: str, audience: str, **kw: Any) -> Callable[[], object]:
            return lambda: self.claim(bearer, role, ctx, resp(audience), **kw)

        out = [
            mk(self.staff_group, "facilitator", self.main, self.users),
            mk(staff_p, "staff-member", self.main, self.other_users, stance="distances"),
            mk(r.choice(self.citizens), "user", self.main, self.other_users,
               stance=r.choice(["distances", "accepts"])),
            mk(self.users, "idea-developer", self.main, self.staff_group, mode="given", by=[self.staff_group]),
            mk(self.users, "co-creator", r.choice(contexts), self.staff_group, mode="given", by=[staff_p]),
            mk(staff_p, "initiator-in-charge", self.after or self.main, self.citizens[0], stance="accepts"),
            mk(self.org, "activity-organiser", r.choice(contexts), self.staff_group, mode="taken",
               stance="embraces"),
            mk(self.caseworkers, "caseworker", self.outside, self.org),
            mk(self.caseworkers, "co-creator", self.outside, self.org, mode="given", by=[staff_p],
               stance="distances"),
            mk(r.choice(self.citizens), "informant", r.choice(contexts), staff_p, mode="given", by=[staff_p]),
            mk(self.staff_group, "supporter", r.choice(contexts), self.users),
            mk(staff_p, "inclusion-operator", self.sub or self.main, self.other_users),
            mk(self.staff_group, "protective-carer", self.after or self.main, self.users, stance="accepts"),
            mk(r.choice(self.citizens), "client", self.outside, self.caseworkers, mode="given",
               by=[self.caseworkers], stance="distances"),
        ]
        if self.volunteer:
            out.append(mk(self.volunteer, "course-leader", self.main, self.users))
        if self.local:
            out.append(mk(r.choice([self.org, *self.citizens]), self.local[0], r.choice(contexts),
                          self.staff_group, mode="taken", stance="embraces"))
        return out

    def membership(self) -> dict[str, Any]:
        r = self.rng
        member = r.choice(self.citizens)
        staff_p = self.staff[0]
        rec: dict[str, Any] = {"id": self.uid(f"{member}-on-staff-team"), "member": member,
                               "team": self.staff_team, "context": self.main, "by": [staff_p],
                               "note": "Synthetic: moving over to the other team."}
        self.with_evidence(rec, "Suddenly I was one of them, the staff.", speaker=member, p=0.7)
        refusal_ctx = self.outside if r.random() < 0.3 else None
        rec["responses"] = [self.response([staff_p], "recognised"),
                            self.response([r.choice([self.other_users, self.caseworkers])],
                                          r.choice(["refused", "contested"]), context=refusal_ctx,
                                          text="You are not one of us.")]
        return rec


# ---- YAML output --------------------------------------------------------------------------

def _dumper() -> Any:
    class Dumper(yaml.SafeDumper):
        pass

    def represent_list(dumper: Any, data: list[Any]) -> Any:
        flow = all(isinstance(x, str) for x in data) and sum(len(x) + 2 for x in data) < 70
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    def represent_dict(dumper: Any, data: dict[str, Any]) -> Any:
        flow = set(data) <= {"en", "da"} and sum(len(v) for v in data.values()) < 70
        return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)

    Dumper.add_representer(list, represent_list)
    Dumper.add_representer(dict, represent_dict)
    return Dumper


def case_id(seed: int, index: int) -> str:
    """The id of generated case `index` of `seed`."""
    return f"{CASE_PREFIX}-{seed}-{index:04d}"


def case_text(seed: int, index: int) -> tuple[str, _Case]:
    """The YAML text of one generated case."""
    c = _Case(seed, index)
    doc = c.build()
    head = (f"# Synthetic case generated by `rolegraph generate --seed {seed}` (case {index}).\n"
            "# Not real data: actors, quotes and sources are made up to exercise the pipeline.\n\n")
    body = yaml.dump(doc, Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100)
    return head + body, c


def generate(out_dir: Path, *, cases: int, seed: int = 0,
             progress: Callable[[str, int, int], None] | None = None) -> GenerateReport:
    """Write `cases` synthetic case files into `out_dir`; the same seed gives the same files.

    Refuses (UsageError) a directory that holds other case files, so that a
    corpus never silently mixes with stale or real cases; writing the same
    corpus again over itself is allowed.
    """
    if cases < 0:
        raise UsageError(N_("--cases must be 0 or more, not {cases}"), params={"cases": cases})
    if seed < 0:
        raise UsageError(N_("--seed must be 0 or more, not {seed}"), params={"seed": seed})
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(N_("{out_dir} is not a directory"), params={"out_dir": out_dir})
    names = [f"{case_id(seed, i)}.yaml" for i in range(cases)]
    if out_dir.exists():
        wanted = set(names)
        stray = sorted(f.name for f in out_dir.iterdir()
                       if f.is_file() and f.suffix.lower() in CASE_SUFFIXES and f.name not in wanted)
        if stray:
            raise UsageError(N_("{out_dir} already holds other case files ({join}{value})"),
                             hint=N_("generate into an empty directory"), params={"out_dir": out_dir, "join": ', '.join(stray[:3]), "value": ', ...' if len(stray) > 3 else ''})
    out_dir.mkdir(parents=True, exist_ok=True)
    report = GenerateReport(out_dir, seed)
    for i, name in enumerate(names):
        text, c = case_text(seed, i)
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        report.files.append(path)
        report.case_ids.append(c.case_id)
        report.claims += len(c.claims)
        report.responses += c.responses
        report.transfer_patterns += c.transfers
        report.transfer_cases += 1 if c.transfers else 0
        if progress is not None:
            progress(N_("generate"), i + 1, cases)
    return report
