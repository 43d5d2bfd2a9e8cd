"""REFI-QDA: import from the four tools' dialects, refusal of hostile archives, schema-valid export, round trip."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest
import xmlschema
import yaml

from kg.cases.validate import load_cases
from kg.errors import CaseDataError, Msg
from kg.i18n import translator
from kg.qdpx.archive import MAX_RATIO, QdpxError
from kg.qdpx.importer import import_qdpx
from kg.qdpx.mapping import read_mapping, scaffold
from kg.qdpx.read import read_qdpx
from kg.qdpx.write import XSD, find_quote, write_qdpx
from kg.study import read_study

from . import qdpx_fixtures as F
from .conftest import CASES

STUDY = Path(__file__).parent / "data" / "qdpx" / "study"


def _norm(s: str) -> str:
    return " ".join(s.split())


def _quotes(data: object) -> list[dict[str, str]]:
    """Every evidence mapping (source + quote) anywhere in a case's data."""
    if isinstance(data, dict):
        own = [data] if "quote" in data and "source" in data else []
        return own + [q for v in data.values() for q in _quotes(v)]
    if isinstance(data, list):
        return [q for v in data for q in _quotes(v)]
    return []


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    p = tmp_path / "mapping.yaml"
    p.write_text(F.MAPPING, encoding="utf-8")
    return p


@pytest.mark.parametrize("dialect", sorted(F.DIALECTS))
def test_each_dialect_imports_to_a_valid_draft_with_verbatim_quotes(dialect: str, tmp_path: Path,
                                                                     mapping: Path) -> None:
    archive = F.DIALECTS[dialect](tmp_path / f"{dialect}.qdpx")
    result = import_qdpx(archive, read_mapping(mapping), tmp_path / "cases", shared_roles={"minute-taker"})
    load_cases([tmp_path / "cases"])  # raises on any problem
    data = yaml.safe_load(result.case_files[0].read_text(encoding="utf-8"))
    claim = data["claims"][0]
    assert (claim["bearer"], claim["role"], claim["context"], claim["stance"]) == (
        "sara", "minute-taker", "meeting", "accepts")
    assert {(tuple(r["by"]), r["outcome"]) for r in claim["responses"]} == {
        (("other-users",), "refused"), (("leader",), "recognised")}
    # every quote is the source's own words, at the place its locator says
    # read as written (a MAXQDA text keeps its CRLF line ends: positions count them)
    texts = {s["id"]: (tmp_path / "cases" / s["file"]).read_bytes().decode("utf-8")
             for s in data["sources"] if "file" in s}
    quotes = _quotes(data)
    assert len(quotes) == 3
    for q in quotes:
        text = texts[q["source"]]
        m = re.search(r"line (\d+), characters (\d+)-(\d+)", q["locator"])
        assert m, q
        start, end = int(m.group(2)), int(m.group(3))
        assert text[start:end] == q["quote"]
        assert text.count("\n", 0, start) + 1 == int(m.group(1))
        assert _norm(q["quote"]) in {_norm(s) for s, _ in F.SEGMENTS}
    # what the mapping leaves open is kept as a note and listed, never dropped
    dump = result.case_files[0].read_text(encoding="utf-8")
    assert "I køkkenet er hun bare bruger igen." in dump
    assert "Hun glider tilbage i brugerrollen." in dump  # the memo
    assert any("Temaer/Hverdag" in u.what for u in result.unplaced)
    if dialect == "nvivo":  # the annotation linked to the refusal is kept with that claim
        assert "Her afviser de hende." in dump


def test_utf16_and_pdf_sources_give_the_same_draft(tmp_path: Path, mapping: Path) -> None:
    drafts = {}
    for dialect in ("qualcoder", "nvivo", "atlas-pdf-only"):
        out = tmp_path / dialect
        res = import_qdpx(F.DIALECTS[dialect](tmp_path / f"{dialect}.qdpx"), read_mapping(mapping), out / "cases",
                          shared_roles={"minute-taker"})
        data = yaml.safe_load(res.case_files[0].read_text(encoding="utf-8"))
        drafts[dialect] = sorted(_norm(q["quote"]) for q in _quotes(data))
    assert drafts["qualcoder"] == drafts["nvivo"] == drafts["atlas-pdf-only"]


def test_scaffold_lists_every_code_and_guesses_kinds(tmp_path: Path) -> None:
    project = read_qdpx(F.qualcoder(tmp_path / "p.qdpx"))
    text = scaffold(project)
    data = yaml.safe_load(text)
    assert set(data["codes"]) == {c.path for c in project.codes.values()}
    assert data["codes"]["Aktører/Sara"] == {"actor": "sara"}
    assert data["codes"]["Udfald/Afvist"] == {"outcome": "refused"}
    assert data["codes"]["Holdning/Accepterer"] == {"stance": "accepts"}
    assert data["codes"]["Roller"] is None  # a group of codes, not a code to apply
    # a guessed new role has no parent yet: the draft fails on exactly that, clearly marked
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    import_qdpx(tmp_path / "p.qdpx", read_mapping(tmp_path / "m.yaml"), tmp_path / "cases")
    with pytest.raises(CaseDataError) as err:
        load_cases([tmp_path / "cases"])
    assert {p.message for p in err.value.problems} == {"unknown role 'undecided'"}


def test_bad_mapping_is_reported_with_lines(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text("case: Bad Id\ncodes:\n  A: {role: x, actor: y}\n  B: {stance: maybe}\n", encoding="utf-8")
    with pytest.raises(CaseDataError) as err:
        read_mapping(p)
    lines = {(pr.line, pr.field) for pr in err.value.problems}
    assert (1, "case") in lines and (3, "codes.A") in lines and (4, "codes.B.stance") in lines


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


PROJECT = b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x"/>'


@pytest.mark.parametrize("name, members, message", [
    ("bomb", {"project.qde": PROJECT, "Sources/a.txt": b"\0" * (8 * 1024 * 1024)}, "zip bomb"),
    ("traversal", {"project.qde": PROJECT, "../../evil.txt": b"x"}, "outside the archive"),
    ("absolute", {"project.qde": PROJECT, "/etc/evil": b"x"}, "outside the archive"),
    ("entities", {"project.qde": b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                                  b'<Project name="&b;"/>'}, "DTD or entities"),
    ("external", {"project.qde": b'<?xml version="1.0"?><!DOCTYPE p SYSTEM "http://example.org/x.dtd">'
                                  b'<Project name="x"/>'}, "DTD or entities"),
    ("no-project", {"Sources/a.txt": b"x"}, "no project.qde"),
    ("broken-xml", {"project.qde": b"<Project name='x'><Sources>"}, "not well-formed"),
    ("codebook", {"project.qde": b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'}, "not <Project>"),
    ("ref-outside", {"project.qde": b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>'
                                     b'<TextSource guid="3f2504e0-4f89-11d3-9a0c-0305e82c3301" '
                                     b'plainTextPath="internal://../../../etc/passwd"/></Sources></Project>'},
     "outside the archive"),
])
def test_hostile_or_broken_archives_are_refused_clearly(tmp_path: Path, name: str, members: dict[str, bytes],
                                                        message: str) -> None:
    path = _zip(tmp_path / f"{name}.qdpx", members)
    with pytest.raises(QdpxError) as err:
        read_qdpx(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_bomb_bound_is_a_ratio_not_a_size(tmp_path: Path) -> None:
    # a large member that does not compress is fine; the same size of zeros is refused
    big = random.Random(7).randbytes(4 * 1024 * 1024)
    ok = _zip(tmp_path / "ok.qdpx", {"project.qde": PROJECT, "Sources/a.bin": big})
    assert read_qdpx(ok).name == "x"
    bomb = _zip(tmp_path / "bomb.qdpx", {"project.qde": PROJECT, "Sources/a.bin": bytes(len(big))})
    with zipfile.ZipFile(bomb) as z:
        info = z.getinfo("Sources/a.bin")
    assert info.file_size / info.compress_size > MAX_RATIO
    with pytest.raises(QdpxError, match="zip bomb"):
        read_qdpx(bomb)


def test_not_a_zip_and_missing_file(tmp_path: Path, cli) -> None:
    (tmp_path / "x.qdpx").write_bytes(b"not a zip at all")
    with pytest.raises(QdpxError, match="not a zip file"):
        read_qdpx(tmp_path / "x.qdpx")
    r = cli("import-qdpx", str(tmp_path / "x.qdpx"), "--init-map", str(tmp_path / "m.yaml"))
    assert r.exit_code == 1 and "Error:" in r.output and "not a zip file" in r.output
    r = cli("import-qdpx", str(tmp_path / "missing.qdpx"), "--init-map", str(tmp_path / "m.yaml"))
    assert r.exit_code == 1 and "no such file" in r.output


def test_out_of_range_positions_are_kept_as_notes(tmp_path: Path, mapping: Path) -> None:
    src = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    code = "3f2504e0-4f89-11d3-9a0c-0305e82c3302"
    xml = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes><Code guid="{code}" '
           f'name="Roller" isCodable="true"/></Codes></CodeBook><Sources><TextSource guid="{src}" name="t">'
           f"<PlainTextContent>kort tekst</PlainTextContent>"
           f'<PlainTextSelection guid="{code[:-1]}3" startPosition="5" endPosition="500">'
           f'<Coding guid="{code[:-1]}4"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
           f"</TextSource></Sources></Project>")
    path = _zip(tmp_path / "p.qdpx", {"project.qde": xml.encode()})
    project = read_qdpx(path)
    assert any("outside the text" in w for w in project.warnings)
    # a warning keeps its template: the CLI says it in the command's language
    danish = [w.render(translator("da")) for w in project.warnings if isinstance(w, Msg)]
    assert any("ligger uden for teksten (10 tegn)" in w for w in danish), project.warnings
    res = import_qdpx(path, read_mapping(mapping), tmp_path / "cases")
    assert len(res.unplaced) == 1 and "without a text quote" in res.unplaced[0].what
    load_cases([tmp_path / "cases"])


def test_find_quote_tolerates_line_breaks() -> None:
    text = "en linje\nder fortsætter  her."
    assert find_quote(text, "linje der fortsætter her.") == (3, len(text))
    assert find_quote(text, "findes ikke") is None


def _projection(cases_dir: Path) -> dict[str, object]:
    """What a round trip through a QDA tool keeps of a study (labels in English)."""
    study = read_study([cases_dir])
    out: dict[str, object] = {}
    for cid, case in study.cases.items():
        def label(rec: object) -> str:
            v = rec.get("label")  # type: ignore[attr-defined]
            return str(v["en"].value if isinstance(v, dict) else v)

        actors = sorted((str(r.id), label(r), r.get("kind"), r.get("side")) for r in case.records()
                        if r.kind == "actor")
        contexts = sorted((str(r.id), label(r), r.get("kind")) for r in case.records() if r.kind == "context")
        roles = sorted((str(r.id), label(r), tuple(r.refs("specialises"))) for r in case.records()
                       if r.kind == "role")
        claims = []
        for r in case.records():
            if r.kind != "claim":
                continue
            ev = sorted((_norm(str(e.get("quote"))), e.get("source"), e.get("speaker"))
                        for e in r.children.get("evidence", []))
            resp = sorted((tuple(x.refs("by")), x.get("outcome"),
                           tuple(sorted((_norm(str(e.get("quote"))), e.get("speaker"))
                                        for e in x.children.get("evidence", []))))
                          for x in r.children.get("responses", []))
            claims.append((r.get("bearer"), r.get("role"), r.get("context"), r.get("stance"), r.get("mode"),
                           tuple(r.refs("by")), tuple(ev), tuple(resp)))
        actor_ev = sorted((str(r.id), _norm(str(e.get("quote")))) for r in case.records() if r.kind == "actor"
                          for e in r.children.get("evidence", []))
        out[cid] = {"actors": actors, "contexts": contexts, "roles": roles, "claims": sorted(claims),
                    "actor_evidence": actor_ev}
    return out


def test_export_is_schema_valid_and_codes_every_quote(tmp_path: Path) -> None:
    study = read_study([STUDY / "cases"])
    out = tmp_path / "study.qdpx"
    report = write_qdpx(list(study.cases.values()), out, shared_roles=study.shared_role_labels())
    assert report.not_found == [] and report.no_text == []
    with zipfile.ZipFile(out) as z:
        qde = z.read("project.qde")
        texts = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("sources/")}
    schema = xmlschema.XMLSchema(str(XSD))
    schema.validate(io.BytesIO(qde))  # raises when invalid
    tree = schema.to_dict(io.BytesIO(qde))
    names = {c["@name"] for top in tree["CodeBook"]["Codes"]["Code"] for c in _codes(top)}
    assert {"cook", "the Thursday kitchen", "the office", "recognised", "refused", "contested"} <= names
    sources = tree["Sources"]["TextSource"]
    assert len(sources) == 1
    text = texts[sources[0]["@plainTextPath"].replace("internal://", "sources/")]
    sels = sources[0]["PlainTextSelection"]
    quoted = {_norm(text[s["@startPosition"]:s["@endPosition"]]) for s in sels}
    expected = {_norm(q["quote"]) for q in _quotes(yaml.safe_load((STUDY / "cases" / "kitchen.yaml").read_text()))}
    assert quoted == expected


def _codes(code: dict[str, object]) -> list[dict[str, object]]:
    kids = code.get("Code", [])
    return [code] + [c for k in kids for c in _codes(k)]  # type: ignore[union-attr]


def test_export_then_import_gives_the_same_cases(tmp_path: Path) -> None:
    study = read_study([STUDY / "cases"])
    out = tmp_path / "study.qdpx"
    write_qdpx(list(study.cases.values()), out, shared_roles=study.shared_role_labels())
    (tmp_path / "map.yaml").write_text(scaffold(read_qdpx(out)), encoding="utf-8")
    res = import_qdpx(out, read_mapping(tmp_path / "map.yaml"), tmp_path / "back" / "cases",
                      shared_roles=set(study.ontology.roles))
    assert res.unplaced == []
    load_cases([tmp_path / "back" / "cases"])
    assert _projection(tmp_path / "back" / "cases") == _projection(STUDY / "cases")


def test_cli_import_and_export(tmp_path: Path, cli) -> None:
    archive = F.maxqda(tmp_path / "m.qdpx")
    r = cli("import-qdpx", str(archive), "--init-map", str(tmp_path / "map.yaml"))
    assert r.exit_code == 0, r.output
    r = cli("import-qdpx", str(archive), "--init-map", str(tmp_path / "map.yaml"))
    assert r.exit_code == 2 and "exists already" in r.output
    (tmp_path / "map.yaml").write_text(F.MAPPING, encoding="utf-8")
    r = cli("import-qdpx", str(archive), "--map", str(tmp_path / "map.yaml"), "--out", str(tmp_path / "cases"))
    assert r.exit_code == 0, r.output
    assert "3 quote(s)" in r.output and "Temaer/Hverdag" in r.output
    r = cli("validate", str(tmp_path / "cases"))
    assert r.exit_code == 0, r.output
    r = cli("export-qdpx", str(tmp_path / "cases"), "--out", str(tmp_path / "again.qdpx"))
    assert r.exit_code == 0, r.output
    assert "3 coded selection(s)" in r.output or "coded selection(s)" in r.output
    xmlschema.XMLSchema(str(XSD)).validate(io.BytesIO(zipfile.ZipFile(tmp_path / "again.qdpx").read("project.qde")))


def test_split_by_cases_follows_case_codings(tmp_path: Path) -> None:
    archive = F.nvivo(tmp_path / "n.qdpx")
    m = tmp_path / "m.yaml"
    m.write_text(F.MAPPING.replace("lang: da\n", 'lang: da\nsplit: cases\ncases: {"Sara": sara-case}\n'),
                 encoding="utf-8")
    res = import_qdpx(archive, read_mapping(m), tmp_path / "cases", shared_roles={"minute-taker"})
    assert [p.name for p in res.case_files] == ["sara-case.yaml"]
    load_cases([tmp_path / "cases"])


def test_mapping_refuses_one_id_for_two_kinds(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text('case: x\ncodes:\n  "A/k": {context: kitchen}\n  "B/k": {actor: kitchen}\n'
                 '  "C/k": {audience: kitchen}\n', encoding="utf-8")
    with pytest.raises(CaseDataError) as err:
        read_mapping(p)
    assert [(pr.line, pr.message) for pr in err.value.problems] == [
        (4, "'kitchen' is already a context (code 'A/k')"), (5, "'kitchen' is already a context (code 'A/k')")]
    assert err.value.problems[0].render(translator("da")).endswith(
        "'kitchen' er allerede id for en post af slagsen context (koden 'A/k')\n"
        "    tip: id'er deles af alle poster i en case: giv denne et andet id")


def test_shipped_study_exports_every_quote_and_comes_back(tmp_path: Path) -> None:
    study = read_study([CASES])
    out = tmp_path / "shipped.qdpx"
    report = write_qdpx(list(study.cases.values()), out, shared_roles=study.shared_role_labels())
    quotes = sum(1 for c in study.cases.values() for r in c.records() if r.kind == "evidence" and r.get("quote"))
    assert report.no_text == [] and report.not_found == [] and report.selections == quotes
    xmlschema.XMLSchema(str(XSD)).validate(io.BytesIO(zipfile.ZipFile(out).read("project.qde")))
    (tmp_path / "map.yaml").write_text(scaffold(read_qdpx(out)), encoding="utf-8")
    import_qdpx(out, read_mapping(tmp_path / "map.yaml"), tmp_path / "back" / "cases",
                shared_roles=set(study.ontology.roles))
    load_cases([tmp_path / "back" / "cases"])
    assert _projection(tmp_path / "back" / "cases") == _projection(CASES)
