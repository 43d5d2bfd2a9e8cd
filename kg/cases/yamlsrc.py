"""YAML with line numbers: every value remembers where it stands in its file.

PyYAML's composer keeps a start mark on each node; we turn the node tree into
`Y` values so the validator can name the file and line of every field.
Duplicate keys, which PyYAML silently merges, are reported.

Before composing, one linear pass over the parser's events enforces the limits of
kg.limits (nesting depth, values after alias expansion, text length) and refuses
recursive aliases, so no input can exhaust the stack or the memory. Every other
failure of PyYAML (control characters, a timestamp such as 2021-13-45, `!!int abc`,
a number too long to convert) becomes a problem at its line, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem
from ..i18n import N_
from .limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, MAX_TEXT


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


_STR = "tag:yaml.org,2002:str"
_SURROGATE = re.compile("[\ud800-\udfff]")
_QUOTE_HINT = N_("quote the value to keep it as text, e.g. `title: \"2021-13-45\"`")


_BREAKS = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")


class _Lines:
    """A mark's line as an editor counts it (1-based). YAML also breaks lines at NEL, LS and
    PS (U+0085, U+2028, U+2029), which editors, `grep -n` and the quoted line of an error
    show inside a line: a mark's line minus those before it."""

    def __init__(self, text: str) -> None:
        self.editor: list[int] | None = None  # editor lines before each YAML line break
        if any(c in text for c in "\x85\u2028\u2029"):
            count = 0
            self.editor = [0]
            for m in _BREAKS.finditer(text):
                count += m.group() not in "\x85\u2028\u2029"
                self.editor.append(count)

    def __call__(self, mark: Any) -> int:
        if self.editor is None:
            return int(mark.line) + 1
        return self.editor[min(int(mark.line), len(self.editor) - 1)] + 1


class _Limit(Exception):
    """A limit of the pre-pass was passed: the problem it found."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _scan(text: str, display: str, loader_class: type, lines: _Lines) -> None:
    """Walk the parser's events once; raise _Limit at the first limit passed.

    Counts every value as it would be after alias expansion (an alias counts the size of
    its anchor), so that an alias bomb is refused before anything is built."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [size so far, anchor, line] per open collection
    open_anchors: set[str] = set()
    total = 0

    def fail(event: Any, field_name: str, message: str, hint: str, **params: Any) -> None:
        raise _Limit(Problem.of(display, lines(event.start_mark), field_name, message, hint, **params))

    def add(n: int, event: Any) -> None:
        nonlocal total
        if stack:
            stack[-1][0] += n
        total += n
        if total > MAX_NODES:
            fail(event, "yaml", N_("the file expands to more than {n:,} values"),
                 N_("aliases (*name) repeat what their anchor (&name) holds; repeat less, or split the file"),
                 n=MAX_NODES)

    loader = loader_class(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.ScalarEvent):
                if len(event.value) > MAX_TEXT:
                    fail(event, "yaml", N_("a text of {n:,} characters (at most {limit:,})"),
                         N_("shorten it, or cite the source with a locator instead of copying it whole"),
                         n=len(event.value), limit=MAX_TEXT)
                if _SURROGATE.search(event.value):
                    fail(event, "yaml", N_("a lone surrogate escape (\\ud800-\\udfff) is not a character"),
                         N_("write the character itself, or its \\U0001xxxx escape"))
                if event.anchor:
                    sizes[event.anchor] = 1
                add(1, event)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    fail(event, "yaml", N_("the alias *{anchor} refers to a value that contains it"),
                         N_("an alias cannot repeat the value it stands in; write the value out"), anchor=event.anchor)
                add(sizes.get(event.anchor or "", 1), event)  # an alias always names an anchor
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    fail(event, "yaml", N_("nested deeper than {n} levels"),
                         N_("a case file needs a few levels; check the indentation and the brackets"), n=MAX_DEPTH)
                stack.append([0, event.anchor, event])
                if event.anchor:
                    open_anchors.add(event.anchor)
            elif isinstance(event, yaml.CollectionEndEvent):
                size, anchor, _ = stack.pop()
                if anchor:
                    open_anchors.discard(anchor)
                    sizes[anchor] = size + 1
                add(1, event)
    finally:
        loader.dispose()


def _construct(node: yaml.Node, loader: Any, file: str, problems: list[Problem], lines: _Lines) -> Any:
    """A scalar's Python value; a value PyYAML cannot convert is a problem (reported once:
    its text stands in for it, so the schema does not report it again)."""
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value  # what PyYAML's constructor gives for text, without its dispatch
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as exc:
        what = exc.problem or exc.context or "cannot read this value"
        problems.append(Problem.of(file, lines(node.start_mark), "yaml", N_("bad YAML: {what}"), _QUOTE_HINT, what=what))
    except (ValueError, OverflowError, TypeError) as exc:
        shown = str(node.value)[:40] if isinstance(node.value, str) else "this value"
        problems.append(Problem.of(file, lines(node.start_mark), "yaml",
                                N_("cannot read '{shown}' as {value} ({value2})"),
                                _QUOTE_HINT, shown=shown, value=node.tag.rsplit(':', 1)[-1], value2=str(exc)[:80]))
    return node.value if isinstance(node.value, str) else None


def _convert(node: yaml.Node, loader: Any, file: str, problems: list[Problem], lines: _Lines) -> Y:
    line = lines(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        try:
            loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            problems.append(Problem.of(file, line, "yaml", N_("bad YAML: {value}"),
                                    N_("`<<:` merges a mapping (or a list of mappings) into this one"), value=exc.problem or exc.context))
            return Y({}, line)
        out: dict[str, Y] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = lines(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem.of(file, key_line, "yaml", N_("a key must be a word"),
                                        N_("write keys as plain names, e.g. `label:`")))
                continue
            key = _construct(key_node, loader, file, problems, lines)
            if not isinstance(key, str):
                problems.append(Problem.of(file, key_line, str(key), N_("a key must be a word"),
                                        N_("write keys as plain names, e.g. `label:`")))
                continue
            if key in out:
                problems.append(Problem.of(file, key_line, key,
                                        N_("duplicate key '{key}' (first at line {value})"),
                                        N_("keep one of them"), key=key, value=key_lines[key]))
                continue
            out[key] = _convert(value_node, loader, file, problems, lines)
            key_lines[key] = key_line
        return Y(out, line, key_lines)
    if isinstance(node, yaml.SequenceNode):
        return Y([_convert(n, loader, file, problems, lines) for n in node.value], line)
    return Y(_construct(node, loader, file, problems, lines), line)


def load_yaml(path: Path, display: str, *, limited: bool = True) -> tuple[Y | None, list[Problem]]:
    """Parse one YAML file; on a syntax error return no tree and the problem.

    `limited=False` skips the size limit, for rolegraph's own files (rules/order-kinds.yaml)."""
    try:
        size = path.stat().st_size
        if limited and size > MAX_FILE_BYTES:
            return None, [Problem.of(display, 1, "file", N_("the file has {size:,} bytes (at most {MAX_FILE_BYTES:,})"),
                                  N_("split the case into several files (they may share one `case:` id)"), size=size, MAX_FILE_BYTES=MAX_FILE_BYTES)]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem.of(display, 1, "file", N_("not UTF-8 text ({reason})"),
                              N_("save the file as UTF-8"), reason=exc.reason)]
    except OSError as exc:
        return None, [Problem.of(display, 1, "file", N_("cannot read the file: {value}"),
                              N_("check that it exists and is readable"), value=exc.strerror or exc)]
    try:
        return _parse(text, display, _FastLoader)
    except yaml.YAMLError:
        return _parse(text, display, _Loader)  # reparse to report the error in the usual words


def _parse(text: str, display: str, loader_class: type) -> tuple[Y | None, list[Problem]]:
    problems: list[Problem] = []
    loader = None
    lines = _Lines(text)
    try:
        _scan(text, display, loader_class, lines)
        loader = loader_class(text)
        node = loader.get_single_node()
        if node is None:
            return None, [Problem.of(display, 1, "file", N_("the file is empty"),
                                  N_("start with `case: <id>` and `title: ...`"))]
        tree = _convert(node, loader, display, problems, lines)
    except _Limit as exc:
        return None, [exc.problem]
    except yaml.reader.ReaderError as exc:
        if loader_class is not _Loader:
            raise
        line = text.count("\n", 0, exc.position) + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        return None, [Problem.of(display, line, "yaml", N_("bad YAML: the control character {char} is not allowed"),
                              N_("remove it; inside double quotes an escape such as \\t may stand for it"), char=char)]
    except yaml.MarkedYAMLError as exc:
        if loader_class is not _Loader:
            raise
        mark = exc.problem_mark or exc.context_mark
        line = lines(mark) if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem.of(display, line, "yaml", N_("bad YAML: {what}"),
                              N_("check indentation, and quote text that contains ': ' or '#'"), what=what)]
    except yaml.YAMLError as exc:
        if loader_class is not _Loader:
            raise
        return None, [Problem.of(display, 1, "yaml", N_("bad YAML: {exc}"), N_("check the file's syntax"), exc=exc)]
    finally:
        if loader is not None:
            loader.dispose()
    return tree, problems
