"""Build the document straight from the YAML parser's events, without a node tree.

A node tree keeps two marks (file, line, column) per node: for a large playbook it takes
four times the memory of the data and most of the load's time. The data is built from the
events instead, each problem located from the event that shows it; only a playbook with a
problem is composed again, to point at it (`Source.root`).

What the safe loader does, and no more: tags resolved as YAML 1.1 does (bare dates stay
text, `!vault` keeps its block encrypted), anchors and aliases (shared, not copied), merge
keys (`<<`). What a playbook must not hold is refused here, located: a key given twice,
a key that is not a name, aliases that expand to more than a million nodes, nesting more
than MAX_DEPTH levels deep, an alias inside the node it names.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml import events

from ..errors import ERROR, DocPath, Location, Problem
from ..secret import VaultText

# Nodes an alias may expand to, in all, in one file: far above any real playbook that
# shares app maps through anchors, far below a "billion laughs".
ALIAS_EXPANSION_LIMIT = 1_000_000
# A playbook is about eight levels deep; more is a mistake or an attack on the stack.
MAX_DEPTH = 64

STR = "tag:yaml.org,2002:str"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
VAULT = "!vault"

Event = Any  # PyYAML's events carry their fields untyped


class Refused(yaml.MarkedYAMLError):
    """What the loader will not build, at the event that shows it (a located YAML error)."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class Builder:
    """Builds one document from a loader's events (the loader also resolves and
    constructs scalars as the safe loader does)."""

    def __init__(self, loader: Any, file: str) -> None:  # PyYAML's loaders are untyped
        self.loader = loader
        self.get = loader.get_event
        self.file = file
        self.problems: list[Problem] = []
        # anchor -> (its value, its size, where the node it names starts)
        self.anchors: dict[str, tuple[Any, int, Any]] = {}
        self.building: set[str] = set()  # anchors of the nodes being built
        self.expanded = 0
        self.path: list[str | int] = []

    def value(self, event: Event) -> tuple[Any, int]:
        """The value the event starts, and how many nodes it holds."""
        kind = type(event)
        if kind is events.ScalarEvent:
            found = self.scalar(event), 1
        elif kind is events.AliasEvent:
            return self.alias(event)
        elif len(self.path) >= MAX_DEPTH:
            raise Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        elif kind is events.MappingStartEvent:
            self.check_tag(event, MAP)
            found = self.with_anchor(event, self.mapping)
        else:
            self.check_tag(event, SEQ)
            found = self.with_anchor(event, self.sequence)
        if event.anchor is not None and kind is events.ScalarEvent:
            self.anchors[event.anchor] = (*found, event.start_mark)
        return found

    def with_anchor(self, event: Any, build: Any) -> tuple[Any, int]:
        anchor = event.anchor
        if anchor is None:
            return build(event)  # type: ignore[no-any-return]
        self.building.add(anchor)
        found = build(event)
        self.building.discard(anchor)
        self.anchors[anchor] = (*found, event.start_mark)
        return found  # type: ignore[no-any-return]

    def alias(self, event: Event) -> tuple[Any, int]:
        if event.anchor in self.building:
            raise Refused(
                f"the alias *{event.anchor} is inside the node it names", event.start_mark
            )
        if event.anchor not in self.anchors:
            raise Refused(f"found undefined alias {event.anchor!r}", event.start_mark)
        value, size, mark = self.anchors[event.anchor]
        # The value is shared, but every later walk sees it again.
        self.expanded += size
        if self.expanded > ALIAS_EXPANSION_LIMIT:
            raise _AliasBomb(mark, ALIAS_EXPANSION_LIMIT)  # where the node that expands starts
        return value, size

    def check_tag(self, event: Any, default: str) -> None:
        tag = event.tag
        if tag in (None, "!", default):
            return
        if tag == VAULT:
            raise Refused("!vault expects a block of text (!vault |)", event.start_mark)
        raise Refused(f"could not determine a constructor for the tag {tag!r}", event.start_mark)

    def scalar(self, event: Event) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:  # quoted: a string
                return event.value
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag in (STR, TIMESTAMP):  # bare dates stay the text the user wrote
            return event.value
        if tag == VAULT:
            return VaultText(event.value)
        construct = self.loader.yaml_constructors.get(tag)
        if construct is None or tag in (MAP, SEQ):
            raise Refused(
                f"could not determine a constructor for the tag {tag!r}", event.start_mark
            )
        return construct(self.loader, yaml.ScalarNode(tag, event.value))

    def sequence(self, start: Event) -> tuple[list[Any], int]:
        items: list[Any] = []
        size = 1
        while type(event := self.get()) is not events.SequenceEndEvent:
            self.path.append(len(items))
            item, count = self.value(event)
            self.path.pop()
            items.append(item)
            size += count
        return items, size

    def mapping(self, start: Event) -> tuple[dict[str, Any], int]:
        own: dict[str, Any] = {}
        merged: list[dict[str, Any]] = []  # from `<<`, the strongest first
        lines: dict[str, int] = {}  # key -> the line it was first given on
        size = 1
        while type(key := self.get()) is not events.MappingEndEvent:
            if _is_merge(key):
                value, count = self.value(self.get())
                merged += self.merge_sources(value, key)
                size += 1 + count
                continue
            name = self.key_name(key)
            self.path.append(name if name is not None else "?")
            value, count = self.value(self.get())
            self.path.pop()
            size += 1 + count
            if name is None:
                continue  # reported by key_name
            line = key.start_mark.line + 1
            if name in lines:
                self.problem(
                    f"duplicate key '{name}' (first defined at line {lines[name]})",
                    key.start_mark,
                    (*self.path, name),
                )
            lines.setdefault(name, line)
            own[name] = value
        if not merged:
            return own, size
        result: dict[str, Any] = {}
        for source in reversed(merged):  # the weakest first: stronger ones overwrite
            result.update(source)
        result.update(own)
        return result, size

    def key_name(self, key: Event) -> str | None:
        """A key's name as the user wrote it (`2024:` and `yes:` stay text); None, reported,
        for a key that is a list, a mapping or an alias."""
        if type(key) is events.ScalarEvent:
            return str(key.value)
        self.problem(
            "a mapping key must be a plain name or string", key.start_mark, tuple(self.path)
        )
        if type(key) is not events.AliasEvent:
            self.value(key)  # skip it
        return None

    def merge_sources(self, value: Any, key: Event) -> list[dict[str, Any]]:
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            return list(value)
        raise Refused("expected a mapping or list of mappings for merging", key.start_mark)

    def problem(self, message: str, mark: Any, path: DocPath) -> None:
        location = Location(self.file, mark.line + 1, mark.column + 1)
        self.problems.append(Problem(ERROR, message, location, path))


def _is_merge(key: Event) -> bool:
    """`<<`, plain: YAML's merge key."""
    return (
        type(key) is events.ScalarEvent
        and key.tag is None
        and key.implicit[0]
        and key.value == "<<"
    )


class _AliasBomb(Exception):
    def __init__(self, mark: Any, limit: int) -> None:
        self.mark = mark
        self.limit = limit
