"""Green means working (issue 13), each point through the real command line against the
local identity provider: no redirect is followed with credentials, the device code flow
signs in as a public client and refreshes as one, proxies are honoured, removed secrets
stay masked in diffs, secrets a template or a library echoes are scrubbed, vaulted secret
files are decrypted, an expired client secret fails its apps, a killed apply's temporaries
go, and whatever the umask, what provision creates for secrets is private."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provision import vault
from provision.tokens.store import TokenStore
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.proxy import LocalProxy
from tests.fakes.sink import RecordingSink
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import copy_playbook, edit_playbook, files_under, subprocess_run
from tests.playbooks.e2e.harness import AZURE_CLIENT_ID, AZURE_SECRET, E2E, SECRET_VALUES, leaked

FAX = "FAX-passw0rd-7d1c5e93-trust"
AZURE = "AZ-s3cr3t-2b8e4f61-trust"
IDP = "IDP-s3cr3t-9a3c7d25-trust"
ENV = {"RECONCILE_AZURE_SECRET": AZURE, "RECONCILE_IDP_SECRET": IDP, "RECONCILE_FAX_PASSWORD": FAX}


@pytest.fixture
def e2e(tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI) -> E2E:
    return E2E.build(tmp_path, idp, smtp_server, pki)


def _statuses(stdout: str) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in json.loads(stdout)["identities"]}


# -- the network ----------------------------------------------------------------------------


def test_a_redirected_token_request_sends_no_credential_again(
    e2e: E2E, idp: LocalIdP, sink: RecordingSink
) -> None:
    idp.redirect_token_requests(status=307, location=sink.url("/token"))
    run = e2e.verify("--format", "json")
    assert run.exit_code == 1
    results = _statuses(run.stdout)
    for name in ("ropc", "service-account", "generic", "jwt"):
        assert results[name]["status"] == "failed", results[name]
        assert "redirect" in results[name]["error"], results[name]
        assert "never follows" in (results[name]["hint"] or ""), results[name]
    assert sink.requests == []  # nothing reached the other origin: no secret, no password
    assert not leaked(SECRET_VALUES, run.stdout, run.stderr)


def test_the_environment_s_proxy_carries_every_https_request(
    e2e: E2E, idp: LocalIdP, proxy: LocalProxy
) -> None:
    e2e.env.update(HTTPS_PROXY=proxy.url, NO_PROXY="")
    run = e2e.verify("--smtp")
    assert run.exit_code == 0, run.output
    assert set(proxy.targets) == {f"127.0.0.1:{idp.port}"}  # SMTP went direct


def test_the_playbook_s_proxy_replaces_the_environment_s(
    e2e: E2E, idp: LocalIdP, proxy: LocalProxy
) -> None:
    text = e2e.playbook.read_text()
    e2e.playbook.write_text(text.replace("settings:\n", f"settings:\n  proxy: {proxy.url}\n", 1))
    e2e.env.update(HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="")  # nothing listens there
    run = e2e.verify()
    assert run.exit_code == 0, run.output
    assert proxy.targets and set(proxy.targets) == {f"127.0.0.1:{idp.port}"}


# -- the device code flow -------------------------------------------------------------------


def test_device_code_signs_in_as_a_public_client_and_refreshes_as_one(
    e2e: E2E, idp: LocalIdP
) -> None:
    idp.add_client(AZURE_CLIENT_ID, secret=AZURE_SECRET, allow_public_client=True)
    idp.auto_approve_device_codes("pbx@acme.com")
    idp.device_code_interval = 1
    done = e2e.run("authorize", e2e.playbook, "exchange", "--device-code", "--timeout", "30")
    assert done.exit_code == 0, done.output
    assert "enter the code" in done.stderr.lower() or "code" in done.stderr
    assert TokenStore(e2e.token_dir).load("exchange").public_client
    run = e2e.verify("--format", "json")  # refreshed without the secret (else AADSTS700025)
    assert _statuses(run.stdout)["exchange"]["status"] == "ok", run.stdout
    assert not leaked(SECRET_VALUES, done.output, run.output)


def test_device_code_needs_public_client_flows_and_says_so(e2e: E2E, idp: LocalIdP) -> None:
    idp.auto_approve_device_codes("pbx@acme.com")
    idp.device_code_interval = 1
    done = e2e.run("authorize", e2e.playbook, "exchange", "--device-code", "--timeout", "30")
    assert done.exit_code == 1
    assert "AADSTS7000218" in done.stderr
    assert "Allow public client flows" in done.stderr


# -- secrets in what is printed -------------------------------------------------------------


def _reconcile(tmp_path: Path) -> Path:
    return copy_playbook("reconcile", tmp_path)


def _run(playbook: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess_run(
        [args[0], playbook, *args[1:]], cwd=playbook.parent, env={**ENV, **(env or {})}
    )


def test_a_password_an_app_stops_using_stays_masked_in_diffs(tmp_path: Path) -> None:
    playbook = _reconcile(tmp_path)
    assert _run(playbook, "apply").exit_code == 0

    def to_exchange(data: dict[str, Any]) -> None:
        data["identities"]["acme-fax"] = {
            "client": "acme-azure",
            "mode": "exchange",
            "sender": "fax@acme.com",
        }

    edit_playbook(playbook, to_exchange)
    text = _run(playbook, "plan", "--diff")
    as_json = _run(playbook, "plan", "--diff", "--format", "json")
    assert '-  "password": "<secret>"' in text.stdout
    assert "<secret>" in json.loads(as_json.stdout)["changes"][0]["diff"] or any(
        "<secret>" in c["diff"] for c in json.loads(as_json.stdout)["changes"]
    )
    for run in (text, as_json):
        assert FAX not in run.stdout + run.stderr


def test_a_template_error_that_quotes_a_secret_is_scrubbed(tmp_path: Path) -> None:
    playbook = _reconcile(tmp_path)
    (playbook.parent / "leak.txt.j2").write_text("{{ config[config.client_secret] }}\n")

    def output(data: dict[str, Any]) -> None:
        data["outputs"] = {
            "leak": {
                "per": "app",
                "template": "leak.txt.j2",
                "path": "leak/{{ app.site }}-{{ app.name }}.txt",
            }
        }

    edit_playbook(playbook, output)
    run = _run(playbook, "apply")
    assert run.exit_code == 1
    assert "failed: [acme/pbx output leak]" in run.stdout
    assert "<secret>" in run.stdout
    assert AZURE not in run.stdout + run.stderr


def test_a_secret_file_vaulted_whole_is_decrypted(tmp_path: Path) -> None:
    playbook = _reconcile(tmp_path)
    password = "Vault-PW-trust-5e2a"
    (tmp_path / "vault.txt").write_text(password + "\n")
    (playbook.parent / "secrets" / "idp.vault").write_text(
        vault.encrypt(b"Vaulted-IDP-s3cr3t-41c8\n", password.encode())
    )
    (playbook.parent / "secrets" / "idp.vault").chmod(0o600)

    def vaulted(data: dict[str, Any]) -> None:
        data["clients"]["delta-idp"]["client_secret"] = {"file": "secrets/idp.vault"}

    edit_playbook(playbook, vaulted)
    refused = _run(playbook, "validate")
    assert refused.exit_code == 2
    assert "clients.delta-idp.client_secret: the Ansible Vault file" in refused.stderr
    assert "needs the vault password" in refused.stderr
    vault_env = {"PROVISION_VAULT_PASSWORD_FILE": str(tmp_path / "vault.txt")}
    assert _run(playbook, "apply", env=vault_env).exit_code == 0
    config = json.loads((playbook.parent / "out/apps/delta/pbx.json").read_text())
    assert config["client_secret"] == "Vaulted-IDP-s3cr3t-41c8"


def test_an_expired_client_secret_fails_the_client_and_its_apps(tmp_path: Path) -> None:
    playbook = _reconcile(tmp_path)

    def expired(data: dict[str, Any]) -> None:
        data["clients"]["acme-azure"]["client_secret_expires"] = "2026-01-31"

    edit_playbook(playbook, expired)
    run = _run(playbook, "apply")
    assert run.exit_code == 1
    assert "failed: [client:acme-azure]: the client secret expired on 2026-01-31" in run.stdout
    assert "failed: [acme/pbx]: client 'acme-azure': the client secret expired" in run.stdout
    assert "create a new one in Entra" in run.stdout
    assert not (playbook.parent / "out/apps/acme/pbx.json").exists()
    assert (playbook.parent / "out/apps/beta/pbx.json").exists()  # other clients go on


# -- files left behind and file modes ----------------------------------------------------


def test_a_killed_apply_s_temporaries_are_removed_by_the_next(tmp_path: Path) -> None:
    playbook = _reconcile(tmp_path)
    assert _run(playbook, "apply").exit_code == 0
    out = playbook.parent / "out"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = out / "apps" / "acme" / ".pbx.json.999999999.1.provision-tmp"
        alive = out / "apps" / "beta" / f".fax.json.{sleeper.pid}.1.provision-tmp"
        for path in (dead, alive):
            path.write_text(f'{{"client_secret": "{AZURE}"}}')
        run = _run(playbook, "apply")
        assert run.exit_code == 0 and "changed=0" in run.stdout
        assert not dead.exists()  # its writer is gone: it holds a secret, it goes
        assert alive.exists()  # a running writer's is left alone
    finally:
        sleeper.kill()
        sleeper.wait()


def test_under_umask_000_secrets_stay_private(e2e: E2E) -> None:
    script = e2e.directory / "umask.py"
    script.write_text(
        "import os, sys, runpy\nos.umask(0)\nsys.argv[0] = 'provision'\n"
        "runpy.run_module('provision', run_name='__main__')\n"
    )
    e2e.entry = [str(script)]
    assert e2e.verify().exit_code == 0
    assert e2e.run("apply", e2e.playbook).exit_code == 0
    state = e2e.directory / ".provision"
    for directory in (state, state / "tokens", e2e.directory / "out"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    for file in [*(state / "tokens").iterdir(), *(e2e.directory / "out" / "apps").rglob("*.json")]:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert not leaked(
        SECRET_VALUES,
        *(
            text.decode("utf-8", "replace")
            for name, text in files_under(e2e.directory / "out").items()
            if name.startswith(("sites/", "redirect-uris/"))
        ),
    )


def test_every_network_command_leaves_no_secret_in_its_output(e2e: E2E) -> None:
    assert e2e.authorize("exchange").exit_code == 0
    runs = [
        e2e.verify("--smtp"),
        e2e.verify("--format", "json"),
        e2e.run("test-mail", e2e.playbook, "ropc", "--to", "admin@acme.com"),
    ]
    assert all(run.exit_code == 0 for run in runs), [r.output for r in runs]
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], *(r.output for r in runs))
    assert os.environ.get("E2E_AZURE_SECRET") is None  # the test's own process holds none
