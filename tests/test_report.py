"""The report: per case actors, role network, findings with both sides and quotes, rules; en and da."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kg.cases.validate import load_cases
from kg.pipeline import build_store
from kg.reasoning import reason
from kg.report.render import build_report, md_escape, write_report
from kg.report.words import WORDS, words_in
from kg.stores import open_store

from .conftest import require_tool

STUDY = Path(__file__).parent / "data" / "qdpx" / "study"


@pytest.fixture(scope="module")
def kitchen_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fictional kitchen case, with a hostile label added, built and reasoned."""
    work = tmp_path_factory.mktemp("report")
    shutil.copytree(STUDY, work / "study")
    case = work / "study" / "cases" / "kitchen.yaml"
    case.write_text(case.read_text(encoding="utf-8").replace(
        "{en: the office, da: kontoret}", '{en: "the <script>alert(1)</script> office", da: "kontoret *fed* | x"}'),
        encoding="utf-8")
    path = work / "store"
    build_store(load_cases([work / "study" / "cases"]), path)
    with open_store(path, write=True) as st:
        reason(st)
    return path


def test_words_are_complete_in_both_languages() -> None:
    da = words_in("da")
    assert set(da) == set(WORDS) and all(da[k].strip() for k in da)
    # the catalogue has every word: none of them stays English (the few that are the same in both aside)
    same = {k for k in WORDS if da[k] == WORDS[k]}
    assert same <= {"case", "side", "person", "organisation"}, same


@pytest.mark.parametrize("lang", ["en", "da"])
def test_html_report_has_every_part_and_escapes_case_text(kitchen_store: Path, lang: str) -> None:
    w = words_in(lang)
    with open_store(kitchen_store) as st:
        html = build_report(st, fmt="html", lang=lang).text
    for key in ("actors_teams", "network", "findings", "clashes", "cross_case", "rules_behind"):
        assert w[key] in html, key
    assert "<svg" in html and "<script" not in html.replace("&lt;script", "")
    assert ("&lt;script&gt;alert(1)&lt;/script&gt;" if lang == "en" else "kontoret *fed* | x") in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from the network
    # both sides of the role conflict, with their quotes, and the rule behind it
    assert "Hanne er vores kok om torsdagen." in html and "du er jo bare en af os, Hanne" in html
    assert "rules/order/observed-role-conflict.rq" in html and "rules/order/role-not-transferred.rq" in html
    assert f'<html lang="{lang}">' in html


def test_markdown_report_escapes_and_links_its_figures(kitchen_store: Path, tmp_path: Path) -> None:
    with open_store(kitchen_store) as st:
        rep = build_report(st, fmt="md", lang="da", figures_dir="r-figures")
    written = write_report(rep, tmp_path / "r.md")
    text = written[0].read_text(encoding="utf-8")
    assert "![Rollenetværk](r-figures/kitchen.svg)" in text
    assert (tmp_path / "r-figures" / "kitchen.svg").read_text(encoding="utf-8").count("<svg") == 1
    assert r"kontoret \*fed\* \| x" in text
    with open_store(kitchen_store) as st:
        en = build_report(st, fmt="md", lang="en").text
    assert "<script>" not in en and r"\<script\>alert(1)\</script\>" in en
    assert "#### rollekonflikt" in text and "> Hanne er vores kok om torsdagen." in text
    assert md_escape("a|b*c\n d") == r"a\|b\*c d"


def test_report_of_named_cases_and_unknown_case(kitchen_store: Path, cli, tmp_path: Path) -> None:
    r = cli("report", "kitchen", "--store", str(kitchen_store), "--out", str(tmp_path / "r.html"))
    assert r.exit_code == 0, r.output
    r = cli("report", "kitchn", "--store", str(kitchen_store), "--out", str(tmp_path / "r.html"))
    assert r.exit_code == 1 and "no case 'kitchn'" in r.output and "kitchen" in r.output


def test_shipped_report_compares_roles_across_cases(reasoned_store: Path) -> None:
    with open_store(reasoned_store) as st:
        md = build_report(st, fmt="md", lang="en").text
    cross = md.split("## Roles across cases", 1)[1]
    header = cross.strip().splitlines()[2]
    assert header.count("|") >= 5  # a column per shipped case
    assert "minute-taker" in cross or "minute taker" in cross


@pytest.mark.slow
def test_html_report_opens_in_chromium_offline(kitchen_store: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = require_tool("chromium", "/usr/bin/chromium")
    with open_store(kitchen_store) as st:
        out = write_report(build_report(st, fmt="html", lang="da"), tmp_path / "report.html")[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            requests: list[str] = []
            errors: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(out.as_uri())
            assert page.title() == "rolegraph-rapport"
            svg = page.locator("figure.network svg").first
            assert svg.is_visible() and svg.bounding_box()["width"] > 100  # type: ignore[index]
            assert page.locator("text=kok").first.is_visible()
            assert page.locator("article.finding").count() >= 2
            assert requests == [out.as_uri()] and errors == []
        finally:
            browser.close()


def test_markdown_report_renders_as_on_a_forge(kitchen_store: Path) -> None:
    from markdown_it import MarkdownIt

    with open_store(kitchen_store) as st:
        md = build_report(st, fmt="md", lang="en").text
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert html.count("<table>") == 2  # actors, and roles across cases
    assert "<blockquote>" in html and '<img src="figures/kitchen.svg" alt="Role network"' in html
    assert "<h4>role conflict</h4>" in html and "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
