"""Bounded (issue 14), in real processes under resource limits (prlimit): a hostile
playbook, a command secret that never stops printing, and an identity provider answering
megabytes end in a short located message within seconds and bounded memory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import ROOT, Run, copy_playbook, subprocess_env
from tests.playbooks.e2e.harness import E2E, SECRET_VALUES, leaked

ACCEPTANCE = ROOT / "tests" / "acceptance"
MEMORY = 1 << 30  # address space for a run: the hostile cases take gigabytes unbounded
PRLIMIT = shutil.which("prlimit")
needs_prlimit = pytest.mark.skipif(PRLIMIT is None, reason="prlimit (util-linux) is not installed")


def _limited(
    args: list[str], cwd: Path, *, seconds: int = 60, env: dict[str, str] | None = None
) -> tuple[Run, float]:
    """`provision ARGS` under a memory limit and a CPU-time limit; its result and time."""
    assert PRLIMIT is not None
    command = [
        PRLIMIT,
        f"--as={MEMORY}",
        f"--cpu={seconds}",
        sys.executable,
        "-m",
        "provision",
        *args,
    ]
    start = time.monotonic()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=subprocess_env(env),
        capture_output=True,
        text=True,
        timeout=seconds * 2,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr), time.monotonic() - start


@needs_prlimit
@pytest.mark.parametrize(
    "name",
    [
        "hostile-templates.yaml",
        "hostile-deep-nesting.yaml",
        "hostile-alias-deep.yaml",
        "load-alias-bomb.yaml",
    ],
)
def test_hostile_playbooks_end_in_located_errors_within_bounds(tmp_path: Path, name: str) -> None:
    shutil.copytree(
        ACCEPTANCE, tmp_path / "acceptance", ignore=shutil.ignore_patterns("__pycache__")
    )
    run, seconds = _limited(["validate", f"invalid/{name}"], tmp_path / "acceptance")
    assert run.exit_code == 2, run.output
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert f"invalid/{name}:" in run.stderr
    assert seconds < 30
    assert max(map(len, run.stderr.splitlines())) < 1000  # no megabyte error lines


@needs_prlimit
def test_a_command_secret_printing_forever_is_stopped(tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(
        (ACCEPTANCE / "valid" / "minimal.yaml")
        .read_text()
        .replace("{file: ../secrets/azure.secret}", '{command: [sh, -c, "yes $ENDLESS"]}')
    )
    assert "{command:" in playbook.read_text()
    run, seconds = _limited(
        ["validate", str(playbook)], tmp_path, env={"ENDLESS": "S3cr3t-ENDLESS"}
    )
    assert run.exit_code == 2, run.output
    assert "printed more than 1,048,576 bytes; stopped it" in run.stderr
    assert "S3cr3t-ENDLESS" not in run.output
    assert seconds < 20


@pytest.mark.parametrize("kind", ["device", "fifo", "too large"])
def test_a_playbook_that_is_no_regular_file_or_too_large_is_refused(
    tmp_path: Path, kind: str
) -> None:
    if kind == "device":
        path = Path("/dev/zero")
        reason = "not a regular file"
    elif kind == "fifo":
        path = tmp_path / "fifo.yaml"
        os.mkfifo(path)
        reason = "not a regular file"
    else:
        path = tmp_path / "huge.yaml"
        with path.open("wb") as file:
            file.truncate(300 << 20)  # sparse: nothing is written, the size is what counts
        reason = "more than 268,435,456 bytes"
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "provision", "validate", str(path)],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert reason in done.stderr and str(path) in done.stderr
    assert time.monotonic() - start < 10


# -- answers ------------------------------------------------------------------------------


@pytest.fixture
def e2e(tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI) -> E2E:
    return E2E.build(tmp_path, idp, smtp_server, pki)


def test_an_identity_provider_answering_megabytes_is_quoted_short(e2e: E2E, idp: LocalIdP) -> None:
    idp.fail_next(400, count=100, description_size=20_000_000)
    start = time.monotonic()
    run = e2e.verify("--format", "json")
    assert run.exit_code == 1
    assert time.monotonic() - start < 30
    assert len(run.stdout) + len(run.stderr) < 20_000
    failed = [r for r in json.loads(run.stdout)["identities"] if r["status"] == "failed"]
    assert failed
    for result in failed:
        assert "bytes: refused" in result["error"], result
        assert "identity provider" in (result["hint"] or "")
    assert not leaked(SECRET_VALUES, run.stdout, run.stderr)


def test_a_long_error_description_is_quoted_short(e2e: E2E, idp: LocalIdP) -> None:
    idp.fail_next(400, count=100, description_size=50_000)  # under the answer limit
    run = e2e.verify("--format", "json")
    assert run.exit_code == 1
    for result in json.loads(run.stdout)["identities"]:
        if result["status"] == "failed":
            assert len(result["error"]) < 1000, result["error"][:200]
            assert "characters)" in result["error"]


# -- the output directory -----------------------------------------------------------------


def _reconcile(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    from tests.unit.commands.test_plan_apply import ENV

    playbook = copy_playbook("reconcile", tmp_path)
    return playbook, ENV


@needs_prlimit
def test_a_file_size_limit_fails_the_files_past_it_and_says_so(tmp_path: Path) -> None:
    playbook, env = _reconcile(tmp_path)
    assert PRLIMIT is not None
    done = subprocess.run(
        [PRLIMIT, "--fsize=1500", sys.executable, "-m", "provision", "apply", str(playbook)],
        env=subprocess_env(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "cannot write: File too large (beyond this process's file size limit: ulimit -f)" in (
        done.stdout
    )
    assert "Traceback" not in done.stderr
    out = playbook.parent / "out"
    assert not list(out.rglob("*.provision-tmp"))  # no partial file is left
    for path in out.rglob("*.json"):
        json.loads(path.read_text())  # every file written is whole


def test_an_output_dir_that_is_a_file_is_an_operation_error(tmp_path: Path) -> None:
    playbook, env = _reconcile(tmp_path)
    (playbook.parent / "out").write_text("not a directory")
    done = subprocess.run(
        [sys.executable, "-m", "provision", "apply", str(playbook)],
        env=subprocess_env(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "provision: cannot use the output directory" in done.stderr
    assert "it is not a directory (settings.output_dir names it" in done.stderr
    assert (playbook.parent / "out").read_text() == "not a directory"
