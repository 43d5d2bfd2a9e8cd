"""A seeded, deterministic fuzzer for case files: every input must end in a clean result.

Seeds are the shipped cases as YAML and as Turtle, TriG and JSON-LD exports. Each input
is one seed changed by byte-level mutations (flips, inserts of control characters and
hostile tokens, deletions, duplications, truncation, splices) or structure-level ones
(a YAML or JSON-LD tree with values replaced by other types, keys dropped or invented,
deep nesting, aliases; RDF lines dropped, swapped or repeated). The same seed number
gives the same inputs on every machine.

A clean result is a validated case set that also loads into an Oxigraph store (what
validates must build), or a CaseDataError/UsageError whose every problem names a file
and a line. Anything else (another exception, a problem without a line, an input that
runs past the time limit) is a finding.

    python -m tests.fuzz --count 10000 --seed 1      # `make fuzz`
    python -m tests.fuzz --count 300 --save DIR      # keep each finding's input in DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from kg.cases.validate import load_cases
from kg.errors import CaseDataError, UsageError
from kg.ontology import Ontology, load_ontology
from kg.stores.layout import graph_quads

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
TIME_LIMIT = 10  # seconds one input may take before it counts as a hang

# Tokens that broke or could break a reader: YAML tags, anchors, aliases, timestamps,
# huge numbers, control characters, bad IRIs and language tags, remote contexts.
TOKENS = [
    "\x00", "\x07", "\x1b[2J", "\x1b]0;t\x07", "\x7f", "\x85", "\u2028", "\ufeff", "\ud800", "\\ud800",
    "&a ", "*a", "&b [*b]", "<<: *a", "!!int abc", "!!float x", "!!binary ~", "!!python/object:os.system",
    "!custom ", "2021-13-45", "2021-02-30 25:61:00", "0x" + "f" * 50, "9" * 5000, "1e999", ".nan",
    "[" * 200, "{" * 200, "- " * 100, ": ", " #", "'", '"', "\\", "|", ">", "---\n", "...\n", "%YAML 1.1\n",
    "<a b>", "<>", "<http://x/\u0000>", '"x"@' + "a" * 80, '"x"^^<y z>', "_:b0", "@prefix : <x> .",
    "GRAPH <https://w3id.org/rolegraph/graph/meta> { <s> <p> <o> }", '"@context": "http://192.0.2.1/c"',
    '"@id": "a b"', '"@type": 5', '"@graph": [[[', "\ud83d\ude00", "é", "\t", "\r", "\n\n",
]
FORMATS = {"yaml": ".yaml", "turtle": ".ttl", "trig": ".trig", "json-ld": ".jsonld"}


def seeds() -> dict[str, list[str]]:
    """The shipped cases as YAML texts and as Turtle, TriG and JSON-LD exports."""
    out: dict[str, list[str]] = {"yaml": [p.read_text(encoding="utf-8") for p in sorted(CASES.glob("*.yaml"))]}
    case_set = load_cases([CASES], shacl=False)
    for fmt, rdf_format in (("turtle", ox.RdfFormat.TURTLE), ("trig", ox.RdfFormat.TRIG),
                            ("json-ld", ox.RdfFormat.JSON_LD)):
        texts = []
        for name, graph in case_set.graphs.items():
            quads = list(graph_quads(graph, ox.NamedNode(str(name))))
            if not rdf_format.supports_datasets:
                data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                                    format=rdf_format, prefixes={"rg": "https://w3id.org/rolegraph/ontology#"})
            else:
                data = ox.serialize(quads, format=rdf_format)
            texts.append((data or b"").decode("utf-8"))
        out[fmt] = texts
    return out


# --- mutations ---------------------------------------------------------------------------

def _byte_mutation(rng: random.Random, text: str, other: str) -> str:
    if not text:
        return rng.choice(TOKENS)
    i = rng.randrange(len(text))
    j = min(len(text), i + rng.randint(1, 200))
    kind = rng.randrange(8)
    if kind == 0:  # replace one character
        return text[:i] + chr(rng.choice([rng.randrange(32), rng.randrange(32, 0x250), 0xfffe])) + text[i + 1:]
    if kind == 1:  # insert a token
        return text[:i] + rng.choice(TOKENS) + text[i:]
    if kind == 2:  # delete a span
        return text[:i] + text[j:]
    if kind == 3:  # duplicate a span
        return text[:j] + text[i:j] + text[j:]
    if kind == 4:  # truncate
        return text[:i]
    if kind == 5:  # splice in a piece of another seed
        k = rng.randrange(max(1, len(other)))
        return text[:i] + other[k:k + rng.randint(1, 400)] + text[j:]
    if kind == 6:  # repeat a span many times
        return text[:i] + text[i:j] * rng.randint(2, 50) + text[j:]
    return text[:i] + rng.choice(["\x00", "\x1b", "\r", "\t", "\\", '"', "\ufeff"]) * rng.randint(1, 9) + text[i:]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(10)
    if kind == 0:
        return rng.randint(-10**30, 10**30)
    if kind == 1:
        return None
    if kind == 2:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))] if depth < 4 else []
    if kind == 3:
        return {rng.choice(["id", "label", "x", "role", "en", "da", "@id", "@type", 5]): _random_value(rng, depth + 1)
                for _ in range(rng.randint(0, 3))} if depth < 4 else {}
    if kind == 4:
        return rng.choice([True, False, 1.5, float("inf")])
    if kind == 5:
        return "x" * rng.choice([0, 1, 1000, 100_001])
    if kind == 6:
        return rng.choice(TOKENS)
    if kind == 7:
        return rng.choice(["member", "co-creator", "a b", "UPPER", "-x", "ssp-worker", "women-ambassador"])
    if kind == 8:
        nested: Any = "deep"
        for _ in range(rng.choice([10, 70, 500])):
            nested = [nested]
        return nested
    return "2021-13-45"


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, (*prefix, i))


def _tree_mutation(rng: random.Random, tree: Any) -> Any:
    paths = [p for p in _paths(tree) if p]
    if not paths:
        return _random_value(rng)
    path = rng.choice(paths)
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    kind = rng.randrange(5)
    if kind == 0 or kind == 1:
        parent[key] = _random_value(rng)
    elif kind == 2:  # drop
        del parent[key]
    elif kind == 3 and isinstance(parent, dict):  # an unknown or misplaced key
        parent[rng.choice(["lable", "id", "claims", "evidence", "context", "@graph", "case"])] = _random_value(rng)
    elif isinstance(parent, list):  # duplicate an item (duplicate ids, repeated records)
        parent.append(parent[key])
    return tree


def _yaml_structure(rng: random.Random, text: str) -> str:
    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    for _ in range(rng.randint(1, 4)):
        tree = _tree_mutation(rng, tree)
    try:
        out = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, RecursionError, ValueError):
        return text
    if rng.random() < 0.2:  # anchors and aliases: repeat a block by reference
        out = out.replace("actors:", "actors: &a", 1).replace("teams:", "teams: *a", 1)
    return out


def _json_structure(rng: random.Random, text: str) -> str:
    try:
        tree = json.loads(text)
    except ValueError:
        return text
    for _ in range(rng.randint(1, 4)):
        tree = _tree_mutation(rng, tree)
    try:
        return json.dumps(tree, ensure_ascii=rng.random() < 0.5)
    except (ValueError, RecursionError):
        return text


def _line_structure(rng: random.Random, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    for _ in range(rng.randint(1, 4)):
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        kind = rng.randrange(4)
        if kind == 0:
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == 1 and len(lines) > 1:
            del lines[i]
        elif kind == 2:
            lines.insert(i, lines[j])
        else:
            lines[i] = lines[i].replace("<", "<" + rng.choice(["a b", "", "\\u0000", "#"]), 1)
    return "".join(lines)


def mutate(rng: random.Random, fmt: str, text: str, other: str) -> str:
    """One fuzzed input from a seed text: a few byte- or structure-level mutations."""
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 3)):
            text = _byte_mutation(rng, text, other)
        return text
    if fmt == "yaml":
        return _yaml_structure(rng, text)
    if fmt == "json-ld":
        return _json_structure(rng, text)
    return _line_structure(rng, text)


# --- running -----------------------------------------------------------------------------

@dataclass
class Finding:
    index: int
    fmt: str
    kind: str  # "crash", "hang", "unlocated", "unbuildable"
    detail: str
    text: str


@dataclass
class Report:
    count: int = 0
    clean_errors: int = 0
    valid: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


class _Hang(Exception):
    pass


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise _Hang()

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check_one(path: Path, ontology: Ontology, shacl: bool | None) -> tuple[str, str]:
    """Validate one file and build what validates; ("valid"|"error"|finding kind, detail)."""
    try:
        case_set = load_cases([path], ontology=ontology, shacl=shacl)
    except CaseDataError as exc:
        unlocated = [p for p in exc.problems if not p.file or p.line < 1]
        return ("unlocated", str(unlocated[0])) if unlocated else ("error", "")
    except UsageError:
        return "error", ""
    store = ox.Store()
    try:
        for name, graph in case_set.graphs.items():
            store.bulk_extend(list(graph_quads(graph, ox.NamedNode(str(name)))))
    except Exception as exc:  # noqa: BLE001 - any failure here is a finding
        return "unbuildable", f"{type(exc).__name__}: {exc}"
    return "valid", ""


def run(count: int, seed: int, *, shacl_every: int = 10, save: Path | None = None,
        progress: Callable[[int], None] | None = None) -> Report:
    """Fuzz `count` inputs from `seed`; the same arguments give the same inputs."""
    rng = random.Random(seed)
    logging.disable(logging.WARNING)  # rdflib logs each odd IRI it meets; the findings say what matters
    texts = seeds()
    ontology = load_ontology()
    report = Report()
    start = time.perf_counter()
    formats = list(FORMATS)
    with tempfile.TemporaryDirectory(prefix="rolegraph-fuzz-") as tmp:
        for i in range(count):
            fmt = formats[i % len(formats)]
            text = mutate(rng, fmt, rng.choice(texts[fmt]), rng.choice(texts[rng.choice(formats)]))
            path = Path(tmp) / f"input-{i}{FORMATS[fmt]}"
            # Lone surrogates cannot be written as UTF-8: they reach the reader as invalid bytes.
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            # SHACL (slow) runs on every tenth RDF input by default, the rest is checked in full.
            shacl = None if i % shacl_every == 0 else False
            try:
                with _time_limit(TIME_LIMIT):
                    kind, detail = check_one(path, ontology, shacl)
            except _Hang:
                kind, detail = "hang", f"over {TIME_LIMIT} s"
            except RecursionError:
                kind, detail = "crash", "RecursionError"
            except Exception:  # noqa: BLE001 - any other exception is a finding
                kind, detail = "crash", traceback.format_exc(limit=-3)
            path.unlink()
            report.count += 1
            if kind == "valid":
                report.valid += 1
            elif kind == "error":
                report.clean_errors += 1
            else:
                report.findings.append(Finding(i, fmt, kind, detail, text))
                if save is not None:
                    save.mkdir(parents=True, exist_ok=True)
                    (save / f"finding-{seed}-{i}{FORMATS[fmt]}").write_bytes(text.encode("utf-8", "surrogatepass"))
            if progress is not None:
                progress(i + 1)
    report.seconds = time.perf_counter() - start
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzer from the command line; exit 1 on any finding."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shacl-every", type=int, default=10, help="SHACL on every Nth input (slow)")
    parser.add_argument("--save", type=Path, default=None, help="folder to keep each finding's input in")
    args = parser.parse_args(argv)

    def tick(n: int) -> None:
        if n % 500 == 0:
            print(f"  {n} inputs", file=sys.stderr, flush=True)

    report = run(args.count, args.seed, shacl_every=args.shacl_every, save=args.save, progress=tick)
    print(f"{report.count} inputs (seed {args.seed}) in {report.seconds:.0f} s: {report.valid} valid, "
          f"{report.clean_errors} clean errors, {len(report.findings)} findings")
    for f in report.findings[:50]:
        print(f"--- input {f.index} ({f.fmt}): {f.kind}\n{f.detail.strip()}")
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
