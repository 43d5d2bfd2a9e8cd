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
from typing import Any, cast

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


class _Fallback(Exception):
    """What the one-pass reader leaves to PyYAML's composer: a merge key (`<<:`), a `=` key,
    an anchor defined twice, an undefined alias, more than one document."""


class _Open:
    """A collection being read: its size after alias expansion so far, its anchor and start
    event, and (when building) its items; for a mapping, the key read and waiting for its value."""

    __slots__ = ("anchor", "event", "items", "key", "key_line", "key_lines", "problems_from", "size", "skip_from")

    def __init__(self, anchor: str | None, event: Any, items: Any, problems_from: int) -> None:
        self.size = 0
        self.anchor = anchor
        self.event = event
        self.items = items  # list (a sequence), dict (a mapping) or None (not building)
        self.key_lines: dict[str, int] = {}
        self.key: Any = _NO_KEY  # a mapping's key waiting for its value
        self.key_line = 0
        self.skip_from = -1  # a key that is reported and dropped: problems from here are its value's
        self.problems_from = problems_from


_NO_KEY = object()
_SKIP = object()  # a key already reported: its value is read and dropped
_MERGE = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _scan(text: str, display: str, loader_class: type, lines: _Lines) -> None:
    """Walk the parser's events once; raise _Limit at the first limit passed.

    Counts every value as it would be after alias expansion (an alias counts the size of
    its anchor), so that an alias bomb is refused before anything is built."""
    _walk(text, display, loader_class, lines, None)


def _read(text: str, display: str, loader_class: type, lines: _Lines) -> tuple[Y | None, list[Problem]]:
    """The tree and problems of `_parse` in one walk of the parser's events, without PyYAML's
    composer building a node per value first (half the time of reading a case file); raises
    _Fallback where the composer must do it, _Limit at the first limit passed."""
    problems: list[Problem] = []
    return _walk(text, display, loader_class, lines, problems), problems


def _walk(text: str, display: str, loader_class: type, lines: _Lines, problems: list[Problem] | None) -> Y | None:
    """`_scan`, and with `problems` also `_read`: the limits are checked on the same events
    the tree is built from, so no input is built past a limit."""
    sizes: dict[str, int] = {}
    stack: list[_Open] = []
    open_anchors: set[str] = set()
    # An anchor's value, to repeat where an alias names it: a scalar as its node (constructed
    # again, as `_convert` does), a collection as the tree built and the problems found in it.
    built: dict[str, tuple[Y, list[Problem], yaml.ScalarNode | None]] = {}
    root: list[Y] = []
    plain_tags: dict[str, str] = {}  # a plain scalar's resolved tag (the resolver's regular expressions, once per text)
    total = 0

    def fail(event: Any, field_name: str, message: str, hint: str, **params: Any) -> None:
        raise _Limit(Problem.of(display, lines(event.start_mark), field_name, message, hint, **params))

    def add(n: int, event: Any) -> None:
        nonlocal total
        if stack:
            stack[-1].size += n
        total += n
        if total > MAX_NODES:
            fail(event, "yaml", N_("the file expands to more than {n:,} values"),
                 N_("aliases (*name) repeat what their anchor (&name) holds; repeat less, or split the file"),
                 n=MAX_NODES)

    def at_key() -> bool:
        return bool(stack) and isinstance(stack[-1].items, dict) and stack[-1].key is _NO_KEY

    def place_key(node: yaml.ScalarNode | None, line: int) -> None:
        """A mapping's key, checked and constructed as `_convert` does; None: not a scalar."""
        assert problems is not None
        top = stack[-1]
        top.key_line = line
        if node is None:
            problems.append(Problem.of(display, line, "yaml", N_("a key must be a word"),
                                       N_("write keys as plain names, e.g. `label:`")))
            top.key, top.skip_from = _SKIP, len(problems)
            return
        if node.tag in _MERGE:
            raise _Fallback  # (`loader.flatten_mapping`)
        key = _construct(node, loader, display, problems, lines)
        if not isinstance(key, str):
            problems.append(Problem.of(display, line, str(key), N_("a key must be a word"),
                                       N_("write keys as plain names, e.g. `label:`")))
            top.key, top.skip_from = _SKIP, len(problems)
        elif key in top.items:
            problems.append(Problem.of(display, line, key, N_("duplicate key '{key}' (first at line {value})"),
                                       N_("keep one of them"), key=key, value=top.key_lines[key]))
            top.key, top.skip_from = _SKIP, len(problems)
        else:
            top.key = key

    def place(value: Y) -> None:
        """A value read (a scalar, an alias's copy, a closed collection) into its parent."""
        assert problems is not None
        if not stack:
            if root:
                raise _Fallback  # a second document: the composer words the error
            root.append(value)
            return
        top = stack[-1]
        items = top.items
        if isinstance(items, list):
            items.append(value)
        elif top.key is _NO_KEY:  # a collection as a key
            place_key(None, value.line)
        else:
            if top.key is _SKIP:  # the composer never converts a dropped key's value: nor its problems
                del problems[top.skip_from:]
            else:
                items[top.key] = value
                top.key_lines[top.key] = top.key_line
            top.key = _NO_KEY

    loader = loader_class(text)
    try:
        for event in iter(loader.get_event, None):
            if isinstance(event, yaml.ScalarEvent):
                value_text = event.value
                if len(value_text) > MAX_TEXT:
                    fail(event, "yaml", N_("a text of {n:,} characters (at most {limit:,})"),
                         N_("shorten it, or cite the source with a locator instead of copying it whole"),
                         n=len(value_text), limit=MAX_TEXT)
                if _SURROGATE.search(value_text):
                    fail(event, "yaml", N_("a lone surrogate escape (\\ud800-\\udfff) is not a character"),
                         N_("write the character itself, or its \\U0001xxxx escape"))
                if event.anchor:
                    sizes[event.anchor] = 1
                add(1, event)
                if problems is None:
                    continue
                tag = event.tag
                if tag is None or tag == "!":
                    if not event.implicit[0]:
                        tag = _STR  # quoted or a block: what the resolver gives
                    elif (tag := plain_tags.get(value_text)) is None:
                        tag = plain_tags[value_text] = loader.resolve(yaml.ScalarNode, value_text, event.implicit)
                line = lines(event.start_mark)
                key = at_key()
                node = None
                if tag != _STR or event.anchor or key:
                    node = yaml.ScalarNode(tag, value_text, cast(Any, event.start_mark), cast(Any, event.end_mark),
                                           style=event.style)
                if event.anchor:
                    if event.anchor in built:
                        raise _Fallback  # an anchor defined twice
                    built[event.anchor] = (Y(None, line), [], node)
                if key:
                    place_key(node, line)
                else:
                    place(Y(value_text if node is None else _construct(node, loader, display, problems, lines), line))
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    fail(event, "yaml", N_("the alias *{anchor} refers to a value that contains it"),
                         N_("an alias cannot repeat the value it stands in; write the value out"), anchor=event.anchor)
                add(sizes.get(event.anchor or "", 1), event)  # an alias always names an anchor
                if problems is None:
                    continue
                if event.anchor not in built:
                    raise _Fallback  # an undefined alias
                value, found, scalar = built[event.anchor]
                if at_key():
                    place_key(scalar, value.line)
                elif scalar is not None:
                    place(Y(_construct(scalar, loader, display, problems, lines), value.line))
                else:
                    problems.extend(found)  # `_convert` converts the aliased node again
                    place(_copy(value))
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    fail(event, "yaml", N_("nested deeper than {n} levels"),
                         N_("a case file needs a few levels; check the indentation and the brackets"), n=MAX_DEPTH)
                if problems is not None and event.anchor in built:
                    raise _Fallback
                items: dict[str, Y] | list[Y] | None = None if problems is None else \
                    {} if isinstance(event, yaml.MappingStartEvent) else []
                stack.append(_Open(event.anchor, event, items, 0 if problems is None else len(problems)))
                if event.anchor:
                    open_anchors.add(event.anchor)
            elif isinstance(event, yaml.CollectionEndEvent):
                closed = stack.pop()
                if closed.anchor:
                    open_anchors.discard(closed.anchor)
                    sizes[closed.anchor] = closed.size + 1
                add(1, event)
                if problems is None:
                    continue
                line = lines(closed.event.start_mark)
                value = Y(closed.items, line, closed.key_lines) if isinstance(closed.items, dict) \
                    else Y(closed.items, line)
                if closed.anchor:
                    built[closed.anchor] = (value, problems[closed.problems_from:], None)
                place(value)
    finally:
        loader.dispose()
    return root[0] if root else None


def _copy(y: Y) -> Y:
    """An aliased collection repeated where the alias stands (the composer's tree shares the
    node; `_convert` makes a value of each use)."""
    if isinstance(y.value, dict):
        return Y({k: _copy(v) for k, v in y.value.items()}, y.line, dict(y.key_lines))
    if isinstance(y.value, list):
        return Y([_copy(v) for v in y.value], y.line)
    return Y(y.value, y.line)


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
        try:
            return _read_file(text, display, _FastLoader)
        except _Fallback:
            return _parse(text, display, _FastLoader)
    except yaml.YAMLError:
        return _parse(text, display, _Loader)  # reparse to report the error in the usual words


def _read_file(text: str, display: str, loader_class: type) -> tuple[Y | None, list[Problem]]:
    """`_parse` in one walk (`_read`) for the files the composer is not needed for."""
    try:
        tree, problems = _read(text, display, loader_class, _Lines(text))
    except _Limit as exc:
        return None, [exc.problem]
    if tree is None:
        return None, [_empty(display)]
    return tree, problems


def _empty(display: str) -> Problem:
    return Problem.of(display, 1, "file", N_("the file is empty"), N_("start with `case: <id>` and `title: ...`"))


def _parse(text: str, display: str, loader_class: type) -> tuple[Y | None, list[Problem]]:
    problems: list[Problem] = []
    loader = None
    lines = _Lines(text)
    try:
        _scan(text, display, loader_class, lines)
        loader = loader_class(text)
        node = loader.get_single_node()
        if node is None:
            return None, [_empty(display)]
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
