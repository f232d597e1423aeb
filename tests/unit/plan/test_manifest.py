"""The manifest: read back whatever its size, written an entry a line; entries whose
path climbs out of the output directory are never taken."""

from __future__ import annotations

import json
from pathlib import Path

from provision.files import MANIFEST
from provision.model import Item
from provision.plan.manifest import ManifestEntry, manifest_bytes, read_manifest


def test_a_large_manifest_is_read_back(tmp_path: Path) -> None:
    entries = {
        f"apps/site-{n:05}/{app}.json": ManifestEntry(Item("app", f"site-{n:05}", app))
        for n in range(6000)
        for app in ("pbx", "fax", "users")
    }
    (tmp_path / MANIFEST).write_bytes(manifest_bytes(entries))
    assert (tmp_path / MANIFEST).stat().st_size > 1 << 20  # past the limit of small files
    assert read_manifest(tmp_path) == entries


def test_paths_that_climb_out_are_not_taken(tmp_path: Path) -> None:
    entry = {"item": {"kind": "sheet", "name": "acme"}}
    files = {"sites/acme.md": entry, "../x": entry, "/etc/passwd": entry, "a/../../x": entry}
    (tmp_path / MANIFEST).write_text(json.dumps({"version": 2, "files": files}))
    assert list(read_manifest(tmp_path)) == ["sites/acme.md"]
