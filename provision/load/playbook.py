"""A loaded playbook: the merged document, and where each part of it came from, so every
later step can point at the exact file, line and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DocPath, Location


class Source:
    """One loaded file: its name for messages, and its node tree for locations, composed
    from its text only when a problem must be located (the nodes, two marks each, of a
    large playbook take four times the memory of its data)."""

    def __init__(self, file: str, text: str | None, loader: type[yaml.SafeLoader]) -> None:
        self.file = file
        self._text = text
        self._loader = loader
        self._root: yaml.Node | None = None
        # id(mapping node) -> its values by key: a large section is scanned once, not per
        # lookup (a sheet locates every client's vaulted secret in a `clients` of 20,000)
        self._keys: dict[int, dict[str, yaml.Node]] = {}

    @property
    def root(self) -> yaml.Node | None:
        if self._root is None and self._text is not None:
            try:
                self._root = yaml.compose(self._text, Loader=self._loader)
            except yaml.YAMLError:  # it loaded before; nothing to point at if not now
                self._text = None
        return self._root

    def child(self, node: yaml.Node, part: str | int) -> yaml.Node | None:
        """The node below `node` at `part`: a mapping's value (the last of equal keys, as
        in the loaded data) or a sequence's item."""
        if isinstance(node, yaml.MappingNode):
            keys = self._keys.get(id(node))
            if keys is None:
                keys = self._keys[id(node)] = {
                    key.value: value
                    for key, value in node.value
                    if isinstance(key, yaml.ScalarNode)
                }
            return keys.get(str(part))
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                item: yaml.Node = node.value[part]
                return item
        return None


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
            child = source.child(node, part)
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
        source = self.sources[index]
        node = source.root
        for part in path:
            if node is None:
                return None
            node = source.child(node, part)
        return node
