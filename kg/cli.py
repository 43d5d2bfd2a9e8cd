"""The `rolegraph` command. The only module (with the server) that talks to people.

Imports of heavy libraries stay inside the commands, so that a query does not
pay for owlready2, pySHACL or pyvis. Errors are caught in one place and printed
as `Error: file:line: field: message` with a hint; exit codes: 0 success,
1 invalid data or failed operation, 2 usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from .errors import CaseDataError, RolegraphError


class _Group(click.Group):
    """Maps our errors (and click's usage errors) to messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CaseDataError as exc:
            for p in exc.problems:
                click.echo(str(p), err=True)
            click.echo(f"{len(exc.problems)} problem(s) found; nothing was changed.", err=True)
            ctx.exit(exc.exit_code)
        except RolegraphError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _store_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("--store", "store", type=click.Path(path_type=Path), default=None,
                  envvar="ROLEGRAPH_STORE", show_envvar=True,
                  help="Store directory (default: ~/.local/share/rolegraph/store).")
    @wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)
    return inner


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rolegraph")
def main() -> None:
    """rolegraph: a knowledge graph of actors, roles and relations in co-production.

    Pipeline: cases -> validate -> build -> reason -> query -> viz / serve.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--shacl/--no-shacl", default=None,
              help="Check every graph against the SHACL shapes, or none. By default the shapes check "
                   "graphs from RDF files; YAML cases are checked field by field by the case schema.")
def validate(paths: tuple[str, ...], shacl: bool | None) -> None:
    """Check case files (YAML, Turtle, TriG, JSON-LD) and report every problem."""
    from .validate import load_cases

    from .progress import terminal_bar

    bar = terminal_bar()
    try:
        cs = load_cases(list(paths), shacl=shacl, progress=bar)
    finally:
        if bar:
            bar.close()
    click.echo(f"valid: {len(cs.files)} file(s), {len(cs.case_ids)} case(s) "
               f"({', '.join(cs.case_ids)}), {cs.triple_count()} triples")


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--shacl/--no-shacl", default=None,
              help="Check every graph against the SHACL shapes, or none (default: graphs from RDF files).")
@click.option("--reason", "with_reasoning", is_flag=True,
              help="Also reason, case by case as the cases load (the same store as `build` then `reason`, "
                   "faster on big corpora).")
@_store_option
def build(paths: tuple[str, ...], shacl: bool | None, with_reasoning: bool, store: Path | None) -> None:
    """Validate case files and load them with the ontology into the store.

    With no PATHS, builds from ./cases. On any error nothing is loaded and the
    previous store is left as it was.
    """
    from .extensions import find_extensions
    from .ontology import load_ontology
    from .progress import terminal_bar
    from .store import build_store
    from .validate import load_cases

    exts = find_extensions()
    bar = terminal_bar()
    try:
        cs = load_cases(list(paths) or ["cases"], ontology=load_ontology(exts), shacl=shacl, progress=bar)
        report = build_store(cs, store, extensions=exts, progress=bar, reason=with_reasoning,
                             release_cases=True)
    finally:
        if bar:
            bar.close()
    with_ext = f" and extension(s) {', '.join(e.name for e in exts)}" if exts else ""
    click.echo(f"built {report.path}: {report.triples} triples in {len(report.graphs)} graphs "
               f"from {len(cs.files)} file(s){with_ext} in {report.seconds:.2f} s")
    if report.reasoned is not None:
        _say_reasoned(report.reasoned)
    elif with_reasoning:  # a remote store: the rules run inside it, after the load
        _reason_store(store, ())


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "trig", "nq", "jsonld", "rdfxml"]),
              default="ttl", show_default=True,
              help="rdfxml is what Protégé and owlready2 read best; jsonld carries an inline @context.")
@click.option("--ontology", is_flag=True,
              help="Include the ontology, merged into one ontology with one header (build loads it anyway).")
@click.option("--ontology-only", is_flag=True,
              help="Only the ontology (with the extensions found), merged into one; needs no store.")
@click.option("--inferred", is_flag=True, help="Include inferred triples and explanations.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (default: standard output).")
@_store_option
def export(fmt: str, ontology: bool, ontology_only: bool, inferred: bool, output: Path | None,
           store: Path | None) -> None:
    """Write the store's case graphs as RDF; export, build and export again round-trips."""
    from .extensions import find_extensions
    from .store import export_ontology, export_store, open_store

    if ontology_only:
        data = export_ontology(fmt, [e.ontology for e in find_extensions()])
    else:
        with open_store(store) as st:
            data = export_store(st, fmt, ontology=ontology, inferred=inferred)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)


def _reason_store(store: Path | None, rules: tuple[Path, ...]) -> None:
    from .progress import terminal_bar
    from .reason import reason
    from .store import open_store

    bar = terminal_bar()
    with open_store(store, write=True) as st:
        report = reason(st, extra_rules=list(rules), progress=bar)
    del st  # release the writer before anything reopens the store
    if bar:
        bar.close()
    _say_reasoned(report)


def _say_reasoned(report: Any) -> None:
    fired = ", ".join(f"{k} {v}" for k, v in sorted(report.fired.items()) if not k.startswith(("cax", "scm", "prp", "cls")))
    how = f"{report.parts} independent part(s) in {report.batches} batch(es)" if report.parts else report.mode
    click.echo(f"reasoned: {report.inferred} triples inferred in {report.rounds} rounds, "
               f"{report.seconds:.2f} s, {how} ({fired or 'no interaction-order rule fired'})", err=True)


_rules_option = click.option("--rules", "rules", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
                             help="Extra directory of rule files (SPARQL CONSTRUCT with a #+ header).")


@main.command("reason")
@_rules_option
@_store_option
def reason_cmd(rules: tuple[Path, ...], store: Path | None) -> None:
    """Materialise OWL 2 RL and interaction-order inferences, with their derivations.

    Inferred triples go to their own named graph, apart from the asserted ones;
    every one records the rule and premises it came from (see `explain`).
    """
    _reason_store(store, rules)


def _ensure_reasoned(store: Path | None, needed: bool, allowed: bool) -> None:
    from .reason import is_reasoned
    from .store import open_store

    if not needed or not allowed:
        return
    with open_store(store) as st:
        done = is_reasoned(st)
    del st  # release the read-only handle before a writer opens the same store
    if not done:
        click.echo("the store has not been reasoned yet; reasoning first (use --no-reason to skip)", err=True)
        _reason_store(store, ())


def _parse_params(params: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in params:
        if "=" not in item:
            raise click.UsageError(f"--param takes name=value, not {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def _extension_queries(store: Path | None) -> list[Path]:
    """Query directories of the extensions the store was built with (none if there is no store yet)."""
    from .errors import StoreError
    from .store import open_store, store_extensions

    try:
        with open_store(store) as st:
            dirs = [e.queries for e in store_extensions(st) if e.queries is not None]
        del st
    except StoreError:
        return []
    return dirs


@main.command("queries")
@_store_option
def queries_cmd(store: Path | None) -> None:
    """List the named queries (with those of the store's extensions) and their parameters."""
    from .query import load_queries

    for q in load_queries(_extension_queries(store)).values():
        click.echo(f"{q.name}: {q.title}")
        for p in q.params:
            if p.name == "lang":
                continue
            default = f" (default {p.default})" if p.default is not None else ""
            click.echo(f"    --param {p.name}=<{p.type}>{default}  {p.description}")


def _print_result(result: object, fmt: str) -> None:
    from .query import Result, to_csv, to_json, to_table

    assert isinstance(result, Result)
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        hide = tuple(v for v in result.variables if f"{v}Label" in result.variables) + ("findings", "claims")
        click.echo(to_table(result, hide=hide))


_format_option = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                              show_default=True, help="json is the W3C SPARQL 1.1 results format.")
_lang_option = click.option("--lang", type=click.Choice(["en", "da"]), default="en", show_default=True,
                            help="Language of labels.")
_inference_options = [
    click.option("--no-inference", is_flag=True, help="Leave inferred triples out of the answer."),
    click.option("--no-reason", is_flag=True, help="Do not reason first, even if the store is not reasoned."),
]


def _with(options: list[Callable[..., Any]]) -> Callable[..., Any]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(options):
            fn = opt(fn)
        return fn
    return deco


@main.command("query")
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A query parameter (repeatable).")
@_lang_option
@_format_option
@_with(_inference_options)
@click.option("--evidence", is_flag=True, help="After the table, print for each row the rules and the quotes behind it.")
@_store_option
def query_cmd(name: str, params: tuple[str, ...], lang: str, fmt: str, no_inference: bool, no_reason: bool,
              evidence: bool, store: Path | None) -> None:
    """Run a named query (see `rolegraph queries`)."""
    from .query import bind_params, get_query, run_select
    from .store import open_store

    q = get_query(name, _extension_queries(store))
    bindings = bind_params(q, _parse_params(params), lang=lang)
    _ensure_reasoned(store, q.reasoning == "required" and not no_inference, not no_reason)
    with open_store(store) as st:
        result = run_select(st, q, bindings, inference=not no_inference)
        _print_result(result, fmt)
        if evidence and result.rows:
            from .explain import Explainer, render_summary

            explainer = Explainer(st, lang=lang)
            for i, row in enumerate(result.rows, start=1):
                click.echo(f"\n=== row {i}: why (full chain: rolegraph explain --query {name} --row {i}) ===")
                click.echo(render_summary(_explain_row(explainer, row)))


def _explain_row(explainer: Any, row: dict[str, Any]) -> list[Any]:
    """Explain the findings (or else the claims) named in a result row."""
    iris: list[str] = []
    if row.get("findings") is not None:
        iris = row["findings"].value.split()
    elif row.get("claims") is not None:  # role-across-settings: the claims on both sides, and
        # their audiences' responses (asserted, so explained by their own quotes)
        import pyoxigraph as ox

        responds_to = ox.NamedNode("https://w3id.org/rolegraph/ontology#respondsTo")
        for claim in row["claims"].value.split():
            iris.append(claim)
            iris += sorted(q.subject.value for q in
                           explainer.store.quads_for_pattern(None, responds_to, ox.NamedNode(claim), None))
    else:
        for key in ("finding", "claim"):
            if row.get(key) is not None:
                iris.append(row[key].value)
    if not iris:
        iris = [v.value for v in row.values() if v is not None and type(v).__name__ == "NamedNode"
                and v.value.startswith("https://w3id.org/rolegraph/case/")][:1]
    steps = []
    for iri in iris:
        steps += explainer.explain_node(iri)
    return steps


@main.command("explain")
@click.argument("iri", required=False)
@click.option("--query", "query_name", help="Explain a row of this named query instead of an IRI.")
@click.option("--row", type=int, default=None, help="Row number (1-based) of --query; all rows if left out.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE")
@click.option("--all", "everything", is_flag=True, help="Explain every inferred statement about the IRI.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_lang_option
@_store_option
def explain_cmd(iri: str | None, query_name: str | None, row: int | None, params: tuple[str, ...],
                everything: bool, fmt: str, lang: str, store: Path | None) -> None:
    """Show how an inferred statement came to be: rules, premises, quotes and sources.

    Give an IRI (or a case-relative id such as womens-association/women-ambassador),
    or --query NAME [--row N].
    """
    from .errors import UsageError
    from .explain import Explainer, render_json, render_text
    from .query import bind_params, expand_iri, get_query, run_select
    from .store import open_store

    if (iri is None) == (query_name is None):
        raise UsageError("give either an IRI or --query NAME", hint="e.g. `rolegraph explain --query role-transfer --row 1`")
    _ensure_reasoned(store, True, True)
    with open_store(store) as st:
        explainer = Explainer(st, lang=lang)
        if iri is not None:
            steps = explainer.explain_node(expand_iri(iri), everything=everything)
        else:
            assert query_name is not None
            q = get_query(query_name, _extension_queries(store))
            result = run_select(st, q, bind_params(q, _parse_params(params), lang=lang))
            rows = result.rows
            if row is not None:
                if not 1 <= row <= len(rows):
                    raise UsageError(f"row {row} does not exist; the query has {len(rows)} row(s)")
                rows = [rows[row - 1]]
            steps = [s for r in rows for s in _explain_row(explainer, r)]
    click.echo(render_json(steps) if fmt == "json" else render_text(steps))


@main.command("check")
@_store_option
def check_cmd(store: Path | None) -> None:
    """Check consistency with HermiT and classify co-production processes.

    Exit code 1 when the data is inconsistent; the axioms and case statements
    involved are listed with their files and lines.
    """
    from .check import check, render
    from .store import open_store

    _ensure_reasoned(store, True, True)
    with open_store(store) as st:
        report = check(st)
    click.echo(render(report))
    if not report.consistent:
        sys.exit(1)


@main.command("sparql")
@click.argument("query")
@_lang_option
@_format_option
@_with(_inference_options)
@_store_option
def sparql_cmd(query: str, lang: str, fmt: str, no_inference: bool, no_reason: bool, store: Path | None) -> None:
    """Run any SPARQL query, given as text or as a file path; the store is read-only here.

    SELECT results print as a table, CSV or JSON; CONSTRUCT and DESCRIBE as Turtle;
    ASK as true/false.
    """
    import pyoxigraph as ox

    from .errors import QueryError
    from .query import PREFIXES, Result
    from .store import open_store, query_dataset

    path = Path(query)
    text = path.read_text(encoding="utf-8") if path.suffix == ".rq" or path.is_file() else query
    _ensure_reasoned(store, not no_inference, not no_reason)
    with open_store(store) as st:
        try:
            answer = st.query(text, prefixes=PREFIXES, **query_dataset(st, not no_inference))
        except SyntaxError as exc:
            raise QueryError(f"the query does not parse: {str(exc).splitlines()[0]}") from exc
        except (OSError, RuntimeError) as exc:
            raise QueryError(f"the query failed: {exc}") from exc
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            _print_result(Result(names, [{n: s[n] for n in names} for s in answer]), fmt)
        elif isinstance(answer, ox.QueryBoolean):
            click.echo("true" if bool(answer) else "false")
        else:
            data = ox.serialize(answer, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
            click.echo((data or b"").decode("utf-8"), nl=False)


@main.command("new-case")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("cases"),
              show_default=True, help="Where to write NAME.yaml.")
def new_case_cmd(name: str, directory: Path) -> None:
    """Write an annotated case file to start a new case from (valid as written)."""
    from .scaffold import new_case

    path = new_case(name, directory)
    click.echo(f"wrote {path}; edit it, then: rolegraph validate {path}")


@main.command("new-extension")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("extensions"),
              show_default=True, help="Where to create NAME/.")
def new_extension_cmd(name: str, directory: Path) -> None:
    """Write an ontology extension module (new role, actor and context kinds, rules, queries).

    `rolegraph build` picks up every extension under ./extensions (and $ROLEGRAPH_EXTENSIONS).
    """
    from .scaffold import new_extension

    root = new_extension(name, directory)
    click.echo(f"wrote {root}/ontology.ttl, {root}/order-kinds.yaml, {root}/rules/ and {root}/queries/; "
               f"edit the ontology, then: rolegraph validate-extensions")


@main.command("validate-extensions")
def validate_extensions_cmd() -> None:
    """Check the extensions under ./extensions and $ROLEGRAPH_EXTENSIONS."""
    from .extensions import extension_places, find_extensions
    from .ontology import load_ontology

    exts = find_extensions()
    load_ontology(exts)
    found = ", ".join(e.name for e in exts) or f"none found in {extension_places()}"
    click.echo(f"valid: {len(exts)} extension(s) ({found})")


@main.command("docs")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("out/ontology.html"),
              show_default=True)
def docs_cmd(out: Path) -> None:
    """Write the ontology's documentation (with extensions) as one offline HTML page."""
    from .extensions import find_extensions
    from .ontodoc import write_docs
    from .ontology import load_ontology

    path = write_docs(load_ontology(find_extensions()), out)
    click.echo(f"wrote {path}")


@main.command()
@click.option("--lang", type=click.Choice(["en", "da"]), default="en", show_default=True)
def roles(lang: str) -> None:
    """List the shared roles a case file can name, with what they specialise."""
    from rdflib import RDFS, Literal

    from .ontology import load_ontology
    from .vocab import RG

    onto = load_ontology()
    g = onto.graph
    for local, iri in sorted(onto.roles.items()):
        labels = [str(v) for v in g.objects(iri, RDFS.label) if isinstance(v, Literal) and v.language == lang]
        parents = sorted(str(p).rsplit("/", 1)[-1] for p in g.objects(iri, RG.specialises))
        line = f"{local:28} {labels[0] if labels else ''}"
        if parents:
            line += f"  (specialises {', '.join(parents)})"
        click.echo(line)


# Commands defined beside their stage; registering them imports nothing heavy.
from .generate import register as _register_generate  # noqa: E402
from .viz import register as _register_viz  # noqa: E402

_register_viz(main)
_register_generate(main)

from .backend import register as _register_backend  # noqa: E402  (serve and --endpoint; must come last)

_register_backend(main)

if __name__ == "__main__":  # pragma: no cover
    main()
