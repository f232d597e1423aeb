"""`provision test-mail` end to end: a real message through the LocalSMTP with XOAUTH2."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbooks.e2e.harness import E2E, IDENTITIES, SECRET_VALUES, leaked

SMTP_AUTH_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
    "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."
)


@pytest.fixture
def e2e(tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI) -> E2E:
    return E2E.build(tmp_path, idp, smtp_server, pki)


@pytest.mark.parametrize("identity", ["ropc", "service-account"])
def test_a_message_arrives(e2e: E2E, identity: str) -> None:
    mailbox = IDENTITIES[identity][1]

    run = e2e.run(
        "test-mail",
        e2e.playbook,
        identity,
        "--to",
        "admin@acme.com",
        "--subject",
        "e2e check",
        "--timeout",
        "5",
    )

    assert run.exit_code == 0, run.output
    assert f"{identity}: sent a test message from {mailbox} to admin@acme.com (<" in run.stdout
    (received,) = e2e.smtp.messages
    assert (received.mail_from, received.rcpt_tos, received.authenticated_as) == (
        mailbox,
        ["admin@acme.com"],
        mailbox,
    )
    message = message_from_bytes(received.content)
    assert message["Subject"] == "e2e check"
    assert message["To"] == "admin@acme.com"
    assert message["Message-ID"] in run.stdout
    assert f"identity {identity}" in message.get_payload()
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], run.output)


def test_smtp_auth_disabled_for_the_tenant_has_its_hint(e2e: E2E) -> None:
    e2e.smtp.reject_with = SMTP_AUTH_DISABLED

    run = e2e.run("test-mail", e2e.playbook, "ropc", "--to", "admin@acme.com", "--timeout", "5")

    assert run.exit_code == 1
    assert (
        f"SMTP 127.0.0.1:{e2e.smtp.port}: AUTH XOAUTH2 for fax@acme.com refused: 535 5.7.139"
        in run.stderr
    )
    assert "Set-TransportConfig -SmtpClientAuthenticationDisabled $false" in run.stderr
    assert "Set-CASMailbox" in run.stderr
    assert "Traceback" not in run.stderr
    assert e2e.smtp.messages == []
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], run.output)


def test_an_identity_without_an_smtp_server_is_refused_clearly(e2e: E2E) -> None:
    run = e2e.run("test-mail", e2e.playbook, "no-smtp", "--to", "admin@acme.com")

    assert run.exit_code == 1
    assert (
        "no-smtp: no SMTP server: a generic provider has none by default; set the "
        "identity's smtp (host, port, security)" in run.stderr
    )
    assert "Traceback" not in run.stderr
    assert e2e.idp.requests_log == []  # refused before asking for a token


def test_an_unknown_identity_is_a_usage_error(e2e: E2E) -> None:
    run = e2e.run("test-mail", e2e.playbook, "nobody", "--to", "admin@acme.com")

    assert run.exit_code == 2
    assert "unknown identity 'nobody'" in run.stderr
    assert "Traceback" not in run.stderr
