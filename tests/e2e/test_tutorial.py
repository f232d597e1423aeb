"""README's tutorial as a newcomer follows it, end to end: init, replace the placeholders,
validate, redirect-uris, plan --diff, apply, authorize, verify --smtp and test-mail against
the local identity provider and SMTP server, asserting the messages read at each step."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

from tests.fakes._http import free_port
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import Run, edit_playbook, subprocess_env
from tests.playbooks.e2e.harness import leaked, open_in_browser

SECRET = f"Tut0rial-Secret-{uuid.uuid4().hex[:12]}"
PASSWORD = "Tut0rial-Passw0rd-9c1e"


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "provision", *args],
        cwd=cwd,
        env=subprocess_env(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def _authorize(cwd: Path, env: dict[str, str], pki: PKI) -> Run:
    process = subprocess.Popen(
        [sys.executable, "-m", "provision", "authorize", "customers/playbook.yaml", "acme-mail"]
        + ["--no-browser", "--timeout", "20"],
        cwd=cwd,
        env=subprocess_env(env),
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = []
    try:
        for line in process.stderr:
            seen.append(line)
            if line.startswith("https://"):
                open_in_browser(line.strip(), pki)
                break
        stdout, rest = process.communicate(timeout=30)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    return Run(process.returncode, stdout, "".join(seen) + rest)


def test_the_tutorial_from_init_to_a_test_mail(
    tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI
) -> None:
    # 1. scaffold
    init = _run(tmp_path, "init", "customers", "--site", "acme", "--domain", "acme.com")
    assert init.exit_code == 0, init.output
    assert "created customers/playbook.yaml" in init.stdout
    assert "replace the placeholder tenant and client_id" in init.stdout
    assert "export ACME_AZURE_SECRET=" in init.stdout
    playbook = tmp_path / "customers" / "playbook.yaml"

    # 2. validate before anything is filled in: the secret, and the placeholders, named
    first = _run(tmp_path, "validate", "customers/playbook.yaml")
    assert first.exit_code == 2
    assert re.search(
        r"customers/playbook\.yaml:\d+:\d+: clients\.acme-azure\.client_secret: environment "
        r"variable ACME_AZURE_SECRET is not set; export it",
        first.stderr,
    )
    assert "clients.acme-azure.tenant: warning: tenant is still the placeholder" in first.stderr
    assert "clients.acme-azure.client_id: warning: client_id is still the placeholder" in (
        first.stderr
    )

    # 3. the app registration's values, the way the README says (here: the local IdP's)
    client_id = str(uuid.uuid4())
    idp.add_client(client_id, secret=SECRET)
    idp.add_user("pbx@acme.com", PASSWORD)
    port = free_port()

    def fill_in(document: dict[str, object]) -> None:
        settings = document["settings"]
        assert isinstance(settings, dict)
        settings.update(
            ca_file=str(pki.ca_file), authorize_redirect_uri=f"http://localhost:{port}/"
        )
        client = document["clients"]["acme-azure"]  # type: ignore[index]
        client.update(
            tenant="contoso.onmicrosoft.com", client_id=client_id, authority=idp.authority
        )
        identity = document["identities"]["acme-mail"]  # type: ignore[index]
        identity["smtp"] = {"host": "127.0.0.1", "port": smtp_server.port}

    edit_playbook(playbook, fill_in)
    env = {"ACME_AZURE_SECRET": SECRET}
    valid = _run(tmp_path, "validate", "customers/playbook.yaml", env=env)
    assert valid.exit_code == 0, valid.output
    assert "customers/playbook.yaml: valid (1 site, 6 apps, 1 identity, 1 client)" in valid.stdout
    assert "placeholder" not in valid.stderr

    # 4. the redirect URIs to register: every app's and authorize's own
    uris = _run(tmp_path, "redirect-uris", "customers/playbook.yaml", "--client", "acme-azure")
    assert uris.exit_code == 0, uris.output
    listed = uris.stdout.split()
    assert "https://pbx.acme.com/OAUTH2-CLIENT/auth.htm" in listed
    assert f"http://localhost:{port}/" in listed and len(listed) == 7
    idp.register_redirect_uris(client_id, listed)

    # 5. plan, then apply: where things go, and no secret on the screen
    plan = _run(tmp_path, "plan", "customers/playbook.yaml", "--diff", env=env)
    assert plan.exit_code == 0, plan.output
    assert "+ create apps/acme/pbx.json  [acme/pbx]" in plan.stdout
    assert '+  "client_secret": "<secret>"' in plan.stdout  # masked in the diff
    assert "Plan: 8 to create, 0 to update, 0 to delete, 0 unchanged." in plan.stdout
    apply = _run(tmp_path, "apply", "customers/playbook.yaml", env=env)
    assert apply.exit_code == 0, apply.output
    out = (tmp_path / "customers" / "out").absolute()
    assert apply.stdout.startswith(f"output directory: {out}\n")
    assert "acme : ok=6 changed=6 failed=0 skipped=0" in apply.stdout
    sheet = (out / "sites" / "acme.md").read_text()
    assert "**Microsoft Graph** > **Delegated permissions**: **SMTP.Send**" in sheet
    assert "not shown here: environment variable ACME_AZURE_SECRET" in sheet
    assert (out / "apps" / "acme" / "fax.json").stat().st_mode & 0o777 == 0o600

    # 6. authorize once, then verify and send a test mail
    authorized = _authorize(tmp_path, env, pki)
    assert authorized.exit_code == 0, authorized.output
    assert "acme-mail: authorized pbx@acme.com" in authorized.stdout
    verify = _run(tmp_path, "verify", "customers/playbook.yaml", "--smtp", env=env)
    assert verify.exit_code == 0, verify.output
    assert verify.stdout.splitlines()[-1] == "1 identity: 1 ok, 0 failed, 0 need authorization"
    mail = _run(
        tmp_path,
        "test-mail",
        "customers/playbook.yaml",
        "acme-mail",
        "--to",
        "you@acme.com",
        env=env,
    )
    assert mail.exit_code == 0, mail.output
    assert [(m.rcpt_tos, m.authenticated_as) for m in smtp_server.messages] == [
        (["you@acme.com"], "pbx@acme.com")
    ]

    every = [init, first, valid, uris, plan, apply, authorized, verify, mail]
    assert not leaked([SECRET, PASSWORD], *(run.output for run in every))
    assert os.listdir(tmp_path) == ["customers"]  # nothing written beside the playbook's folder
