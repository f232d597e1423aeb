"""Acceptance tests driven by folders of example playbooks.

`valid/` holds playbooks that must validate (exit 0); `invalid/` holds
playbooks that must not (exit 2). A playbook is a `*.yaml`/`*.yml` file or a
sub-folder of them (a directory playbook). Its leading comment lines say what
`provision validate` must print:

    # expect: {file}:7:5: sites.acme.apps.fax.identity: unknown identity 'nope' (defined: acme-mail)
    # exit: 2
    # env: NAME=value          (set for the run)
    # args: --vault-password-file secrets/vault-password.txt

`{file}` is the file holding the comment and `{dir}` its folder, both as the
messages show them (relative to this folder, where the runs start). The runs
use a copy of this folder whose secrets/ files have mode 0600 (git keeps no
such modes), except those named `*world-readable*` (0644). An
expected line ending in `...` matches any line it begins. Every problem line
on stderr must be expected and every expected line must appear, so each file
documents exactly what a user sees. The same problems must come out of
`--format json`, with file, line and column.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from provision.cli import cli
from provision.errors import one_line
from provision.pipeline import check as check_playbook

ACCEPTANCE = Path(__file__).resolve().parent
SECRET_MARK = "S3cr3t-ACCEPT"  # every example secret value holds it; no output may show it
COUNT_LINE = re.compile(r"\d+ errors? found")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Case:
    """One example playbook and what validating it must produce."""

    rel: str  # the playbook as given on the command line, relative to ACCEPTANCE
    exit_code: int
    expected: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str


def _leading_comments(file: Path) -> list[str]:
    lines = []
    for line in file.read_bytes().decode("utf-8", "replace").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def _playbook_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES)
    return [path]


def load_case(path: Path) -> Case:
    default_exit = 0 if path.relative_to(ACCEPTANCE).parts[0] == "valid" else 2
    exit_code = default_exit
    expected: list[str] = []
    env: dict[str, str] = {}
    args: tuple[str, ...] = ()
    for file in _playbook_files(path):
        rel_file = file.relative_to(ACCEPTANCE).as_posix()
        rel_dir = file.parent.relative_to(ACCEPTANCE).as_posix()
        for comment in _leading_comments(file):
            key, _, value = comment[1:].strip().partition(":")
            value = value.strip()
            if key == "expect":
                expected.append(value.replace("{file}", rel_file).replace("{dir}", rel_dir))
            elif key == "exit":
                exit_code = int(value)
            elif key == "env":
                name, _, env_value = value.partition("=")
                env[name] = env_value
            elif key == "args":
                args = tuple(value.split())
    return Case(path.relative_to(ACCEPTANCE).as_posix(), exit_code, tuple(expected), env, args)


def collect(kind: str) -> list[Case]:
    """The playbooks under valid/ or invalid/: files, and folders holding YAML files."""
    found = []
    for path in sorted((ACCEPTANCE / kind).iterdir()):
        if path.is_file() and path.suffix in YAML_SUFFIXES:
            found.append(load_case(path))
        elif path.is_dir() and _playbook_files(path):
            found.append(load_case(path))
    return found


VALID = collect("valid")
INVALID = collect("invalid")
ALL = VALID + INVALID


def _ids(cases: Sequence[Case]) -> list[str]:
    return [case.rel for case in cases]


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this folder, its secrets with the modes a real checkout should have."""
    root = tmp_path_factory.mktemp("acceptance") / "acceptance"
    shutil.copytree(ACCEPTANCE, root, ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))
    for file in (root / "secrets").iterdir():
        file.chmod(0o644 if "world-readable" in file.name else 0o600)
    return root


@pytest.fixture(autouse=True)
def _in_work_dir(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    # The vault password only ever comes from a case's own `# args:`.
    monkeypatch.delenv("PROVISION_VAULT_PASSWORD_FILE", raising=False)


def run_in_process(case: Case, *extra: str) -> Run:
    env: dict[str, str | None] = {"PROVISION_VAULT_PASSWORD_FILE": None, **case.env}
    result = CliRunner().invoke(
        cli, ["validate", case.rel, *case.args, *extra], env=env, catch_exceptions=False
    )
    return Run(result.exit_code, result.stdout, result.stderr)


def run_subprocess(work: Path, case: Case, *extra: str) -> Run:
    env = {k: v for k, v in os.environ.items() if k != "PROVISION_VAULT_PASSWORD_FILE"}
    env.update(case.env)
    done = subprocess.run(
        [sys.executable, "-m", "provision", "validate", case.rel, *case.args, *extra],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def _matches(expected: str, actual: str) -> bool:
    if expected.endswith("..."):
        return actual.startswith(expected[:-3])
    return actual == expected


def assert_same_problems(expected: Sequence[str], actual: Sequence[str], what: str) -> None:
    missing = [e for e in expected if not any(_matches(e, a) for a in actual)]
    unexpected = [a for a in actual if not any(_matches(e, a) for e in expected)]
    assert not missing and not unexpected, (
        f"{what}:\n  missing:\n    "
        + "\n    ".join(missing or ["-"])
        + "\n  unexpected:\n    "
        + "\n    ".join(unexpected or ["-"])
    )


def assert_no_secret(run: Run) -> None:
    assert SECRET_MARK not in run.stdout, run.stdout
    assert SECRET_MARK not in run.stderr, run.stderr


def check_text_run(case: Case, run: Run) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.exit_code == case.exit_code, run.stderr
    assert_no_secret(run)
    lines = run.stderr.splitlines()
    problems = [line for line in lines if not COUNT_LINE.fullmatch(line)]
    assert_same_problems(case.expected, problems, f"stderr of validate {case.rel}")
    errors = [line for line in problems if ": warning: " not in line]
    if case.exit_code == 0:
        assert not errors
        assert f"{case.rel}: valid (" in run.stdout
    else:
        assert errors
        assert lines[-1] == f"{len(errors)} error{'s' if len(errors) != 1 else ''} found"


# -- the folders -------------------------------------------------------------


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_validate_text(case: Case) -> None:
    check_text_run(case, run_in_process(case))


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_validate_json(case: Case) -> None:
    run = run_in_process(case, "--format", "json")
    assert run.exit_code == case.exit_code
    assert_no_secret(run)
    assert run.stderr == ""
    document = json.loads(run.stdout)
    assert document["valid"] is (case.exit_code == 0)
    lines = []
    for problem in document["problems"]:
        assert set(problem) == {"severity", "file", "line", "column", "path", "message"}
        assert problem["severity"] in ("error", "warning")
        assert isinstance(problem["file"], str)
        assert isinstance(problem["line"], int) and problem["line"] >= 1
        assert isinstance(problem["column"], int) and problem["column"] >= 1
        prefix = "warning: " if problem["severity"] == "warning" else ""
        path = f"{problem['path']}: " if problem["path"] else ""  # "": the whole file
        # the text form of a problem is one line: control characters escaped
        lines.append(
            one_line(
                f"{problem['file']}:{problem['line']}:{problem['column']}: "
                f"{path}{prefix}{problem['message']}"
            )
        )
    assert_same_problems(case.expected, lines, f"--format json of validate {case.rel}")


# A handful through a real process: the entry point, real stdio, real exit codes.
SUBPROCESS_CASES = [
    "valid/all-modes.yaml",
    "valid/dir-merge",
    "valid/vault.yaml",
    "invalid/load-alias-bomb.yaml",
    "invalid/load-non-utf8.yaml",
    "invalid/templates.yaml",
    "invalid/secrets-unresolvable.yaml",
    "invalid/dir-defined-twice",
]


@pytest.mark.parametrize("rel", SUBPROCESS_CASES)
def test_validate_subprocess(work: Path, rel: str) -> None:
    case = next(c for c in ALL if c.rel == rel)
    check_text_run(case, run_subprocess(work, case))


# -- the folders themselves ---------------------------------------------------


def test_folders_hold_enough_cases() -> None:
    assert len(VALID) >= 10
    assert len(INVALID) >= 30
    assert any((ACCEPTANCE / c.rel).is_dir() for c in VALID)
    assert any((ACCEPTANCE / c.rel).is_dir() for c in INVALID)
    assert len({c.rel for c in ALL}) == len(ALL)


@pytest.mark.parametrize("case", INVALID, ids=_ids(INVALID))
def test_invalid_cases_say_what_they_expect(case: Case) -> None:
    assert case.exit_code == 2
    assert case.expected, f"{case.rel} has no '# expect:' line"


@pytest.mark.parametrize("case", VALID, ids=_ids(VALID))
def test_valid_cases_expect_only_warnings(case: Case) -> None:
    assert case.exit_code == 0
    assert all(": warning: " in line for line in case.expected), case.expected


def _secret_files() -> Iterator[Path]:
    yield from sorted((ACCEPTANCE / "secrets").glob("*.secret"))
    yield from sorted((ACCEPTANCE / "secrets").glob("*.password"))
    yield from sorted((ACCEPTANCE / "secrets").glob("*.json"))
    yield from sorted((ACCEPTANCE / "secrets").glob("*.pem"))


def test_example_secrets_carry_the_marker() -> None:
    """The leak checks only mean something if every secret value holds the marker."""
    files = list(_secret_files())
    assert len(files) >= 6
    for file in files:
        assert SECRET_MARK in file.read_text(encoding="utf-8"), file


def test_secret_marker_would_be_caught() -> None:
    with pytest.raises(AssertionError):
        assert_no_secret(Run(0, f"client_secret={SECRET_MARK}-x", ""))


# -- specific properties ------------------------------------------------------


def test_alias_bomb_is_rejected_fast() -> None:
    case = load_case(ACCEPTANCE / "invalid" / "load-alias-bomb.yaml")
    start = time.perf_counter()
    run = run_in_process(case)
    elapsed = time.perf_counter() - start
    assert run.exit_code == 2
    assert "refusing to load" in run.stderr
    assert elapsed < 1.0, f"alias bomb took {elapsed:.2f} s"


def test_precedence_app_over_site_over_defaults(work: Path) -> None:
    checked = check_playbook(work / "valid" / "precedence.yaml")
    resolved = {
        (app.site, app.name): (app.identity.name, app.sender, app.sender_name)
        for app in checked.model.apps()
    }
    assert resolved == {
        # nothing set on the site: the defaults, rendered per site
        ("inherits", "pbx"): ("default-mail", "defaults@inherits.example", "Defaults inherits"),
        ("inherits", "fax"): ("default-mail", "defaults@inherits.example", "Defaults inherits"),
        # the site's values beat the defaults
        ("site-level", "pbx"): ("site-mail", "site-pbx@site.example", "Site Name"),
        ("site-level", "users"): ("site-mail", "site-users@site.example", "Site Name"),
        # the app's beat the site's
        ("site-level", "fax"): ("app-mail", "app-fax@site.example", "App Name"),
    }


def test_app_kinds_and_path_overrides(work: Path) -> None:
    checked = check_playbook(work / "valid" / "app-kinds.yaml")
    uris = {app.address: app.redirect_uri for app in checked.model.apps()}
    assert uris == {
        "acme/fax": "https://ap.example.net/acme.com/fax/auth.htm",
        "acme/fax2": "https://ap.example.net/acme.com/fax2/auth.htm",
        "acme/recording": "https://ap.example.net/acme.com/recordings/oauth/auth.htm",
        "acme/archive": "https://ap.example.net/acme.com/archive/oauth/auth.htm",
        "acme/phone-book": "https://pbx.acme.com/PHONEBOOK/phone-book.htm",
        "acme/manager": "https://ap.example.net/apmanager/manager-auth.htm",
        "beta/fax": "https://ap.example.net/beta.example/fax/auth.htm",
        "beta/recording": "https://ap.example.net/beta.example/recordings/oauth/auth.htm",
        "beta/manager": "https://ap.example.net/apmanager/manager-auth.htm",
    }


def test_directory_playbook_merges_its_files(work: Path) -> None:
    checked = check_playbook(work / "valid" / "dir-merge")
    model = checked.model
    assert [site.name for site in model.sites] == ["acme", "beta"]
    assert set(model.clients) == {"acme-azure"}
    assert model.settings.expiry_warning_days == 10
    assert model.settings.output_dir == work / "valid" / "dir-merge" / "out"
    assert [s.file for s in checked.playbook.sources] == [
        str(work / "valid" / "dir-merge" / name)
        for name in (
            "00-base.yaml",
            "clients.yaml",
            "identities.yml",
            "sites-acme.yaml",
            "sites-beta.yaml",
        )
    ]


def test_yaml_features_keep_names_as_written(work: Path) -> None:
    checked = check_playbook(work / "valid" / "yaml-features.yaml")
    model = checked.model
    assert [site.name for site in model.sites] == ["2024", "yes"]
    other = model.clients["other-azure"]
    assert other.client_id == "1e9f7d3f-6c2b-4d5f-8a7c-3b7c9d5f2a11"  # the override
    assert other.tenant == "contoso.onmicrosoft.com"  # merged from the anchor
    assert str(other.client_secret_expires) == "2998-02-01"
    assert model.identities["acme-mail"].sender_name == "Müller & Söhne — Telefonanlage"
    assert model.identities["other-mail"].sender_name == "Other PBX"
    assert [app.name for app in model.sites[1].apps] == ["pbx", "fax", "users"]


def test_loopback_http_endpoints_are_kept(work: Path) -> None:
    checked = check_playbook(work / "valid" / "loopback.yaml")
    clients = checked.model.clients
    assert clients["lab-idp"].token_endpoint == "http://127.0.0.1:8080/oauth2/token"
    assert clients["lab-idp"].authorization_url == "http://localhost:8080/oauth2/authorize"
    assert clients["lab-azure"].token_endpoint == (
        "http://127.0.0.2:8443/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
