"""Danish all the way: every marked message has its Danish, the compiled catalogue is the
catalogue, and `--lang da` output carries none of the catalogue's English words."""

from __future__ import annotations

import functools
import gettext
import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from click.testing import CliRunner

from kg.cli import main
from kg.i18n import catalogue, translator
from kg.resources import data_dir

ROOT = Path(__file__).resolve().parent.parent
PO = data_dir("locale") / "da" / "LC_MESSAGES" / "rolegraph.po"


@functools.cache  # one walk of the package for the five tests that compare with it
def _extracted() -> tuple[str | tuple[str, ...], ...]:
    """What `make messages` extracts (babel.cfg): marked messages, the CLI's help texts, click's own."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "_": None, "N_": None}
    return tuple(msg for _, _, msg, _, _ in extract_from_dir(str(ROOT / "kg"), method_map, options_map, keywords))


def _marked() -> set[str]:
    return {msg for msg in _extracted() if isinstance(msg, str)}


def _po() -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    with PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_marked_message_has_its_danish() -> None:
    po = _po()
    marked = set(_extracted())
    assert marked, "no message is marked for translation"
    missing = sorted(str(m) for m in marked if not po.get(m) or not all(po[m]))
    assert not missing, f"no Danish for {missing}; run `make messages` and translate them in {PO.name}"
    unused = sorted(str(m) for m in set(po) - marked)
    assert not unused, f"{PO.name} has messages no code uses: {unused}"


def test_the_help_texts_and_clicks_own_messages_are_in_the_catalogue() -> None:
    """`make messages` walks the commands: every help text, metavar word and click message is there."""
    from kg.cli.messages import click_texts, help_texts

    marked = _marked()
    texts = set(help_texts(main))
    assert {"Show this message and exit.", "Show the version and exit.", "NAME", "PATHS", "OPTIONS",
            "Run a named query (see `rolegraph queries`).", "Overwrite existing files."} <= texts
    assert texts <= marked
    clicks = {m if isinstance(m, str) else m[0] for _, _, m, _ in click_texts() if m and (isinstance(m, str) or m[0])}
    assert {"Usage:", "Options", "Commands", "Missing argument", "No such option {name!r}."} <= clicks
    assert clicks <= {m if isinstance(m, str) else m[0] for m in _extracted()}


def test_the_compiled_catalogue_is_the_catalogue() -> None:
    po = _po()
    mo = gettext.translation("rolegraph", localedir=str(data_dir("locale")), languages=["da"])
    singular = {k: v for k, v in po.items() if isinstance(k, str)}
    plural = {(k[0], i): s for k, v in po.items() if isinstance(k, tuple) for i, s in enumerate(v)}
    assert {k: v for k, v in mo._catalog.items() if k} == singular | plural  # type: ignore[attr-defined]
    assert catalogue("da") == singular


def test_placeholders_survive_translation() -> None:
    _ = translator("da")
    for message in _marked():
        assert set(re.findall(r"\{\w+\}", message)) == set(re.findall(r"\{\w+\}", _(message))), message


def test_danish_query_and_evidence_output_has_no_english_catalogue_word(reasoned_store: Path) -> None:
    result = CliRunner().invoke(main, ["query", "role-transfer", "--store", str(reasoned_store), "--lang", "da",
                                       "--evidence", "--width", "160"])
    assert result.exit_code == 0, result.output
    english = {m for m in _marked() if translator("da")(m) != m and len(m) > 3 and "{" not in m}
    # words, not identifiers: rule ids and case ids (role-not-transferred, womens-association/...) stay as they are
    words = {w for w in re.findall(r"[\w'’/:.-]+", result.output) if not re.search(r"[-/:.]", w)}
    leaked = sorted(w for w in english if " " not in w and w in words)
    assert not leaked, leaked
    for danish in ("bærer", "rolle", "citater", "Referencer", "række"):
        assert danish in result.output


def test_danish_explain_output(reasoned_store: Path) -> None:
    result = CliRunner().invoke(main, ["explain", "--query", "role-transfer", "--row", "1", "--store",
                                       str(reasoned_store), "--lang", "da"])
    assert result.exit_code == 0, result.output
    assert "⇐ regel" in result.output and "angivet i" in result.output and "Citater:" in result.output
    assert "stated in" not in result.output and "⇐ rule" not in result.output


def test_every_shipped_rule_and_query_has_its_danish() -> None:
    from kg.headers import QUERY, RULE, read
    from kg.query import load_queries

    for kind, schema in (("rules", RULE), ("queries", QUERY)):
        for path in sorted((ROOT / kind).rglob("*.rq")):
            values = read(path, schema).values
            assert values.get("title@da"), f"{path.relative_to(ROOT)} has no `#+ title@da:`"
            assert values["title@da"] != values["title"], path
    for q in load_queries().values():
        assert q.title_in("da") != q.title, q.name
        assert q.description and q.description_in("da") != q.description, f"{q.name} has no description@da"
        for p in q.params:
            assert p.description_in("da") != p.description, f"{q.name}: --param {p.name} has no description@da"


def test_a_user_file_without_danish_is_shown_in_english(tmp_path: Path) -> None:
    from kg.query import parse_query_file

    path = tmp_path / "mine.rq"
    path.write_text("#+ title: My question\n#+ params:\n#+   who: {type: iri, description: the person}\n"
                    "SELECT ?who WHERE { ?who a ?c }\n", encoding="utf-8")
    q = parse_query_file(path)
    assert q.title_in("da") == "My question" and q.params[0].description_in("da") == "the person"
    path.write_text("#+ title: My question\n#+ title@da: Mit spørgsmål\n#+ params:\n"
                    "#+   who: {type: iri, description: the person, description@da: personen}\n"
                    "SELECT ?who WHERE { ?who a ?c }\n", encoding="utf-8")
    q = parse_query_file(path)
    assert q.title_in("da") == "Mit spørgsmål" and q.params[0].description_in("da") == "personen"
    assert q.title_in("en") == "My question"


def test_errors_keep_english_and_say_danish() -> None:
    from kg.errors import Msg, Problem, QueryError
    from kg.i18n import N_

    p = Problem.of("c.yaml", 3, "actors[0].labl", N_("unknown field '{name}'"),
                   Msg(N_("did you mean {choices}?"), choices="'label'"), name="labl")
    assert str(p) == "c.yaml:3: actors[0].labl: unknown field 'labl'\n    hint: did you mean 'label'?"
    assert p.message == "unknown field 'labl'" and p.hint == "did you mean 'label'?"
    assert p.render(translator("da")) == "c.yaml:3: actors[0].labl: ukendt felt 'labl'\n    tip: mente du 'label'?"
    e = QueryError(N_("no query named '{name}'"), hint=N_("rename one of the files"), params={"name": "x{y}"})
    assert str(e) == "no query named 'x{y}'\n    hint: rename one of the files"
    assert e.render(translator("da")) == "ingen forespørgsel hedder 'x{y}'\n    tip: omdøb en af filerne"
    plain = QueryError("a message with {braces} and no params")  # not a template: left as it is
    assert plain.render(translator("da")) == "a message with {braces} and no params"


def test_the_shapes_messages_are_in_the_catalogue() -> None:
    from rdflib import Graph, Namespace

    from kg.cases.shape_messages import SHAPE_MESSAGES

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = Graph().parse(ROOT / "ontology" / "shapes.ttl")
    assert {str(o) for o in shapes.objects(None, sh.message)} == set(SHAPE_MESSAGES[:-1])


def test_ids_in_messages_are_never_translated() -> None:
    from kg.errors import Msg, Problem
    from kg.i18n import N_

    # 'reason' and 'case' are messages of the catalogue too; as an id they stay as written
    p = Problem.of("c.yaml", 1, "claims[0].role", N_("unknown id '{value}'"), value="reason")
    assert p.render(translator("da")) == "c.yaml:1: claims[0].role: ukendt id 'reason'"
    kinds = Msg(N_("{choices} or {last}"), choices=[Msg(N_("an actor"))], last=Msg(N_("a team")))
    assert str(kinds) == "an actor or a team" and kinds.render(translator("da")) == "en aktør eller et hold"


def test_the_ontology_page_says_its_own_words_in_both_languages() -> None:
    from kg.ontodoc import render
    from kg.ontology import load_ontology

    page = render(load_ontology())
    for both in ("domain / domæne", "subclass of / underklasse af", "core model / kernemodel",
                 "Roller i samskabelse efter Goffman. Moduler: ", "Roller er individer ordnet efter "):
        assert both in page, both
