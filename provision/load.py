"""Load a playbook: one YAML file, or a directory of them merged.

Safe loading only (the C parser where PyYAML has it). Every node keeps its
file, line and column so later steps can point at the exact place; duplicate
keys and alias bombs are rejected; mapping keys are names and stay strings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ERROR, DocPath, Location, PlaybookError, Problem

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

# Nodes an alias may expand to, in all, in one file: far above any real playbook
# that shares app maps through anchors, far below a "billion laughs".
ALIAS_EXPANSION_LIMIT = 1_000_000

# Top-level sections whose entries are named objects, merged across files by name.
NAMED_SECTIONS = ("clients", "identities", "sites", "app_kinds", "outputs")
# Top-level sections merged key by key.
KEYED_SECTIONS = ("settings", "defaults")


MERGE_TAG = "tag:yaml.org,2002:merge"


class VaultText(str):
    """The text of an `!vault |` value: still encrypted."""


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
        paths = _node_paths(root)
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


def _node_paths(root: yaml.Node) -> dict[int, DocPath]:
    """id(node) -> the document path it is first reached by (each node visited once,
    so shared anchors cost nothing)."""
    paths: dict[int, DocPath] = {}
    stack: list[tuple[yaml.Node, DocPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in paths:
            continue
        paths[id(node)] = path
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                if isinstance(key_node, yaml.ScalarNode):
                    stack.append((value_node, path + (key_node.value,)))
        elif isinstance(node, yaml.SequenceNode):
            for index in reversed(range(len(node.value))):
                stack.append((node.value[index], path + (index,)))
    return paths


def _problem(file: str, node: yaml.Node, message: str) -> Problem:
    mark = node.start_mark
    return Problem(ERROR, message, Location(file, mark.line + 1, mark.column + 1))


class Source:
    """One loaded file: its name for messages and its node tree for locations.

    Once a file has loaded cleanly its nodes are let go and composed again from its
    text only when a problem must be located: the nodes (with two marks each) of a
    large playbook take more memory than everything else together."""

    def __init__(self, file: str, root: yaml.Node | None = None) -> None:
        self.file = file
        self._root = root
        self._text: str | None = None

    @property
    def root(self) -> yaml.Node | None:
        if self._root is None and self._text is not None:
            try:
                self._root = yaml.compose(self._text, Loader=_BaseLoader)
            except yaml.YAMLError:  # it loaded before; nothing to point at if not now
                self._text = None
        return self._root

    @root.setter
    def root(self, node: yaml.Node | None) -> None:
        self._root = node

    def release(self, text: str) -> None:
        """Drop the nodes; keep the text to compose them again on demand."""
        self._root, self._text = None, text


@dataclass
class Playbook:
    """The merged document of a playbook, and where each part came from."""

    path: Path  # the file or directory given
    base_dir: Path  # relative paths in the playbook resolve against this
    data: dict[str, Any]
    sources: list[Source]
    # (section,) or (section, name) -> index into sources
    origins: dict[tuple[str, ...], int] = field(default_factory=dict)

    def locate(self, path: DocPath) -> Location | None:
        """File, line and column of the node at `path`, or of its nearest parent."""
        index = None
        for length in (2, 1):
            index = self.origins.get(tuple(str(p) for p in path[:length]))
            if index is not None:
                break
        if index is None:
            index = 0 if self.sources else None
        if index is None:
            return None
        source = self.sources[index]
        node = source.root
        if node is None:
            return Location(source.file, 1, 1)
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
        mark = node.start_mark
        return Location(source.file, mark.line + 1, mark.column + 1)

    def key_location(self, path: DocPath) -> Location | None:
        """Location of the key that names `path`'s last element (for unknown keys)."""
        if not path:
            return self.locate(path)
        parent_path, key = path[:-1], path[-1]
        # The parent is looked up in the file that defines `path`: in a directory
        # playbook, `sites` may span files while `sites.beta` lives in one.
        index = self._source_index(path)
        parent = self._node(parent_path, index)
        if isinstance(parent, yaml.MappingNode):
            for key_node, _ in parent.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                    source = self.sources[index]
                    mark = key_node.start_mark
                    return Location(source.file, mark.line + 1, mark.column + 1)
        return self.locate(path)

    def _source_index(self, path: DocPath) -> int:
        for length in (2, 1):
            index = self.origins.get(tuple(str(p) for p in path[:length]))
            if index is not None:
                return index
        return 0

    def _node(self, path: DocPath, index: int) -> yaml.Node | None:
        if not self.sources:
            return None
        node = self.sources[index].root
        for part in path:
            if node is None:
                return None
            node = _child(node, part)
        return node


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        found = None
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                found = value_node  # the last one wins, as in the loaded data
        return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return node.value[part]
    return None


def playbook_files(path: Path) -> list[Path]:
    """The YAML files of a playbook: the file itself, or a directory's *.yaml/*.yml."""
    if path.is_dir():
        return sorted(
            p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
        )
    return [path]


def load_playbook(path: str | os.PathLike[str]) -> Playbook:
    """Load and merge a playbook; raise PlaybookError with every problem found."""
    path = Path(path)
    if not path.exists():
        raise PlaybookError([Problem(ERROR, f"no such file or directory: {path}")])
    files = playbook_files(path)
    if not files:
        raise PlaybookError(
            [Problem(ERROR, f"{path} holds no *.yaml or *.yml files", Location(str(path), 1, 1))]
        )
    playbook = Playbook(
        path=path,
        base_dir=path if path.is_dir() else path.parent,
        data={},
        sources=[],
    )
    problems: list[Problem] = []
    for file in files:
        document, source, file_problems = _load_file(file)
        problems.extend(file_problems)
        if document is not None:
            playbook.sources.append(source)
            problems.extend(_merge(playbook, document, len(playbook.sources) - 1))
    if problems:
        raise PlaybookError(problems)
    return playbook


def _load_file(file: Path) -> tuple[dict[str, Any] | None, Source, list[Problem]]:
    name = str(file)
    source = Source(name, None)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, source, [Problem(ERROR, f"cannot read: {exc.strerror}", Location(name, 1, 1))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, source, [
            Problem(
                ERROR,
                f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                Location(name, line, column),
            )
        ]
    loader = _Tracked(text, name)
    try:
        node = loader.get_single_node()
        if node is None or (node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~")):
            return None, source, [
                Problem(ERROR, "the file is empty: expected a playbook mapping",
                        Location(name, 1, 1))
            ]
        source.root = node
        if not isinstance(node, yaml.MappingNode):
            return None, source, [
                _problem(name, node, "expected a mapping of top-level keys (version, sites, ...)")
            ]
        document = loader.construct_document(node)
        problems = loader.problems(node)
        if not problems:
            source.release(text)
    except _AliasBomb as bomb:
        return None, source, [
            _problem(
                name,
                bomb.node,
                f"aliases expand to more than {ALIAS_EXPANSION_LIMIT:,} nodes; refusing to load",
            )
        ]
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


def _merge(playbook: Playbook, document: dict[str, Any], index: int) -> Iterator[Problem]:
    data = playbook.data
    for section, value in document.items():
        merged_by = (
            "name" if section in NAMED_SECTIONS else "key" if section in KEYED_SECTIONS else None
        )
        if merged_by and isinstance(value, dict) and isinstance(data.get(section, {}), dict):
            target = data.setdefault(section, {})
            playbook.origins.setdefault((section,), index)
            for name, entry in value.items():
                if name in target:
                    first = _here(playbook, playbook.origins[(section, name)], section, name)
                    here = _here(playbook, index, section, name)
                    what = f"'{name}'" if merged_by == "name" else f"key '{name}'"
                    yield Problem(
                        ERROR,
                        f"{section} {what} is defined twice: in {first} and in {here}",
                        here,
                        (section, name),
                    )
                    continue
                target[name] = entry
                playbook.origins[(section, name)] = index
        elif section in data:
            if data[section] != value:
                first = _here(playbook, playbook.origins[(section,)], section)
                here = _here(playbook, index, section)
                yield Problem(
                    ERROR,
                    f"'{section}' is defined twice, differently: in {first} and in {here}",
                    here,
                    (section,),
                )
        else:
            data[section] = value
            playbook.origins[(section,)] = index


def _here(playbook: Playbook, index: int, *path: str) -> Location:
    source = playbook.sources[index]
    node = source.root
    for depth, part in enumerate(path, 1):
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    node = key_node if depth == len(path) else value_node
                    break
    assert node is not None
    mark = node.start_mark
    return Location(source.file, mark.line + 1, mark.column + 1)
