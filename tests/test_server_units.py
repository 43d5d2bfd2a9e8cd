"""`rolegraph serve` without a server: option checks, content negotiation, the service description and the language of the query page."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_non_loopback_host_needs_public() -> None:
    from click.testing import CliRunner

    from kg.cli import main
    from kg.errors import UsageError
    from kg.server.settings import check_host

    assert check_host("127.0.0.1", False) is None and check_host("::1", False) is None
    assert check_host("localhost", False) is None
    with pytest.raises(UsageError, match="--public"):
        check_host("0.0.0.0", False)
    warning = check_host("0.0.0.0", True)
    assert warning and "public" in warning and "TLS" in warning
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--store", "/nonexistent"])
    assert result.exit_code == 2 and "--public" in result.output


def test_update_settings_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    monkeypatch.delenv("ROLEGRAPH_SERVE_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["serve", "--allow-update", "--store", str(tmp_path)])
    assert result.exit_code == 2 and "token" in result.output
    short = tmp_path / "short"
    short.write_text("abc")
    result = CliRunner().invoke(main, ["serve", "--allow-update", "--token-file", str(short), "--store", str(tmp_path)])
    assert result.exit_code == 2 and "shorter" in result.output
    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "none"), "--port", "0"])
    assert result.exit_code == 2 and "no store" in result.output  # a missing store is a usage error (README)


def test_content_negotiation_rules() -> None:
    from kg.server.formats import GRAPH_TYPES as _GRAPH_TYPES
    from kg.server.formats import RESULT_TYPES as _RESULT_TYPES
    from kg.server.formats import negotiate

    assert negotiate(None, _RESULT_TYPES, "json") == "json"
    assert negotiate("text/csv;q=0.5, application/sparql-results+xml", _RESULT_TYPES, "json") == "xml"
    assert negotiate("application/*", _RESULT_TYPES, "json") == "json"
    assert negotiate("text/*", _GRAPH_TYPES, "turtle") == "turtle"
    assert negotiate("image/png", _RESULT_TYPES, "json") is None
    assert negotiate("application/json", _GRAPH_TYPES, "turtle") == "jsonld"


def test_service_description_names_the_endpoint_and_formats() -> None:
    from kg.server.description import SD, describe

    triples = {(str(t.predicate), str(t.object)) for t in describe("http://127.0.0.1:1/sparql", updates=True)}
    assert (f"<{SD}endpoint>", "<http://127.0.0.1:1/sparql>") in triples
    assert (f"<{SD}supportedLanguage>", f"<{SD}SPARQL11Update>") in triples
    formats = {o for p, o in triples if p == f"<{SD}resultFormat>"}
    assert len(formats) == 8


@pytest.mark.parametrize("asked,accept,expected", [
    ("da", None, "da"), ("fr", "da-DK,da;q=0.9", "da"), (None, "en-GB,en;q=0.8", "en"), (None, None, "en"),
    (None, "de-DE,de;q=0.9,da;q=0.5", "da"),
])
def test_page_language(asked: str | None, accept: str | None, expected: str) -> None:
    from kg.server.errors import pick_language

    assert pick_language(asked, accept) == expected


def test_cors_origins_are_checked() -> None:
    from kg.errors import UsageError
    from kg.server.settings import check_origins

    assert check_origins(("https://example.org/", "*")) == ("https://example.org", "*")
    for bad in ("example.org", "https://example.org/path"):
        with pytest.raises(UsageError, match="not an origin"):
            check_origins((bad,))
