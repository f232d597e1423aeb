"""Hints for the errors real deployments hit, and imports that keep `validate` fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

from provision.tokens.hints import HINTS, hint_for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AADSTS7000215: Invalid client secret provided.", "ID was probably pasted"),
        ("AADSTS7000222: The provided client secret keys are expired.", "expired"),
        ("AADSTS65001: The user or administrator has not consented", "consent"),
        ("AADSTS50076: Due to a configuration change made by your administrator", "MFA"),
        ("AADSTS50079: user must enroll", "MFA"),
        ("invalid_grant: Token has been expired or revoked.", "7 days"),
        ("unauthorized_client: Client is unauthorized", "mail.google.com"),
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled",
            "Set-TransportConfig -SmtpClientAuthenticationDisabled $false",
        ),
        (
            "535 5.7.139 Authentication unsuccessful, user is locked by your organization's "
            "security defaults policy",
            "Security Defaults",
        ),
        ("535 5.7.3 Authentication unsuccessful", "SMTP.SendAsApp"),
        ("certificate verify failed: unable to get local issuer", "ca_file"),
        ("Read timed out. (read timeout=0.5)", "did not answer in time"),
    ],
)
def test_known_errors_get_their_hint(text: str, expected: str) -> None:
    hint = hint_for(text)
    assert hint is not None and expected in hint


def test_unknown_text_has_no_hint() -> None:
    assert hint_for("something entirely new") is None


def test_hints_are_data() -> None:
    assert all(isinstance(p, str) and isinstance(h, str) for p, h in HINTS)


def test_request_and_verify_import_no_network_library() -> None:
    code = (
        "import sys\n"
        "import provision.tokens.request, provision.tokens.store, provision.tokens.verify\n"
        "import provision.tokens.authorize, provision.tokens.http, provision.tokens.hints\n"
        "import provision.tokens.smtp, provision.tokens.errors\n"
        "import provision.tokens.microsoft, provision.tokens.google, provision.tokens.generic\n"
        "loaded = [m for m in ('msal', 'google.auth', 'authlib', 'requests', 'urllib3')\n"
        "          if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
