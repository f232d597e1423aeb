"""`provision rotate-secret` through the real CLI against the local Entra (LocalIdP) and
Graph doubles over TLS: each store (a file, an inline !vault value replaced in place with
every other byte unchanged, a store command), --check, resuming after a failure or a kill
at each step without a second addPassword, retire safety (a foreign secret survives),
refusals (an {env} store, a Google client: exit 2, nothing created) and that no new
secret appears in any output or state file.

The playbook is written as text (not through a YAML dump) so that its bytes are the
test's: a comment, the order of keys and the !vault block must survive the rotation."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provision import vault
from tests.fakes.graph import LocalGraph
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.playbook_helpers import Run, cli_run, files_under, mode_of, subprocess_run

ACME_ID = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
OLD_SECRET = "Old8Q~acme-portal-secret-Hq2Rv9Lw3Zx7Kp4Tn"
FOREIGN_SECRET = "Frn8Q~someone-elses-secret-Mv5Wq8Yt2Bc6Jd"
FAX_PASSWORD = "fax-Pw-7yT!kq2"
VAULT_PASSWORD = "vault-pass-Zq8rT2"
ENV = {"ACME_FAX_PASSWORD": FAX_PASSWORD}
PATH = f"/v1.0/applications(appId='{ACME_ID}')"

PLAYBOOK = """\
# yaml-language-server: $schema=../schema.json
# Rotation test playbook: this comment and the layout must survive the rotation.
version: 1
settings:
  output_dir: out
  ca_file: {ca_file}
  deliver:
    app_config: [{python}, deliver.py, "{{path}}", "{{site}}", "{{app}}"]
clients:
  acme-azure:
    provider: microsoft
    tenant: acme.com
    client_id: {client_id}
    client_secret: {secret}
    client_secret_expires: 2027-01-15   # kept up to date by rotate-secret
    authority: {authority}
    graph_endpoint: {graph}{caller}
  acme-google:
    provider: google
    client_id: 1234-abc.apps.googleusercontent.com
    client_secret: {{env: GOOGLE_SECRET}}
identities:
  acme-fax:
    client: acme-azure
    mode: microsoft365
    sender: fax@acme.com
    password: {{env: ACME_FAX_PASSWORD}}
sites:
  acme:
    domain: acme.com
    pbx: pbx.acme.com
    app_platform: ap.acme.com
    identity: acme-fax
    apps: [pbx, fax]
"""

# The deliver command: copies the config to delivered/ (or, told so, kills provision)
DELIVER = """\
import os, shutil, signal, sys
from pathlib import Path
here = Path(__file__).parent
if (here / "kill-on-deliver").exists():
    (here / "kill-on-deliver").unlink()
    os.kill(os.getppid(), signal.SIGKILL)
    sys.exit(0)  # delivered nothing
target = here / "delivered" / sys.argv[2]
target.mkdir(parents=True, exist_ok=True)
shutil.copyfile(sys.argv[1], target / (sys.argv[3] + ".json"))
"""

# A password-store stand-in: `show` prints the secret, `insert` keeps stdin
STORE = """\
import os, signal, sys
from pathlib import Path
here = Path(__file__).parent
kept = here / "store.txt"
if sys.argv[1] == "show":
    print(kept.read_text().strip())
elif (here / "store-fails").exists():
    sys.exit("store: the password store is locked")
else:
    kept.write_text(sys.stdin.read())
    if (here / "kill-after-store").exists():
        (here / "kill-after-store").unlink()
        os.kill(os.getppid(), signal.SIGKILL)
"""


class Rotation:
    """The playbook (in a directory of its own) and the doubles it points at."""

    def __init__(self, root: Path, idp: LocalIdP, graph: LocalGraph, pki: PKI) -> None:
        self.root = root
        self.idp = idp
        self.graph = graph
        self.pki = pki
        self.playbook = root / "playbook.yaml"
        (root / "deliver.py").write_text(DELIVER)
        (root / "store.py").write_text(STORE)
        (root / "vault-pass").write_text(VAULT_PASSWORD + "\n")
        (root / "secrets").mkdir()

    def write(self, secret: str, caller: str = "") -> bytes:
        text = PLAYBOOK.format(
            caller=caller,
            ca_file=self.pki.ca_file,
            python=sys.executable,
            client_id=ACME_ID,
            secret=secret,
            authority=self.idp.authority,
            graph=self.graph.base_url,
        )
        self.playbook.write_text(text)
        return text.encode()

    def run(self, *args: str, env: dict[str, str] | None = None) -> Run:
        argv = ["rotate-secret", self.playbook, *args, *self.vault_args]
        return cli_run(argv, env={**ENV, **(env or {})})

    def process(self, *args: str) -> Run:
        """A real `python -m provision` process (one that may be killed)."""
        argv = ["rotate-secret", self.playbook, *args, *self.vault_args]
        return subprocess_run(argv, cwd=self.root, env=ENV)

    vault_args: tuple[str, ...] = ()

    def json(self, *args: str) -> tuple[int, dict[str, Any]]:
        done = self.run(*args, "--format", "json")
        return done.exit_code, json.loads(done.stdout)

    def adds(self) -> int:
        return sum(
            1 for m, p, _ in self.graph.requests_log if m == "POST" and p.endswith("addPassword")
        )

    def removes(self) -> int:
        return sum(
            1 for m, p, _ in self.graph.requests_log if m == "POST" and p.endswith("removePassword")
        )

    def passwords(self) -> list[dict[str, Any]]:
        return self.graph.password_credentials(ACME_ID)

    def state(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(
            (self.root / ".provision" / "rotations" / "acme-azure.json").read_text()
        )
        return loaded

    def new_secret_values(self) -> list[str]:
        """Every secret the IdP holds for the client but the two the test made."""
        return [
            info.value
            for info in self.idp._clients[ACME_ID].secrets  # noqa: SLF001 - the double's own
            if info.value not in (OLD_SECRET, FOREIGN_SECRET)
        ]

    def config_secret(self, app: str) -> str:
        config = json.loads((self.root / "out" / "apps" / "acme" / f"{app}.json").read_text())
        return str(config["client_secret"])


@pytest.fixture
def rotation(idp: LocalIdP, graph: LocalGraph, pki: PKI, tmp_path: Path) -> Rotation:
    idp.add_user("fax@acme.com", FAX_PASSWORD)
    graph.add_application(ACME_ID, ["https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"])
    graph.add_password(ACME_ID, OLD_SECRET, display_name="portal", end="2027-01-15")
    graph.add_password(ACME_ID, FOREIGN_SECRET, display_name="other system", end="2027-06-01")
    graph.set_owners(ACME_ID, ACME_ID)  # the client calls Graph for itself
    root = tmp_path / "site"
    root.mkdir()
    return Rotation(root, idp, graph, pki)


def file_store(rotation: Rotation) -> Path:
    secret_file = rotation.root / "secrets" / "acme.secret"
    secret_file.write_text(OLD_SECRET + "\n")
    secret_file.chmod(0o600)
    rotation.write("{file: secrets/acme.secret}")
    return secret_file


def no_leak(rotation: Rotation, *runs: Run, keep: Callable[[Path], bool] = lambda p: False) -> None:
    """No value the double handed out appears in any output, nor in any file but the
    store and the app configs (which must carry it)."""
    values = rotation.new_secret_values()
    assert values
    texts = [run.stdout + run.stderr for run in runs]
    for path, content in files_under(rotation.root).items():
        if path.startswith(("out/apps/", "delivered/")) or keep(rotation.root / path):
            continue
        texts.append(content.decode("utf-8", "replace"))
    for value in values:
        assert all(value not in text for text in texts)


# -- the file store ---------------------------------------------------------------------


def test_file_store_rotates_delivers_verifies(rotation: Rotation) -> None:
    secret_file = file_store(rotation)
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    assert rotation.adds() == 1
    (new,) = rotation.new_secret_values()
    assert secret_file.read_text() == new + "\n"
    assert mode_of(secret_file) == 0o600
    assert rotation.config_secret("pbx") == new and rotation.config_secret("fax") == new
    delivered = json.loads((rotation.root / "delivered" / "acme" / "fax.json").read_text())
    assert delivered["client_secret"] == new
    names = [p["displayName"] for p in rotation.passwords()]
    assert names == ["portal", "other system", f"provision {_today()}"]
    assert "2027-01-15" not in rotation.playbook.read_text()  # client_secret_expires moved on
    assert "client acme-azure: rotated" in done.stdout
    assert "acme-azure : ok=1 changed=1 failed=0" in done.stdout
    state = rotation.state()
    assert state["rotation"] is None
    assert len(state["retire"]) == 1  # the portal secret: the one the store held
    no_leak(rotation, done, keep=lambda p: p == secret_file)

    files = files_under(rotation.root)
    again = rotation.run("acme-azure")  # nothing to do: changes nothing
    assert again.exit_code == 0, again.output
    assert rotation.adds() == 1
    assert files_under(rotation.root) == files
    assert "not due" in again.stdout or "unchanged" in again.stdout


def _today() -> str:
    from datetime import UTC, datetime

    return f"{datetime.now(UTC):%Y-%m-%d}"


def vault_block(value: str, vault_id: str = "acme") -> str:
    encrypted = vault.encrypt(value.encode(), VAULT_PASSWORD.encode(), vault_id)
    return "!vault |\n" + "".join(f"          {line}\n" for line in encrypted.splitlines())


def command_store(rotation: Rotation) -> Path:
    kept = rotation.root / "store.txt"
    kept.write_text(OLD_SECRET + "\n")
    python = sys.executable
    rotation.write(f"{{command: [{python}, store.py, show], store: [{python}, store.py, insert]}}")
    return kept


def provision_passwords(rotation: Rotation) -> list[dict[str, Any]]:
    return [p for p in rotation.passwords() if str(p["displayName"]).startswith("provision ")]


# -- --check ----------------------------------------------------------------------------


def test_check_changes_nothing_and_exits_4(rotation: Rotation) -> None:
    file_store(rotation)
    before = files_under(rotation.root)
    passwords = rotation.passwords()
    code, document = rotation.json("acme-azure", "--check")
    assert code == 4
    assert document["format_version"] == 1 and document["check"] is True
    (client,) = document["clients"]
    assert client["status"] == "due"
    assert client["display_name"] == f"provision {_today()}"
    assert client["apps"] == ["acme/pbx", "acme/fax"]
    assert client["identities"] == ["acme-fax"]
    assert client["store"].startswith("file secrets/acme.secret")
    assert isinstance(document["playbook_warnings"], list)
    text = rotation.run("acme-azure", "--check")
    assert text.exit_code == 4
    assert "client acme-azure: due" in text.stdout
    assert "(check mode)" in text.stdout
    assert rotation.adds() == 0 and rotation.removes() == 0
    assert rotation.passwords() == passwords
    assert files_under(rotation.root) == before  # no state file, no output, same store


def test_expiring_within_selects_by_the_current_secrets_end(rotation: Rotation) -> None:
    file_store(rotation)
    code, document = rotation.json("--all", "--expiring-within", "5", "--check")
    assert code == 0, document
    assert [c["status"] for c in document["clients"]] == ["not-due"]  # google: not selected
    assert "2027-01-15" in document["clients"][0]["reason"]  # the portal secret's end
    code, document = rotation.json("--expiring-within", "3650", "--check")
    assert code == 4
    assert document["clients"][0]["status"] == "due"


# -- the stores -------------------------------------------------------------------------


def test_vault_value_replaced_in_place(rotation: Rotation) -> None:
    original = rotation.write(vault_block(OLD_SECRET))
    rotation.vault_args = ("--vault-password-file", str(rotation.root / "vault-pass"))
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    (new,) = rotation.new_secret_values()
    edited = rotation.playbook.read_bytes()
    # every byte but the vault block's lines and the expiry date is as it was
    old_lines, new_lines = original.split(b"\n"), edited.split(b"\n")
    assert len(old_lines) == len(new_lines)
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    block = [i for i, line in enumerate(old_lines) if line.startswith(b"          ")]
    expires = [i for i, line in enumerate(old_lines) if b"client_secret_expires" in line]
    assert set(changed) <= set(block) | set(expires)
    assert set(expires) <= set(changed)
    assert b"# kept up to date by rotate-secret" in new_lines[expires[0]]
    text = edited.decode()
    start = text.index("!vault |") + len("!vault |\n")
    vaulttext = "\n".join(
        line.strip() for line in text[start:].split("\n    client_secret_expires")[0].splitlines()
    )
    assert vaulttext.startswith("$ANSIBLE_VAULT;1.2;AES256;acme")  # the same vault id
    assert vault.decrypt(vaulttext, VAULT_PASSWORD.encode()).decode() == new
    assert rotation.config_secret("fax") == new
    no_leak(rotation, done)


def test_command_store_receives_the_secret_on_stdin(rotation: Rotation) -> None:
    kept = command_store(rotation)
    code, document = rotation.json("acme-azure")
    assert code == 0, document
    (new,) = rotation.new_secret_values()
    assert kept.read_text() == new + "\n"
    assert rotation.config_secret("pbx") == new
    assert document["clients"][0]["status"] == "rotated"
    assert json.dumps(document).count(new) == 0
    no_leak(rotation, keep=lambda p: p == kept)


def test_env_store_refused_before_anything_is_created(rotation: Rotation) -> None:
    rotation.write("{env: ACME_AZURE_SECRET}")
    done = rotation.run("acme-azure", env={"ACME_AZURE_SECRET": OLD_SECRET})
    assert done.exit_code == 2, done.output
    assert "environment variable ACME_AZURE_SECRET" in done.stderr
    assert "{file: path}" in done.stderr and "store: [argv...]" in done.stderr
    assert rotation.graph.requests_log == []  # Graph was not even asked
    assert not (rotation.root / ".provision").exists()


def test_google_client_gets_the_console_steps(rotation: Rotation) -> None:
    file_store(rotation)
    done = rotation.run("acme-google")
    assert done.exit_code == 2, done.output
    assert "Google has no API that adds a client secret" in done.stderr
    assert "provision apply" in done.stderr
    code, document = rotation.json("acme-google")
    assert code == 2 and document["valid"] is False
    assert rotation.graph.requests_log == []


# -- failures and resuming --------------------------------------------------------------


def test_store_failure_then_rerun_removes_the_lost_secret(rotation: Rotation) -> None:
    kept = command_store(rotation)
    (rotation.root / "store-fails").touch()
    failed = rotation.run("acme-azure")
    assert failed.exit_code == 1, failed.output
    assert "could not be stored" in failed.stdout
    assert "run `provision rotate-secret" in failed.stdout
    assert kept.read_text() == OLD_SECRET + "\n"  # the old secret stays in place
    assert rotation.state()["rotation"]["step"] == "adding"
    lost = provision_passwords(rotation)
    assert len(lost) == 1
    (rotation.root / "store-fails").unlink()
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    assert rotation.removes() == 1 and rotation.adds() == 2
    (kept_password,) = provision_passwords(rotation)
    assert kept_password["keyId"] != lost[0]["keyId"]
    assert kept.read_text().strip() == rotation.new_secret_values()[0]
    no_leak(rotation, failed, done, keep=lambda p: p == kept)


def test_killed_after_the_store_resumes_without_a_second_password(rotation: Rotation) -> None:
    kept = command_store(rotation)
    (rotation.root / "kill-after-store").touch()
    killed = rotation.process("acme-azure")
    assert killed.exit_code == -signal.SIGKILL, killed.output
    assert rotation.adds() == 1
    assert rotation.state()["rotation"]["step"] == "adding"  # it died before saying stored
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    assert rotation.adds() == 1 and rotation.removes() == 0
    (new,) = rotation.new_secret_values()
    assert kept.read_text().strip() == new
    assert rotation.config_secret("fax") == new
    assert rotation.state()["rotation"] is None
    no_leak(rotation, killed, done, keep=lambda p: p == kept)


def test_killed_while_delivering_resumes_and_delivers(rotation: Rotation) -> None:
    secret_file = file_store(rotation)
    (rotation.root / "kill-on-deliver").touch()
    killed = rotation.process("acme-azure")
    assert killed.exit_code == -signal.SIGKILL, killed.output
    assert rotation.state()["rotation"]["step"] == "stored"
    assert not (rotation.root / "delivered").exists()
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    assert rotation.adds() == 1
    (new,) = rotation.new_secret_values()
    for app in ("pbx", "fax"):  # in place already, delivered all the same
        delivered = rotation.root / "delivered" / "acme" / f"{app}.json"
        assert json.loads(delivered.read_text())["client_secret"] == new
    no_leak(rotation, killed, done, keep=lambda p: p == secret_file)


def test_verify_failure_keeps_the_old_secret_and_resumes(rotation: Rotation) -> None:
    secret_file = file_store(rotation)
    failed = rotation.run("acme-azure", env={"ACME_FAX_PASSWORD": "a-wrong-password"})
    assert failed.exit_code == 1, failed.output
    assert "did not verify with the new secret" in failed.stdout
    assert "the old secret stays valid" in failed.stdout
    assert rotation.state()["rotation"]["step"] == "rendered"
    assert rotation.state()["retire"] == []
    assert "portal" in [p["displayName"] for p in rotation.passwords()]
    retire = rotation.run("acme-azure", "--retire")  # not before every identity verified
    assert retire.exit_code == 1 and "has not finished" in retire.stdout
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    assert rotation.adds() == 1
    assert rotation.state()["rotation"] is None
    no_leak(rotation, failed, retire, done, keep=lambda p: p == secret_file)


def test_graph_failure_adds_nothing_and_a_rerun_adds_one(rotation: Rotation) -> None:
    file_store(rotation)
    rotation.graph.fail_next(503, path_contains="addPassword")
    failed = rotation.run("acme-azure")
    assert failed.exit_code == 1, failed.output
    assert provision_passwords(rotation) == []
    assert (rotation.root / "secrets" / "acme.secret").read_text() == OLD_SECRET + "\n"
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    assert len(provision_passwords(rotation)) == 1
    assert rotation.removes() == 0


def test_propagation_is_waited_for_and_said(rotation: Rotation) -> None:
    file_store(rotation)
    rotation.graph.secret_propagation_delay = 1.5
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    assert "does not accept the new client secret yet" in done.stderr
    assert "trying again in 1 s (attempt 2 of" in done.stderr


def _status_rotation(rotation: Rotation) -> tuple[dict[str, Any], Run]:
    """The client's secret_rotation check, as `provision status --format json` says it."""
    done = subprocess_run(
        ["status", "playbook.yaml", "--format", "json"], cwd=rotation.root, env=ENV
    )
    clients = {c["name"]: c for c in json.loads(done.stdout)["clients"]}
    (check,) = [c for c in clients["acme-azure"]["checks"] if c["check"] == "secret_rotation"]
    return check, done


def test_status_tells_a_stopped_rotation_and_the_secrets_left_to_retire(
    rotation: Rotation,
) -> None:
    secret_file = file_store(rotation)
    (rotation.root / "kill-on-deliver").touch()
    killed = rotation.process("acme-azure")
    assert killed.exit_code == -signal.SIGKILL, killed.output
    stopped, first = _status_rotation(rotation)
    assert stopped["status"] == "warning"
    assert "stopped at step stored: the new secret is in the store" in stopped["reason"]
    assert stopped["fix"] == "provision rotate-secret playbook.yaml acme-azure (resumes it)"

    assert rotation.run("acme-azure").exit_code == 0
    left, second = _status_rotation(rotation)
    assert left["status"] == "warning" and left["reason"].startswith("1 secret(s)")
    assert left["fix"].startswith("provision rotate-secret playbook.yaml acme-azure --retire")

    assert rotation.run("acme-azure", "--retire").exit_code == 0
    done, third = _status_rotation(rotation)
    assert done["status"] == "ok" and f"(provision {_today()})" in done["reason"]

    state = rotation.root / ".provision" / "rotations" / "acme-azure.json"
    state.write_text('{"version": 1, "rotation": ')
    damaged, fourth = _status_rotation(rotation)
    assert damaged["status"] == "failed" and "cannot be read" in damaged["reason"]
    assert damaged["fix"].endswith("then: provision rotate-secret playbook.yaml acme-azure")
    assert fourth.exit_code == 1
    no_leak(rotation, killed, first, second, third, fourth, keep=lambda p: p == secret_file)


# -- retiring ---------------------------------------------------------------------------


def test_retire_removes_only_what_rotations_replaced(rotation: Rotation) -> None:
    secret_file = file_store(rotation)
    assert rotation.run("acme-azure").exit_code == 0
    check = rotation.run("acme-azure", "--retire", "--check")
    assert check.exit_code == 4, check.output
    assert "would remove" in check.stdout and "'portal'" in check.stdout
    assert rotation.removes() == 0
    code, document = rotation.json("acme-azure", "--retire")
    assert code == 0, document
    (client,) = document["clients"]
    assert client["status"] == "retired" and len(client["removed"]) == 1
    names = [p["displayName"] for p in rotation.passwords()]
    assert names == ["other system", f"provision {_today()}"]  # the foreign one survives
    assert [s.display_name for s in rotation.idp.client_secrets(ACME_ID)] == [
        "other system",
        f"provision {_today()}",
    ]
    again = rotation.run("acme-azure", "--retire")
    assert again.exit_code == 0 and rotation.removes() == 1
    assert rotation.state()["retire"] == []
    no_leak(rotation, check, again, keep=lambda p: p == secret_file)


def test_a_secret_the_rotation_needs_missing_is_exit_2_before_anything(rotation: Rotation) -> None:
    rotation.write(vault_block(OLD_SECRET))  # and no --vault-password-file
    done = rotation.run("acme-azure")
    assert done.exit_code == 2, done.output
    assert "playbook.yaml:" in done.stderr and "vault password" in done.stderr
    file_store(rotation)
    unset = cli_run(["rotate-secret", rotation.playbook, "acme-azure"], env={"X": "1"})
    assert unset.exit_code == 2, unset.output
    assert "ACME_FAX_PASSWORD" in unset.stderr
    assert rotation.graph.requests_log == []
    assert not (rotation.root / ".provision").exists()


AUTOMATION_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
AUTOMATION_SECRET = "Aut8Q~automation-caller-secret-Lm3Np7Qr1St"
AUTOMATION = f"""
    graph_client: automation
  automation:
    provider: microsoft
    tenant: acme.com
    client_id: {AUTOMATION_ID}
    client_secret: {{file: secrets/automation.secret}}
    authority: {{authority}}"""


def test_graph_client_calls_graph_for_the_registration(rotation: Rotation) -> None:
    rotation.idp.add_client(AUTOMATION_ID, secret=AUTOMATION_SECRET)
    (rotation.root / "secrets" / "automation.secret").write_text(AUTOMATION_SECRET + "\n")
    (rotation.root / "secrets" / "automation.secret").chmod(0o600)
    secret_file = rotation.root / "secrets" / "acme.secret"
    secret_file.write_text(OLD_SECRET + "\n")
    rotation.write(
        "{file: secrets/acme.secret}",
        AUTOMATION.replace("{authority}", rotation.idp.authority),
    )
    rotation.graph.set_owners(ACME_ID, AUTOMATION_ID)
    done = rotation.run("acme-azure")
    assert done.exit_code == 0, done.output
    adds = [c for c in rotation.graph.calls if c.path.endswith("addPassword")]
    assert [c.client_id for c in adds] == [AUTOMATION_ID]
    assert secret_file.read_text().strip() == rotation.new_secret_values()[0]


def test_a_caller_that_does_not_own_the_registration_changes_nothing(rotation: Rotation) -> None:
    file_store(rotation)
    rotation.graph.set_owners(ACME_ID, AUTOMATION_ID)  # not acme-azure itself
    before = files_under(rotation.root)
    done = rotation.run("acme-azure")
    assert done.exit_code == 1, done.output
    assert "not an owner of the app registration" in done.stdout
    assert rotation.adds() == 0
    assert files_under(rotation.root) == before
