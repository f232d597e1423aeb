"""Carry out a plan's file changes: write atomically, prune, deliver, record the manifest;
one result per file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..files import (
    MANIFEST,
    Write,
    output_lock,
    remove_files,
    remove_stale_temporaries,
    write_file,
    write_files,
)
from ..plan.files import FileChange
from ..plan.manifest import ManifestEntry, manifest_bytes, read_manifest
from .deliver import deliver
from .results import ItemResult


def apply_files(
    changes: Sequence[FileChange], output_dir: Path, base_dir: Path
) -> list[ItemResult]:
    """Write, prune and deliver under the output directory's lock."""
    pending = [c for c in changes if c.pending]
    results = []
    with output_lock(output_dir):
        writes = [c for c in pending if c.action in ("create", "update")]
        remove_stale_temporaries(output_dir, below=True)  # a killed apply's, holding secrets
        failed = {
            failure.path: failure.message
            for failure in write_files(
                [  # a packed content is unpacked as it is written, one at a time
                    Write(c.path, c.desired.make or c.desired.held, c.desired.mode)
                    for c in writes
                    if c.desired is not None
                ],
                root=output_dir,
            )
        }
        deletes = [c.path for c in pending if c.action == "delete"]
        failed.update((f.path, f.message) for f in remove_files(deletes, root=output_dir))
        undelivered: set[str] = set()
        for change in changes:
            message = failed.get(change.path)
            if message is not None:
                results.append(
                    ItemResult(change.item, "failed", change.path, change.action, message)
                )
            elif change.action == "unchanged":
                results.append(ItemResult(change.item, "ok", change.path, "unchanged"))
            else:
                message = deliver(change.desired, output_dir, base_dir) if change.desired else None
                if message is not None:
                    undelivered.add(change.path)
                results.append(
                    ItemResult(
                        change.item,
                        "failed" if message else "changed",
                        change.path,
                        change.action,
                        message,
                    )
                )
        _update_manifest(output_dir, changes, set(failed), undelivered)
    return results


def _update_manifest(
    output_dir: Path,
    changes: Sequence[FileChange],
    failed: set[str],
    undelivered: set[str],
) -> None:
    if (
        not failed
        and not undelivered
        and all(change.action == "unchanged" and change.recorded for change in changes)
    ):
        return  # the usual no-change run: nothing to record
    before = read_manifest(output_dir)
    after = dict(before)
    for change in changes:
        if change.path in failed:
            continue
        if change.action == "delete":
            after.pop(change.path, None)
        else:
            after[change.path] = ManifestEntry(change.item, change.path in undelivered)
    if after != before:
        write_file(output_dir / MANIFEST, manifest_bytes(after), 0o600)
