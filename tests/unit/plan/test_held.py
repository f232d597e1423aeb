"""A plan holds a large file's content compressed until apply writes it: the bytes
written, and a diff's, are the content as made."""

from __future__ import annotations

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
    assert sheet.content == b"" and sheet.make is not None
    small = [d for d in held.values() if d.make is None]
    assert small and all(len(d.content) <= 1024 for d in small)
    made = {path: desired.data() for path, desired in held.items()}
    assert len(made["sites/acme.md"]) > 1024
    assert diff(next(c for c in planned.files if c.path == "sites/acme.md")).count("\n+") > 10

    pipeline.apply(planned)
    out = playbook.parent / "out"
    assert {path: (out / path).read_bytes() for path in made} == made
