"""The README's speed summary, written from the benchmark results rather than by hand.

    python bench/speed_summary.py           print the paragraph
    python bench/speed_summary.py --write   put it into README.md between its markers

Every figure comes from what `make bench` writes: bench/results/pipeline-shipped.json,
pipeline-1e5.json and pipeline-1e6.json; tests/test_docs_agree.py checks that README.md
holds exactly this text, so a new benchmark run cannot leave stale figures behind.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
BEGIN = "<!-- speed summary: written by bench/speed_summary.py from bench/results; do not edit by hand -->"
END = "<!-- end of speed summary -->"


def _size(doc: dict[str, Any], size: str) -> dict[str, Any]:
    for entry in doc["sizes"]:
        if entry["size"] == size:
            return dict(entry)
    raise KeyError(f"size {size} is not in the results")


def _s(value: float) -> str:
    """Seconds as the results tables give them: three significant figures, at most three decimals."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    text = f"{value:.3f}"
    return text.removesuffix("0")  # 0.25, 0.70, 0.081


def _owlrl(mid: dict[str, Any], limit: float) -> str:
    """What rdflib + owlrl did at the middle size, beside ours."""
    closure = (mid["ratios"] or {}).get("owlrl_closure_only_over_ours")
    whole = mid["end_to_end"]["owlrl"]
    if closure is None:
        return f"rdflib + owlrl did not finish its closure within {limit:.0f} s"
    steps = mid["steps"]["owlrl"]
    text = (f"{closure['value']:.1f}× faster than rdflib's parse and owlrl's closure alone "
            f"({_s(steps['parse']['s'] + steps['owlrl']['s'])} s")
    if whole.get("did_not_finish"):
        return text + f"; with our rules after it, rdflib + owlrl did not finish within {limit:.0f} s)"
    return text + f"; {_s(whole['s'])} s with our rules after it)"


def summary(shipped_doc: dict[str, Any], mid_doc: dict[str, Any], large: dict[str, Any]) -> str:
    """The speed paragraph from what `make bench` writes: `pipeline-shipped.json`,
    `pipeline-1e5.json` (mid) and `pipeline-1e6.json` (large)."""
    shipped, e5, e6 = _size(shipped_doc, "shipped"), _size(mid_doc, "1e5"), _size(large, "1e6")
    ours5, ours6 = e5["end_to_end"]["ours"], e6["end_to_end"]["ours"]
    runs = f" (medians of {e5['runs']} runs)" if e5["runs"] > 1 else ""
    text = (
        f"**Speed** (`make bench`, `bench/results/report.md`; {large['machine']['cores']}-core machine): the "
        f"shipped cases answer `rolegraph query role-transfer` in {_s(shipped['steps']['ours']['query']['s'])} s "
        f"from typing to the table. At 10^5 asserted triples ({e5['cases']} generated cases) "
        f"`build --reason` plus the flagship query take {_s(ours5['s'])} s{runs}, "
        f"{_owlrl(e5, mid_doc['settings']['limit_s'])}. At 10^6 ({e6['cases']:,} cases) they take "
        f"{_s(ours6['s'])} s ({e6['ratios']['ours_over_oxigraph_load']['value']:.1f}× a bare Oxigraph load "
        f"of the same triples) with a peak of {ours6['max_peak_rss_mb_all_steps']:,.0f} MB; the flagship "
        f"query alone takes {_s(ours6['query_engine_s'])} s.")
    return textwrap.fill(text, width=96, break_on_hyphens=False, break_long_words=False)


def _results(name: str) -> dict[str, Any]:
    return dict(json.loads((RESULTS / name).read_text(encoding="utf-8")))


def current() -> str:
    """The paragraph from the results files in bench/results/."""
    return summary(_results("pipeline-shipped.json"), _results("pipeline-1e5.json"), _results("pipeline-1e6.json"))


def in_readme(text: str) -> str:
    """The paragraph between the markers of README.md."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip("\n")


def main() -> None:
    paragraph = current()
    if sys.argv[1:] == ["--write"]:
        text = README.read_text(encoding="utf-8")
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        README.write_text(text[:start] + "\n" + paragraph + "\n" + text[end:], encoding="utf-8")
    else:
        print(paragraph)


if __name__ == "__main__":
    main()
