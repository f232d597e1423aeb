"""Issue 9: pre-commit hook, editor schema, init, setup sheets, completion, docs."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from provision.cli import cli
from provision.report.reference import render_reference
from provision.validate.schema import schema

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = sorted(ROOT.glob("playbooks/*.yaml"))
HOOK_DIRECTORY = ROOT / "tests" / "playbooks" / "hook-directory"  # a directory playbook


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provision", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin,
        timeout=120,
        check=False,
    )


# -- the schema, as editors use it ---------------------------------------------------------


def test_schema_has_id_title_and_examples() -> None:
    document = schema()
    assert document["$id"].endswith("playbook.schema.json")
    assert document["title"]
    assert any("examples" in d for d in document["$defs"].values())


def test_every_property_is_described() -> None:
    """Directly or through the definition it refers to (editors show either)."""
    undescribed = []

    def described(node: dict[str, Any]) -> bool:
        if "description" in node:
            return True
        ref = node.get("$ref", "")
        return ref.startswith("#/$defs/") and "description" in schema()["$defs"][ref[8:]]

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if not where.endswith(".if"):
                for key, value in node.get("properties", {}).items():
                    if isinstance(value, dict) and not described(value):
                        undescribed.append(f"{where}.{key}")
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(schema(), "$")
    assert undescribed == []


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: p.name)
def test_example_playbooks_validate_against_the_published_schema(playbook: Path) -> None:
    text = playbook.read_text(encoding="utf-8")
    modeline = text.splitlines()[0]
    assert modeline.startswith("# yaml-language-server: $schema=")
    published = json.loads((playbook.parent / modeline.partition("$schema=")[2]).read_text())

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: node.value)
    document = yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    errors = list(Draft202012Validator(published).iter_errors(document))
    assert errors == []


def test_the_key_reference_is_generated_from_the_schema() -> None:
    committed = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert committed == render_reference(schema()), (
        "docs/reference.md is stale: provision schema --format markdown > docs/reference.md"
    )
    for key in ("tenant", "client_secret_expires", "manage_redirect_uris", "app_platform"):
        assert f"| `{key}` |" in committed


# -- pre-commit ------------------------------------------------------------------------------


def test_pre_commit_manifest_runs_provision_validate(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "provision-validate"
    assert hook["entry"].startswith("provision validate")
    assert hook["language"] == "python"
    pattern = re.compile(hook["files"])
    assert pattern.search("playbooks/example.yaml")
    assert not pattern.search("src/config.yaml")
    # a sample repository: pre-commit passes the matching files to the entry
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "playbooks", repo / "playbooks")
    entry = hook["entry"].split()[1:]
    files = [
        str(p.relative_to(repo))
        for p in sorted(repo.rglob("*"))
        if pattern.search(str(p.relative_to(repo)))
    ]
    assert files == ["playbooks/example.yaml"]
    good = run(*entry, *files, cwd=repo)
    assert good.returncode == 0, good.stderr
    bad = repo / "playbooks" / "broken.yaml"
    bad.write_text("version: 1\nsites:\n  acme: {domian: acme.com}\n", encoding="utf-8")
    failed = run(*entry, *files, "playbooks/broken.yaml", cwd=repo)
    assert failed.returncode == 2
    assert "playbooks/broken.yaml:3:10: sites.acme.domian: unknown key 'domian'" in failed.stderr


def test_the_hook_validates_a_directory_playbook_whole_and_opens_no_key_file(
    tmp_path: Path,
) -> None:
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    entry, pattern = hook["entry"].split()[1:], re.compile(hook["files"])
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "playbooks", repo / "playbooks")
    beta = repo / "playbooks" / "beta"
    shutil.copytree(HOOK_DIRECTORY, beta)
    (beta / "secrets").mkdir()
    for key_file in ("beta-google.json", "beta-sa.json"):
        os.mkfifo(beta / "secrets" / key_file)  # opened, it would be refused (not a file)
    changed = ["playbooks/beta/sites.yaml", "playbooks/beta/clients.yaml"]
    assert all(pattern.search(name) for name in changed)
    done = run(*entry, *changed, "playbooks/example.yaml", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "playbooks/beta: valid (2 sites, 3 apps, 3 identities, 3 clients)",  # once, whole
        "playbooks/example.yaml: valid (2 sites, 10 apps, 3 identities, 2 clients)",
    ]
    sites = beta / "sites.yaml"
    sites.write_text(sites.read_text().replace("domain: acme.com", "domian: acme.com"))
    broken = run(*entry, "playbooks/beta/sites.yaml", cwd=repo)
    assert broken.returncode == 2
    assert "playbooks/beta/sites.yaml:3:5: sites.acme.domian: unknown key 'domian'" in (
        broken.stderr
    )
    assert "version" not in broken.stderr  # a part is not taken for a playbook


PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
    "pre-commit"
)


@pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed")
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    assert PRE_COMMIT is not None
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "playbooks", repo / "playbooks")
    shutil.copytree(HOOK_DIRECTORY, repo / "playbooks" / "beta")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    done = subprocess.run(
        [PRE_COMMIT, "try-repo", str(ROOT), "provision-validate", "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"provision validate\.+Passed", done.stdout), done.stdout


# -- init ------------------------------------------------------------------------------------


def test_init_scaffolds_a_playbook_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "customers"
    created = run("init", str(target), "--site", "acme", "--domain", "acme.com")
    assert created.returncode == 0, created.stderr
    playbook = target / "playbook.yaml"
    text = playbook.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=playbook.schema.json\n")
    assert "{env: ACME_AZURE_SECRET}" in text and "mode: exchange" in text
    assert all("#" in line for line in text.splitlines() if line.strip().startswith("tenant"))
    assert run("validate", "--no-secrets", str(playbook)).returncode == 0
    valid = run("validate", str(playbook), env={"ACME_AZURE_SECRET": "x"})
    assert valid.returncode == 0, valid.stderr
    assert "valid (1 site, 6 apps, 1 identity, 1 client)" in valid.stdout
    assert "tenant is still the placeholder" in valid.stderr
    assert "client_id is still the placeholder" in valid.stderr
    env = {k: v for k, v in os.environ.items() if k != "ACME_AZURE_SECRET"}
    missing = subprocess.run(
        [sys.executable, "-m", "provision", "validate", str(playbook)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert missing.returncode == 2
    assert "ACME_AZURE_SECRET is not set" in missing.stderr


def test_init_never_overwrites(tmp_path: Path) -> None:
    assert run("init", str(tmp_path)).returncode == 0
    again = run("init", str(tmp_path))
    assert again.returncode == 1
    assert "exists already" in again.stderr


# -- setup sheets ----------------------------------------------------------------------------


def test_apply_writes_a_setup_sheet_per_site_without_secrets(tmp_path: Path) -> None:
    work = tmp_path / "playbooks"
    shutil.copytree(ROOT / "playbooks", work)
    for secret in (work / "secrets").iterdir():
        secret.chmod(0o600)
    done = run("apply", str(work / "example.yaml"))
    assert done.returncode == 0, done.stderr
    sheet = work / "out" / "sites" / "acme.md"
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o644
    text = sheet.read_text(encoding="utf-8")
    for secret in (work / "secrets").iterdir():
        assert secret.read_text().strip() not in text
    assert "| OAuth2: Client ID | `0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00` |" in text
    assert "console must list it): `https://pbx.acme.com/OAUTH2-CLIENT/auth.htm`." in text
    # the checklist: nothing ticked, the tool cannot know what the console holds
    assert "- [x]" not in text
    assert "expires **2028-10-01**" in text
    assert "**Allow public client flows**: Yes" in text  # acme-fax uses ROPC
    assert "Authenticated SMTP" in text and "SMTP AUTH" in text
    google = (work / "out" / "sites" / "beta.md").read_text(encoding="utf-8")
    assert "in Testing, refresh tokens expire 7 days after consent" in google


# -- CLI conveniences ------------------------------------------------------------------------


def test_version_and_completion() -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.startswith("provision, version ")
    for shell in ("bash", "zsh", "fish"):
        script = runner.invoke(cli, ["completion", shell])
        assert script.exit_code == 0
        assert "_PROVISION_COMPLETE" in script.output


def test_completion_completes_commands() -> None:
    env = {
        **os.environ,
        "_PROVISION_COMPLETE": "bash_complete",
        "COMP_WORDS": "provision va",
        "COMP_CWORD": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from provision.cli import main; main()"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "validate" in done.stdout


@pytest.mark.parametrize("command", [c for c in cli.commands])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, command
