"""Helpers for tests that run the real CLI on the playbooks in tests/playbooks/.

A test copies a playbook (a YAML file, or a directory holding `playbook.yaml`
and its secrets and templates) to its tmp_path, runs a command, in-process
through click's CliRunner or as a real `python -m provision` subprocess, and
looks at the output and the files written.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from provision.cli import cli

TESTS = Path(__file__).resolve().parent
PLAYBOOKS = TESTS / "playbooks"
GOLDEN = TESTS / "golden"
ROOT = TESTS.parent

# Set UPDATE_GOLDEN=1 to rewrite the golden files from the current output.
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


@dataclass(frozen=True)
class Run:
    """What a command did: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def copy_playbook(name: str, destination: Path) -> Path:
    """Copy tests/playbooks/<name> into `destination`; the playbook file's path.

    `name` is a YAML file, or a directory whose playbook is `playbook.yaml`.
    """
    source = PLAYBOOKS / name
    if source.is_dir():
        target = destination / name
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("out", ".provision"))
        return target / "playbook.yaml"
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / name
    shutil.copyfile(source, target)
    return target


def read_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def write_yaml(path: Path, data: Mapping[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(dict(data), sort_keys=False), encoding="utf-8")
    return path


def edit_playbook(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Load the playbook, let `change` edit the document, write it back."""
    data = read_yaml(path)
    change(data)
    write_yaml(path, data)


def cli_run(args: Sequence[str | os.PathLike[str]], env: Mapping[str, str] | None = None) -> Run:
    """`provision ARGS` in-process; an unexpected exception fails the test."""
    result = CliRunner().invoke(cli, [str(a) for a in args], env=dict(env or {}))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def subprocess_env(
    extra: Mapping[str, str] | None = None, unset: Iterable[str] = ()
) -> dict[str, str]:
    """This process's environment with `extra` set and `unset` removed; the
    repository on PYTHONPATH, so a driver script in tmp_path imports `tests` too."""
    env = dict(os.environ)
    env.pop("PROVISION_DEBUG", None)
    env.pop("PROVISION_LOG", None)  # a developer's verbose logs would fill every stderr
    env.update(extra or {})
    for name in unset:
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def subprocess_run(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    unset: Iterable[str] = (),
    timeout: float = 120,
    script: Path | None = None,
) -> Run:
    """`python -m provision ARGS` as a real process (or `python SCRIPT ARGS`)."""
    command = [str(script)] if script is not None else ["-m", "provision"]
    done = subprocess.run(
        [sys.executable, *command, *map(str, args)],
        cwd=cwd,
        env=subprocess_env(env, unset),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def files_under(directory: Path) -> dict[str, bytes]:
    """Every regular file below `directory` by POSIX relative path, with its content."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def stats_under(directory: Path) -> dict[str, tuple[int, int, int]]:
    """(mtime_ns, inode, mode) of every file and directory below `directory`."""
    result = {}
    for path in sorted([directory, *directory.rglob("*")]):
        info = path.stat()
        result[path.relative_to(directory).as_posix()] = (
            info.st_mtime_ns,
            info.st_ino,
            stat.S_IMODE(info.st_mode),
        )
    return result


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def recap_lines(stdout: str) -> dict[str, str]:
    """The PLAY RECAP's lines by host: `acme : ok=6 changed=0 ...` -> {"acme": line}."""
    _, _, tail = stdout.rpartition("PLAY RECAP")
    lines = [line for line in tail.splitlines()[1:] if " : " in line]
    return {line.split(" : ", 1)[0].strip(): line for line in lines}


def assert_absent(values: Iterable[str], *texts: str) -> None:
    """None of `values` (nor a telling part of one) appears in any of `texts`."""
    for value in values:
        pieces = {value, *(line for line in value.splitlines() if len(line) >= 8)}
        for text in texts:
            for piece in pieces:
                assert piece not in text, f"a secret value leaked: {piece!r}"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/<name>, or rewrite it when UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8"), (
        f"output differs from {path} (UPDATE_GOLDEN=1 rewrites it after review)"
    )
