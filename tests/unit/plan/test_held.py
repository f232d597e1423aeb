"""A plan holds a large file's content compressed until apply writes it: the bytes
written, a diff's and `content` (the Python API's) are the content as made."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from provision import pipeline
from provision.plan import files
from provision.plan.diff import diff
from tests.playbook_helpers import copy_playbook


@pytest.fixture
def playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OUTPUTS_AZURE_SECRET", "S3cr3t-HELD-azure-0452")
    monkeypatch.chdir(tmp_path)
    return copy_playbook("outputs", tmp_path)


def test_large_contents_are_held_compressed_and_written_whole(
    playbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "HELD_AS_IS", 1024)  # the sheets here are smaller than 4 KiB
    planned = pipeline.plan(pipeline.check(playbook).model, limit=None)
    held = {c.path: c.desired for c in planned.files if c.desired is not None}
    sheet = held["sites/acme.md"]
    assert sheet.make is not None and len(sheet.held) < len(sheet.content)
    small = [d for d in held.values() if d.make is None]
    assert small and all(len(d.held) <= 1024 for d in small)
    made = {path: desired.content for path, desired in held.items()}
    assert len(made["sites/acme.md"]) > 1024 and made["sites/acme.md"].startswith(b"# ")
    assert diff(next(c for c in planned.files if c.path == "sites/acme.md")).count("\n+") > 10

    pipeline.apply(planned)
    out = playbook.parent / "out"
    assert {path: (out / path).read_bytes() for path in made} == made


def test_held_files_compare_as_their_contents_do(
    playbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "HELD_AS_IS", 1024)
    model = pipeline.check(playbook).model
    first, again = (pipeline.plan(model, limit=None) for _ in range(2))
    assert [c.desired for c in first.files] == [c.desired for c in again.files]
    sheet = next(c.desired for c in first.files if c.path == "sites/acme.md")
    assert sheet is not None
    other = files._held(replace(sheet, held=sheet.content + b"\nmore", make=None))
    assert other.make is not None and other != sheet
