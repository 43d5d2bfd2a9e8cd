"""Run the guide's console blocks: each `$ command` line, in a fresh working directory.

Used by tests/test_guide.py (to check the guide's shown output) and by hand
(`python tests/guide_runner.py docs/guide-add-your-case.md`) to print what the
commands print now, when the guide is edited.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE_BLOCK = re.compile(r"^Write this into `(?P<path>[^`]+)`:\n\n```\w*\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
CONSOLE_BLOCK = re.compile(r"^```console\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass
class Step:
    command: str
    shown: list[str]


def normalise(lines: list[str]) -> list[str]:
    """Drop what changes from run to run: timings, store paths, trailing spaces."""
    out = []
    for line in lines:
        line = re.sub(r"\d+\.\d+ s\b", "N s", line)
        line = re.sub(r"built \S+store:", "built STORE:", line)
        line = re.sub(r"in \d+ rounds", "in N rounds", line)
        line = re.sub(r"\(\d+ KiB\)", "(N KiB)", line)  # the page's size moves with its script
        out.append(line.rstrip())
    return [line for line in out if line]


def parse(guide: Path) -> tuple[dict[str, str], list[tuple[int, list[Step]]]]:
    text = guide.read_text(encoding="utf-8")
    files = {m.group("path"): m.group("body") for m in FILE_BLOCK.finditer(text)}
    blocks: list[tuple[int, list[Step]]] = []
    for m in CONSOLE_BLOCK.finditer(text):
        steps: list[Step] = []
        for line in m.group("body").splitlines():
            if line.startswith("$ "):
                steps.append(Step(line[2:], []))
            elif steps:
                steps[-1].shown.append(line)
        blocks.append((m.start(), steps))
    return files, blocks


def run(guide: Path, workdir: Path, rolegraph: str) -> list[tuple[Step, list[str]]]:
    """Run every console step, writing each shown file just before the block that follows it."""
    text = guide.read_text(encoding="utf-8")
    file_blocks = [(m.start(), m.group("path"), m.group("body")) for m in FILE_BLOCK.finditer(text)]
    _, blocks = parse(guide)
    # the guide shows what a terminal 120 columns wide shows
    env = {**os.environ, "ROLEGRAPH_STORE": str(workdir / "store"), "COLUMNS": "120", "ROLEGRAPH_WIDTH": "120"}
    env.pop("ROLEGRAPH_EXTENSIONS", None)
    results = []
    written: set[int] = set()
    for start, steps in blocks:
        for pos, path, body in file_blocks:
            if pos < start and pos not in written:
                target = workdir / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(body, encoding="utf-8")
                written.add(pos)
        for step in steps:
            argv = shlex.split(step.command)
            if argv[0] == "rolegraph":
                argv[0] = rolegraph
            proc = subprocess.run(argv, check=False, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
            results.append((step, (proc.stdout + proc.stderr).splitlines()))
    return results

if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for step, got in run(Path(sys.argv[1]), Path(tmp), str(ROOT / ".venv" / "bin" / "rolegraph")):
            print(f"$ {step.command}")
            print("\n".join(got))
