"""File changes: the desired files against the output directory.

Each file is create / update / unchanged, or deliver (unchanged, but its deliver command
failed last time); with prune, each file an earlier apply wrote that the playbook no
longer produces is delete.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Literal

from ..desired.state import DesiredFile, Failure
from ..files import MAX_FILE, Tree
from ..limit import Limit
from ..model import Item
from .manifest import ManifestEntry, read_manifest

Action = Literal["create", "update", "unchanged", "delete", "deliver"]
ACTIONS: tuple[Action, ...] = ("create", "update", "delete", "deliver", "unchanged")
HELD_AS_IS = 4096  # bytes of a file to write a plan holds uncompressed (a sheet is more)


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file of the output directory as planned: what apply will do to it."""

    action: Action
    path: str  # relative to the output directory
    item: Item
    desired: DesiredFile | None = None  # what to write or deliver (None: delete, unchanged)
    # the current content of an update, for diffs (may hold secrets: never in a repr)
    old: bytes | None = field(default=None, repr=False)
    recorded: bool = False  # in the manifest already, as it is

    @property
    def pending(self) -> bool:
        return self.action != "unchanged"

    def as_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "path": self.path,
            "item": str(self.item),
            "site": self.item.site,
        }


def plan_files(
    desired_files: Iterable[DesiredFile],
    failures: list[Failure],
    output_dir: Path,
    *,
    prune: bool = False,
    limit: Limit | None = None,
    contents: bool = True,
) -> tuple[list[FileChange], list[str]]:
    """Each desired file against the output directory; a file that two items render, or
    whose directory is a link, fails them (added to `failures`) instead. Also the files an
    earlier apply wrote that the playbook no longer makes: with prune, each is a delete;
    without, their paths come second. `contents` False: the changes keep no content (a
    plan to report on, never to apply)."""
    changes: list[FileChange] = []
    wanted: dict[str, Item] = {}
    clashes: dict[str, list[Item]] = {}
    manifest = read_manifest(output_dir)
    with Tree(output_dir) as tree:
        for desired in desired_files:
            first = wanted.setdefault(desired.path, desired.item)
            if first != desired.item:
                clashes.setdefault(desired.path, [first]).append(desired.item)
                continue
            try:
                content, current = _current(tree, desired)
            except OSError as exc:
                failures.append(
                    Failure(desired.item, f"cannot read {desired.path}: {exc.strerror}")
                )
                continue
            changes.append(_change(desired, content, current, manifest, contents))
        if clashes:
            changes = _fail_clashes(changes, clashes, failures)
        gone = _gone(tree, manifest, wanted, failures, limit)
    if prune:
        return changes + [FileChange("delete", path, item) for path, item in gone], []
    return changes, [path for path, _ in gone]


def _current(tree: Tree, desired: DesiredFile) -> tuple[bytes, tuple[bytes, int | None] | None]:
    """The desired content and what is there (of a larger file, as much as a diff can
    show). An unmade file is made only when there is a file to compare it with: one that
    is not there is to be created, whatever it holds."""
    if desired.make is None:
        return desired.held, tree.read(desired.path, len(desired.held) + MAX_FILE)
    current = tree.read(desired.path, MAX_FILE)
    if current is None:
        return b"", None
    content = desired.make()
    if len(current[0]) >= MAX_FILE:  # cut short: as far as this content needs
        current = tree.read(desired.path, len(content) + MAX_FILE)
    return content, current


def _change(
    desired: DesiredFile,
    content: bytes,
    current: tuple[bytes, int | None] | None,
    manifest: dict[str, ManifestEntry],
    contents: bool,
) -> FileChange:
    action: Action
    old, mode = current if current is not None else (None, None)
    entry = manifest.get(desired.path)
    if old is None:
        action = "create"
    elif old != content or mode != desired.mode:
        action = "update"
    elif desired.deliver and entry is not None and entry.undelivered:
        action = "deliver"
    else:
        action = "unchanged"
    # A file in place needs nothing kept: that is most of them, most runs.
    assert desired.make is None or not contents, "an unmade file kept for apply"
    kept = _held(desired) if contents and action != "unchanged" else None
    previous = old if contents and action == "update" else None
    recorded = entry is not None and entry.item == desired.item
    return FileChange(action, desired.path, desired.item, kept, previous, recorded)


def _held(desired: DesiredFile) -> DesiredFile:
    """What a plan keeps of a file to write: a content of more than HELD_AS_IS bytes
    compressed until apply writes it (a fresh fleet's setup sheets: about 7 KB each, 140 MB
    at 20,000 sites, held at once; about 2 KB each compressed)."""
    if len(desired.held) <= HELD_AS_IS:
        return desired
    # level 1 and a 16 KiB window (a sheet is smaller): zlib's set-up is most of the cost
    packer = zlib.compressobj(1, zlib.DEFLATED, 14, 6)
    packed = packer.compress(desired.held) + packer.flush()
    # held packed, so two held files compare as their contents do
    return replace(desired, held=packed, make=partial(zlib.decompress, packed))


def _fail_clashes(
    changes: list[FileChange], clashes: dict[str, list[Item]], failures: list[Failure]
) -> list[FileChange]:
    """Two items rendering one path would overwrite each other on every apply: neither
    is written, each fails naming the others."""
    for path, items in sorted(clashes.items()):
        for item in dict.fromkeys(items):
            others = ", ".join(str(other) for other in dict.fromkeys(items) if other != item)
            failures.append(
                Failure(item, f"{path} is rendered for {others} too; give each its own path")
            )
    return [change for change in changes if change.path not in clashes]


def _gone(
    tree: Tree,
    manifest: dict[str, ManifestEntry],
    wanted: dict[str, Item],
    failures: list[Failure],
    limit: Limit | None,
) -> list[tuple[str, Item]]:
    """The files in the manifest, still there, that the selected items no longer make."""
    failed = {failure.item.task for failure in failures}  # its outputs are kept too
    gone = []
    for path, entry in sorted(manifest.items()):
        item = entry.item
        if path in wanted or item.task in failed:
            continue
        if (
            limit is not None
            and item.site is not None
            and not limit.selects(item.site, item.app if item.kind == "app" else None)
        ):
            continue
        try:
            if tree.exists(path):
                gone.append((path, item))
        except OSError as exc:
            failures.append(Failure(item, f"cannot prune {path}: {exc.strerror}"))
    return gone


def summary(changes: Iterable[FileChange]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
    for change in changes:
        counts[change.action] += 1
    return counts
