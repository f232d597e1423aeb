"""Editing a playbook file in place: a value replaced at the characters its YAML node
spans, every other byte of the file as it was (comments, order, quoting, line ends, a
byte-order mark). For the values provision itself keeps up to date: an inline `!vault |`
client secret and a client's `client_secret_expires`.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import DocPath
from ..files import MAX_PLAYBOOK_FILE, UnreadableFile, read_file, write_file

BOM = "\ufeff"


class EditError(Exception):
    """A value cannot be replaced in place; the message says why and where."""


@dataclass(frozen=True)
class Edit:
    """Characters `start` to `end` of the file's text become `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class PlaybookText:
    """One playbook file as text, and what it needs to be written back unchanged."""

    path: Path  # the file itself (a link is followed: the link stays a link)
    text: str
    bom: bool
    mode: int

    @classmethod
    def read(cls, path: Path) -> PlaybookText:
        real = Path(os.path.realpath(path))
        try:
            raw = read_file(real, MAX_PLAYBOOK_FILE)
            mode = stat.S_IMODE(os.stat(real).st_mode)
        except (UnreadableFile, OSError) as exc:
            reason = exc.reason if isinstance(exc, UnreadableFile) else exc.strerror
            raise EditError(f"cannot read {path}: {reason}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EditError(f"{path} is not UTF-8 text") from None
        bom = text.startswith(BOM)
        return cls(real, text[1:] if bom else text, bom, mode)

    def node(self, path: DocPath) -> yaml.Node | None:
        """The node at `path` (None when it is not there). A node written once but used
        in several places (an anchor and its aliases, a merge key) is refused: changing
        it would change the others."""
        try:
            root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise EditError(f"{self.path} cannot be read as YAML: {exc}") from None
        node, parent = root, None
        for part in path:
            parent, node = node, _child(node, str(part)) if node is not None else None
        if node is None:
            if isinstance(parent, yaml.MappingNode) and any(
                isinstance(k, yaml.ScalarNode) and k.value == "<<" for k, _ in parent.value
            ):
                raise EditError(f"{self.where(path)} comes from a merge key (<<): edit it by hand")
            return None
        if root is not None and _uses(root, node) > 1:
            raise EditError(f"{self.where(path)} is shared through an anchor: edit it by hand")
        return node

    def where(self, path: DocPath) -> str:
        return f"{self.path}: {'.'.join(str(part) for part in path)}"

    def edited(self, edits: Sequence[Edit]) -> bytes:
        """The file's bytes with the edits made (they must not overlap)."""
        text = self.text
        for edit in sorted(edits, key=lambda e: e.start, reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        return ((BOM if self.bom else "") + text).encode("utf-8")

    def write(self, edits: Sequence[Edit]) -> None:
        """Write the edited file atomically, with the mode it had; OSError says why not."""
        write_file(self.path, self.edited(edits), self.mode)


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    found = None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found = value_node  # the last one wins, as in the loaded data
    return found


def _uses(root: yaml.Node, target: yaml.Node) -> int:
    """How often `target` occurs in the tree (an aliased node occurs once per alias)."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if node is target:
            count += 1
            continue
        if isinstance(node, yaml.MappingNode):
            stack += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return count


def replace_scalar(doc: PlaybookText, node: yaml.Node, value: str, where: str) -> Edit:
    """A plain or quoted scalar's text replaced by `value` (in the same quotes)."""
    if not isinstance(node, yaml.ScalarNode) or node.style not in (None, "'", '"'):
        raise EditError(f"{where} is not a plain or quoted value: edit it by hand")
    start, end = node.start_mark.index, node.end_mark.index
    if node.style:
        return Edit(start + 1, end - 1, value)  # inside the quotes
    if doc.text[start] in "!&":
        raise EditError(f"{where} carries a tag or an anchor: edit it by hand")
    return Edit(start, end, value)


def replace_vault_block(doc: PlaybookText, node: yaml.Node, vaulttext: str, where: str) -> Edit:
    """The lines of an `!vault |` block replaced by `vaulttext`'s, indented as the old
    ones were; the `!vault |` line and what follows the block stay."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != "!vault" or node.style != "|":
        raise EditError(f"{where} is not an inline `!vault |` value: edit it by hand")
    span = doc.text[node.start_mark.index : node.end_mark.index]
    header = re.match(r"[^\r\n]*(\r?\n)", span)
    if header is None:
        raise EditError(f"{where}: the `!vault |` block has no lines")
    newline = header.group(1)
    body_start = node.start_mark.index + header.end()
    body = doc.text[body_start : node.end_mark.index]
    lines = body.splitlines(keepends=True)
    last = max((i for i, line in enumerate(lines) if line.strip()), default=None)
    if last is None:
        raise EditError(f"{where}: the `!vault |` block is empty")
    first = next(line for line in lines if line.strip())
    indent = first[: len(first) - len(first.lstrip(" "))]
    end = body_start + sum(len(line) for line in lines[:last]) + len(lines[last].rstrip("\r\n"))
    start = body_start + sum(len(line) for line in lines[: lines.index(first)])
    new = newline.join(indent + line.strip() for line in vaulttext.splitlines() if line.strip())
    return Edit(start, end, new)
