"""Secret references end to end (issue 7): every source through `provision validate` and
`provision apply` as real processes, every error with its place and what to do, the
warnings, and `provision encrypt-string`. The playbook is tests/playbooks/e2e/secrets.yaml,
written to `conf/` while the commands run from the folder above, so that a relative
`{file}` or `{command}` can only work relative to the playbook."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from provision import vault
from tests.playbook_helpers import Run, mode_of, subprocess_env
from tests.playbooks.e2e.harness import leaked, render, write_script, write_secret

VAULT_DATA = Path(__file__).resolve().parents[2] / "data" / "vault"
VAULT_PASSWORD_FILE = VAULT_DATA / "password.txt"
EXPECTED = json.loads((VAULT_DATA / "expected.json").read_text(encoding="utf-8"))
WHERE = "conf/playbook.yaml:11:20: clients.azure.client_secret: "  # client_secret's place


def vault_value(file: str, name: str) -> str:
    """The `!vault |` value of `name` in tests/data/vault/FILE, as ansible-vault wrote it."""
    lines = (VAULT_DATA / file).read_text(encoding="utf-8").splitlines()
    start = lines.index(f"{name}: !vault |")
    body = itertools.takewhile(lambda line: line.startswith(" "), lines[start + 1 :])
    return "\n".join(["!vault |", *body])


@dataclass
class Workspace:
    """`conf/playbook.yaml` below `root`; commands run in `root`."""

    root: Path

    @property
    def conf(self) -> Path:
        return self.root / "conf"

    def playbook(self, client_secret: str) -> Path:
        return render("secrets.yaml", self.conf / "playbook.yaml", client_secret=client_secret)

    def run(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        driver: Path | None = None,
    ) -> Run:
        """`provision ARGS` as a real process (or `python DRIVER ARGS`), without a vault
        password unless `env` gives one."""
        entry = [str(driver)] if driver else ["-m", "provision"]
        environment = subprocess_env(unset=["PROVISION_VAULT_PASSWORD_FILE"])
        environment.update(env or {})
        done = subprocess.run(
            [sys.executable, *entry, *map(str, args)],
            cwd=self.root,
            env=environment,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def app_config(self) -> dict[str, object]:
        path = self.conf / "out" / "apps" / "acme" / "pbx.json"
        assert mode_of(path) == 0o600
        loaded = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(loaded, dict)
        return loaded


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


# -- every source ------------------------------------------------------------

CMD_VALUE = "S3cr3t-E2E-$HOME-$(id)-`id`-;|&-xyzzy"  # a shell would expand or split it


def _env(ws: Workspace) -> tuple[list[str], dict[str, str]]:
    return [], {"E2E_CLIENT_SECRET": "S3cr3t-E2E-env-xyzzy"}


def _file(ws: Workspace) -> tuple[list[str], dict[str, str]]:
    write_secret(ws.conf / "secrets" / "client.secret", "S3cr3t-E2E-file-xyzzy\n")
    return [], {}


def _command(ws: Workspace) -> tuple[list[str], dict[str, str]]:
    write_script(ws.conf / "secrets" / "print-secret", "import sys\nprint(sys.argv[1])\n")
    return [], {}


def _vault_password_file(ws: Workspace) -> tuple[list[str], dict[str, str]]:
    return ["--vault-password-file", str(VAULT_PASSWORD_FILE)], {}


def _vault_password_env(ws: Workspace) -> tuple[list[str], dict[str, str]]:
    return [], {"PROVISION_VAULT_PASSWORD_FILE": str(VAULT_PASSWORD_FILE)}


def _vault_password_script(ws: Workspace) -> tuple[list[str], dict[str, str]]:
    password = VAULT_PASSWORD_FILE.read_text(encoding="utf-8").strip()
    script = write_script(ws.root / "vault-pass", f"print({password!r})\n")
    return ["--vault-password-file", str(script)], {}


SOURCES: dict[str, tuple[str, Callable[[Workspace], tuple[list[str], dict[str, str]]], str]] = {
    "env": ("{env: E2E_CLIENT_SECRET}", _env, "S3cr3t-E2E-env-xyzzy"),
    "file relative to the playbook, newline stripped": (
        "{file: secrets/client.secret}",
        _file,
        "S3cr3t-E2E-file-xyzzy",
    ),
    "command without a shell, in the playbook's folder": (
        f"{{command: [./secrets/print-secret, '{CMD_VALUE}']}}",
        _command,
        CMD_VALUE,
    ),
    "vault 1.1, --vault-password-file": (
        vault_value("ansible-1.1.yaml", "client_secret"),
        _vault_password_file,
        EXPECTED["ansible-1.1.yaml"]["client_secret"],
    ),
    "vault 1.2, PROVISION_VAULT_PASSWORD_FILE": (
        vault_value("ansible-1.2-prod.yaml", "prod_secret"),
        _vault_password_env,
        EXPECTED["ansible-1.2-prod.yaml"]["prod_secret"],
    ),
    "vault, executable password script": (
        vault_value("ansible-1.1.yaml", "non_ascii"),
        _vault_password_script,
        EXPECTED["ansible-1.1.yaml"]["non_ascii"],
    ),
}


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_resolves_through_validate_and_apply(ws: Workspace, source: str) -> None:
    reference, prepare, value = SOURCES[source]
    playbook = ws.playbook(reference)
    args, env = prepare(ws)

    validated = ws.run("validate", playbook.relative_to(ws.root), *args, env=env)
    assert validated.exit_code == 0, validated.output
    assert validated.stderr == ""  # no warning: not plain, the file is 0600
    assert validated.stdout.startswith("conf/playbook.yaml: valid (")

    applied = ws.run("apply", playbook.relative_to(ws.root), *args, env=env)
    assert applied.exit_code == 0, applied.output
    assert ws.app_config()["client_secret"] == value
    assert not leaked([value], validated.output, applied.output)


# -- every error ---------------------------------------------------------------


def _timeout_driver(ws: Workspace) -> Path:
    # `provision` gives a secret command 30 s; this test cannot wait that long.
    return write_script(
        ws.root / "provision-1s",
        "from provision.resolve import secrets as secret\n"
        "from provision.cli import main\n"
        "init = secret.SecretResolver.__init__\n"
        "def short(self, *args, **kwargs):\n"
        "    init(self, *args, **kwargs)\n"
        "    self.command_timeout = 1.0\n"
        "secret.SecretResolver.__init__ = short\n"
        "main()\n",
    )


ERRORS: dict[str, tuple[str, list[str], str]] = {  # reference, extra args, message
    "missing variable": (
        "{env: E2E_SURELY_UNSET}",
        [],
        "environment variable E2E_SURELY_UNSET is not set; export it",
    ),
    "missing file": (
        "{file: secrets/missing.secret}",
        [],
        "cannot read secret file conf/secrets/missing.secret: No such file or directory",
    ),
    "failing command": ('{command: ["false"]}', [], "command false exited with status 1"),
    "command timeout": (
        f"{{command: [{sys.executable}, -c, 'import time; time.sleep(30)']}}",
        [],
        f"command {sys.executable} did not finish within 1 s",
    ),
    "missing vault password": (
        vault_value("ansible-1.1.yaml", "client_secret"),
        [],
        "a !vault value needs the vault password: pass --vault-password-file or set "
        "PROVISION_VAULT_PASSWORD_FILE",
    ),
    "wrong vault password": (
        vault_value("ansible-1.1.yaml", "client_secret"),
        ["--vault-password-file", "wrong-vault-password.txt"],
        "cannot decrypt the !vault value: wrong vault password (HMAC mismatch)",
    ),
}


@pytest.mark.parametrize("error", ERRORS)
def test_every_error_names_the_place_and_what_to_do(ws: Workspace, error: str) -> None:
    reference, args, message = ERRORS[error]
    playbook = ws.playbook(reference)
    driver = _timeout_driver(ws) if error == "command timeout" else None
    write_secret(ws.root / "wrong-vault-password.txt", "not-the-vault-password\n")

    run = ws.run("validate", playbook.relative_to(ws.root), *args, driver=driver)

    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr.splitlines()[0].startswith(WHERE + message), run.stderr
    assert run.stderr.splitlines()[-1] == "1 error found"
    assert "Traceback" not in run.stderr


# -- warnings ------------------------------------------------------------------

PLAIN = "S3cr3t-E2E-plain-xyzzy"


def test_a_plain_value_warns_with_its_place_never_its_value(ws: Workspace) -> None:
    playbook = ws.playbook(PLAIN).relative_to(ws.root)

    text = ws.run("validate", playbook)
    as_json = ws.run("validate", playbook, "--format", "json")

    assert text.exit_code == as_json.exit_code == 0
    assert text.stderr.startswith(WHERE + "warning: a plain secret value in the playbook")
    (problem,) = json.loads(as_json.stdout)["problems"]
    assert (problem["severity"], problem["line"], problem["column"], problem["path"]) == (
        "warning",
        11,
        20,
        "clients.azure.client_secret",
    )
    assert "plain" in problem["message"]
    assert not leaked([PLAIN], text.output, as_json.output)


def test_a_secret_file_others_can_read_warns_to_chmod_600(ws: Workspace) -> None:
    playbook = ws.playbook("{file: secrets/client.secret}").relative_to(ws.root)
    secret = write_secret(ws.conf / "secrets" / "client.secret", "S3cr3t-E2E-file-xyzzy\n")
    secret.chmod(0o644)

    run = ws.run("validate", playbook)

    assert run.exit_code == 0
    assert run.stderr == (
        WHERE + "warning: the secret file conf/secrets/client.secret can be read by other "
        "users (mode 0644): chmod 600 conf/secrets/client.secret\n"
    )
    assert not leaked(["S3cr3t-E2E-file-xyzzy"], run.output)

    secret.chmod(0o600)
    assert ws.run("validate", playbook).stderr == ""


# -- encrypt-string ------------------------------------------------------------

ENCRYPTED = "S3cr3t-E2E-encrypt-string-xyzzy"


@pytest.mark.parametrize(
    ("vault_id", "header"),
    [
        (None, "$ANSIBLE_VAULT;1.1;AES256"),
        ("prod", "$ANSIBLE_VAULT;1.2;AES256;prod"),
    ],
)
def test_encrypt_string_round_trips_into_a_playbook(
    ws: Workspace, vault_id: str | None, header: str
) -> None:
    password = ["--vault-password-file", str(VAULT_PASSWORD_FILE)]
    extra = ["--vault-id", vault_id] if vault_id else []

    made = ws.run(
        "encrypt-string", "--name", "client_secret", *extra, *password, stdin=ENCRYPTED + "\n"
    )

    assert made.exit_code == 0, made.output
    first, *body = made.stdout.splitlines()
    assert first == "client_secret: !vault |"
    assert body[0] == " " * 10 + header
    assert all(line.startswith(" " * 10) and len(line) <= 90 for line in body)
    plain = vault.decrypt("\n".join(body), VAULT_PASSWORD_FILE.read_bytes().strip())
    assert plain.decode() == ENCRYPTED
    assert not leaked([ENCRYPTED], made.output)

    playbook = ws.playbook(made.stdout.removeprefix("client_secret: ").rstrip("\n"))
    applied = ws.run("apply", playbook.relative_to(ws.root), *password)
    assert applied.exit_code == 0, applied.output
    assert ws.app_config()["client_secret"] == ENCRYPTED


def test_encrypt_string_takes_the_value_from_stdin_only(ws: Workspace) -> None:
    password = ["--vault-password-file", str(VAULT_PASSWORD_FILE)]

    as_argument = ws.run("encrypt-string", *password, ENCRYPTED, stdin="")
    assert as_argument.exit_code == 2
    assert "$ANSIBLE_VAULT" not in as_argument.stdout

    empty = ws.run("encrypt-string", *password, stdin="")
    assert empty.exit_code == 2
    assert "nothing to encrypt" in empty.stderr

    no_password = ws.run("encrypt-string", stdin=ENCRYPTED)
    assert no_password.exit_code == 1
    assert (
        "needs the vault password: pass --vault-password-file or set "
        "PROVISION_VAULT_PASSWORD_FILE" in no_password.stderr
    )
    assert not leaked([ENCRYPTED], no_password.output)
