"""`provision validate` and `provision schema` on the command line: exit codes,
streams, formats, and no traceback for any failure."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provision import cli as cli_module
from provision.cli import cli, main
from provision.errors import ERROR, PlaybookError, Problem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "playbooks/example.yaml"
EXAMPLE_SECRETS = [
    p.read_text(encoding="utf-8").strip()
    for p in sorted((ROOT / "playbooks" / "secrets").iterdir())
]
ROPC_WARNING = (
    "playbooks/example.yaml:30:11: identities.acme-fax.mode: warning: microsoft365 mode uses ROPC "
    "(resource owner password credentials), which Microsoft discourages and which fails on "
    "accounts with MFA; prefer exchange"
)
MINIMAL = """\
version: 1
clients:
  ms:
    provider: microsoft
    tenant: contoso.onmicrosoft.com
    client_id: 0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00
    client_secret: {env: PROVISION_TEST_UNSET_SECRET}
identities:
  mail: {client: ms, mode: exchange, sender: pbx@acme.com}
sites:
  acme: {domain: acme.com, pbx: pbx.acme.com, identity: mail, apps: [pbx]}
"""


@pytest.fixture(autouse=True)
def _in_a_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example in a copy whose secret files are 0600, as they should be (git
    keeps no such modes, and a readable secret file is a warning)."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "playbooks", work / "playbooks")
    for file in (work / "playbooks" / "secrets").iterdir():
        file.chmod(0o600)
    monkeypatch.chdir(work)
    for name in ("PROVISION_VAULT_PASSWORD_FILE", "PROVISION_TEST_UNSET_SECRET", "PROVISION_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return work


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def no_example_secret(result: Result) -> None:
    for secret in EXAMPLE_SECRETS:
        assert secret not in result.stdout
        assert secret not in result.stderr


# -- the example ---------------------------------------------------------------------


def test_example_validates_with_the_ropc_warning_on_stderr() -> None:
    result = invoke("validate", EXAMPLE)
    assert result.exit_code == 0
    assert result.stdout == (
        "playbooks/example.yaml: valid (2 sites, 10 apps, 3 identities, 2 clients)\n"
    )
    assert result.stderr == ROPC_WARNING + "\n"
    no_example_secret(result)


def test_example_as_json() -> None:
    result = invoke("validate", EXAMPLE, "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "format_version": 1,
        "valid": True,
        "problems": [
            {
                "severity": "warning",
                "file": "playbooks/example.yaml",
                "line": 30,
                "column": 11,
                "path": "identities.acme-fax.mode",
                "message": "microsoft365 mode uses ROPC (resource owner password credentials), "
                "which Microsoft discourages and which fails on accounts with MFA; prefer exchange",
            }
        ],
    }
    no_example_secret(result)


def test_example_in_a_real_process_through_the_console_script(_in_a_copy: Path) -> None:
    script = Path(sys.executable).parent / "provision"
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "provision"]
    done = subprocess.run(
        [*argv, "validate", EXAMPLE],
        cwd=_in_a_copy,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ROPC_WARNING + "\n"
    assert "valid (2 sites, 10 apps" in done.stdout


def test_python_dash_m_provision(_in_a_copy: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "provision", "validate", EXAMPLE, "--format", "json"],
        cwd=_in_a_copy,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["valid"] is True


# -- invalid playbooks and bad command lines ---------------------------------------------


def test_errors_go_to_stderr_with_a_count_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\nsitse: {}\n", encoding="utf-8")
    result = invoke("validate", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}:1:10: version: expected 1; got 2",
        f"{bad}:2:1: sitse: unknown key 'sitse'; did you mean 'sites'? (expected one of: "
        "app_kinds, clients, defaults, identities, outputs, settings, sites, version)",
        "2 errors found",
    ]


def test_errors_as_json_go_to_stdout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\n", encoding="utf-8")
    result = invoke("validate", str(bad), "--format", "json")
    assert result.exit_code == 2
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "format_version": 1,
        "error": {
            "kind": "input",
            "message": "the playbook is invalid: 1 error found",
            "hint": None,
        },
        "valid": False,
        "problems": [
            {
                "severity": "error",
                "file": str(bad),
                "line": 1,
                "column": 10,
                "path": "version",
                "message": "expected 1; got 2",
            }
        ],
    }


def test_several_playbooks_report_all_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\n", encoding="utf-8")
    result = invoke("validate", EXAMPLE, str(bad))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert ROPC_WARNING in lines
    assert f"{bad}:1:10: version: expected 1; got 2" in lines
    assert lines[-1] == "1 error found"


def test_missing_playbook(tmp_path: Path) -> None:
    result = invoke("validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert f"no such file or directory: {tmp_path / 'nope.yaml'}" in result.stderr


def test_unresolvable_secrets_fail_unless_no_secrets(tmp_path: Path) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(MINIMAL, encoding="utf-8")
    result = invoke("validate", str(file))
    assert result.exit_code == 2
    assert (
        f"{file}:7:20: clients.ms.client_secret: environment variable "
        "PROVISION_TEST_UNSET_SECRET is not set; export it"
    ) in result.stderr.splitlines()
    assert invoke("validate", str(file), "--no-secrets").exit_code == 0


def test_secret_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setenv("PROVISION_TEST_UNSET_SECRET", "S3cr3t-CLI-env-value")
    result = invoke("validate", str(file), "--format", "json")
    assert result.exit_code == 0
    assert "S3cr3t-CLI-env-value" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", EXAMPLE, "--format", "yaml"],
        ["validate", EXAMPLE, "--bogus"],
        ["valdiate", EXAMPLE],
    ],
)
def test_bad_command_lines_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["--version"]])
def test_help_and_version(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0
    assert result.stdout


def test_schema_command_prints_the_schema() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    packaged = ROOT / "provision" / "schemas" / "playbook.schema.json"
    assert result.stdout == packaged.read_text(encoding="utf-8")
    assert json.loads(result.stdout)["title"].startswith("provision playbook")


# -- main(): the last line of defence ------------------------------------------------


def _boom(*args: object, **kwargs: object) -> int:
    raise RuntimeError("unexpected state")


def test_main_turns_a_bug_into_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import provision.commands.validate as command

    monkeypatch.setattr(command, "run", _boom)
    with pytest.raises(SystemExit) as exited:
        main(["validate", EXAMPLE])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err == (
        "provision: internal error: RuntimeError: unexpected state "
        "(set PROVISION_DEBUG=1 for a traceback)\n"
    )


def test_main_reraises_with_provision_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    import provision.commands.validate as command

    monkeypatch.setattr(command, "run", _boom)
    monkeypatch.setenv("PROVISION_DEBUG", "1")
    with pytest.raises(RuntimeError, match="unexpected state"):
        main(["validate", EXAMPLE])


def test_main_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import provision.commands.validate as command

    with pytest.raises(SystemExit) as exited:
        main(["validate", EXAMPLE])
    assert exited.value.code == 0

    def invalid(*args: object, **kwargs: object) -> int:
        raise PlaybookError([Problem(ERROR, "broken")])

    monkeypatch.setattr(command, "run", invalid)
    with pytest.raises(SystemExit) as exited:
        main(["validate", EXAMPLE])
    assert exited.value.code == 2

    def interrupted(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "run", interrupted)
    with pytest.raises(SystemExit) as exited:
        main(["validate", EXAMPLE])
    assert exited.value.code == 130
    assert "provision: interrupted" in capsys.readouterr().err


def test_cli_module_has_one_entry_point() -> None:
    assert cli_module.main is main
