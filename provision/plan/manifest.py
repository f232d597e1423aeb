"""The manifest: which files of the output directory an earlier apply wrote (only these
may ever be pruned), for which item, and whether a deliver command still owes them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, get_args

from ..errors import OperationError
from ..files import MANIFEST, MAX_PLAYBOOK_FILE, JsonFileError, inside, read_json
from ..model import Item, ItemKind

VERSION = 2
_json = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(frozen=True)
class ManifestEntry:
    item: Item
    undelivered: bool = False  # its deliver command failed: retried by the next apply


class DamagedManifest(OperationError):
    """The manifest is there but cannot be read: plan and apply stop rather than forget
    what an earlier apply wrote and owes (a new manifest would drop it for good)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"{path} is damaged ({why}): which files an earlier apply wrote (only those are "
            "ever pruned) and which deliveries are still owed is not known",
            f"restore it (from a backup), or move it away to start afresh: "
            f"mv {path} {path}.damaged (the files it listed are then kept, never pruned)",
        )


def read_manifest(output_dir: Path) -> dict[str, ManifestEntry]:
    """The files an earlier apply wrote; nothing when there is no manifest yet;
    DamagedManifest when one is there but is not a manifest."""
    path = output_dir / MANIFEST
    if not path.exists() and not path.is_symlink():
        return {}
    try:
        # as large as the playbook's files are many: 140,000 files take 15 MB
        raw = read_json(path, MAX_PLAYBOOK_FILE)
    except JsonFileError as exc:
        raise DamagedManifest(path, str(exc).removeprefix(f"{path} is ")) from None
    files = raw.get("files") if isinstance(raw, dict) else None
    version = raw.get("version") if isinstance(raw, dict) else None
    if isinstance(version, int) and version > VERSION:
        raise DamagedManifest(path, f"version {version}, written by a newer provision")
    if not isinstance(files, dict) or version not in (1, VERSION):
        raise DamagedManifest(path, f'expected {{"version": {VERSION}, "files": {{...}}}}')
    read = _entry if raw.get("version") == VERSION else _entry_v1
    entries = {}
    for path, entry in files.items():
        # a path that climbs out was not written by apply: it is never pruned
        if isinstance(entry, dict) and inside(path):
            found = read(entry)
            if found is not None:
                entries[path] = found
    return entries


def recorded_sites(output_dir: Path) -> set[str]:
    """The sites whose files an earlier apply wrote (those --prune may delete)."""
    return {e.item.site for e in read_manifest(output_dir).values() if e.item.site is not None}


def manifest_bytes(entries: Mapping[str, ManifestEntry]) -> bytes:
    """The manifest's text, an entry a line, written without building it as one document
    first (a fresh apply of 100,000 apps records 140,000 files)."""
    lines = []
    for path, entry in sorted(entries.items()):
        item = entry.item
        document: dict[str, Any] = {"kind": item.kind, "name": item.name}
        if item.app is not None:
            document["app"] = item.app
        if item.output is not None:
            document["output"] = item.output
        record = {"item": document, **({"undelivered": True} if entry.undelivered else {})}
        lines.append(f"  {_json(path)}: {_json(record)}")
    files = "{\n" + ",\n".join(lines) + "\n }" if lines else "{}"
    return f'{{\n "version": {VERSION},\n "files": {files}\n}}\n'.encode()


def _entry(entry: Mapping[str, Any]) -> ManifestEntry | None:
    item = entry.get("item")
    if not isinstance(item, dict) or item.get("kind") not in get_args(ItemKind):
        return None
    kind = cast(ItemKind, item["kind"])
    name, app, output = (item.get(key) for key in ("name", "app", "output"))
    if not isinstance(name, str) or not all(v is None or isinstance(v, str) for v in (app, output)):
        return None
    return ManifestEntry(Item(kind, name, app, output), bool(entry.get("undelivered")))


def _entry_v1(entry: Mapping[str, Any]) -> ManifestEntry | None:
    """An entry of a version 1 manifest, whose item was printed text (`acme/pbx`,
    `client:x`, `sheet:x`, `site:x`, each maybe with ` output NAME`)."""
    text = entry.get("item")
    if not isinstance(text, str):
        return None
    task, _, output = text.partition(" output ")
    kind, colon, name = task.partition(":")
    if colon and kind in ("client", "sheet", "site"):
        item = Item(cast(ItemKind, kind), name)
    elif "/" in task:
        site, _, app = task.partition("/")
        item = Item("app", site, app)
    else:
        return None
    return ManifestEntry(
        item.with_output(output) if output else item, bool(entry.get("undelivered"))
    )
