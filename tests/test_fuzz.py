"""The fuzzer's bounded sample: a few hundred mutated case files, every one a clean result.

`make fuzz` runs 10^4 inputs; tests/fuzz.py says what a clean result is.
"""

from __future__ import annotations

import random

from tests import fuzz
from tests.conftest import examples


def test_a_fuzzed_sample_ends_in_clean_results_only() -> None:
    count = examples(300)
    report = fuzz.run(count, seed=12)
    assert report.count == count
    details = "\n".join(f"input {f.index} ({f.fmt}) {f.kind}: {f.detail}" for f in report.findings)
    assert not report.findings, details
    assert report.valid > 0 and report.clean_errors > 0  # both paths were exercised


def test_the_fuzzer_is_deterministic() -> None:
    texts = fuzz.seeds()

    def inputs(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [fuzz.mutate(rng, fmt, texts[fmt][0], texts["yaml"][1]) for fmt in list(fuzz.FORMATS) * 10]

    assert inputs(5) == inputs(5)
    assert inputs(5) != inputs(6)


def test_every_format_is_fuzzed() -> None:
    texts = fuzz.seeds()
    assert set(texts) == {"yaml", "turtle", "trig", "json-ld"}
    assert all(texts[f] and all(t.strip() for t in texts[f]) for f in texts)
