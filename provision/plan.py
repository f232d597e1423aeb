"""Plan: compare the desired files with the output directory.

Classifies each file as create / update / unchanged, and, with prune, each
file this tool wrote earlier that the spec no longer produces as delete.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .desired import DesiredFile, DesiredState, mask_app_json
from .limit import Limit

MANIFEST = ".provision-manifest.json"
CREATE, UPDATE, UNCHANGED, DELETE = "create", "update", "unchanged", "delete"
# unchanged content whose deliver command failed last time: deliver again
DELIVER = "deliver"


@dataclass(frozen=True)
class Change:
    action: str
    path: str  # relative to the output directory
    item: str
    site: str | None
    desired: DesiredFile | None = None
    old: bytes | None = None  # the current content, for diffs

    @property
    def pending(self) -> bool:
        return self.action != UNCHANGED

    def as_json(self) -> dict[str, object]:
        return {"action": self.action, "path": self.path, "item": self.item, "site": self.site}


@dataclass(frozen=True)
class ManifestEntry:
    item: str
    site: str | None
    undelivered: bool = False  # its deliver command failed: retried by the next apply


def read_manifest(output_dir: Path) -> dict[str, ManifestEntry]:
    """The files an earlier apply wrote (only these may ever be pruned)."""
    try:
        raw = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))
        return {
            path: ManifestEntry(
                entry.get("item", ""), entry.get("site"), bool(entry.get("undelivered"))
            )
            for path, entry in raw.get("files", {}).items()
        }
    except (OSError, ValueError, AttributeError):
        return {}


def manifest_bytes(entries: dict[str, ManifestEntry]) -> bytes:
    files = {
        path: {"item": e.item, "site": e.site, **({"undelivered": True} if e.undelivered else {})}
        for path, e in sorted(entries.items())
    }
    return (json.dumps({"version": 1, "files": files}, indent=1) + "\n").encode()


def _current(path: str) -> tuple[bytes | None, int | None]:
    try:
        with open(path, "rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            return handle.read(), mode
    except FileNotFoundError:
        return None, None
    except IsADirectoryError:
        return b"", None


def plan_changes(
    state: DesiredState,
    output_dir: Path,
    *,
    prune: bool = False,
    limit: Limit | None = None,
) -> list[Change]:
    changes: list[Change] = []
    wanted = set()
    manifest = read_manifest(output_dir)
    prefix = f"{output_dir}{os.sep}"  # string paths: pathlib costs more than the reads
    for desired in state.files:
        wanted.add(desired.path)
        old, mode = _current(prefix + desired.path)
        if old is None:
            action = CREATE
        elif old != desired.content or mode != desired.mode:
            action = UPDATE
        elif desired.deliver and getattr(manifest.get(desired.path), "undelivered", False):
            action = DELIVER
        else:
            action = UNCHANGED
        changes.append(
            Change(action, desired.path, desired.item, desired.site, desired,
                   old if action == UPDATE else None)
        )
    if prune:
        failed_items = {f.item for f in state.failures}
        for path, entry in sorted(manifest.items()):
            if path in wanted or entry.item in failed_items:
                continue
            if limit is not None and entry.site is not None:
                task = entry.item.split(" output ", 1)[0]  # an app's own outputs are its
                app = task.split("/", 1)[1] if "/" in task else None
                if not limit.selects(entry.site, app):
                    continue
            if (output_dir / path).exists():
                changes.append(Change(DELETE, path, entry.item, entry.site))
    return changes


def summary(changes: Iterable[Change]) -> dict[str, int]:
    counts = {CREATE: 0, UPDATE: 0, DELETE: 0, DELIVER: 0, UNCHANGED: 0}
    for change in changes:
        counts[change.action] += 1
    return counts


def diff(change: Change) -> str:
    """A unified diff with every secret value masked."""
    desired = change.desired
    if change.action == DELETE:
        return f"--- {change.path}\n+++ /dev/null\n(file removed)\n"
    assert desired is not None
    if "*" in desired.secret_keys:
        return f"--- {change.path}\n+++ {change.path}\n(holds secrets: diff not shown)\n"
    old = change.old or b""
    new = desired.content
    if desired.secret_keys:
        masked_new = mask_app_json(new, desired.secret_keys)
        masked_old = mask_app_json(old, desired.secret_keys) if old else b""
        if masked_new is None or masked_old is None:
            return f"--- {change.path}\n+++ {change.path}\n(holds secrets: diff not shown)\n"
        old, new = masked_old, masked_new
    if old == new:
        return f"--- {change.path}\n+++ {change.path}\n(a secret value or the file mode changed)\n"
    lines = difflib.unified_diff(
        old.decode("utf-8", "replace").splitlines(keepends=True),
        new.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile="/dev/null" if change.action == CREATE else change.path,
        tofile=change.path,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
