# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
"""AUTH XOAUTH2 against the local aiosmtpd server: STARTTLS and implicit TLS, long tokens
after the 334 challenge, the Dovecot line limit, refusals with hints, sending a message."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest

from provision.hints import with_hint
from provision.model import Smtp
from provision.providers.microsoft import PROVIDER as MICROSOFT
from provision.secret import Secret
from provision.tokens.request import TokenError
from provision.tokens.smtp import send_mail, xoauth2_login
from tests.fakes.fixtures import idp, pki, smtp_server  # noqa: F401
from tests.fakes.smtp import LocalSMTP

CLIENT = "app-1"
USER = "pbx@acme.com"
SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"


def _target(server: Any) -> Smtp:
    return Smtp(server.host, server.port, server.security)


def _token(idp: Any, flavor: str = "entra", user: str = USER) -> Secret:
    return Secret(idp.issue_access_token(CLIENT, user, SMTP_SCOPE, flavor=flavor), "test")


@pytest.fixture
def tls_server(idp: Any, pki: Any) -> Iterator[LocalSMTP]:
    with LocalSMTP(idp, pki, security="tls") as server:
        yield server


def test_starttls_long_token_goes_after_the_challenge(idp: Any, pki: Any, smtp_server: Any) -> None:
    token = _token(idp)
    assert len(token.reveal()) >= 1500  # like a real Entra token
    xoauth2_login(_target(smtp_server), USER, token, ca_file=str(pki.ca_file), timeout=5)
    detail = smtp_server.auth_details[-1]
    assert detail.success and not detail.inline


def test_short_token_goes_inline(idp: Any, pki: Any, smtp_server: Any) -> None:
    xoauth2_login(
        _target(smtp_server), USER, _token(idp, "google"), ca_file=str(pki.ca_file), timeout=5
    )
    assert smtp_server.auth_details[-1].inline and smtp_server.auth_details[-1].success


def test_implicit_tls(idp: Any, pki: Any, tls_server: Any) -> None:
    xoauth2_login(_target(tls_server), USER, _token(idp), ca_file=str(pki.ca_file), timeout=5)
    assert tls_server.auth_attempts == [(USER, True)]


def test_dovecot_line_limit_retries_after_the_challenge(
    idp: Any, pki: Any, smtp_server: Any
) -> None:
    smtp_server.max_initial_response = 1016
    # force the inline attempt a less careful client would make
    xoauth2_login(
        _target(smtp_server),
        USER,
        _token(idp),
        ca_file=str(pki.ca_file),
        timeout=5,
        initial_response_limit=100_000,
    )
    reasons = [(d.inline, d.reason) for d in smtp_server.auth_details]
    assert reasons == [(True, "line too long"), (False, "ok")]


def test_dovecot_line_limit_is_never_hit_by_default(idp: Any, pki: Any, smtp_server: Any) -> None:
    smtp_server.max_initial_response = 1016
    xoauth2_login(_target(smtp_server), USER, _token(idp), ca_file=str(pki.ca_file), timeout=5)
    assert [d.reason for d in smtp_server.auth_details] == ["ok"]


def test_refused_token_answers_the_error_challenge(idp: Any, pki: Any, smtp_server: Any) -> None:
    token = _token(idp, user="someone-else@acme.com")  # a token for another mailbox
    started = time.monotonic()
    with pytest.raises(TokenError) as caught:
        xoauth2_login(_target(smtp_server), USER, token, ca_file=str(pki.ca_file), timeout=5)
    assert time.monotonic() - started < 3  # the empty line was sent: no hang
    error = with_hint(caught.value, (MICROSOFT.hints,))
    assert "535 5.7.3" in error.message and "status=401" in error.message
    assert error.hint is not None and "SMTP.Send" in error.hint and "another mailbox" in error.hint
    assert token.reveal() not in f"{error} {error!r} {error.hint}"


@pytest.mark.parametrize(
    ("reply", "hint_words"),
    [
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
            "for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
            "Set-TransportConfig -SmtpClientAuthenticationDisabled $false",
        ),
        (
            "535 5.7.139 Authentication unsuccessful, user is locked by your organization's "
            "security defaults policy. Contact your administrator.",
            "Security Defaults",
        ),
        ("535 5.7.3 Authentication unsuccessful [AM0PR01CA0000.eurprd01.prod]", "SMTP.SendAsApp"),
    ],
)
def test_microsoft_refusals_carry_hints(
    idp: Any, pki: Any, smtp_server: Any, reply: str, hint_words: str
) -> None:
    smtp_server.reject_with = reply
    with pytest.raises(TokenError) as caught:
        xoauth2_login(_target(smtp_server), USER, _token(idp), ca_file=str(pki.ca_file), timeout=5)
    assert reply.split(" [")[0] in caught.value.message
    hint = with_hint(caught.value, (MICROSOFT.hints,)).hint
    assert hint is not None and hint_words in hint


def test_untrusted_certificate(idp: Any, smtp_server: Any) -> None:
    with pytest.raises(TokenError) as caught:
        xoauth2_login(_target(smtp_server), USER, _token(idp), ca_file=None, timeout=5)
    assert "certificate" in caught.value.message
    hint = with_hint(caught.value).hint
    assert hint is not None and "ca_file" in hint


def test_silent_server_times_out_quickly(idp: Any, pki: Any, smtp_server: Any) -> None:
    smtp_server.hang_on_connect = 5
    started = time.monotonic()
    with pytest.raises(TokenError, match="timed out"):
        xoauth2_login(
            _target(smtp_server), USER, _token(idp), ca_file=str(pki.ca_file), timeout=0.5
        )
    assert time.monotonic() - started < 3


def test_send_mail(idp: Any, pki: Any, smtp_server: Any) -> None:
    message_id = send_mail(
        _target(smtp_server),
        USER,
        _token(idp),
        to="admin@acme.com",
        subject="provision test",
        body="It works.",
        ca_file=str(pki.ca_file),
        timeout=5,
        sender_name="ACME PBX",
    )
    [received] = smtp_server.messages
    assert received.authenticated_as == USER and received.rcpt_tos == ["admin@acme.com"]
    parsed = message_from_bytes(received.content)
    assert parsed["Subject"] == "provision test" and parsed["Message-ID"] == message_id
    assert parsed["From"] == "ACME PBX <pbx@acme.com>"
