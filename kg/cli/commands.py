"""The bodies of the `rolegraph` commands (the table is in `kg.cli`).

The only module that imports stages inside functions: a command imports what it
uses when it runs, so that `rolegraph query` does not pay for owlready2, pySHACL
or pyvis. Commands talk to people; the stages they call never print.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from ..errors import Msg
from ..i18n import N_, translator
from ..iris import CASE
from ..targets import Target
from ..view.defaults import DEFAULT_OUT, DEFAULT_THRESHOLD  # light: imports nothing else of the view
from .options import (
    current_lang,
    echo,
    format_option,
    inference_options,
    key_store,
    lang_option,
    notice,
    param_option,
    parse_params,
    pseudonymise_options,
    remote_context_option,
    rules_option,
    say,
    shacl_option,
    store_options,
    width_option,
)
from .translated import INTEGER, FloatRange, IntRange, PathType, argument, command, option

_WARNINGS_SHOWN = 20


def _say_warnings(warnings: list[Any]) -> None:
    """Warnings (not errors) on stderr: the first few, then how many more."""
    _ = say()
    for w in warnings[:_WARNINGS_SHOWN]:
        _say_warning(w)
    if len(warnings) > _WARNINGS_SHOWN:
        echo(_("... and {n} more warning(s) of the same kinds").format(n=len(warnings) - _WARNINGS_SHOWN), err=True)


def _say_warning(w: Any) -> None:
    """One warning on stderr, in the command's language (a Problem renders itself)."""
    _ = say()
    text = w.render(_) if hasattr(w, "render") else str(w)
    echo(_("warning") + ": " + text, err=True)


@command()
@argument("paths", nargs=-1, required=True)
@shacl_option
@remote_context_option
def validate(paths: tuple[str, ...], shacl: bool | None, allow_remote_context: bool) -> None:
    """Check case files (YAML, Turtle, TriG, JSON-LD) and report every problem; `-` reads standard input."""
    import dataclasses

    from ..cases.validate import load_cases
    from ..errors import CaseDataError
    from ..progress import terminal_bar

    stdin_copy = _stdin_case_file() if "-" in paths else None
    files = [str(stdin_copy) if p == "-" else p for p in paths]
    bar = terminal_bar(translate=say())
    try:
        cs = load_cases(files, shacl=shacl, progress=bar, allow_remote_context=allow_remote_context)
    except CaseDataError as exc:
        if stdin_copy is None:
            raise
        raise CaseDataError([dataclasses.replace(pr, file="<stdin>") if Path(pr.file).resolve() == stdin_copy else pr
                             for pr in exc.problems]) from None
    finally:
        if bar:
            bar.close()
        if stdin_copy is not None:
            stdin_copy.unlink(missing_ok=True)
    _say_warnings(cs.warnings)
    _ = say()
    echo(_("valid: {files} file(s), {cases} case(s) ({ids}), {triples} triples").format(
        files=len(cs.files), cases=len(cs.case_ids), ids=", ".join(cs.case_ids), triples=cs.triple_count()))


def _stdin_case_file() -> Path:
    """Standard input copied to a hidden file in the current directory, so that a case's
    relative `sources: file:` paths resolve as they would for a file written there."""
    import tempfile

    data = sys.stdin.buffer.read()
    head = data.lstrip()[:2000]
    suffix = (".jsonld" if head[:1] in (b"{", b"[") else ".trig" if b"GRAPH" in head or b"{" in head and b"@prefix" in head
              else ".ttl" if head.startswith((b"@prefix", b"PREFIX", b"@base", b"<")) else ".yaml")
    try:
        with tempfile.NamedTemporaryFile(dir=".", prefix=".rolegraph-stdin-", suffix=suffix, delete=False) as fh:
            fh.write(data)
    except OSError:  # a read-only working directory
        with tempfile.NamedTemporaryFile(prefix="rolegraph-stdin-", suffix=suffix, delete=False) as fh:
            fh.write(data)
    return Path(fh.name).resolve()


@command()
@argument("paths", nargs=-1)
@shacl_option
@option("--reason", "with_reasoning", is_flag=True,
              help="Also reason, case by case as the cases load (the same store as `build` then `reason`, "
                   "faster on big corpora).")
@option("--full", is_flag=True,
              help="Build everything again, even when only some case files changed since the last build.")
@remote_context_option
@store_options
def build(paths: tuple[str, ...], shacl: bool | None, with_reasoning: bool, full: bool, allow_remote_context: bool,
          target: Target) -> None:
    """Validate case files and load them with the ontology into the store.

    With no PATHS, builds from ./cases. When the store was built before from the
    same ontology, rules and options, only the case files that changed (and the
    cases sharing nodes with them) are read, checked and reasoned again; --full
    builds everything. On any error nothing is loaded and the previous store is
    left as it was.
    """
    from ..cases.extensions import find_extensions
    from ..cases.validate import PRELOAD as READING
    from ..cases.validate import load_cases, reads_in_workers
    from ..incremental import plan, rebuild, setup_digest
    from ..ontology import load_ontology
    from ..pipeline import build_store
    from ..prime import prime_while_compacting
    from ..progress import terminal_bar
    from ..reasoning.per_case import PRELOAD as REASONING
    from ..reasoning.per_case import prepare_ahead
    from ..workers import Workers, worker_count

    _ = say()
    exts = find_extensions()
    sources = list(paths) or ["cases"]
    setup = setup_digest(exts, shacl=shacl)
    bar = terminal_bar(translate=say())
    digests: dict[str, str] = {}  # the files' digests, when a plan hashed them
    try:
        if isinstance(target, Path) and not full:
            todo = plan(sources, target, setup, reason=with_reasoning)
            if todo.unchanged:
                echo(_("unchanged: {store} holds these {n} file(s) as they are").format(store=target,
                                                                                       n=len(todo.files)))
                return
            if not todo.why:
                done = rebuild(todo, target, extensions=exts, ontology=load_ontology(exts), shacl=shacl,
                               reason=with_reasoning, progress=bar, on_wait=notice,
                               allow_remote_context=allow_remote_context)
                if done is not None:
                    how = _(", re-reasoned {n} case graph(s)").format(n=done.cases) if with_reasoning else ""
                    echo(_("rebuilt {store}: read {n} changed file(s) again, removed {removed}{how}, in {seconds} s")
                         .format(store=target, n=len(done.reread), removed=len(done.removed), how=how,
                                 seconds=f"{done.build.seconds:.2f}"))
                    if with_reasoning:
                        _prime(target)
                    return
            if target.exists():  # a first build is a full one: nothing to say
                why = todo.why.render(_) if isinstance(todo.why, Msg) else _(todo.why)
                echo(_("full build") + ": " + why, err=True)
            digests = todo.digests
        # Many files: worker processes read them and reason the batches. They fork after the
        # ontology has loaded here, and start with it (`load_ontology` keeps it per process)
        # instead of each parsing it again before its first file.
        ontology = load_ontology(exts)
        many = reads_in_workers(sources)
        with Workers(worker_count(), READING + REASONING, fork=True) if many else nullcontext() as workers, \
                ThreadPoolExecutor(1, thread_name_prefix="rolegraph-prepare") as ahead:
            # While the workers read, the rules are loaded and the ontology reasoned here (the
            # thread waits on Oxigraph most of the time): the reasoning then starts at once.
            prepared = ahead.submit(prepare_ahead, exts) if many and with_reasoning and isinstance(target, Path) \
                else None
            cs = load_cases(sources, ontology=ontology, shacl=shacl, progress=bar,
                            allow_remote_context=allow_remote_context, workers=workers, digests=digests)
            if prepared is not None and workers is not None:
                # (an error of the rules is the build's, as it would be later) The workers switch
                # from reading to reasoning while the new store is opened here.
                workers.warm(prepared.result())
            cs.setup = setup
            # The flagship answer is kept as the build ends (kg.prime), computed while the new
            # store is compacted: the first query after the build reads it back.
            primer = prime_while_compacting((current_lang(),)) if with_reasoning and isinstance(target, Path) else None
            report = build_store(cs, target, extensions=exts, progress=bar, reason=with_reasoning, on_wait=notice,
                                 release_cases=True, workers=workers, while_compacting=primer)
    finally:
        if bar:
            bar.close()
    _say_warnings(cs.warnings)
    with_ext = _(" and extension(s) {names}").format(names=", ".join(e.name for e in exts)) if exts else ""
    echo(_("built {store}: {triples} triples in {graphs} graphs from {files} file(s){extensions} in {seconds} s")
         .format(store=report.path, triples=report.triples, graphs=len(report.graphs), files=len(cs.files),
                 extensions=with_ext, seconds=f"{report.seconds:.2f}"))
    if report.reasoned is not None:
        _say_reasoned(report.reasoned)
        _say_clashes(target)


@command()
@option("--format", "fmt", type=click.Choice(["ttl", "nt", "trig", "nq", "jsonld", "rdfxml"]),
              default="ttl", show_default=True,
              help="rdfxml is what Protégé and owlready2 read best; jsonld carries an inline @context.")
@option("--ontology", is_flag=True,
              help="Include the ontology, merged into one ontology with one header (build loads it anyway).")
@option("--ontology-only", is_flag=True,
              help="Only the ontology (with the extensions found), merged into one; needs no store.")
@option("--inferred", is_flag=True, help="Include inferred triples and explanations.")
@option("-o", "--output", type=PathType(path_type=Path), default=None,
              help="File to write (default: standard output).")
@pseudonymise_options
@store_options
def export(fmt: str, ontology: bool, ontology_only: bool, inferred: bool, output: Path | None,
           pseudonymise: bool, key_file: Path | None, target: Target) -> None:
    """Write the store's case graphs as RDF; export, build and export again round-trips."""
    from ..cases.extensions import find_extensions
    from ..stores import export_ontology, export_store, open_store

    if ontology_only:
        data = export_ontology(fmt, [e.ontology for e in find_extensions()])
    else:
        from ..pseudonym import view_of

        with open_store(target, on_wait=notice) as st:
            view = view_of(st, pseudonymise, key_file, key_store(target))
            data = export_store(view, fmt, ontology=ontology, inferred=inferred)
    if output is None and sys.stdout.isatty():
        echo(data.decode("utf-8"), nl=False)
    elif output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        _ = say()
        echo(_("wrote {file} ({n} bytes)").format(file=output, n=len(data)), err=True)


def _reason_store(target: Target, rules: tuple[Path, ...], *, strict: bool = True) -> None:
    """Reason the store and say what came of it; with `strict`, exit 1 on a clash."""
    from ..progress import terminal_bar
    from ..reasoning import reason
    from ..stores import open_store

    bar = terminal_bar(translate=say())
    with open_store(target, write=True, on_wait=notice) as st:
        report = reason(st, extra_rules=list(rules), progress=bar)
    del st  # release the writer before anything reopens the store
    if bar:
        bar.close()
    _say_reasoned(report)
    _prime(target)
    if strict:
        _say_clashes(target)


def _prime(target: Target) -> None:
    """Keep the flagship answer of the store just reasoned (kg.prime), so the first query is fast."""
    from ..errors import QueryError
    from ..prime import prime_answers

    if not isinstance(target, Path):  # a remote store keeps no answers
        return
    try:
        prime_answers(target, langs=(current_lang(),))
    except QueryError:
        pass  # the query says what is wrong with it when it is asked; the build itself went well


def _say_clashes(target: Target) -> None:
    """Print each clash the reasoning found and exit 1 if there is any (the store keeps
    everything: the clashes are findings, with derivations)."""
    from ..explain import describe_clashes
    from ..stores import open_store

    with open_store(target) as st:
        found = describe_clashes(st, lang=current_lang())
    del st
    if found:
        _ = say()
        echo(_("INCONSISTENT: {n} clash(es) (the store keeps every statement; `rolegraph query clashes` "
               "lists them)").format(n=len(found)), err=True)
        for text in found:
            echo(text, err=True)
        sys.exit(1)


def _warn_if_inconsistent(st: Any) -> None:
    """Say once, on stderr, that answers come from an inconsistent store."""
    from ..stores.layout import has_clashes  # light: the query path does not import kg.explain

    n = has_clashes(st)
    if n:
        _ = say()
        echo(_("warning") + ": " + _("the store is inconsistent ({n} clash(es), see `rolegraph query clashes`); "
                                     "answers may rest on contradicting statements").format(n=n), err=True)


def _say_reasoned(report: Any) -> None:
    fired = ", ".join(f"{k} {v}" for k, v in sorted(report.fired.items())
                      if not k.startswith(("cax", "scm", "prp", "cls", "eq-", "dt-")))
    _ = say()
    how = (_("{parts} independent part(s) in {batches} batch(es)").format(parts=report.parts, batches=report.batches)
           if report.parts else report.mode.render(_) if isinstance(report.mode, Msg) else _(report.mode))
    echo(_("reasoned: {n} triples inferred in {rounds} rounds, {seconds} s, {how} ({fired})").format(
        n=report.inferred, rounds=report.rounds, seconds=f"{report.seconds:.2f}", how=how,
        fired=fired or _("no interaction-order rule fired")), err=True)


@command("reason")
@rules_option
@store_options
def reason_cmd(rules: tuple[Path, ...], target: Target) -> None:
    """Materialise OWL 2 RL and interaction-order inferences, with their derivations.

    Inferred triples go to their own named graph, apart from the asserted ones;
    every one records the rule and premises it came from (see `explain`).
    """
    _reason_store(target, rules)


def _ensure_reasoned(target: Target, needed: bool, allowed: bool, lang: str = "en") -> None:
    from ..stores import open_store
    from ..stores.layout import is_reasoned

    if not needed or not allowed:
        return
    with open_store(target, on_wait=notice) as st:
        done = is_reasoned(st)
    del st  # release the read-only handle before a writer opens the same store
    if not done:
        _reason_first(target, lang)


def _reason_first(target: Target, lang: str) -> None:
    _ = translator(lang)
    echo(_("the store has not been reasoned yet; reasoning first (use --no-reason to skip)"), err=True)
    _reason_store(target, (), strict=False)


def _query_dirs(store: Any) -> list[Path]:
    """Query directories of the extensions an open store was built with."""
    from ..stores.layout import store_extensions

    return [e.queries for e in store_extensions(store) if e.queries is not None]


def _extension_queries(target: Target) -> list[Path]:
    """Query directories of the extensions the store was built with (none if there is no store yet)."""
    from ..errors import StoreError
    from ..stores import open_store

    try:
        with open_store(target, on_wait=notice) as st:
            dirs = _query_dirs(st)
        del st
    except StoreError:
        return []
    return dirs


@command("queries")
@argument("name", required=False)
@store_options
def queries_cmd(name: str | None, target: Target) -> None:
    """List the named queries (with those of the store's extensions) and their parameters;
    with NAME, that query's description too."""
    import textwrap

    from ..query import get_query, load_queries

    lang = current_lang()
    _ = translator(lang)
    extra = _extension_queries(target)
    for q in load_queries(extra).values() if name is None else [get_query(name, extra)]:
        echo(f"{q.name}: {q.title_in(lang)}")
        if name is not None and q.description_in(lang):
            echo(textwrap.fill(q.description_in(lang), 88, initial_indent="    ", subsequent_indent="    ",
                               break_on_hyphens=False))
        for p in q.params:
            if p.name == "lang":
                continue
            default = " (" + _("default {value}").format(value=p.default) + ")" if p.default is not None else ""
            echo(f"    --param {p.name}=<{p.type}>{default}  {p.description_in(lang)}")


def _print_result(result: object, fmt: str, width: int | None = None, lang: str = "en") -> None:
    from ..query import Result, to_csv, to_json, with_distinct_labels

    assert isinstance(result, Result)
    if fmt == "json":
        echo(to_json(result), data=True)
    elif fmt == "csv":
        echo(to_csv(result), nl=False, data=True)
    else:
        # an IRI column beside its label column shows as the label; the findings column feeds --evidence
        # (the claims column of role-across-settings likewise); labels that two nodes share get the
        # node's case and id
        shown = [v for v in result.variables if f"{v}Label" not in result.variables
                 and v not in ("findings", "claims")]
        result = with_distinct_labels(result)
        terminal = sys.stdout.isatty()
        if not terminal and width is None and result.rows:
            from .plain import tsv  # a pipe: no table layout to import

            echo(tsv(shown, result.rows))
            return
        from .tables import column_headers, render

        _ = translator(lang)
        none_text = "(" + _("no rows") + ")"
        echo(render(shown, result.rows, width=width, terminal=terminal, headers=column_headers(shown, _),
                          rows_word=(_("row"), _("rows")), none_text=none_text))
        if not result.rows and not terminal and width is None:
            echo(none_text, err=True)  # a pipe gets the header line alone; people are told


@command("query")
@argument("name")
@param_option
@lang_option
@format_option
@inference_options
@option("--evidence", is_flag=True, help="After the table, print for each row the rules and the quotes behind it.")
@width_option
@pseudonymise_options
@store_options
def query_cmd(name: str, params: tuple[str, ...], lang: str, fmt: str, no_inference: bool, no_reason: bool,
              evidence: bool, width: int | None, pseudonymise: bool, key_file: Path | None, target: Target) -> None:
    """Run a named query (see `rolegraph queries`)."""
    from ..errors import StoreError
    from ..query import check_params, get_query
    from ..stores import open_store
    from ..stores.layout import is_reasoned

    given = parse_params(params)
    try:  # the store opened once: the extensions' queries, whether it is reasoned, the answer
        with open_store(target, on_wait=notice) as st:
            q = get_query(name, _query_dirs(st))
            check_params(q, given)  # names and prefixes checked before any reasoning
            if q.reasoning != "required" or no_inference or no_reason or is_reasoned(st):
                _answer(st, q, given, name, lang, fmt, no_inference, evidence, width, pseudonymise, key_file, target)
                return
        del st  # release the read-only handle before a writer opens the same store
    except StoreError:
        q = get_query(name)  # an unknown query name is the first thing to say, store or not
        check_params(q, given)
        raise
    _reason_first(target, lang)
    with open_store(target, on_wait=notice) as st:
        _answer(st, q, given, name, lang, fmt, no_inference, evidence, width, pseudonymise, key_file, target)


def _answer(raw: Any, q: Any, given: dict[str, str], name: str, lang: str, fmt: str, no_inference: bool,
            evidence: bool, width: int | None, pseudonymise: bool, key_file: Path | None, target: Target) -> None:
    from ..query import bind_params, run_select

    st: Any = raw
    if name != "clashes":
        _warn_if_inconsistent(raw)
    bindings = bind_params(q, given, lang=lang, store=raw)  # names as the user knows them
    if pseudonymise:
        from ..pseudonym import pseudonymised_store, store_pseudonymiser

        pseudo = store_pseudonymiser(raw, key_file, store_path=key_store(target))
        st = pseudonymised_store(raw, pseudo)
        bindings = {k: pseudo.value(v) for k, v in bindings.items()}
    result = run_select(st, q, bindings, inference=not no_inference)
    _print_result(result, fmt, width, lang)
    if evidence and result.rows:
        _print_evidence(st, result, name, lang)


def _print_evidence(st: Any, result: Any, name: str, lang: str) -> None:
    from ..explain import Citations, Explainer, render_summary
    from .tables import safe

    _ = translator(lang)
    explainer = Explainer(st, lang=lang)
    citations = Citations(lang)
    lang_arg = f" --lang {lang}" if lang != "en" else ""
    for i, row in enumerate(result.rows, start=1):
        again = f"rolegraph explain --query {name} --row {i}{lang_arg}"
        echo("\n=== " + _("row {n}: why (the whole chain: {command})").format(n=i, command=again)
                   + " ===")
        echo(safe(render_summary(explain_row(explainer, row), citations, lang=lang)))
    echo(safe("\n".join(citations.render())))


def explain_row(explainer: Any, row: dict[str, Any]) -> list[Any]:
    """Explain the findings (or else the claims) named in a result row."""
    iris: list[str] = []
    if row.get("findings") is not None:
        iris = row["findings"].value.split()
    elif row.get("claims") is not None:  # role-across-settings: the claims on both sides, and
        # their audiences' responses (asserted, so explained by their own quotes)
        import pyoxigraph as ox

        responds_to = ox.NamedNode("https://w3id.org/rolegraph/ontology#respondsTo")
        for claim in dict.fromkeys(row["claims"].value.split()):
            iris.append(claim)
            iris += sorted(q.subject.value for q in
                           explainer.store.quads_for_pattern(None, responds_to, ox.NamedNode(claim), None))
    else:
        for key in ("finding", "claim"):
            if row.get(key) is not None:
                iris.append(row[key].value)
    if not iris:
        iris = [v.value for v in row.values() if v is not None and type(v).__name__ == "NamedNode"
                and v.value.startswith(CASE)][:1]
    steps = []
    for iri in iris:
        steps += explainer.explain_node(iri)
    return steps


@command("explain")
@argument("iri", required=False)
@option("--query", "query_name", help="Explain a row of this named query instead of an IRI.")
@option("--row", type=INTEGER, default=None, help="Row number (1-based) of --query; all rows if left out.")
@param_option
@option("--all", "everything", is_flag=True, help="Explain every inferred statement about the IRI.")
@option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@option("--full", is_flag=True, help="Print every quote where it is used, with its source (the whole "
                                             "chain as recorded), instead of each quote once at the end.")
@lang_option
@pseudonymise_options
@store_options
def explain_cmd(iri: str | None, query_name: str | None, row: int | None, params: tuple[str, ...],
                everything: bool, fmt: str, full: bool, lang: str, pseudonymise: bool, key_file: Path | None,
                target: Target) -> None:
    """Show how an inferred statement came to be: rules, premises, quotes and sources.

    Give an IRI (or a case-relative id such as womens-association/women-ambassador),
    or --query NAME [--row N].
    """
    from ..errors import UsageError
    from ..explain import Explainer, render_json, render_text
    from ..query import bind_params, get_query, resolve_iri, run_select
    from ..stores import open_store
    from .tables import safe

    if (iri is None) == (query_name is None):
        raise UsageError(N_("give either an IRI or --query NAME"),
                         hint=N_("e.g. `rolegraph explain --query role-transfer --row 1`"))
    _ensure_reasoned(target, True, True, lang)
    from ..pseudonym import pseudonymised_store, store_pseudonymiser

    with open_store(target, on_wait=notice) as raw:
        st: Any = raw
        node = resolve_iri(iri, raw, param="iri") if iri is not None else None
        bindings: dict[str, Any] = {}
        if query_name is not None:
            q = get_query(query_name, _extension_queries(target))
            bindings = bind_params(q, parse_params(params), lang=lang, store=raw)
        if pseudonymise:  # explain the pseudonymised copy of what the user named
            pseudo = store_pseudonymiser(raw, key_file, store_path=key_store(target))
            st = pseudonymised_store(raw, pseudo)
            node = pseudo.text(node) if node is not None else None
            bindings = {k: pseudo.value(v) for k, v in bindings.items()}
        explainer = Explainer(st, lang=lang)
        if node is not None:
            steps = explainer.explain_node(node, everything=everything)
        else:
            assert query_name is not None
            result = run_select(st, q, bindings)
            rows = result.rows
            if row is not None:
                if not 1 <= row <= len(rows):
                    raise UsageError(N_("row {row} does not exist; the query has {n} row(s)"),
                                     params={"row": row, "n": len(rows)})
                rows = [rows[row - 1]]
            steps = [s for r in rows for s in explain_row(explainer, r)]
    echo(render_json(steps) if fmt == "json" else safe(render_text(steps, lang=lang, full=full)), data=fmt == "json")


@command("check")
@store_options
def check_cmd(target: Target) -> None:
    """Check consistency with HermiT and classify co-production processes.

    Exit code 1 when the data is inconsistent; the axioms and case statements
    involved are listed with their files and lines.
    """
    from ..consistency import check, render
    from ..stores import open_store

    _ensure_reasoned(target, True, True, current_lang())
    with open_store(target, on_wait=notice) as st:
        report = check(st)
    echo(render(report, say()))
    if not report.consistent:
        sys.exit(1)


@command("sparql")
@argument("query")
@lang_option
@format_option
@inference_options
@width_option
@pseudonymise_options
@store_options
def sparql_cmd(query: str, lang: str, fmt: str, no_inference: bool, no_reason: bool, width: int | None,
               pseudonymise: bool, key_file: Path | None, target: Target) -> None:
    """Run any SPARQL query, given as text, as a file path, or `-` for standard input; read-only.

    SELECT results print as a table, CSV or JSON; CONSTRUCT and DESCRIBE as Turtle;
    ASK as true/false.
    """
    import pyoxigraph as ox

    from ..errors import QueryError
    from ..iris import PREFIXES
    from ..query import Result
    from ..sparql_text import syntax_error_message
    from ..stores import open_store
    from ..stores.layout import query_dataset

    if query == "-":
        text = sys.stdin.read()
    else:
        path = Path(query)
        text = path.read_text(encoding="utf-8") if path.suffix == ".rq" or path.is_file() else query
    _ensure_reasoned(target, not no_inference, not no_reason, lang)
    from ..pseudonym import view_of

    with open_store(target, on_wait=notice) as raw:
        st = view_of(raw, pseudonymise, key_file, key_store(target))
        _warn_if_inconsistent(raw)
        try:
            answer = st.query(text, prefixes=PREFIXES, **query_dataset(st, not no_inference))
        except SyntaxError as exc:
            raise QueryError(N_("the query does not parse: {error}"),
                             params={"error": syntax_error_message(text, str(exc), PREFIXES)}) from exc
        except (OSError, RuntimeError) as exc:
            raise QueryError(N_("the query failed: {error}"), params={"error": exc}) from exc
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            _print_result(Result(names, [{n: s[n] for n in names} for s in answer]), fmt, width, lang)
        elif isinstance(answer, ox.QueryBoolean):
            echo("true" if bool(answer) else "false")  # SPARQL's words, for scripts
        else:
            data = ox.serialize(answer, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
            echo((data or b"").decode("utf-8"), nl=False, data=True)


@command("new-case")
@argument("name")
@option("--dir", "directory", type=PathType(file_okay=False, path_type=Path), default=Path("cases"),
              show_default=True, help="Where to write NAME.yaml.")
def new_case_cmd(name: str, directory: Path) -> None:
    """Write an annotated case file to start a new case from (valid as written)."""
    from ..cases.scaffold import new_case

    path = new_case(name, directory)
    _ = say()
    echo(_("wrote {file}; edit it, then: {command}").format(file=path, command=f"rolegraph validate {path}"))


@command("new-extension")
@argument("name")
@option("--dir", "directory", type=PathType(file_okay=False, path_type=Path), default=Path("extensions"),
              show_default=True, help="Where to create NAME/.")
def new_extension_cmd(name: str, directory: Path) -> None:
    """Write an ontology extension module (new role, actor and context kinds, rules, queries).

    `rolegraph build` picks up every extension under ./extensions (and $ROLEGRAPH_EXTENSIONS).
    """
    from ..cases.scaffold import new_extension

    root = new_extension(name, directory)
    _ = say()
    echo(_("wrote {files}; edit the ontology, then: {command}").format(
        files=f"{root}/ontology.ttl, {root}/order-kinds.yaml, {root}/rules/, {root}/queries/",
        command="rolegraph validate-extensions"))


@command("validate-extensions")
def validate_extensions_cmd() -> None:
    """Check the extensions under ./extensions and $ROLEGRAPH_EXTENSIONS."""
    from ..cases.extensions import extension_places, find_extensions
    from ..ontology import load_ontology

    exts = find_extensions()
    load_ontology(exts)
    _ = say()
    found = ", ".join(e.name for e in exts) or _("none found in {places}").format(places=extension_places())
    echo(_("valid: {n} extension(s) ({found})").format(n=len(exts), found=found))


@command("docs")
@option("--out", type=PathType(dir_okay=False, path_type=Path), default=Path("out/ontology.html"),
              show_default=True)
def docs_cmd(out: Path) -> None:
    """Write the ontology's documentation (with extensions) as one offline HTML page."""
    from ..cases.extensions import find_extensions
    from ..ontodoc import write_docs
    from ..ontology import load_ontology

    path = write_docs(load_ontology(find_extensions()), out)
    _ = say()
    echo(_("wrote {file}").format(file=path))


@command()
@lang_option
def roles(lang: str) -> None:
    """List the shared roles a case file can name, with what they specialise."""
    from rdflib import RDFS, Literal

    from ..ontology import load_ontology
    from ..vocab import RG

    _ = translator(lang)
    onto = load_ontology()
    g = onto.graph
    for local, iri in sorted(onto.roles.items()):
        labels = [str(v) for v in g.objects(iri, RDFS.label) if isinstance(v, Literal) and v.language == lang]
        parents = sorted(str(p).rsplit("/", 1)[-1] for p in g.objects(iri, RG.specialises))
        line = f"{local:28} {labels[0] if labels else ''}"
        if parents:
            line += "  (" + _("specialises {roles}").format(roles=", ".join(parents)) + ")"
        echo(line)


@command("generate")
@argument("out", type=PathType(file_okay=False, path_type=Path))
@option("--cases", "n", type=IntRange(min=1), default=10, show_default=True,
              help="How many case files to write.")
@option("--seed", type=IntRange(min=0), default=0, show_default=True,
              help="Random seed; the same seed gives the same files.")
def generate_cmd(out: Path, n: int, seed: int) -> None:
    """Write a synthetic corpus of N case files (YAML) into OUT, for tests and benchmarks.

    The cases are shaped like the shipped ones and some carry on purpose a role
    recognised in one situation and refused in another. All text is synthetic.
    """
    from ..progress import terminal_bar
    from ..synthetic import generate

    bar = terminal_bar(translate=say())
    try:
        report = generate(out, cases=n, seed=seed, progress=bar)
    finally:
        if bar:
            bar.close()
    _ = say()
    echo(_("wrote {n} case file(s) to {dir} (seed {seed}): {claims} claims, {responses} responses, "
               "{transfers} case(s) with a recognised-here/refused-there pattern").format(
        n=report.cases, dir=out, seed=seed, claims=report.claims, responses=report.responses,
        transfers=report.transfer_cases))


@command("viz")
@option("--case", "cases", multiple=True, metavar="ID",
              help="Only this case (repeatable), e.g. womens-association.")
@option("--context", "contexts", multiple=True, metavar="ID",
              help="Only claims in this context and the contexts part of it (repeatable), "
                   "e.g. department-encounter or womens-association/ssp-partnership.")
@option("--actor", "actors", multiple=True, metavar="ID",
              help="Only claims this actor bears, gives or responds to (repeatable).")
@option("--query", "query", metavar="NAME", default=None,
              help="Open on the answers of this named query (highlighted), e.g. role-transfer.")
@option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of the query (repeatable).")
@option("--queries", "query_dirs", multiple=True, type=PathType(path_type=Path, file_okay=False),
              help="Another directory of named queries (repeatable).")
@lang_option
@option("--out", "out", type=PathType(path_type=Path, dir_okay=False), default=DEFAULT_OUT,
              show_default=True, help="The HTML file to write.")
@option("--threshold", type=IntRange(min=1), default=DEFAULT_THRESHOLD, show_default=True,
              help="Above this many nodes the page opens on an overview and expands on click.")
@option("--overview/--full", "overview", default=None,
              help="Force the overview or the full graph (default: the query's answers, else by --threshold).")
@pseudonymise_options
@store_options
def viz_cmd(cases: tuple[str, ...], contexts: tuple[str, ...], actors: tuple[str, ...], query: str | None,
            params: tuple[str, ...], query_dirs: tuple[Path, ...], lang: str, out: Path, threshold: int,
            overview: bool | None, pseudonymise: bool, key_file: Path | None, target: Target) -> None:
    """Write the browser view: one self-contained HTML file (no network access).

    Actors, teams, roles and contexts, with role claims coloured by the audience's
    outcome (green recognised, red refused, orange contested; dashed: the bearer
    keeps distance). Click a node or an edge for its evidence quotes.
    """
    from ..errors import UsageError
    from ..view import Filters, write_view

    given = parse_params(params)
    if given and not query:
        raise UsageError(N_("--param needs --query"))
    if pseudonymise:
        from ..pseudonym import view_of
        from ..stores import open_store

        with open_store(target, on_wait=notice) as raw:
            report = write_view(target, out, filters=Filters(cases, contexts, actors), query=query,
                                params=given, lang=lang, threshold=threshold, overview=overview,
                                query_dirs=list(query_dirs) or None,
                                store=view_of(raw, True, key_file, key_store(target)))
    else:
        report = write_view(target, out, filters=Filters(cases, contexts, actors), query=query,
                            params=given, lang=lang, threshold=threshold, overview=overview,
                            query_dirs=list(query_dirs) or None)
    _ = say()
    for w in report.warnings:
        _say_warning(w)
    extra = _(", {nodes} nodes and {edges} edges highlighted by '{query}'").format(
        nodes=report.highlighted_nodes, edges=report.highlighted_edges, query=query) if query else ""
    opening = {"overview": _("; opens on an overview of {n} nodes"),
               "answers": _("; opens on the answers and their neighbourhood ({n} nodes)")
               }.get(report.mode, "").format(n=report.initial_nodes)
    echo(_("wrote {file}: {nodes} nodes, {edges} edges{opening}{extra} ({kib} KiB)").format(
        file=report.path, nodes=report.nodes, edges=report.edges, opening=opening, extra=extra,
        kib=f"{report.bytes / 1024:.0f}"))


@command("serve")
@option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; a non-loopback one needs --public.")
@option("--port", type=IntRange(0, 65535), default=7878, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@option("--store", "store", type=PathType(path_type=Path, file_okay=False), default=None,
              envvar="ROLEGRAPH_STORE", show_envvar=True,
              help="Store directory (default: ~/.local/share/rolegraph/store).")
@option("--timeout", type=FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a query may run before it is stopped.")
@option("--max-rows", type=IntRange(min=1), default=10_000, show_default=True,
              help="Largest result (rows, or triples) the server sends.")
@option("--workers", type=IntRange(1, 64), default=None,
              help="Query worker processes [default: CPUs, at most 4].")
@option("--allow-update", is_flag=True,
              help="Accept SPARQL updates with `Authorization: Bearer TOKEN` (needs a token).")
@option("--token-file", type=PathType(path_type=Path, dir_okay=False, exists=True), default=None,
              help="File holding the update token (else $ROLEGRAPH_SERVE_TOKEN).")
@option("--public", is_flag=True, help="Allow a non-loopback --host (prints a warning).")
@option("--allow-identifying", is_flag=True,
              help="Serve names beyond loopback without --pseudonymise.")
@pseudonymise_options
@option("--quiet", is_flag=True, help="Do not log requests.")
@option("--cors", "cors", multiple=True, metavar="ORIGIN",
              help="Let web pages from ORIGIN (scheme://host[:port], or *) query the server "
                   "(CORS; repeatable). Off by default: cross-origin POSTs are refused.")
@option("--memory", type=IntRange(min=0), default=2048, show_default=True, metavar="MIB",
              help="Memory cap of each query worker in MiB (0: none); a query above it gets a 503.")
@option("--per-client", type=IntRange(min=0), default=0, metavar="N",
              help="SPARQL queries one client address may have running or waiting [default: workers - 1].")
@option("--base-iri", default=None, metavar="IRI",
              help="Base IRI for relative IRIs in queries [default: the endpoint's URL].")
@lang_option
@click.pass_context
def serve_cmd(ctx: click.Context, /, store: Path | None, allow_identifying: bool, pseudonymise: bool,
              key_file: Path | None, **options: Any) -> None:
    """Serve the store over HTTP: a SPARQL 1.1 endpoint at /sparql, the named queries at
    /queries/NAME, a query page at / and the browser view at /viz.

    Read-only and on 127.0.0.1 unless told otherwise. Queries run in worker processes and
    are stopped after --timeout seconds or above --memory; SERVICE and LOAD are refused;
    other web sites may not POST here unless --cors lets them.
    """
    from ..errors import UsageError
    from ..pseudonym import check_exposure, pseudonymised_snapshot
    from ..server.run import run_command
    from ..server.settings import check_host, is_loopback
    from ..targets import RemoteConfig, default_store_path

    if isinstance(ctx.find_root().obj, RemoteConfig):
        raise UsageError(N_("`rolegraph serve` publishes a local store; it cannot serve --endpoint"),
                         hint=N_("point your SPARQL clients at the remote store directly"))
    check_host(options["host"], options["public"])  # its refusal of a public address comes first
    check_exposure(is_loopback(options["host"]), pseudonymise, allow_identifying)
    if pseudonymise and options["allow_update"]:
        raise UsageError(N_("--pseudonymise serves a read-only copy; it cannot take updates"),
                         hint=N_("leave out --allow-update, or serve the store itself on loopback"))
    path = store or default_store_path()
    if pseudonymise:  # serve a pseudonymised copy, made in a private temporary directory
        with pseudonymised_snapshot(path.resolve(), key_file) as copy:
            _ = say()
            echo(_("serving a pseudonymised copy of the store: persons' names and aliases are replaced"),
                 err=True)
            run_command(store=copy, **options, say=lambda line, err: echo(line, err=err), _=say())
        return
    run_command(store=path, **options, say=lambda line, err: echo(line, err=err), _=say())


@command("import-qdpx")
@argument("project", type=PathType(dir_okay=False, path_type=Path))
@option("--map", "mapping", type=PathType(dir_okay=False, path_type=Path), default=None,
              help="The mapping file: which codes are roles, actors, contexts, stances, outcomes.")
@option("--init-map", "init_map", type=PathType(dir_okay=False, path_type=Path), default=None,
              help="Write a mapping file scaffolded from the project's codes, and stop.")
@option("--out", type=PathType(file_okay=False, path_type=Path), default=Path("cases"),
              show_default=True, help="Directory for the draft case files.")
@option("--sources", "sources_dir", type=PathType(file_okay=False, path_type=Path), default=None,
              help="Directory for the source texts (default: sources/ beside --out).")
@option("--force", is_flag=True, help="Overwrite existing files.")
def import_qdpx_cmd(project: Path, mapping: Path | None, init_map: Path | None, out: Path,
                    sources_dir: Path | None, force: bool) -> None:
    """Turn a REFI-QDA project (.qdpx from NVivo, ATLAS.ti, MAXQDA, QualCoder) into draft cases."""
    from ..errors import UsageError
    from ..ontology import load_ontology
    from ..qdpx.importer import import_qdpx
    from ..qdpx.mapping import read_mapping, scaffold
    from ..qdpx.read import read_qdpx

    _ = say()
    if init_map is not None:
        if init_map.exists() and not force:
            raise UsageError(N_("{file} exists already"), hint=N_("use --force to overwrite it"),
                             params={"file": init_map})
        proj = read_qdpx(project)
        init_map.parent.mkdir(parents=True, exist_ok=True)
        init_map.write_text(scaffold(proj), encoding="utf-8")
        echo(_("wrote {file}: {n} code(s) to map; then run `{command}`").format(
            file=init_map, n=len(proj.codes), command=f"rolegraph import-qdpx {project} --map {init_map} --out {out}"))
        for w in proj.warnings:
            _say_warning(w)
        return
    if mapping is None:
        raise UsageError(N_("say how the project's codes map to rolegraph: --map FILE"),
                         hint=N_("scaffold one with `{command}`"),
                         params={"command": f"rolegraph import-qdpx {project} --init-map mapping.yaml"})
    m = read_mapping(mapping)
    result = import_qdpx(project, m, out, sources_dir, shared_roles=set(load_ontology().roles), force=force)
    for w in result.project.warnings:
        _say_warning(w)
    echo(_("wrote {n} case file(s) ({files}), {sources} source text(s), {quotes} quote(s)").format(
        n=len(result.case_files), files=", ".join(str(p) for p in result.case_files),
        sources=len(result.source_files), quotes=result.quotes))
    if result.unplaced:
        echo(_("{n} item(s) the mapping did not place, kept as notes:").format(n=len(result.unplaced)))
        for u in result.unplaced:
            echo(f"  {u.case}: " + (u.what.render(_) if isinstance(u.what, Msg) else u.what))
    echo(_("check the drafts with `{command}`").format(command=f"rolegraph validate {out}"))


@command("export-qdpx")
@argument("paths", nargs=-1)
@option("--out", type=PathType(dir_okay=False, path_type=Path), required=True,
              help="The .qdpx file to write.")
@option("--name", default="rolegraph study", show_default=True, help="The project's name.")
@pseudonymise_options
@store_options
def export_qdpx_cmd(paths: tuple[str, ...], out: Path, name: str, pseudonymise: bool, key_file: Path | None,
                    target: Target) -> None:
    """Write the cases (default: cases/) as a REFI-QDA project: sources, codes, coded quotes, and the
    store's findings as memos."""
    from ..pseudonym import Pseudonymiser, load_key, persons_in_cases, pseudonymised_store
    from ..qdpx.write import Finding, write_qdpx
    from ..reasoning.engine import is_reasoned
    from ..report.memos import finding_memos
    from ..stores import open_store
    from ..study import read_study

    study = read_study(list(paths) or ["cases"])
    cases = list(study.cases.values())
    pseudo = None
    if pseudonymise:
        pseudo = Pseudonymiser(load_key(key_file, store=key_store(target)), persons_in_cases(cases))
    findings: list[Finding] = []
    if not isinstance(target, Path) or target.exists():
        with open_store(target, on_wait=notice) as st:
            if is_reasoned(st):
                view = pseudonymised_store(st, pseudo) if pseudo else st
                findings = finding_memos(view, [c.id for c in cases], lang=current_lang())
    report = write_qdpx(cases, out, name=name, shared_roles=study.shared_role_labels(), findings=findings,
                        redact=pseudo.text if pseudo else (lambda s: s))
    _ = say()
    echo(_("wrote {file}: {sources} source(s), {codes} code(s), {selections} coded selection(s), "
           "{memos} finding memo(s)").format(file=out, sources=report.sources, codes=report.codes,
                                             selections=report.selections, memos=report.memos)
         + (" (" + _("pseudonymised") + ")" if pseudo else ""))
    if not findings:
        echo(_("no findings: build and reason the store first to export them as memos"), err=True)
    for s in report.no_text:
        echo(_("source {source} has no text file (its `file:` is missing or not found): its quotes are not coded")
             .format(source=s), err=True)
    if report.not_found:
        echo(_("{n} quote(s) not found in their source text:").format(n=len(report.not_found)), err=True)
        for q in report.not_found:
            echo(f"  {q}", err=True)


@command("report")
@argument("cases", nargs=-1)
@option("--format", "fmt", type=click.Choice(["md", "html"]), default="html", show_default=True)
@lang_option
@option("--out", type=PathType(dir_okay=False, path_type=Path), required=True)
@option("--no-reason", is_flag=True, help="Do not reason first, even if the store needs it.")
@pseudonymise_options
@store_options
def report_cmd(cases: tuple[str, ...], fmt: str, lang: str, out: Path, no_reason: bool, pseudonymise: bool,
               key_file: Path | None, target: Target) -> None:
    """Write a report per case: actors and teams, the role network, each finding with both sides and
    its quotes, clashes, the rules behind them, and the roles compared across cases."""
    from ..pseudonym import view_of
    from ..report.render import build_report, write_report
    from ..stores import open_store
    from ..targets import describe

    _ensure_reasoned(target, True, not no_reason, lang)
    with open_store(target, on_wait=notice) as st:
        view = view_of(st, pseudonymise, key_file, key_store(target))
        rep = build_report(view, cases=list(cases) or None, fmt=fmt, lang=lang,
                           store_name=Path(describe(target)).name, pseudonymised=pseudonymise,
                           figures_dir=f"{out.stem}-figures")
    written = write_report(rep, out)
    _ = say()
    echo(_("wrote {file}").format(file=written[0])
         + (_(" and {n} figure(s)").format(n=len(written) - 1) if len(written) > 1 else ""))
