"""The W3C OWL 2 checks of tests/test_owl2_conformance.py against a remote store: the
Oxigraph server (from the `oxigraph` PyPI package) on 127.0.0.1, where the remote reasoner
(kg/remote.py) runs the same rule files as SPARQL Updates inside the server. The closure is
then read back and judged as the embedded one is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg.reasoning.entailment import owl_rl_rules
from kg.reasoning.in_store import InStoreReasoner
from kg.stores.remote import RemoteStore
from kg.targets import config_from
from kg.vocab import ONTOLOGY_GRAPH

from .conftest import ROOT, require_tool
from .owl2_cases import Check, run_checks
from .servers import oxigraph_server
from .test_owl2_conformance import verdict

pytestmark = pytest.mark.slow
CHECKS = run_checks()
PREMISES = str(ONTOLOGY_GRAPH)  # a graph the remote reasoner reads as asserted


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteStore]:
    binary = require_tool("oxigraph", str(ROOT / ".venv" / "bin" / "oxigraph"))
    base: Path = tmp_path_factory.mktemp("oxigraph-owl2")
    with oxigraph_server(base / "data", binary, log=base / "oxigraph.log") as server:
        e = server.endpoints
        yield RemoteStore(config_from(e["query"], e["update"], e["store"]))


_closures: dict[str, ox.Store] = {}


def _remote_closure(store: RemoteStore, check: Check) -> ox.Store:
    """Load the premises into the server, reason there, and read every graph back."""
    if check.test not in _closures:
        _closures.clear()
        store.update("DROP SILENT ALL")
        store.insert_data(PREMISES, list(check.premise))
        InStoreReasoner(store, owl_rl_rules()).run()
        local = ox.Store()
        local.extend(store.quads_for_pattern(None, None, None, None))
        _closures[check.test] = local
    return _closures[check.test]


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_w3c_owl2_check_on_the_oxigraph_server(remote: Any, check: Check) -> None:
    assert verdict(check, _remote_closure(remote, check)), check.id
