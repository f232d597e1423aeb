"""apply as a real process: exit codes, no tracebacks, a crash between
renames, and the lock that keeps two applies apart."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provision.files import LOCK, MANIFEST, TMP_SUFFIX
from tests.playbook_helpers import (
    Run,
    copy_playbook,
    edit_playbook,
    files_under,
    recap_lines,
    subprocess_run,
)

ENV = {
    "RECONCILE_AZURE_SECRET": "cli-azure-secret",
    "RECONCILE_IDP_SECRET": "cli-idp-secret",
    "RECONCILE_FAX_PASSWORD": "cli-fax-password",
}


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    return copy_playbook("reconcile", tmp_path)


def _out(playbook: Path) -> Path:
    return playbook.parent / "out"


def _provision(playbook: Path, *args: str, unset: tuple[str, ...] = ()) -> Run:
    """`provision COMMAND PLAYBOOK ARGS...` as a process, run in the playbook's directory."""
    return subprocess_run([args[0], playbook, *args[1:]], cwd=playbook.parent, env=ENV, unset=unset)


# -- exit codes, and never a traceback ------------------------------------------------------


def test_exit_codes(playbook: Path) -> None:
    assert _provision(playbook, "plan", "--detailed-exitcode").exit_code == 4
    first = _provision(playbook, "apply")
    assert first.exit_code == 0, first.stderr
    assert recap_lines(first.stdout)["acme"] == "acme : ok=6 changed=6 failed=0 skipped=0"
    again = _provision(playbook, "apply")
    assert again.exit_code == 0, again.stderr
    assert recap_lines(again.stdout)["acme"] == "acme : ok=6 changed=0 failed=0 skipped=0"
    assert _provision(playbook, "plan", "--detailed-exitcode").exit_code == 0


def test_a_failing_item_exits_1_and_the_rest_is_written(playbook: Path) -> None:
    blocked = _out(playbook) / "apps" / "delta"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where delta's folder goes\n")  # delta/pbx cannot be written
    run = _provision(playbook, "apply", "--format", "json")
    assert run.exit_code == 1, run.stderr
    document = json.loads(run.stdout)
    failed = [r for r in document["results"] if r["status"] == "failed"]
    assert [r["item"] for r in failed] == ["delta/pbx"]
    assert "apps/delta" in failed[0]["message"]
    assert document["recap"]["delta"]["failed"] == 1
    assert document["recap"]["acme"] == {"ok": 6, "changed": 6, "failed": 0, "skipped": 0}
    assert (_out(playbook) / "apps/acme/pbx.json").exists()
    assert blocked.read_text() == "a file where delta's folder goes\n"  # left as it was


def test_a_damaged_manifest_stops_plan_and_apply_and_is_kept(playbook: Path) -> None:
    assert _provision(playbook, "apply").exit_code == 0
    manifest = _out(playbook) / MANIFEST
    manifest.write_text('{"version": 2, "files": {"apps/acme/pbx.json": ')  # cut short
    for command in ("plan", "apply"):
        run = _provision(playbook, command)
        assert run.exit_code == 1, run.output
        assert f"provision: {manifest} is damaged (not valid JSON: " in run.stderr
        assert (
            f"hint: restore it (from a backup), or move it away to start afresh: mv {manifest}"
            in (run.stderr)
        )
        assert "Traceback" not in run.output
    assert manifest.read_text() == '{"version": 2, "files": {"apps/acme/pbx.json": '


def test_a_missing_secret_is_input_exit_2_and_nothing_is_written(playbook: Path) -> None:
    run = _provision(playbook, "apply", unset=("RECONCILE_IDP_SECRET",))
    assert run.exit_code == 2, run.output
    assert "RECONCILE_IDP_SECRET" in run.stderr and "playbook.yaml:29" in run.stderr
    assert not _out(playbook).exists()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad-yaml.yaml", "version: 1\nsites: [unclosed\n", "bad-yaml.yaml:"),
        ("duplicate.yaml", "version: 1\nsites: {}\nsites: {}\n", "duplicate.yaml:3"),
        ("wrong-type.yaml", "version: 1\nsites: 7\n", "wrong-type.yaml:2"),
    ],
)
def test_an_invalid_playbook_exits_2_writes_nothing(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    for command in ("apply", "plan", "redirect-uris"):
        run = subprocess_run([command, path], cwd=tmp_path, env=ENV)
        assert run.exit_code == 2, run.stderr
        assert expected in run.stderr
        assert "Traceback" not in run.stderr + run.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_invalid_reference_exits_2_writes_nothing(playbook: Path) -> None:
    edit_playbook(playbook, lambda d: d["identities"]["acme-mail"].update(client="nobody"))
    run = _provision(playbook, "apply", "--prune")
    assert run.exit_code == 2
    assert "unknown client 'nobody'" in run.stderr
    assert "Traceback" not in run.stderr
    assert not _out(playbook).exists()


def test_missing_playbook_and_bad_options_exit_2(tmp_path: Path) -> None:
    run = subprocess_run(["apply", tmp_path / "nowhere.yaml"], cwd=tmp_path)
    assert run.exit_code == 2
    assert "nowhere.yaml" in run.stderr and "Traceback" not in run.stderr
    run = subprocess_run(["apply", tmp_path / "x.yaml", "--no-such-option"], cwd=tmp_path)
    assert run.exit_code == 2
    run = subprocess_run(["redirect-uris", tmp_path / "x.yaml", "--format", "xml"], cwd=tmp_path)
    assert run.exit_code == 2


# -- crash safety -----------------------------------------------------------------------------

DRIVER = '''\
"""Run provision, killed (os._exit) right after its Nth call of os.<function>,
as CRASH_AFTER=<function>:<N> says: a power cut at that very point."""
import os
import sys

function, count = os.environ["CRASH_AFTER"].split(":")
real = getattr(os, function)
calls = 0


def then_die(*args, **kwargs):
    global calls
    result = real(*args, **kwargs)
    calls += 1
    if calls == int(count):
        os._exit(75)
    return result


setattr(os, function, then_die)

from provision.cli import main

main(sys.argv[1:])
'''


def _targets(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files apply manages, without its temporaries and its lock."""
    return {p: c for p, c in files.items() if not p.endswith(TMP_SUFFIX) and p != LOCK}


def _crash(playbook: Path, after: str) -> None:
    driver = playbook.parent.parent / "crash_driver.py"
    driver.write_text(DRIVER)
    run = subprocess_run(
        ["apply", playbook], cwd=playbook.parent, env={**ENV, "CRASH_AFTER": after}, script=driver
    )
    assert run.exit_code == 75, run.stderr  # died where it was meant to


def _check_crash(playbook: Path, old: dict[str, bytes], landed: int) -> None:
    """Every file old or new, never partial; `landed` of them new; and the next
    apply finishes the job and removes the temporaries."""
    out = _out(playbook)
    middle = files_under(out)
    assert any(p.endswith(TMP_SUFFIX) for p in middle), sorted(middle)  # temporaries left
    recovered = _provision(playbook, "apply")
    assert recovered.exit_code == 0, recovered.stderr
    new = files_under(out)
    assert not [p for p in new if p.endswith(TMP_SUFFIX)]  # and the next apply removed them
    middle, new = _targets(middle), _targets(new)
    for path in set(old) | set(new) | set(middle):
        state = middle.get(path)
        assert state in (old.get(path), new.get(path)), f"{path} is partial"
        if state is not None and path.endswith(".json"):
            json.loads(state)
    changed = [p for p in new if p in middle and middle[p] != old.get(p)]
    assert len(changed) == landed, changed
    assert [p for p in new if middle.get(p) != new[p]]  # the rest had not landed
    assert _provision(playbook, "plan", "--detailed-exitcode").exit_code == 0


def _change_every_app(data: dict[str, Any]) -> None:
    for identity in data["identities"].values():
        identity["sender_name"] = "After The Crash"


@pytest.mark.parametrize(("after", "landed"), [("write:3", 0), ("replace:1", 1), ("replace:5", 5)])
def test_crash_while_creating(playbook: Path, after: str, landed: int) -> None:
    _crash(playbook, after)
    _check_crash(playbook, {}, landed)


@pytest.mark.parametrize(("after", "landed"), [("write:3", 0), ("replace:1", 1), ("replace:5", 5)])
def test_crash_while_updating(playbook: Path, after: str, landed: int) -> None:
    assert _provision(playbook, "apply").exit_code == 0
    old = _targets(files_under(_out(playbook)))
    edit_playbook(playbook, _change_every_app)
    _crash(playbook, after)
    _check_crash(playbook, old, landed)


# -- the lock ----------------------------------------------------------------------------------


@pytest.fixture
def held_lock(playbook: Path) -> Iterator[Path]:
    """The output directory's lock, held by this process as another apply would."""
    out = _out(playbook)
    out.mkdir(mode=0o700)
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield out / LOCK
    finally:
        os.close(fd)


def test_second_apply_fails_fast_on_the_lock(playbook: Path, held_lock: Path) -> None:
    run = _provision(playbook, "apply")
    assert run.exit_code == 1
    assert str(held_lock) in run.stderr
    assert "another apply is running" in run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in held_lock.parent.iterdir()) == [LOCK]  # wrote nothing


def test_check_and_plan_need_no_lock(playbook: Path, held_lock: Path) -> None:
    assert _provision(playbook, "apply", "--check").exit_code == 0
    assert _provision(playbook, "plan").exit_code == 0
    assert sorted(p.name for p in held_lock.parent.iterdir()) == [LOCK]


def test_apply_works_once_the_lock_is_free(playbook: Path) -> None:
    out = _out(playbook)
    out.mkdir(mode=0o700)
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    assert _provision(playbook, "apply").exit_code == 1
    os.close(fd)
    assert _provision(playbook, "apply").exit_code == 0
    assert (out / "apps/acme/pbx.json").exists()
