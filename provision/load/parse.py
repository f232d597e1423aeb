"""One YAML file of a playbook, loaded safely.

Safe loading only (the C parser where PyYAML has it). Duplicate keys and alias bombs are
rejected; mapping keys are names and stay strings; bare dates stay the text the user
wrote; `!vault |` values stay encrypted. Every problem is located (file, line, column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ERROR, Location, Problem
from ..secret import VaultText
from .playbook import Source, node_paths

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

# Nodes an alias may expand to, in all, in one file: far above any real playbook
# that shares app maps through anchors, far below a "billion laughs".
ALIAS_EXPANSION_LIMIT = 1_000_000

MERGE_TAG = "tag:yaml.org,2002:merge"


class _Tracked(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe loader that counts alias expansion and rejects duplicate keys."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        # (the mapping node, its key node, message): located once the tree is known
        self.key_problems: list[tuple[yaml.Node, yaml.Node, str]] = []
        self._sizes: dict[int, int] = {}
        self._expanded = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            # An alias: the object is shared, but every later walk sees it again.
            self._expanded += self._size(node)
            if self._expanded > ALIAS_EXPANSION_LIMIT:
                raise _AliasBomb(node)
        return super().construct_object(node, deep)

    def problems(self, root: yaml.Node) -> list[Problem]:
        """The key problems met while constructing, each with its document path."""
        if not self.key_problems:
            return []
        paths = node_paths(root)
        problems = []
        for mapping, key_node, message in self.key_problems:
            path = paths.get(id(mapping), ())
            if isinstance(key_node, yaml.ScalarNode):
                path += (key_node.value,)
            mark = key_node.start_mark
            problems.append(
                Problem(ERROR, message, Location(self.file, mark.line + 1, mark.column + 1), path)
            )
        problems.sort(key=lambda p: (p.location.line, p.location.column) if p.location else (0, 0))
        return problems

    def _size(self, node: yaml.Node) -> int:
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, yaml.MappingNode):
            size += sum(self._size(k) + self._size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size += sum(self._size(item) for item in node.value)
        self._sizes[id(node)] = size
        return size

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        # Duplicates are checked among the node's own keys: a key merged in
        # through `<<` may legally be overridden.
        seen: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE_TAG:
                continue
            if key_node.value in seen:
                first = seen[key_node.value].start_mark.line + 1
                message = f"duplicate key '{key_node.value}' (first defined at line {first})"
                self.key_problems.append((node, key_node, message))
            seen[key_node.value] = key_node
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.key_problems.append(
                    (node, key_node, "a mapping key must be a plain name or string")
                )
                continue
            # Keys are names: `2024:` or `yes:` stay the text the user wrote.
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # Bare dates (2027-10-01) stay the text the user wrote; the schema checks them.
    return str(node.value)


def _vault(loader: yaml.SafeLoader, node: yaml.Node) -> VaultText:
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(
            None, None, "!vault expects a block of text (!vault |)", node.start_mark
        )
    return VaultText(node.value)


_Tracked.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_Tracked.add_constructor("!vault", _vault)


class _AliasBomb(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _problem(file: str, node: yaml.Node, message: str) -> Problem:
    mark = node.start_mark
    return Problem(ERROR, message, Location(file, mark.line + 1, mark.column + 1))


def load_file(file: Path) -> tuple[dict[str, Any] | None, Source, list[Problem]]:
    name = str(file)
    source = Source(name, None, _BaseLoader)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, source, [Problem(ERROR, f"cannot read: {exc.strerror}", Location(name, 1, 1))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return (
            None,
            source,
            [
                Problem(
                    ERROR,
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                    Location(name, line, column),
                )
            ],
        )
    loader = _Tracked(text, name)
    try:
        node = loader.get_single_node()
        if node is None or (node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~")):
            return (
                None,
                source,
                [
                    Problem(
                        ERROR,
                        "the file is empty: expected a playbook mapping",
                        Location(name, 1, 1),
                    )
                ],
            )
        source.root = node
        if not isinstance(node, yaml.MappingNode):
            return (
                None,
                source,
                [
                    _problem(
                        name, node, "expected a mapping of top-level keys (version, sites, ...)"
                    )
                ],
            )
        document = loader.construct_document(node)
        problems = loader.problems(node)
        if not problems:
            source.release(text)
    except _AliasBomb as bomb:
        return (
            None,
            source,
            [
                _problem(
                    name,
                    bomb.node,
                    f"aliases expand to more than {ALIAS_EXPANSION_LIMIT:,} nodes; "
                    "refusing to load",
                )
            ],
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        context = exc.context_mark
        if exc.problem == "but found another document":
            message = "a playbook file holds one YAML document, but found another"
        elif exc.context and exc.problem and context and mark and context.line != mark.line:
            # Say where the unclosed construct began: the problem is often far below it.
            message = (
                f"{exc.context} at line {context.line + 1}, column {context.column + 1}: "
                f"{exc.problem}"
            )
        return None, source, [Problem(ERROR, f"invalid YAML: {message}", location)]
    except yaml.YAMLError as exc:
        return None, source, [Problem(ERROR, f"invalid YAML: {exc}", Location(name, 1, 1))]
    finally:
        loader.dispose()
    return document, source, problems
