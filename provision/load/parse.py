"""One YAML file of a playbook, loaded safely (the C parser where PyYAML has it): read,
decoded as UTF-8, built from the parser's events, every problem located."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml import events

from ..errors import ERROR, Location, Problem
from ..files import MAX_PLAYBOOK_FILE, UnreadableFile, read_file
from .build import ALIAS_EXPANSION_LIMIT, Builder, Refused, _AliasBomb
from .playbook import Source

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

__all__ = ["ALIAS_EXPANSION_LIMIT", "load_file"]

Loaded = tuple[dict[str, Any] | None, Source, list[Problem]]


def load_file(file: Path) -> Loaded:
    """The file's document (None when it cannot be used), its source for locating later
    problems, and the problems found."""
    name = str(file)
    source = Source(name, None, _BaseLoader)  # nothing to point into until it is decoded
    try:
        raw = read_file(file, MAX_PLAYBOOK_FILE)
    except UnreadableFile as exc:
        return None, source, [Problem(ERROR, f"cannot read: {exc.reason}", Location(name, 1, 1))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        return None, source, [Problem(ERROR, message, Location(name, line, column))]
    source = Source(name, text, _BaseLoader)
    loader = _BaseLoader(text)
    try:
        return _build(loader, name, source)
    except _AliasBomb as bomb:
        message = f"aliases expand to more than {bomb.limit:,} nodes; refusing to load"
        return None, source, [_at(name, bomb.mark, message)]
    except yaml.MarkedYAMLError as exc:
        return None, source, [_yaml_problem(name, exc, text)]
    except yaml.YAMLError as exc:
        return None, source, [Problem(ERROR, f"invalid YAML: {exc}", Location(name, 1, 1))]
    finally:
        loader.dispose()


def _build(loader: Any, name: str, source: Source) -> Loaded:
    builder = Builder(loader, name)
    loader.get_event()  # the stream's start
    if loader.check_event(events.StreamEndEvent):
        return None, source, [_empty(name)]
    loader.get_event()  # the document's start
    first = loader.get_event()
    document, _ = builder.value(first)
    loader.get_event()  # the document's end
    if not loader.check_event(events.StreamEndEvent):
        raise Refused("but found another document", loader.peek_event().start_mark)
    if document is None:
        return None, source, [_empty(name)]
    if not isinstance(document, dict):
        message = "expected a mapping of top-level keys (version, sites, ...)"
        return None, source, [_at(name, first.start_mark, message)]
    return document, source, builder.problems


def _empty(name: str) -> Problem:
    return Problem(ERROR, "the file is empty: expected a playbook mapping", Location(name, 1, 1))


def _at(name: str, mark: Any, message: str) -> Problem:
    return Problem(ERROR, message, Location(name, mark.line + 1, mark.column + 1))


def _yaml_problem(name: str, exc: yaml.MarkedYAMLError, text: str = "") -> Problem:
    mark = exc.problem_mark or exc.context_mark
    location = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
    explained = _explained(exc, text.splitlines()) if mark else None
    if explained is not None:
        line, column, message = explained
        return Problem(ERROR, f"invalid YAML: {message}", Location(name, line, column))
    message = " ".join(part for part in (exc.context, exc.problem) if part)
    context = exc.context_mark
    if exc.problem == "but found another document":
        message = "a playbook file holds one YAML document, but found another"
    elif exc.context and exc.problem and context and mark and context.line != mark.line:
        # Say where the unclosed construct began: the problem is often far below it.
        message = (
            f"{exc.context} at line {context.line + 1}, column {context.column + 1}: {exc.problem}"
        )
    return Problem(ERROR, f"invalid YAML: {message}", location)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _explained(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str] | None:
    """What a person can act on, for the mistakes people make: a tab, an unquoted
    `{{ ... }}`, a key indented unlike its siblings. (line, column, message), 1-based."""
    mark = exc.problem_mark or exc.context_mark
    assert mark is not None
    row = mark.line
    here = lines[row] if row < len(lines) else ""
    for number in range(min(row, len(lines) - 1), max(row - 3, -1), -1):
        template = _UNQUOTED_TEMPLATE.search(lines[number])
        if template is not None:
            return (
                number + 1,
                template.start(1) + 1,
                "a value that starts with {{ must be quoted (YAML reads { as the start of a "
                'mapping): write it as "{{ ... }}"',
            )
    if "\t" in here[: len(here) - len(here.lstrip(" \t"))]:
        column = here.index("\t") + 1
        return row + 1, column, "tabs are not allowed in YAML indentation; use spaces"
    if exc.problem == "mapping values are not allowed in this context" and row > 0:
        above = next((n for n in range(row - 1, -1, -1) if lines[n].strip()), None)
        if above is not None and _indent(lines[row]) != _indent(lines[above]):
            return (
                row + 1,
                _indent(lines[row]) + 1,
                f"line {row + 1} is indented by {_indent(lines[row])} spaces but line "
                f"{above + 1} by {_indent(lines[above])}: YAML reads line {row + 1} as a "
                f"continuation of line {above + 1}'s value; keys of one mapping need the same "
                "indentation",
            )
    return None


# `key: {{ ...` (not in quotes)
_UNQUOTED_TEMPLATE = re.compile(r"^[^#'\"]*?:\s+(\{\{)")
