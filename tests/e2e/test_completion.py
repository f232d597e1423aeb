"""Shell completion of the playbook's names, through click's completion protocol in a
real process (`_PROVISION_COMPLETE`, `COMP_WORDS`, `COMP_CWORD`, as the scripts of
`provision completion bash|zsh|fish` call it): clients for --client, identities for
IDENTITY (authorize: only those that sign in interactively), sites and site/app items for
--limit. The playbook is only loaded: no secret's command runs, no key file is opened,
and a playbook that cannot be read completes nothing, quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.playbook_helpers import ROOT, copy_playbook

PLAYBOOK = "completion"  # tests/playbooks/completion/playbook.yaml


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    return copy_playbook(PLAYBOOK, tmp_path)


def complete(
    *words: str, cwd: Path = ROOT, shell: str = "bash", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Ask for the completions of the last of `words` (`provision` first), as the shell
    script does: bash and zsh give the index of the word completed, fish the word."""
    line = " ".join(["provision", *words])
    current = words[-1] if shell == "fish" else str(len(words))
    return subprocess.run(
        [sys.executable, "-m", "provision"],
        cwd=cwd,
        env={
            **os.environ,
            **(env or {}),
            "_PROVISION_COMPLETE": f"{shell}_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": current,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def values(*words: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> list[str]:
    """bash's completions: `type,value` lines."""
    done = complete(*words, cwd=cwd, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [line.partition(",")[2] for line in done.stdout.splitlines() if line]


def test_client_names_complete_for_redirect_uris(playbook: Path) -> None:
    assert values("redirect-uris", str(playbook), "--client", "") == [
        "azure",
        "google",
        "idp",
        "idp-jwt",
    ]
    assert values("redirect-uris", str(playbook), "--format", "json", "--client", "id") == [
        "idp",
        "idp-jwt",
    ]


def test_identities_complete_and_authorize_offers_only_interactive_ones(playbook: Path) -> None:
    everyone = ["exchange-mail", "generic-mail", "gmail-mail", "jwt-fax", "ropc-fax"]
    assert values("test-mail", str(playbook), "") == everyone
    assert values("test-mail", str(playbook), "g") == ["generic-mail", "gmail-mail"]
    # ropc signs in with a password, jwt-fax's client has no authorization_url
    assert values("authorize", str(playbook), "") == [
        "exchange-mail",
        "generic-mail",
        "gmail-mail",
    ]
    assert values("authorize", "--no-browser", str(playbook), "e") == ["exchange-mail"]


def test_limit_completes_sites_then_their_apps(playbook: Path) -> None:
    where = str(playbook)
    assert values("plan", where, "--limit", "") == ["acme", "acme-test", "beta"]
    # a whole site's name: its apps too
    assert values("apply", where, "--check", "-l", "acme") == [
        "acme",
        "acme-test",
        "acme/pbx",
        "acme/fax",
    ]
    assert values("apply", where, "-l", "acme-") == ["acme-test", "acme-test/pbx"]
    assert values("verify", where, "--limit", "acme/") == ["acme/pbx", "acme/fax"]
    # beta has no apps of its own: the defaults' apps are its
    assert values("status", where, "--limit", "be") == ["beta", "beta/pbx", "beta/users"]
    # the last pattern of a list, past its `!`
    assert values("plan", where, "--limit", "acme-test,!acme/f") == ["acme-test,!acme/fax"]


def test_a_directory_playbook_completes_from_all_its_files(tmp_path: Path) -> None:
    directory = copy_playbook("hook-directory", tmp_path).parent
    for part in directory.glob("*.yaml"):  # copy_playbook returns directory/playbook.yaml
        assert part.parent == directory

    assert values("test-mail", str(directory), "") == ["acme-mail", "beta-fax", "beta-mail"]
    assert values("plan", str(directory), "--limit", "beta/") == ["beta/pbx", "beta/fax"]
    assert values("redirect-uris", str(directory), "--client", "beta") == ["beta-google", "beta-sa"]


def test_zsh_and_fish_get_the_descriptions(playbook: Path) -> None:
    zsh = complete("test-mail", str(playbook), "exch", shell="zsh")
    assert zsh.stdout.splitlines() == ["plain", "exchange-mail", "exchange pbx@acme.com"]
    fish = complete("redirect-uris", str(playbook), "--client", "azure", shell="fish")
    assert fish.stdout.splitlines() == [
        "plain,azure\tmicrosoft 0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
    ]


def test_completing_runs_no_secret_command_and_prints_no_log(playbook: Path) -> None:
    noisy = {"PROVISION_LOG": "debug"}
    done = complete("-vv", "verify", str(playbook), "-v", "--limit", "", env=noisy)

    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == ["plain,acme", "plain,acme-test", "plain,beta"]
    assert not (playbook.parent / "RAN").exists()
    assert "S3cr3t" not in done.stdout
    # the mark is real: the command leaves it when something does run it
    subprocess.run([playbook.parent / "secrets" / "leave-a-mark.sh"], check=True)
    assert (playbook.parent / "RAN").exists()


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nsites: [unclosed\n",  # not YAML
        "version: 1\nsites:\n  acme: {}\n  acme: {}\n",  # a key twice
        "- a list\n- not a playbook\n",
        "version: 1\nidentities: a string\nclients: [a]\nsites: 7\n",  # off the schema
    ],
)
def test_a_playbook_that_cannot_be_read_completes_nothing(tmp_path: Path, text: str) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    for words in (
        ("test-mail", str(broken), ""),
        ("plan", str(broken), "--limit", ""),
        ("redirect-uris", str(broken), "--client", ""),
    ):
        done = complete(*words)
        assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", ""), words


def test_no_playbook_yet_or_none_there_completes_nothing(tmp_path: Path) -> None:
    assert values("plan", "--limit", "") == []
    assert values("test-mail", str(tmp_path / "absent.yaml"), "") == []
    assert values("authorize", str(tmp_path), "") == []  # a directory without YAML files


def test_names_no_shell_could_take_are_left_out(tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text(
        'version: 1\nidentities:\n  "two words": {mode: exchange}\n  "new\\nline": {}\n'
        '  fine:\n    mode: exchange\n    sender: "a\\nb@acme.com"\n',
        encoding="utf-8",
    )
    assert values("test-mail", str(odd), "") == ["fine"]
    zsh = complete("test-mail", str(odd), "", shell="zsh")
    assert zsh.stdout.splitlines() == ["plain", "fine", "exchange a b@acme.com"]
