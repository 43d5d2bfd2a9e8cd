"""The synthetic corpus generator: deterministic, valid, and with work for the flagship query."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kg.errors import UsageError
from kg.synthetic import case_id, generate


def _texts(d: Path) -> dict[str, str]:
    return {f.name: f.read_text(encoding="utf-8") for f in sorted(d.iterdir())}


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", cases=6, seed=7)
    b = generate(tmp_path / "b", cases=6, seed=7)
    assert a.cases == b.cases == 6
    assert _texts(tmp_path / "a") == _texts(tmp_path / "b")
    # and writing the same corpus over itself is allowed and changes nothing
    generate(tmp_path / "a", cases=6, seed=7)
    assert _texts(tmp_path / "a") == _texts(tmp_path / "b")


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one(tmp_path: Path) -> None:
    generate(tmp_path / "small", cases=3, seed=1)
    generate(tmp_path / "large", cases=5, seed=1)
    small, large = _texts(tmp_path / "small"), _texts(tmp_path / "large")
    assert all(large[name] == text for name, text in small.items())


def test_different_seeds_differ(tmp_path: Path) -> None:
    generate(tmp_path / "s1", cases=3, seed=1)
    generate(tmp_path / "s2", cases=3, seed=2)
    for i in range(3):
        d1 = yaml.safe_load((tmp_path / "s1" / f"{case_id(1, i)}.yaml").read_text(encoding="utf-8"))
        d2 = yaml.safe_load((tmp_path / "s2" / f"{case_id(2, i)}.yaml").read_text(encoding="utf-8"))
        assert d1["case"] != d2["case"]
        body1 = {k: v for k, v in d1.items() if k not in ("case", "description")}
        body2 = {k: v for k, v in d2.items() if k not in ("case", "description")}
        assert body1 != body2


def test_twenty_generated_cases_validate(tmp_path: Path) -> None:
    from kg.cases.validate import load_cases

    report = generate(tmp_path / "corpus", cases=20, seed=0)
    cs = load_cases([tmp_path / "corpus"])  # schema, references and SHACL
    assert cs.case_ids == sorted(report.case_ids) and len(cs.case_ids) == 20
    per_case = cs.triple_count() / 20
    assert 300 < per_case < 900, per_case
    assert 8 * 20 <= report.claims <= 14 * 20
    assert report.transfer_cases >= 1


def test_generated_cases_have_the_shape_of_the_shipped_ones(tmp_path: Path) -> None:
    generate(tmp_path, cases=10, seed=3)
    for f in sorted(tmp_path.iterdir()):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert 8 <= len(doc["actors"]) <= 12, f.name
        assert {a["side"] for a in doc["actors"] if "side" in a} == {"citizen", "public"}
        assert 2 <= len(doc["teams"]) <= 3
        assert 3 <= len(doc["contexts"]) <= 4
        assert any("part_of" in c for c in doc["contexts"]) or any(c.get("time") == "after"
                                                                     for c in doc["contexts"])
        rules = doc["orders"][0]["rules"]
        assert any("reserve" in r for r in rules) and any("incompatible" in r for r in rules)
        assert doc["processes"][0]["initiators"] and doc["processes"][0]["phases"]
        assert 8 <= len(doc["claims"]) <= 14
        assert all(1 <= len(c["responses"]) <= 2 for c in doc["claims"])
        assert len(doc["memberships"]) == 1
        text = f.read_text(encoding="utf-8")
        assert "[synthetic]" in text or "Synthetic paraphrase" in text


def test_flagship_query_has_rows_on_a_generated_corpus(tmp_path: Path) -> None:
    from kg.cases.validate import load_cases
    from kg.pipeline import build_store
    from kg.query import bind_params, get_query, run_select
    from kg.reasoning import reason
    from kg.stores import open_store

    generate(tmp_path / "corpus", cases=4, seed=0)  # case 0 always carries the pattern
    build_store(load_cases([tmp_path / "corpus"], shacl=False), tmp_path / "store")
    with open_store(tmp_path / "store", write=True) as st:
        report = reason(st)
        assert report.fired.get("role-not-transferred", 0) > 0
        q = get_query("role-transfer")
        rows = run_select(st, q, bind_params(q, {})).rows
    assert rows
    assert all(r["recognisedIn"] != r["refusedIn"] for r in rows)
    assert any(r["bearer"].value.startswith(f"https://w3id.org/rolegraph/case/{case_id(0, 0)}/") for r in rows)


def test_refuses_a_directory_with_other_case_files(tmp_path: Path) -> None:
    (tmp_path / "real-case.yaml").write_text("case: real\ntitle: x\n", encoding="utf-8")
    with pytest.raises(UsageError):
        generate(tmp_path, cases=2, seed=0)
    generate(tmp_path / "x", cases=3, seed=0)
    with pytest.raises(UsageError):  # a smaller corpus would leave stale files behind
        generate(tmp_path / "x", cases=2, seed=0)


def test_the_generate_command(tmp_path: Path) -> None:
    from kg.cli import main

    result = CliRunner().invoke(main, ["generate", str(tmp_path / "out"), "--cases", "3", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "wrote 3 case file(s)" in result.output
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == [f"{case_id(5, i)}.yaml" for i in range(3)]
