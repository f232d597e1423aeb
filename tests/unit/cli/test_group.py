"""The command group's error mapping with --format json, on a throw-away group of the same
class: every failure is one JSON document on stdout, never a second document after the
command's own, and text mode tells people on stderr as before."""

from __future__ import annotations

import json
import sys

import click
import pytest
from click.testing import CliRunner

from provision.cli.group import _Group
from provision.cli.options import format_option
from provision.errors import InputError, OperationError
from provision.secret import Secret

SECRET = "S3cr3t-group-test-xyzzy"


def _group(failure: BaseException, *, print_first: bool = False) -> click.Group:
    @click.group(cls=_Group)
    def group() -> None:
        pass

    @group.command()
    @click.option("--count", type=click.IntRange(1, 3), default=1)
    @format_option()
    def act(count: int, fmt: str) -> None:
        if print_first:
            sys.stdout.write(json.dumps({"format_version": 1, "done": count}) + "\n")
        raise failure

    return group


def _run(group: click.Group, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(group, ["act", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("failure", "code", "kind"),
    [
        (OperationError("the console said no", "ask it again"), 1, "operation"),
        (InputError("unknown client 'x'"), 2, "input"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
)
def test_a_failure_is_one_json_document_on_stdout(
    failure: BaseException, code: int, kind: str
) -> None:
    exit_code, stdout, stderr = _run(_group(failure), "--format", "json")

    assert exit_code == code
    document = json.loads(stdout)
    assert list(document)[:2] == ["format_version", "error"]
    assert document["error"]["kind"] == kind
    assert stderr == ""


def test_text_mode_is_unchanged() -> None:
    exit_code, stdout, stderr = _run(_group(OperationError("the console said no", "ask again")))

    assert (exit_code, stdout) == (1, "")
    assert stderr == "provision: the console said no\nhint: ask again\n"


def test_after_the_commands_own_document_the_error_goes_to_stderr() -> None:
    """stdout must stay one parseable document."""
    group = _group(OperationError("writing failed"), print_first=True)

    exit_code, stdout, stderr = _run(group, "--format", "json")

    assert exit_code == 1
    assert json.loads(stdout) == {"format_version": 1, "done": 1}
    assert stderr == "provision: writing failed\n"


def test_a_bad_option_after_format_json_is_a_json_document_too() -> None:
    exit_code, stdout, stderr = _run(
        _group(OperationError("-")), "--count", "9", "--format", "json"
    )

    assert exit_code == 2
    error = json.loads(stdout)["error"]
    assert error["kind"] == "input" and "'--count'" in error["message"]
    assert "Usage:" in stderr


def test_an_internal_error_is_a_json_document_and_still_raised() -> None:
    result = CliRunner().invoke(_group(ValueError("a bug")), ["act", "--format", "json"])

    assert isinstance(result.exception, ValueError)  # main() reports it on stderr
    error = json.loads(result.stdout)["error"]
    assert error == {
        "kind": "internal",
        "message": "internal error: ValueError: a bug",
        "hint": "set PROVISION_DEBUG=1 for a traceback",
    }


def test_the_error_document_is_scrubbed() -> None:
    held = Secret(SECRET)  # every secret held is scrubbed from the streams
    failure = OperationError(f"the console echoed {held.reveal()}")

    _, stdout, _ = _run(_group(failure), "--format", "json")

    assert SECRET not in stdout
    assert json.loads(stdout)["error"]["message"].startswith("the console echoed ")
