"""Hints for the errors real deployments hit, and imports that keep `validate` fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

from provision.hints import COMMON_HINTS, hint_for
from provision.providers import PROVIDERS


@pytest.mark.parametrize(
    ("provider", "text", "expected"),
    [
        ("microsoft", "AADSTS7000215: Invalid client secret provided.", "ID was probably pasted"),
        ("microsoft", "AADSTS7000222: The provided client secret keys are expired.", "expired"),
        ("microsoft", "AADSTS65001: The user or administrator has not consented", "consent"),
        ("microsoft", "AADSTS50076: Due to a configuration change made by your admin", "MFA"),
        ("microsoft", "AADSTS50079: user must enroll", "MFA"),
        ("google", "invalid_grant: Token has been expired or revoked.", "7 days"),
        ("generic", "invalid_grant: Token has been expired or revoked.", "authorize"),
        ("google", "unauthorized_client: Client is unauthorized", "mail.google.com"),
        (
            "microsoft",
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled",
            "Set-TransportConfig -SmtpClientAuthenticationDisabled $false",
        ),
        (
            "microsoft",
            "535 5.7.139 Authentication unsuccessful, user is locked by your organization's "
            "security defaults policy",
            "Security Defaults",
        ),
        ("microsoft", "535 5.7.3 Authentication unsuccessful", "SMTP.SendAsApp"),
        ("google", "535-5.7.8 Username and Password not accepted", "https://mail.google.com/"),
        ("google", "certificate verify failed: unable to get local issuer", "ca_file"),
        ("generic", "Read timed out. (read timeout=0.5)", "did not answer in time"),
    ],
)
def test_known_errors_get_their_hint(provider: str, text: str, expected: str) -> None:
    hint = hint_for(text, (PROVIDERS[provider].hints,))  # type: ignore[index]
    assert hint is not None and expected in hint


def test_unknown_text_has_no_hint() -> None:
    assert hint_for("something entirely new", [p.hints for p in PROVIDERS.values()]) is None


def test_hints_are_data() -> None:
    tables = [COMMON_HINTS, *(p.hints for p in PROVIDERS.values())]
    assert all(isinstance(p, str) and isinstance(h, str) for table in tables for p, h in table)


def test_token_and_provider_modules_import_no_network_library() -> None:
    code = (
        "import sys\n"
        "import provision.tokens.request, provision.tokens.store, provision.tokens.verify\n"
        "import provision.tokens.authorize, provision.net.http, provision.hints\n"
        "import provision.tokens.smtp, provision.tokens.errors, provision.tokens.oauth\n"
        "import provision.providers.microsoft.flows, provision.providers.google.flows\n"
        "import provision.providers.generic.flows, provision.providers.microsoft.graph\n"
        "loaded = [m for m in ('msal', 'google.auth', 'authlib', 'requests', 'urllib3')\n"
        "          if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
