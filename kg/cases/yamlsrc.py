"""YAML with line numbers: every value remembers where it stands in its file.

PyYAML's composer keeps a start mark on each node; we turn the node tree into
`Y` values so the validator can name the file and line of every field.
Duplicate keys, which PyYAML silently merges, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem


@dataclass
class Y:
    """A YAML value with its line (1-based). `value` is a scalar, dict[str, Y] or list[Y]."""

    value: Any
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def plain(self) -> Any:
        """The value with all line information stripped."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


class _Loader(yaml.SafeLoader):
    """Pure-Python parser: used to word syntax errors the same way everywhere."""


# libyaml's parser is about 10x faster; it keeps the same node marks. Where it is missing
# (a PyYAML built without libyaml) the pure-Python parser does the same job.
_FastLoader: type = getattr(yaml, "CSafeLoader", _Loader)


def _convert(node: yaml.Node, loader: Any, file: str, problems: list[Problem]) -> Y:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[str, Y] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                problems.append(Problem(file, key_line, str(key), "a key must be a word",
                                        "write keys as plain names, e.g. `label:`"))
                continue
            if key in out:
                problems.append(Problem(file, key_line, key,
                                        f"duplicate key '{key}' (first at line {key_lines[key]})",
                                        "keep one of them"))
                continue
            out[key] = _convert(value_node, loader, file, problems)
            key_lines[key] = key_line
        return Y(out, line, key_lines)
    if isinstance(node, yaml.SequenceNode):
        return Y([_convert(n, loader, file, problems) for n in node.value], line)
    return Y(loader.construct_object(node, deep=True), line)


def load_yaml(path: Path, display: str) -> tuple[Y | None, list[Problem]]:
    """Parse one YAML file; on a syntax error return no tree and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(display, 1, "file", f"not UTF-8 text ({exc.reason})",
                              "save the file as UTF-8")]
    try:
        return _parse(text, display, _FastLoader)
    except yaml.YAMLError:
        return _parse(text, display, _Loader)  # reparse to report the error in the usual words


def _parse(text: str, display: str, loader_class: type) -> tuple[Y | None, list[Problem]]:
    problems: list[Problem] = []
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(display, 1, "file", "the file is empty",
                                  "start with `case: <id>` and `title: ...`")]
        tree = _convert(node, loader, display, problems)
    except yaml.MarkedYAMLError as exc:
        if loader_class is not _Loader:
            raise
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(display, line, "yaml", f"bad YAML: {what}",
                              "check indentation, and quote text that contains ': ' or '#'")]
    except yaml.YAMLError as exc:
        if loader_class is not _Loader:
            raise
        return None, [Problem(display, 1, "yaml", f"bad YAML: {exc}", "check the file's syntax")]
    finally:
        loader.dispose()
    return tree, problems
