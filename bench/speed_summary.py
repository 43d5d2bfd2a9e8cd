"""The README's speed summary, written from the benchmark results rather than by hand.

    python bench/speed_summary.py           print the paragraph
    python bench/speed_summary.py --write   put it into README.md between its markers

Every figure comes from bench/results/pipeline.json (shipped cases to 10^5) and
bench/results/pipeline-1e6.json (10^6); tests/test_docs_agree.py checks that README.md
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


def summary(small: dict[str, Any], large: dict[str, Any]) -> str:
    """The speed paragraph from the results of `pipeline.json` (small) and `pipeline-1e6.json` (large)."""
    shipped, e5, e6 = _size(small, "shipped"), _size(small, "1e5"), _size(large, "1e6")
    e4 = _size(small, "1e4")
    owlrl_e4 = e4["end_to_end"]["owlrl"]
    if owlrl_e4.get("did_not_finish"):
        owlrl = (f"rdflib + owlrl did not finish at 10^4 within {small['settings']['limit_s']:.0f} s "
                 "(so it was not run at 10^5)")
    else:
        owlrl = f"rdflib + owlrl takes {_s(e5['end_to_end']['owlrl']['s'])} s"
    ours5, ours6 = e5["end_to_end"]["ours"], e6["end_to_end"]["ours"]
    text = (
        f"**Speed** (`make bench`, `bench/README.md`; {small['machine']['cores']}-core machine): the shipped "
        f"cases answer `rolegraph query role-transfer` in {_s(shipped['steps']['ours']['query']['s'])} s "
        f"from typing to the table. At 10^5 asserted triples ({e5['cases']} generated cases) "
        f"`build --reason` plus the flagship query take {_s(ours5['s'])} s; {owlrl}, and owlready2 + "
        f"HermiT takes {_s(e5['end_to_end']['hermit']['s'])} s. At 10^6 ({e6['cases']:,} cases) they take "
        f"{_s(ours6['s'])} s ({e6['ratios']['ours_over_oxigraph_load']['value']:.1f}× a bare Oxigraph load "
        f"of the same triples) with a peak of {ours6['max_peak_rss_mb_all_steps']:,.0f} MB; the flagship "
        f"query alone takes {_s(ours6['query_engine_s'])} s.")
    return textwrap.fill(text, width=96, break_on_hyphens=False, break_long_words=False)


def current() -> str:
    """The paragraph from the results files in bench/results/."""
    small = json.loads((RESULTS / "pipeline.json").read_text(encoding="utf-8"))
    large = json.loads((RESULTS / "pipeline-1e6.json").read_text(encoding="utf-8"))
    return summary(small, large)


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
