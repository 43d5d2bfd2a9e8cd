"""The persistent cache of parsed rule files: a hit is the rule a fresh parse gives (and
reasons the shipped cases the same), a changed file misses, a corrupt entry or a cache
that cannot be written falls back to parsing, and ROLEGRAPH_NO_CACHE turns it off."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cases.validate import load_cases
from kg.iris import META_GRAPH
from kg.pipeline import build_store
from kg.reasoning import rule_cache
from kg.reasoning import rules as rules_module
from kg.reasoning.rules import Rule, load_rules, parse_rule, rule_dirs
from kg.stores import open_store

from .conftest import sample

CASES = Path(__file__).resolve().parent.parent / "cases"
RULE = """#+ title: a member of a team is an actor
#+ description: for the cache test
#+ kind: classification
PREFIX rg: <https://w3id.org/rolegraph/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
CONSTRUCT { ?a a rg:Actor ; rg:note "member"@en-GB, "01"^^xsd:integer, 1.50, "plain" }
WHERE { ?t rg:member ?a }
"""


Parsed = dict[Path, tuple[int, int, Rule]]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache of this test's own, and no rule parsed yet in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ROLEGRAPH_NO_CACHE", raising=False)
    monkeypatch.setattr(rules_module, "_PARSED", {})
    return tmp_path / "cache" / "rolegraph" / "rules"


def _new_process(monkeypatch: pytest.MonkeyPatch, given: Parsed | None = None) -> None:
    """Forget the rules parsed in this process, as a new process would not have them (but
    those `given`: the fast loop's sample leaves them out of the test, see `_unparsed`)."""
    monkeypatch.setattr(rules_module, "_PARSED", dict(given or {}))


@pytest.fixture(scope="module")
def shipped_fresh() -> Parsed:
    """The shipped rules as a fresh parse (no persistent cache, none parsed before) gives them,
    parsed once for the tests that compare with a fresh parse."""
    with pytest.MonkeyPatch.context() as m:
        m.setenv("ROLEGRAPH_NO_CACHE", "1")
        m.setattr(rules_module, "_PARSED", {})
        load_rules()
        return dict(rules_module._PARSED)


def _fresh(monkeypatch: pytest.MonkeyPatch, shipped: Parsed, extra: list[Path] | None = None) -> list[Rule]:
    """The rules a fresh parse gives: the shipped ones from `shipped_fresh`, the rest parsed
    here without the cache."""
    with monkeypatch.context() as m:
        m.setenv("ROLEGRAPH_NO_CACHE", "1")
        m.setattr(rules_module, "_PARSED", dict(shipped))
        return load_rules(extra)


def _unparsed(shipped: Parsed, n: int) -> Parsed:
    """The parses of `shipped_fresh` but for `n` files, which the test parses itself: the fast
    loop's sample of what the full run parses (there, every file: nothing is given)."""
    left = set(sample(sorted(shipped), n))
    return {p: v for p, v in shipped.items() if p not in left}


def _same(a: list[Rule], b: list[Rule]) -> None:
    assert a == b
    assert [r.titles for r in a] == [r.titles for r in b]  # not part of a rule's equality


def test_a_hit_is_the_rule_a_fresh_parse_gives(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               shipped_fresh: Parsed) -> None:
    extra = tmp_path / "mine"
    extra.mkdir()
    (extra / "member-actor.rq").write_text(RULE, encoding="utf-8")
    given = _unparsed(shipped_fresh, 12)
    _new_process(monkeypatch, given)
    first = load_rules([extra])
    entries = sorted(cache.glob("[!.]*.json"))
    assert len(entries) == len(first) - len(given) > 1
    _new_process(monkeypatch, given)
    fresh = _fresh(monkeypatch, shipped_fresh, [extra])
    _same(load_rules([extra]), fresh)
    _same(first, fresh)
    # The hit is read from the entry: an entry's content is what the next process gets.
    mine = next(e for e in entries if json.loads(e.read_text())["rule"]["id"] == "member-actor")
    data = json.loads(mine.read_text())
    data["rule"]["title"] = "read from the cache"
    mine.write_text(json.dumps(data))
    _new_process(monkeypatch)
    assert parse_rule(extra / "member-actor.rq").title == "read from the cache"


def test_rules_from_the_cache_reason_the_shipped_cases_the_same(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                shipped_fresh: Parsed) -> None:
    monkeypatch.setenv("ROLEGRAPH_WORKERS", "1")
    given = _unparsed(shipped_fresh, 12)
    _new_process(monkeypatch, given)
    load_rules()  # fills the cache
    assert any(cache.glob("[!.]*.json"))
    _new_process(monkeypatch, given)
    build_store(load_cases([CASES]), tmp_path / "hit", reason=True)
    with monkeypatch.context() as m:
        m.setenv("ROLEGRAPH_NO_CACHE", "1")
        m.setattr(rules_module, "_PARSED", dict(shipped_fresh))  # as parsed without the cache
        build_store(load_cases([CASES]), tmp_path / "fresh", reason=True)

    def quads(path: Path) -> Counter[tuple[str, ...]]:
        """The store's quads but the build's metadata, each blank node (named anew by each
        load of the ontology) written `_`."""
        def term(t: object) -> str:
            return "_" if isinstance(t, ox.BlankNode) else str(t)
        with open_store(path) as st:
            return Counter(tuple(term(t) for t in q) for q in st.quads_for_pattern(None, None, None, None)
                           if q.graph_name != ox.NamedNode(META_GRAPH))
    hit, fresh = quads(tmp_path / "hit"), quads(tmp_path / "fresh")
    assert hit == fresh and hit.total() > 1000


def test_a_changed_rule_file_is_parsed_again(cache: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "member-actor.rq"
    path.write_text(RULE, encoding="utf-8")
    assert parse_rule(path).title == "a member of a team is an actor"
    path.write_text(RULE.replace("is an actor", "is an actor too"), encoding="utf-8")
    _new_process(monkeypatch)
    assert parse_rule(path).title == "a member of a team is an actor too"
    assert len(list(cache.glob("[!.]*.json"))) == 2
    # The same text under another name is another rule (its id is the file's name).
    other = tmp_path / "other.rq"
    shutil.copy(path, other)
    assert parse_rule(other).id == "other"


@pytest.mark.parametrize("damage", [
    "", "{", "not json", "[]", '{"key": "x", "rule": {}}', "KEY_NO_RULE", "KEY_BAD_TERM", "KEY_TRUNCATED",
])
def test_a_corrupt_entry_falls_back_to_parsing(cache: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    shipped = sorted(rule_dirs()[0].glob("*.rq"))[:5]
    expected = [parse_rule(p) for p in shipped]
    for entry in cache.glob("[!.]*.json"):
        good = entry.read_text()
        key = entry.stem
        text = {"KEY_NO_RULE": json.dumps({"key": key}),
                "KEY_BAD_TERM": good.replace('["v", ', '["x", ').replace('["u", ', '["x", '),
                "KEY_TRUNCATED": good[:len(good) // 2]}.get(damage, damage)
        entry.write_text(text)
    _new_process(monkeypatch)
    _same([parse_rule(p) for p in shipped], expected)
    # The damaged entries were written again, whole.
    _new_process(monkeypatch)
    for entry in cache.glob("[!.]*.json"):
        assert json.loads(entry.read_text())["key"] == entry.stem
    _same([parse_rule(p) for p in shipped], expected)


def test_a_cache_that_cannot_be_written_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     shipped_fresh: Parsed) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")  # the cache directory cannot be made under a file
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.delenv("ROLEGRAPH_NO_CACHE", raising=False)
    monkeypatch.setattr(rules_module, "_PARSED", _unparsed(shipped_fresh, 12))
    _same(load_rules(), _fresh(monkeypatch, shipped_fresh))
    assert blocked.read_text() == "not a directory"


def test_no_cache_writes_nothing(cache: Path, monkeypatch: pytest.MonkeyPatch, shipped_fresh: Parsed) -> None:
    monkeypatch.setenv("ROLEGRAPH_NO_CACHE", "1")
    assert rule_cache.cache_dir() is None
    monkeypatch.setattr(rules_module, "_PARSED", _unparsed(shipped_fresh, 12))
    load_rules()
    assert not cache.exists()


def test_the_cache_prunes_the_least_recently_used_entries(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_cache, "MAX_ENTRIES", 10)
    monkeypatch.setattr(rule_cache, "_KEEP_AFTER_PRUNING", 6)
    keys = [rule_cache.entry_key(f"r{i}", RULE) for i in range(10)]
    for i, key in enumerate(keys):
        rule_cache.write(key, {"n": i})
        os.utime(cache / f"{key}.json", (1000.0 + i, 1000.0 + i))  # written in this order
    stale = cache / ".tmp-killed.json"
    stale.write_text("{", encoding="utf-8")
    os.utime(stale, (1.0, 1.0))
    assert rule_cache.read(keys[0]) == {"n": 0}  # a hit: now the most recently used
    assert len(list(cache.glob("[!.]*.json"))) == 10  # at the limit: nothing pruned yet
    new = rule_cache.entry_key("r10", RULE)
    rule_cache.write(new, {"n": 10})  # the eleventh entry: prune down to six
    left = {p.stem for p in cache.glob("[!.]*.json")}
    assert left == {keys[0], *keys[6:], new}
    assert not stale.exists()


def test_a_temporary_file_a_killed_writer_left_does_not_block_the_entry(cache: Path) -> None:
    key = rule_cache.entry_key("r", RULE)
    cache.mkdir(parents=True, exist_ok=True)
    for left in (f".tmp-{os.getpid()}-{key}.json", f".tmp-{os.getpid()}-000000000000-{key}.json"):
        (cache / left).write_text("{", encoding="utf-8")  # as a writer with this process id left it
    rule_cache.write(key, {"n": 1})
    assert rule_cache.read(key) == {"n": 1}
    assert len(list(cache.glob(".tmp-*"))) == 2  # the leftovers wait for pruning; this write left none
