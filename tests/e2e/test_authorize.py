"""`provision authorize` end to end: the command prints the authorization URL, "the user"
opens it (the LocalIdP consents at once and redirects to the command's loopback
listener), and the refresh token lands in the playbook's token store, mode 0600."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbooks.e2e.harness import E2E, IDENTITIES, SECRET_VALUES, leaked, token_posts


@pytest.fixture
def e2e(tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI) -> E2E:
    return E2E.build(tmp_path, idp, smtp_server, pki)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("identity", "authorize_path", "token_path"),
    [
        (
            "exchange",
            "/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
            "/contoso.onmicrosoft.com/oauth2/v2.0/token",
        ),
        ("gmail", "/o/oauth2/auth", "/token"),
        ("generic", "/oauth2/authorize", "/oauth2/token"),
    ],
)
def test_loopback_flow_stores_the_refresh_token_privately(
    e2e: E2E, identity: str, authorize_path: str, token_path: str
) -> None:
    mailbox = IDENTITIES[identity][1]
    # Access tokens that expire within minutes are not reused: the next verify must refresh.
    e2e.idp.token_lifetime = 120

    run = e2e.authorize(identity)

    assert run.exit_code == 0, run.output
    assert f"{identity}: authorized {mailbox}" in run.stdout
    url = next(line for line in run.stderr.splitlines() if line.startswith("https://"))
    assert url.startswith(e2e.idp.base_url + authorize_path + "?")
    assert "code_challenge_method=S256" in url  # PKCE
    grants = [(path, form.get("grant_type")) for _, path, form in token_posts(e2e.idp)]
    assert grants == [(token_path, "authorization_code")]

    token_file = e2e.token_dir / f"{identity}.json"
    assert mode_of(token_file) == 0o600
    assert mode_of(e2e.token_dir) == 0o700
    stored = json.loads(token_file.read_text())
    with e2e.idp._lock:
        record = e2e.idp._refresh[stored["refresh_token"]]
    assert (record.subject, record.state) == (mailbox, "valid")
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], run.output)

    # The next verify refreshes with what authorize stored, and logs in to SMTP.
    verified = e2e.verify("--smtp", "--format", "json", "--limit", "*/pbx")
    statuses = {r["name"]: r["status"] for r in json.loads(verified.stdout)["identities"]}
    assert statuses[identity] == "ok", verified.output
    assert (token_path, "refresh_token") in [
        (path, form.get("grant_type")) for _, path, form in token_posts(e2e.idp)
    ]
    assert (mailbox, True) in e2e.smtp.auth_attempts
    # Entra and the generic IdP rotate refresh tokens: the store holds the current one.
    current = json.loads(token_file.read_text())["refresh_token"]
    with e2e.idp._lock:
        assert e2e.idp._refresh[current].state == "valid"


def test_a_token_file_others_can_read_is_refused(e2e: E2E) -> None:
    assert e2e.authorize("gmail").exit_code == 0
    token_file = e2e.token_dir / "gmail.json"
    token_file.chmod(0o644)

    run = e2e.verify("--limit", "beta/pbx", "--format", "json")

    assert run.exit_code == 1
    (result,) = json.loads(run.stdout)["identities"]
    assert result["status"] == "failed"
    assert f"token file {token_file} is accessible by other users (mode 0644)" in result["error"]
    assert f"chmod 600 {token_file}" in result["hint"]
    assert "Traceback" not in run.stderr

    again = e2e.authorize("gmail")  # storing a new authorization refuses it too
    assert again.exit_code == 1
    assert "is accessible by other users (mode 0644); refusing to read it" in again.stderr
    assert "Traceback" not in again.stderr


def test_an_unknown_identity_is_a_usage_error(e2e: E2E) -> None:
    run = e2e.run("authorize", e2e.playbook, "nobody", "--no-browser")

    assert run.exit_code == 2
    assert (
        "unknown identity 'nobody' (exchange, generic, gmail, jwt, no-smtp, ropc, "
        "service-account)" in run.stderr
    )
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ("ropc", "ropc: mode microsoft365 does not authorize interactively"),
        ("service-account", "mode google_service_account does not authorize interactively"),
        ("jwt", "jwt: no authorization_url: this client cannot authorize interactively"),
    ],
)
def test_a_non_interactive_identity_is_refused_clearly(
    e2e: E2E, identity: str, message: str
) -> None:
    run = e2e.run("authorize", e2e.playbook, identity, "--no-browser", "--timeout", "2")

    assert run.exit_code == 1
    assert message in run.stderr
    assert "https://" not in run.stderr  # no URL to open, no listener waiting
    assert "Traceback" not in run.stderr
    assert token_posts(e2e.idp) == []
