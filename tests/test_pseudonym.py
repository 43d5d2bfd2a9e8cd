"""Pseudonymisation: the key, stable pseudonyms, and no shipped person's name in any pseudonymised output."""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

import pytest

from kg.pseudonym import (
    Person,
    PseudonymError,
    Pseudonymiser,
    load_key,
    persons_in_cases,
    persons_in_store,
    pseudonymised_store,
)
from kg.query import bind_params, get_query, run_select
from kg.resources import data_dir
from kg.stores import export_store, open_store
from kg.study import read_study
from kg.view.render import _inline

from .conftest import CASES

STUDY = Path(__file__).parent / "data" / "qdpx" / "study"


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "rolegraph" / "pseudonym.key"
    monkeypatch.setenv("ROLEGRAPH_PSEUDONYM_KEY", str(path))
    return path


def shipped_names() -> list[str]:
    """Every name and alias of a person in the shipped cases.

    One-letter names are left out of the search (they are still redacted): the interviewee "M"
    is an initial the source already uses for anonymity, and "M" is also Müller's initial in
    the citation keys ("M&S 2022") that outputs print beside quotes."""
    people = persons_in_cases(read_study([CASES]).cases.values())
    names = sorted({n for p in people for n in p.names() if len(n) > 1})
    assert {"Mia", "Michael", "Inger", "Bo", "Lauritz", "Camilla"} <= set(names)
    return names


def leaks(text: str, names: list[str]) -> list[str]:
    """The names found in a text: whole words; long names in any case, short ones as written."""
    found = []
    for n in names:
        flags = re.IGNORECASE if len(n) >= 3 else 0
        if re.search(r"(?<![^\W_])" + re.escape(n) + r"(?![^\W_])", text, flags):
            found.append(n)
    return found


def case_content(page: str) -> str:
    """The page without the vendored library code and the CSP hashes of scripts.

    Minified vis-network has variables such as `Bo` and `M`, and base64 data and hashes can hold
    any two letters; they are not case content. Everything else (the data, the app, the text) stays.
    """
    vendor = data_dir("viz") / "vendor"
    for f in sorted(vendor.iterdir()):
        tag = "script" if f.suffix == ".js" else "style"
        page = page.replace(_inline(f.read_text(encoding="utf-8"), tag), "")
    return re.sub(r"'sha(256|384|512)-[A-Za-z0-9+/=]+'", "", page)


def test_key_is_made_once_private_and_outside_the_store(key_file: Path, tmp_path: Path) -> None:
    key = load_key()
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_key() == key
    with pytest.raises(PseudonymError, match="inside the store"):
        load_key(tmp_path / "store" / "k.key", store=tmp_path / "store")
    key_file.chmod(0o644)
    with pytest.raises(PseudonymError, match="readable by others"):
        load_key()


def test_pseudonyms_are_stable_keyed_and_cover_names_aliases_and_ids() -> None:
    people = [Person("https://w3id.org/rolegraph/case/c/mia", ["Mia, a user", "Mia, en bruger"], ["Mia S."]),
              Person("https://w3id.org/rolegraph/case/c/bo", ["Bo, a participant"])]
    a, b = Pseudonymiser(b"a" * 64, people), Pseudonymiser(b"b" * 64, people)
    pm = a.pseudonym(people[0].iri)
    assert re.fullmatch(r"P-[A-Z2-7]{6}", pm) and pm == Pseudonymiser(b"a" * 64, people).pseudonym(people[0].iri)
    assert pm != b.pseudonym(people[0].iri) and pm != a.pseudonym(people[1].iri)
    text = "Mia, en bruger: «Mias referat» (Mia S.), Bo vil bo her; https://w3id.org/rolegraph/case/c/claim-mia-x"
    out = a.text(text)
    assert "Mia" not in out and "mia" not in out and "Bo " not in out
    assert "vil bo her" in out  # the Danish verb is not a name
    assert out.count(pm) == 3 and f"claim-{pm.lower()}-x" in out


@pytest.fixture(scope="module")
def pseudo_store(reasoned_store: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    key = tmp_path_factory.mktemp("key") / "k.key"
    with open_store(reasoned_store) as st:
        pseudo = Pseudonymiser(load_key(key), persons_in_store(st))
        yield pseudonymised_store(st, pseudo), pseudo, key


def test_store_persons_match_the_case_files(reasoned_store: Path) -> None:
    with open_store(reasoned_store) as st:
        from_store = {p.iri for p in persons_in_store(st)}
    assert from_store == {p.iri for p in persons_in_cases(read_study([CASES]).cases.values())}


def test_no_shipped_name_in_export_page_or_query_output(pseudo_store, reasoned_store: Path,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    from kg.view.page import write_view

    names = shipped_names()
    ps, pseudo, _ = pseudo_store
    with open_store(reasoned_store) as st:  # the test would prove nothing if the names were not there before
        assert set(leaks(export_store(st, "trig", inferred=True).decode(), names)) == set(names)
    trig = export_store(ps, "trig", inferred=True).decode()
    assert leaks(trig, names) == []
    assert pseudo.pseudonym("https://w3id.org/rolegraph/case/future-workshop/mia") in trig
    page = write_view(out=tmp_path / "view.html", store=ps, query="role-transfer")
    content = case_content(page.path.read_text(encoding="utf-8"))
    assert leaks(content, names) == []
    assert pseudo.pseudonym("https://w3id.org/rolegraph/case/future-workshop/mia") in content
    for name in ("role-transfer", "role-conflicts", "evidence"):
        q = get_query(name)
        rows = run_select(ps, q, bind_params(q, {}, lang="da")).rows
        assert rows and leaks(repr(rows), names) == []


def test_no_shipped_name_in_report_or_qdpx(pseudo_store, reasoned_store: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           cli, monkeypatch: pytest.MonkeyPatch) -> None:
    names = shipped_names()
    _, _, key = pseudo_store
    monkeypatch.setenv("ROLEGRAPH_PSEUDONYM_KEY", str(key))
    for fmt in ("md", "html"):
        out = tmp_path / f"report.{fmt}"
        r = cli("report", "--store", str(reasoned_store), "--format", fmt, "--lang", "da", "--out", str(out),
                "--pseudonymise")
        assert r.exit_code == 0, r.output
        texts = [p.read_text(encoding="utf-8") for p in [out, *tmp_path.glob("report-figures/*.svg")]]
        assert all(leaks(t, names) == [] for t in texts)
        assert key.read_text().strip() not in r.output
    r = cli("export-qdpx", str(CASES), "--store", str(reasoned_store), "--out", str(tmp_path / "s.qdpx"),
            "--pseudonymise")
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(tmp_path / "s.qdpx") as z:
        for member in z.namelist():
            assert leaks(z.read(member).decode("utf-8"), names) == [], member
    # and without --pseudonymise the names are there (so the checks above can fail)
    r = cli("report", "--store", str(reasoned_store), "--format", "md", "--out", str(tmp_path / "plain.md"))
    assert set(leaks((tmp_path / "plain.md").read_text(encoding="utf-8"), names)) >= {"Mia", "Michael"}


def test_pseudonymised_export_keeps_quotes_coded_in_redacted_sources(tmp_path: Path, cli,  # type: ignore[no-untyped-def]
                                                                   key_file: Path) -> None:
    r = cli("export-qdpx", str(STUDY / "cases"), "--out", str(tmp_path / "k.qdpx"), "--pseudonymise")
    assert r.exit_code == 0, r.output
    assert "7 coded selection(s)" in r.output
    with zipfile.ZipFile(tmp_path / "k.qdpx") as z:
        blob = "\n".join(z.read(n).decode("utf-8") for n in z.namelist())
    assert leaks(blob, ["Hanne", "Hanne B.", "Karsten"]) == []


def test_snapshot_on_disk_is_pseudonymised_and_removed(reasoned_store: Path, key_file: Path) -> None:
    import pyoxigraph as ox

    from kg.pseudonym import pseudonymised_snapshot

    names = shipped_names()
    with pseudonymised_snapshot(reasoned_store) as path:
        st = ox.Store.read_only(str(path))
        text = export_store(st, "trig", inferred=True).decode()
        assert len(st) > 1000 and leaks(text, names) == []
        del st
    assert not path.exists()


def test_serve_beyond_loopback_needs_pseudonymise_or_allow_identifying(cli) -> None:  # type: ignore[no-untyped-def]
    from kg.errors import UsageError
    from kg.pseudonym import check_exposure

    r = cli("serve", "--host", "0.0.0.0", "--public", "--store", "/nonexistent")
    assert r.exit_code == 2 and "--pseudonymise" in r.output and "--allow-identifying" in r.output
    r = cli("serve", "--pseudonymise", "--allow-update", "--store", "/nonexistent")
    assert r.exit_code == 2 and "read-only copy" in r.output
    check_exposure(True, False, False)
    check_exposure(False, True, False)
    check_exposure(False, False, True)
    with pytest.raises(UsageError):
        check_exposure(False, False, False)


@pytest.mark.slow
def test_no_shipped_name_in_http_responses(reasoned_store: Path, tmp_path: Path) -> None:
    import json
    import urllib.parse
    import urllib.request

    from .servers import rolegraph_serve

    names = shipped_names()
    key = tmp_path / "key" / "k.key"
    bodies: dict[str, str] = {}
    with rolegraph_serve(reasoned_store, "--pseudonymise", "--workers", "1", "--max-rows", "1000000",
                         log=tmp_path / "serve.log",
                         env={"ROLEGRAPH_PSEUDONYM_KEY": str(key)}) as s:
        everything = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        urls = {"sparql": s.url + "sparql?" + urllib.parse.urlencode({"query": everything}),
                "role-transfer": s.url + "queries/role-transfer?lang=da",
                "evidence": s.url + "queries/evidence",
                "role-conflicts": s.url + "queries/role-conflicts",
                "page": s.url, "viz": s.url + "viz"}
        for name, url in urls.items():
            req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json, text/html"})
            with urllib.request.urlopen(req, timeout=120) as resp:
                bodies[name] = resp.read().decode("utf-8")
        assert "pseudonymised" in s.logs()
    assert len(json.loads(bodies["sparql"])["results"]["bindings"]) > 1000
    for name, body in bodies.items():
        assert leaks(case_content(body), names) == [], name
    assert "P-" in bodies["role-transfer"] and "P-" in bodies["viz"]


def test_cli_outputs_with_pseudonymise(reasoned_store: Path, tmp_path: Path, cli, key_file: Path) -> None:  # type: ignore[no-untyped-def]
    names = shipped_names()
    s = ["--store", str(reasoned_store)]
    outputs = {
        "query": cli("query", "role-conflicts", "--evidence", "--pseudonymise", *s).output,
        "query-json": cli("query", "evidence", "--format", "json", "--pseudonymise", *s).output,
        "sparql": cli("sparql", "SELECT ?s ?p ?o { ?s ?p ?o }", "--format", "csv", "--pseudonymise", *s).output,
        "export": cli("export", "--format", "trig", "--inferred", "--pseudonymise", *s).output,
        "explain": cli("explain", "future-workshop/mia-minute-taker", "--pseudonymise", *s).output,
        "explain-query": cli("explain", "--query", "role-conflicts", "--pseudonymise", *s).output,
        # a parameter names the person as the user knows them; the answer does not
        "param": cli("query", "repertoire", "--param", "bearer=future-workshop/mia", "--pseudonymise", *s).output,
    }
    r = cli("viz", "--query", "role-transfer", "--out", str(tmp_path / "v.html"), "--pseudonymise", *s)
    assert r.exit_code == 0, r.output
    outputs["viz"] = case_content((tmp_path / "v.html").read_text(encoding="utf-8"))
    for name, text in outputs.items():
        assert len(text) > 200 and "P-" in text and leaks(text, names) == [], name
    assert "Michael" in cli("query", "role-conflicts", *s).output  # the same command names him without the flag
