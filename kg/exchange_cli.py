"""The commands that exchange a study with QDA tools and people: import-qdpx, export-qdpx, report.

Thin: each reads its options, calls the stages (kg.qdpx, kg.report, kg.pseudonym) and says
what was written. Heavy imports stay inside the command bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

_key_option = click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="The pseudonym key file (default: $ROLEGRAPH_PSEUDONYM_KEY or "
                                "~/.config/rolegraph/pseudonym.key; made on first use, never printed).")


def pseudonymise_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--pseudonymise and --key-file, for the commands whose output shows persons."""
    fn = _key_option(fn)
    return click.option("--pseudonymise", is_flag=True,
                        help="Replace persons' names and aliases by stable pseudonyms.")(fn)


def register(main: click.Group) -> None:
    """Add the exchange commands to the CLI group."""

    @main.command("import-qdpx")
    @click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--map", "mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="The mapping file: which codes are roles, actors, contexts, stances, outcomes.")
    @click.option("--init-map", "init_map", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Write a mapping file scaffolded from the project's codes, and stop.")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("cases"),
                  show_default=True, help="Directory for the draft case files.")
    @click.option("--sources", "sources_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Directory for the source texts (default: sources/ beside --out).")
    @click.option("--force", is_flag=True, help="Overwrite existing files.")
    def import_qdpx_cmd(project: Path, mapping: Path | None, init_map: Path | None, out: Path,
                        sources_dir: Path | None, force: bool) -> None:
        """Turn a REFI-QDA project (.qdpx from NVivo, ATLAS.ti, MAXQDA, QualCoder) into draft cases."""
        from .errors import UsageError
        from .ontology import load_ontology
        from .qdpx.importer import import_qdpx
        from .qdpx.mapping import read_mapping, scaffold
        from .qdpx.read import read_qdpx

        if init_map is not None:
            if init_map.exists() and not force:
                raise UsageError(f"{init_map} exists already", hint="use --force to overwrite it")
            proj = read_qdpx(project)
            init_map.parent.mkdir(parents=True, exist_ok=True)
            init_map.write_text(scaffold(proj), encoding="utf-8")
            click.echo(f"wrote {init_map}: {len(proj.codes)} code(s) to map; "
                       f"then run `rolegraph import-qdpx {project} --map {init_map} --out {out}`")
            for w in proj.warnings:
                click.echo(f"warning: {w}", err=True)
            return
        if mapping is None:
            raise UsageError("say how the project's codes map to rolegraph: --map FILE",
                             hint=f"scaffold one with `rolegraph import-qdpx {project} --init-map mapping.yaml`")
        m = read_mapping(mapping)
        result = import_qdpx(project, m, out, sources_dir, shared_roles=set(load_ontology().roles), force=force)
        for w in result.project.warnings:
            click.echo(f"warning: {w}", err=True)
        click.echo(f"wrote {len(result.case_files)} case file(s) "
                   f"({', '.join(str(p) for p in result.case_files)}), {len(result.source_files)} source "
                   f"text(s), {result.quotes} quote(s)")
        if result.unplaced:
            click.echo(f"{len(result.unplaced)} item(s) the mapping did not place, kept as notes:")
            for u in result.unplaced:
                click.echo(f"  {u.case}: {u.what}")
        click.echo(f"check the drafts with `rolegraph validate {out}`")

    @main.command("export-qdpx")
    @click.argument("paths", nargs=-1)
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="The .qdpx file to write.")
    @click.option("--name", default="rolegraph study", show_default=True, help="The project's name.")
    @click.option("--store", "store", type=click.Path(path_type=Path), default=None, envvar="ROLEGRAPH_STORE",
                  help="Store whose findings become memos (default: the usual store, if it exists).")
    @click.option("--pseudonymise", is_flag=True, help="Replace persons' names and aliases by pseudonyms.")
    @_key_option
    def export_qdpx_cmd(paths: tuple[str, ...], out: Path, name: str, store: Path | None, pseudonymise: bool,
                        key_file: Path | None) -> None:
        """Write the cases as a REFI-QDA project: sources, codes, coded quotes, findings as memos."""
        from .pseudonym import Pseudonymiser, load_key, persons_in_cases, pseudonymised_store
        from .qdpx.write import Finding, write_qdpx
        from .reason import is_reasoned
        from .report.memos import finding_memos
        from .store import default_store_path, open_store
        from .study import read_study

        study = read_study(list(paths) or ["cases"])
        cases = list(study.cases.values())
        pseudo = None
        if pseudonymise:
            pseudo = Pseudonymiser(load_key(key_file, store=store or default_store_path()),
                                   persons_in_cases(cases))
        findings: list[Finding] = []
        store_path = store or default_store_path()
        if store_path.exists():
            with open_store(store_path) as st:
                if is_reasoned(st):
                    view = pseudonymised_store(st, pseudo) if pseudo else st
                    findings = finding_memos(view, [c.id for c in cases])
            del st
        report = write_qdpx(cases, out, name=name, shared_roles=study.shared_role_labels(), findings=findings,
                            redact=pseudo.text if pseudo else (lambda s: s))
        click.echo(f"wrote {out}: {report.sources} source(s), {report.codes} code(s), {report.selections} "
                   f"coded selection(s), {report.memos} finding memo(s)"
                   + (" (pseudonymised)" if pseudo else ""))
        if not findings:
            click.echo("no findings: build and reason the store first to export them as memos", err=True)
        for s in report.no_text:
            click.echo(f"source {s} has no text file (its `file:` is missing or not found): quotes not coded",
                       err=True)
        if report.not_found:
            click.echo(f"{len(report.not_found)} quote(s) not found in their source text:", err=True)
            for q in report.not_found:
                click.echo(f"  {q}", err=True)

    @main.command("report")
    @click.argument("cases", nargs=-1)
    @click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="html", show_default=True)
    @click.option("--lang", type=click.Choice(["en", "da"]), default="en", show_default=True)
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--pseudonymise", is_flag=True, help="Replace persons' names and aliases by pseudonyms.")
    @_key_option
    @click.option("--no-reason", is_flag=True, help="Do not reason first, even if the store needs it.")
    @click.option("--store", "store", type=click.Path(path_type=Path), default=None, envvar="ROLEGRAPH_STORE",
                  help="Store directory (default: ~/.local/share/rolegraph/store).")
    def report_cmd(cases: tuple[str, ...], fmt: str, lang: str, out: Path, pseudonymise: bool,
                   key_file: Path | None, no_reason: bool, store: Path | None) -> None:
        """Write a report per case: actors, role network, findings with both sides and quotes, rules."""
        from .backend import store_label
        from .cli import _ensure_reasoned
        from .pseudonym import pseudonymised_store, store_pseudonymiser
        from .report.render import build_report, write_report
        from .store import default_store_path, open_store

        _ensure_reasoned(store, True, not no_reason)
        with open_store(store) as st:
            view = st
            if pseudonymise:
                view = pseudonymised_store(st, store_pseudonymiser(st, key_file,
                                                                   store_path=store or default_store_path()))
            rep = build_report(view, cases=list(cases) or None, fmt=fmt, lang=lang,
                               store_name=Path(store_label(store)).name, pseudonymised=pseudonymise,
                               figures_dir=f"{out.stem}-figures")
        written = write_report(rep, out)
        click.echo(f"wrote {written[0]}" + (f" and {len(written) - 1} figure(s)" if len(written) > 1 else ""))
