"""Pseudonymisation: stable pseudonyms for persons from a keyed hash, names redacted everywhere.

Persons (actors of kind `person`, and any actor marked `personal: true`) get a pseudonym
`P-XXXXXX` from HMAC-SHA256 over their IRI with a secret key, so the same person has the same
pseudonym in every output and every run, and nobody without the key can link it back. Their
labels are replaced, and their names (the name part of their labels, `Mia` of "Mia, a user")
and declared `aliases` are redacted in any text: quotes, notes, IRIs and ids that contain
them. The key lives in a file outside the store (created on first use, mode 0600) and is
never printed.

The commands call this as a function over their results: over a text, over query rows, or
over a whole store (`pseudonymised_store` makes an in-memory copy that viz, query, report and
serve then read as if it were the store).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .cases.schema import Case
from .errors import RolegraphError, UsageError
from .i18n import N_
from .reasoning.engine import statement_iri
from .stores.base import GraphStore
from .stores.embedded import EmbeddedStore, read_only_store
from .stores.folder import write_marker
from .vocab import RG, case_iri

KEY_ENV = "ROLEGRAPH_PSEUDONYM_KEY"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_PERSON = str(RG.Person)


class PseudonymError(RolegraphError):
    """The pseudonym key cannot be made or read safely."""


def default_key_path() -> Path:
    """Where the key lives unless ROLEGRAPH_PSEUDONYM_KEY or --key-file says otherwise."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV]).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "rolegraph" / "pseudonym.key"


def load_key(path: Path | None = None, *, store: Path | None = None) -> bytes:
    """The secret key: read from its file, or made there on first use with mode 0600."""
    path = (path or default_key_path()).expanduser().resolve()
    if store is not None:
        s = store.expanduser().resolve()
        if path == s or s in path.parents:
            raise PseudonymError(N_("the pseudonym key must not be kept inside the store"), file=str(path),
                                 hint=N_("keep it where the store's readers cannot see it, e.g. the default "
                                         "~/.config/rolegraph/pseudonym.key"))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made by a concurrent run: read theirs
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PseudonymError(N_("the pseudonym key file is readable by others"), file=str(path),
                             hint=N_("run `chmod 600 {path}`"), params={"path": path})
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise PseudonymError(N_("the pseudonym key file is too short (damaged?)"), file=str(path),
                             hint=N_("restore it from your backup; a new key gives everyone new pseudonyms"))
    return key.encode("ascii")


@dataclass
class Person:
    """A person to pseudonymise: its IRI, labels and the names it goes by."""

    iri: str
    labels: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        """Names to redact: aliases, and the name part of each label ("Mia" of "Mia, a user")."""
        out = list(self.aliases)
        for label in self.labels:
            head = label.split(",")[0].split("(")[0].strip()
            if head and head[0].isupper() and len(head.split()) <= 3:
                out.append(head)
        return [n for n in dict.fromkeys(out) if n]


class Pseudonymiser:
    """Replaces persons' labels, names and aliases with their pseudonyms."""

    def __init__(self, key: bytes, persons: Iterable[Person]) -> None:
        self.persons = list(persons)
        self._key = key
        self.by_label: dict[str, str] = {}
        names: dict[str, str] = {}
        self.ids: dict[str, dict[str, str]] = {}  # case IRI prefix -> person id -> pseudonym
        for p in self.persons:
            pseudo = self.pseudonym(p.iri)
            for label in p.labels:
                self.by_label[label] = pseudo
            for n in p.names():
                names.setdefault(n if len(n) < 3 else n.lower(), pseudo)
            prefix, _, pid = p.iri.rpartition("/")
            self.ids.setdefault(prefix + "/", {})[pid] = pseudo.lower()
        self.by_name = names
        labels = sorted(self.by_label, key=len, reverse=True)
        self._label_re = re.compile("|".join(re.escape(x) for x in labels)) if labels else None
        long_names = sorted((n for n in names if len(n) >= 3), key=len, reverse=True)
        short_names = sorted((n for n in names if len(n) < 3), key=len, reverse=True)
        # a name as a whole word, with a Danish or English genitive; long names in any case,
        # one- and two-letter names ("Bo", "M") only as written, or every "bo" and "m" would go
        alts = [f"(?i:{re.escape(n)})" for n in long_names] + [re.escape(n) for n in short_names]
        self._name_re = re.compile(r"(?<![^\W_])(" + "|".join(alts) + r")(?:s|'s|’s)?(?![^\W_])") if alts else None
        prefixes = sorted(self.ids, key=len, reverse=True)
        self._iri_re = re.compile("(" + "|".join(re.escape(x) for x in prefixes) + r")([^\s\"'<>\\]*)") \
            if prefixes else None

    def pseudonym(self, iri: str) -> str:
        """The stable pseudonym of a person's IRI."""
        digest = hmac.new(self._key, iri.encode("utf-8"), hashlib.sha256).digest()
        return "P-" + base64.b32encode(digest[:5]).decode("ascii")[:6]

    def _iri(self, m: re.Match[str]) -> str:
        ids = self.ids[m.group(1)]
        rest = re.sub(r"(?<![a-z0-9])(" + "|".join(re.escape(i) for i in ids) + r")(?![a-z0-9])",
                      lambda x: ids[x.group(1)], m.group(2))
        return m.group(1) + rest

    def text(self, s: str) -> str:
        """A text with every person's label, name and id (in IRIs) replaced by their pseudonym."""
        if self._iri_re is not None:
            s = self._iri_re.sub(self._iri, s)
        if self._label_re is not None:
            s = self._label_re.sub(lambda m: self.by_label[m.group(0)], s)
        if self._name_re is not None:
            def one(m: re.Match[str]) -> str:
                name = m.group(1)
                pseudo = self.by_name.get(name) or self.by_name[name.lower()]
                return pseudo.lower() if m.group(0).islower() else pseudo
            s = self._name_re.sub(one, s)
        return s

    def term(self, t: object) -> object:
        """An RDF term with its IRI or text pseudonymised (blank nodes and numbers unchanged)."""
        if isinstance(t, ox.NamedNode):
            return ox.NamedNode(self.text(t.value))
        if isinstance(t, ox.Literal):
            if t.language:
                return ox.Literal(self.text(t.value), language=t.language)
            return ox.Literal(self.text(t.value), datatype=t.datatype)
        if isinstance(t, ox.Triple):  # a derivation's premise or conclusion: each part of it
            return ox.Triple(self.term(t.subject), self.term(t.predicate), self.term(t.object))  # type: ignore[arg-type]
        return t

    def value(self, v: object) -> object:
        """A query result value (text, IRI, term, list or mapping) pseudonymised."""
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, (ox.NamedNode, ox.Literal, ox.Triple)):
            return self.term(v)
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(self.value(x) for x in v)
        return v


def persons_in_store(store: GraphStore) -> list[Person]:
    """The persons of a store: actors typed rg:Person or marked rg:personal, with labels and aliases."""
    rows = store.query(f"""
        SELECT ?a ?label ?alias WHERE {{
          {{ ?a a <{_PERSON}> }} UNION {{ ?a <{RG.personal}> true }}
          FILTER NOT EXISTS {{ ?a <{RG.personal}> false }}
          OPTIONAL {{ ?a <{_RDFS_LABEL}> ?label }}
          OPTIONAL {{ ?a <{RG.alias}> ?alias }}
        }}""", use_default_graph_as_union=True)
    people: dict[str, Person] = {}
    for row in rows:
        a = row["a"]
        if not isinstance(a, ox.NamedNode):
            continue
        p = people.setdefault(a.value, Person(a.value))
        if row["label"] is not None and row["label"].value not in p.labels:
            p.labels.append(row["label"].value)
        if row["alias"] is not None and row["alias"].value not in p.aliases:
            p.aliases.append(row["alias"].value)
    return list(people.values())


def pseudonymised_store(store: GraphStore, pseudo: Pseudonymiser, path: Path | None = None) -> EmbeddedStore:
    """A copy of a store with every IRI and text pseudonymised, explanations kept whole.

    In memory, or at `path` (a new directory) for readers that open a store by its path, such
    as the server's worker processes."""
    out = EmbeddedStore(ox.Store(str(path)) if path is not None else ox.Store(), path)
    stmt_map: dict[str, ox.NamedNode] = {}
    # statement nodes are named by a hash of their triple: rename them after their new triple
    parts: dict[str, dict[str, object]] = {}
    for name in ("subject", "predicate", "object"):
        for q in store.quads_for_pattern(None, ox.NamedNode(_RDF + name), None, None):
            if isinstance(q.subject, ox.NamedNode):
                parts.setdefault(q.subject.value, {})[name] = pseudo.term(q.object)
    for iri, p in parts.items():
        if len(p) == 3:
            stmt_map[iri] = statement_iri(ox.Triple(p["subject"], p["predicate"], p["object"]))  # type: ignore[arg-type]

    # A store names the same terms over and over (predicates, graphs, each node in many
    # triples): each is pseudonymised once.
    done: dict[object, object] = {}

    def conv(t: object) -> object:
        new = done.get(t)
        if new is None:
            if isinstance(t, ox.NamedNode) and t.value in stmt_map:
                new = stmt_map[t.value]
            else:
                new = pseudo.term(t)
            done[t] = new
        return new

    out.bulk_extend(ox.Quad(conv(q.subject), conv(q.predicate), conv(q.object),  # type: ignore[arg-type]
                            q.graph_name if isinstance(q.graph_name, ox.DefaultGraph)
                            else conv(q.graph_name))  # type: ignore[arg-type]
                    for q in store.quads_for_pattern(None, None, None, None))
    if path is not None:
        out.flush()
        write_marker(path)  # a rolegraph store, as the server checks before it opens one
    return out


def check_exposure(loopback: bool, pseudonymise: bool, allow_identifying: bool) -> None:
    """Refuse to publish names beyond this machine unless pseudonymised or explicitly allowed."""
    if loopback or pseudonymise or allow_identifying:
        return
    raise UsageError(N_("serving beyond loopback would show every person's name and quotes to anyone who "
                        "can reach this machine"),
                     hint=N_("add --pseudonymise, or --allow-identifying if everyone who can reach it may see "
                             "who said what"))


def store_pseudonymiser(store: GraphStore, key_file: Path | None = None, *,
                        store_path: Path | None = None) -> Pseudonymiser:
    """A pseudonymiser for the persons of a store, with the key from its file."""
    return Pseudonymiser(load_key(key_file, store=store_path), persons_in_store(store))


def persons_in_cases(cases: Iterable[Case]) -> list[Person]:
    """The persons of checked YAML cases (kind person, or personal: true), with labels and aliases."""
    out = []
    for case in cases:
        for rec in case.records():
            if rec.kind != "actor" or rec.get("personal") is False:
                continue
            if (rec.get("kind") or "person") != "person" and rec.get("personal") is not True:
                continue
            v = rec.get("label")
            labels = [str(y.value) for y in v.values()] if isinstance(v, dict) else [str(v)]
            out.append(Person(str(case_iri(case.id, str(rec.id))), labels, rec.refs("aliases")))
    return out


@contextmanager
def pseudonymised_snapshot(store_path: Path, key_file: Path | None = None) -> Iterator[Path]:
    """A pseudonymised copy of the store at `store_path` in a private temporary directory, removed
    afterwards: for readers that open a store by its path (the server's worker processes)."""
    tmp = Path(tempfile.mkdtemp(prefix="rolegraph-pseudonymised-"))  # mode 0700
    try:
        src = EmbeddedStore(read_only_store(store_path), store_path)
        pseudo = Pseudonymiser(load_key(key_file, store=store_path), persons_in_store(src))
        copy = pseudonymised_store(src, pseudo, tmp / "store")
        del copy, src  # release the handles: the workers open the copy themselves
        yield tmp / "store"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def view_of(store: GraphStore, pseudonymise: bool, key_file: Path | None = None,
            store_path: Path | None = None) -> GraphStore:
    """The store itself, or (pseudonymising) an in-memory pseudonymised copy of it."""
    if not pseudonymise:
        return store
    return pseudonymised_store(store, store_pseudonymiser(store, key_file, store_path=store_path))
