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
@click.option("--no-shacl", is_flag=True, help="Skip the SHACL shapes (schema and references are still checked).")
def validate(paths: tuple[str, ...], no_shacl: bool) -> None:
    """Check case files (YAML, Turtle, TriG, JSON-LD) and report every problem."""
    from .validate import load_cases

    cs = load_cases(list(paths), shacl=not no_shacl)
    click.echo(f"valid: {len(cs.files)} file(s), {len(cs.case_ids)} case(s) "
               f"({', '.join(cs.case_ids)}), {cs.triple_count()} triples")


@main.command()
@click.argument("paths", nargs=-1)
@_store_option
def build(paths: tuple[str, ...], store: Path | None) -> None:
    """Validate case files and load them with the ontology into the store.

    With no PATHS, builds from ./cases. On any error nothing is loaded and the
    previous store is left as it was.
    """
    from .store import build_store
    from .validate import load_cases

    cs = load_cases(list(paths) or ["cases"])
    report = build_store(cs, store)
    click.echo(f"built {report.path}: {report.triples} triples in {len(report.graphs)} graphs "
               f"from {len(cs.files)} file(s) in {report.seconds:.2f} s")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "trig", "nq", "jsonld"]),
              default="ttl", show_default=True)
@click.option("--ontology", is_flag=True, help="Include the ontology graph (build loads it anyway).")
@click.option("--inferred", is_flag=True, help="Include inferred triples and explanations.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (default: standard output).")
@_store_option
def export(fmt: str, ontology: bool, inferred: bool, output: Path | None, store: Path | None) -> None:
    """Write the store's case graphs as RDF; export, build and export again round-trips."""
    from .store import export_store, open_store

    with open_store(store) as st:
        data = export_store(st, fmt, ontology=ontology, inferred=inferred)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)


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


if __name__ == "__main__":  # pragma: no cover
    main()
