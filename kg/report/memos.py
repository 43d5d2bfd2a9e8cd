"""Findings as plain-text memos (for the REFI-QDA export): both sides, their quotes, the rules."""

from __future__ import annotations

from ..qdpx.write import Finding
from ..stores.base import GraphStore
from .data import ClaimView, ReportReader
from .words import word


def _claim_text(c: ClaimView, lang: str) -> list[str]:
    lines = [f"{c.bearer} -> {c.role} {word(lang, 'in')} {c.context}"]
    lines += [f'  "{q.text}"' + (f" ({q.speaker})" if q.speaker else "") for q in c.quotes]
    for s in c.sides:
        lines.append(f"  {word(lang, s.outcome)} {word(lang, 'by')} {', '.join(s.audiences)} "
                     f"{word(lang, 'in')} {s.context}")
        lines += [f'    "{q.text}"' + (f" ({q.speaker})" if q.speaker else "") for q in s.quotes]
    return lines


def finding_memos(store: GraphStore, case_ids: list[str], lang: str = "en") -> list[Finding]:
    """A memo for every finding of the named cases that are in the store."""
    reader = ReportReader(store, lang)
    present = {c.rsplit("/", 1)[-1]: c for c in reader.case_iris()}
    out = []
    for cid in case_ids:
        if cid not in present:
            continue
        view = reader.case(present[cid])
        for f in view.findings:
            lines = [f"{word(lang, 'finding')}: {f.kind} ({word(lang, 'case').lower()} {cid})"]
            for c in f.claims:
                lines += _claim_text(c, lang)
            if f.rules:
                lines.append(f"{word(lang, 'rules_behind')}: " + "; ".join(
                    f"{r['title']} ({r.get('file') or r['id']})" for r in f.rules))
            title = f"{f.kind}: {f.claims[0].bearer} / {f.claims[0].role}" if f.claims else f.kind
            out.append(Finding(title, "\n".join(lines), cid))
    return out
