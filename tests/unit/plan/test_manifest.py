"""The manifest: read back whatever its size, written an entry a line; entries whose
path climbs out of the output directory are never taken; a damaged one stops plan and
apply instead of being taken for none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provision.files import MANIFEST
from provision.model import Item
from provision.plan.manifest import DamagedManifest, ManifestEntry, manifest_bytes, read_manifest


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


def test_no_manifest_yet_is_no_file_written(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) == {}


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('{"version": 2, "files": {"sites/a', "(not valid JSON: "),
        ("[]", 'expected {"version": 2, "files": {...}}'),
        ('{"version": 2, "files": []}', 'expected {"version": 2, "files": {...}}'),
        ('{"files": {}}', 'expected {"version": 2, "files": {...}}'),
        ('{"version": 9, "files": {}}', "version 9, written by a newer provision"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_damaged_manifest_is_an_error_that_says_what_to_do(
    tmp_path: Path, content: str | bytes, why: str
) -> None:
    path = tmp_path / MANIFEST
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DamagedManifest) as raised:
        read_manifest(tmp_path)
    assert str(raised.value).startswith(f"{path} is damaged (")
    assert why in str(raised.value)
    assert raised.value.hint is not None and f"mv {path} {path}.damaged" in raised.value.hint
