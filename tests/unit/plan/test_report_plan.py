"""A plan to report on (`contents=False`, what status plans): the same actions as the plan
apply carries out, in every state of the output directory, without any content kept and
without making the package's files that are not there yet; never applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision import desired, pipeline
from provision.desired.state import DesiredFile
from provision.files import MAX_FILE
from provision.model import Item
from provision.plan import Plan
from provision.plan.files import plan_files
from tests.playbook_helpers import copy_playbook

AZURE = "S3cr3t-REPORT-PLAN-azure-0451"


@pytest.fixture
def playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OUTPUTS_AZURE_SECRET", AZURE)
    monkeypatch.chdir(tmp_path)  # deliver commands run in the playbook's directory
    return copy_playbook("outputs", tmp_path)


def _plan(playbook: Path, *, contents: bool) -> Plan:
    model = pipeline.check(playbook).model
    return pipeline.plan(model, limit=None, contents=contents)


def _actions(planned: Plan) -> list[tuple[str, str, str]]:
    return [(c.path, str(c.item), c.action) for c in planned.files]


def _same_as_apply_plans(playbook: Path) -> Plan:
    reported, applied = _plan(playbook, contents=False), _plan(playbook, contents=True)
    assert _actions(reported) == _actions(applied)
    assert reported.failures == applied.failures
    assert all(c.desired is None and c.old is None for c in reported.files)
    return reported


def test_the_actions_of_the_plan_apply_carries_out(playbook: Path) -> None:
    out = playbook.parent / "out"
    fresh = _same_as_apply_plans(playbook)
    assert {c.action for c in fresh.files} == {"create"}
    pipeline.apply(_plan(playbook, contents=True))
    assert {c.action for c in _same_as_apply_plans(playbook).files} == {"unchanged"}

    (out / "sites/acme.md").write_text("edited by hand\n")  # a package template's file
    (out / "xml/acme/fax.xml").unlink()  # one of the playbook's own outputs
    (out / "apps/acme/pbx.json").chmod(0o644)  # same content, another mode
    changed = {c.path: c.action for c in _same_as_apply_plans(playbook).files if c.pending}
    assert changed == {
        "sites/acme.md": "update",
        "xml/acme/fax.xml": "create",
        "apps/acme/pbx.json": "update",
    }


def test_files_not_there_are_not_made(playbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unmade(*args: object) -> bytes:
        raise AssertionError("made a file that is not there yet")

    for name in ("render_app", "render_sheet", "_uri_list"):
        monkeypatch.setattr(desired, name, unmade)
    planned = _plan(playbook, contents=False)
    assert planned.files and not planned.failures
    assert {c.action for c in planned.files} == {"create"}


def test_a_failing_output_and_a_missing_secret_still_fail(
    playbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (playbook.parent / "templates/site.txt.j2").write_text("{{ 1 / 0 }}\n")
    monkeypatch.delenv("OUTPUTS_AZURE_SECRET")
    failures = {str(f.item): f.message for f in _same_as_apply_plans(playbook).failures}
    assert "OUTPUTS_AZURE_SECRET is not set" in failures["acme/pbx"]
    assert failures["site:acme output site-list"].endswith("division by zero")


def test_is_never_applied(playbook: Path) -> None:
    out = playbook.parent / "out"
    with pytest.raises(ValueError, match="cannot be applied"):
        pipeline.apply(_plan(playbook, contents=False))
    assert not out.exists()


def test_an_unmade_file_is_compared_whole(tmp_path: Path) -> None:
    """Larger than the first read (MAX_FILE): read again as far as its content needs."""
    big = b"x" * (MAX_FILE + 10)
    (tmp_path / "same.txt").write_bytes(big)
    (tmp_path / "longer.txt").write_bytes(big + b"y")
    for name in ("same.txt", "longer.txt"):
        (tmp_path / name).chmod(0o644)
    made: list[str] = []

    def unmade(path: str) -> DesiredFile:
        def make() -> bytes:
            made.append(path)
            return big

        return DesiredFile(path, b"", 0o644, Item("client", path), make=make)

    names = ["same.txt", "longer.txt", "absent.txt"]
    changes, _ = plan_files([unmade(n) for n in names], [], tmp_path, contents=False)
    assert [c.action for c in changes] == ["unchanged", "update", "create"]
    assert made == ["same.txt", "longer.txt"]
