"""File changes: the desired files against the output directory.

Each file is create / update / unchanged, or deliver (unchanged, but its deliver command
failed last time); with prune, each file an earlier apply wrote that the playbook no
longer produces is delete.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..desired.state import DesiredFile, Failure
from ..limit import Limit
from ..model import Item
from .manifest import read_manifest

Action = Literal["create", "update", "unchanged", "delete", "deliver"]
ACTIONS: tuple[Action, ...] = ("create", "update", "delete", "deliver", "unchanged")


@dataclass(frozen=True, slots=True)
class FileChange:
    action: Action
    path: str  # relative to the output directory
    item: Item
    desired: DesiredFile | None = None  # what to write or deliver (None: delete, unchanged)
    old: bytes | None = None  # the current content of an update, for diffs
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


def _current(path: str) -> tuple[bytes | None, int | None]:
    try:
        with open(path, "rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            return handle.read(), mode
    except FileNotFoundError:
        return None, None
    except IsADirectoryError:
        return b"", None


def plan_files(
    desired_files: Iterable[DesiredFile],
    failures: Sequence[Failure],
    output_dir: Path,
    *,
    prune: bool = False,
    limit: Limit | None = None,
) -> list[FileChange]:
    changes: list[FileChange] = []
    wanted = set()
    manifest = read_manifest(output_dir)
    prefix = f"{output_dir}{os.sep}"  # string paths: pathlib costs more than the reads
    for desired in desired_files:
        wanted.add(desired.path)
        old, mode = _current(prefix + desired.path)
        action: Action
        if old is None:
            action = "create"
        elif old != desired.content or mode != desired.mode:
            action = "update"
        elif desired.deliver and desired.path in manifest and manifest[desired.path].undelivered:
            action = "deliver"
        else:
            action = "unchanged"
        # A file in place needs nothing kept: that is most of them, most runs.
        kept = None if action == "unchanged" else desired
        previous = old if action == "update" else None
        recorded = desired.path in manifest and manifest[desired.path].item == desired.item
        changes.append(FileChange(action, desired.path, desired.item, kept, previous, recorded))
    if prune:
        failed = {failure.item.task for failure in failures}  # its outputs are kept too
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
            if (output_dir / path).exists():
                changes.append(FileChange("delete", path, item))
    return changes


def summary(changes: list[FileChange]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
    for change in changes:
        counts[change.action] += 1
    return counts
