"""Hints for the errors real deployments hit: each server text maps to the hint meant for it
(the first matching pattern wins, so none may hide a later one), `provision authorize` names
the redirect URI it sent when that is what went wrong, and imports keep `validate` fast."""

# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provision.hints import COMMON_HINTS, Hints, hint_for
from provision.providers import PROVIDERS
from provision.providers.generic.hints import HINTS as GENERIC
from provision.providers.google.hints import GOOGLE_SIGNATURES
from provision.providers.google.hints import HINTS as GOOGLE
from provision.providers.microsoft.hints import ENTRA_HINTS, EXCHANGE_HINTS
from provision.providers.microsoft.hints import HINTS as MICROSOFT
from provision.secret import Secret
from provision.tokens.authorize import authorize
from provision.tokens.loopback import Interaction
from provision.tokens.request import TokenError, TokenRequest
from provision.tokens.store import TokenStore
from tests.fakes._http import free_port
from tests.fakes.clients import Browser
from tests.fakes.fixtures import idp, pki  # noqa: F401

# (table, a server's text as provision reports it, a phrase of the fix meant for it)
SAMPLES: list[tuple[str, str, str]] = [
    # -- Entra: the redirect URI
    (
        "microsoft",
        "invalid_request: AADSTS50011: The redirect URI 'https://pbx.acme.com/OAUTH2-CLIENT/"
        "auth.htm' specified in the request does not match the redirect URIs configured for "
        "the application '0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00'.",
        "Authentication > Web > Redirect URIs",
    ),
    (
        "microsoft",
        "invalid_request: AADSTS500113: No reply address is registered for the application.",
        "Add a platform > Web",
    ),
    # -- consent
    (
        "microsoft",
        "access_denied: AADSTS90094: The grant requires admin permission.",
        "User consent settings",
    ),
    (
        "microsoft",
        "access_denied: AADSTS65004: User declined to consent to access the app.",
        "innovaphone's apps always send prompt=consent",
    ),
    (
        "microsoft",
        "invalid_grant: AADSTS65001: The user or administrator has not consented to use the "
        "application with ID 'x'.",
        "grant admin consent",
    ),
    # -- password sign-in (ROPC)
    (
        "microsoft",
        "invalid_grant: AADSTS530035: Access has been blocked by security defaults. This is "
        "due to the request using legacy auth or being deemed unsafe by security defaults "
        "policies.",
        "Manage security defaults",
    ),
    (
        "microsoft",
        "invalid_grant: AADSTS53003: Access has been blocked by Conditional Access policies. "
        "The access policy does not allow token issuance.",
        "Conditional Access names the policy",
    ),
    ("microsoft", "AADSTS50076: Due to a configuration change made by your admin", "cannot do MFA"),
    ("microsoft", "AADSTS50079: user must enroll", "cannot do MFA"),
    (
        "microsoft",
        "invalid_grant: AADSTS50126: Error validating credentials due to invalid username or "
        "password.",
        "check username and password",
    ),
    (
        "microsoft",
        "invalid_grant: AADSTS50034: The user account {EUII Hidden} does not exist in the "
        "contoso.onmicrosoft.com directory.",
        "user principal name",
    ),
    (
        "microsoft",
        "invalid_grant: AADSTS50057: The user account is disabled.",
        "allow sign-in again",
    ),
    ("microsoft", "invalid_grant: AADSTS50055: The password is expired.", "Reset password"),
    # -- resource and scope
    (
        "microsoft",
        "invalid_resource: AADSTS500011: The resource principal named https://outlook.office.com "
        "was not found in the tenant named Contoso.",
        "set the client's cloud",
    ),
    (
        "microsoft",
        "invalid_client: AADSTS650057: Invalid resource. The client has requested access to a "
        "resource which is not listed in the requested permissions in the client's "
        "application registration.",
        "Microsoft Graph > Delegated permissions > SMTP.Send",
    ),
    (
        "microsoft",
        "invalid_scope: AADSTS70011: The provided value for the input parameter 'scope' is not "
        "valid. The scope https://outlook.office.com/SMTP.SendAsApp is not valid.",
        "never a delegated scope",
    ),
    # -- client authentication
    (
        "microsoft",
        "invalid_client: AADSTS7000218: The request body must contain the following parameter: "
        "'client_assertion' or 'client_secret'.",
        "Allow public client flows: Yes",
    ),
    (
        "microsoft",
        "invalid_client: AADSTS700025: Client is public so neither 'client_assertion' nor "
        "'client_secret' should be presented.",
        "redirect URIs under Web",
    ),
    ("microsoft", "AADSTS7000215: Invalid client secret provided.", "ID was probably pasted"),
    ("microsoft", "AADSTS7000222: The provided client secret keys are expired.", "has expired"),
    (
        "microsoft",
        "invalid_client: AADSTS700027: Client assertion failed signature validation.",
        "Certificates & secrets > Certificates",
    ),
    (
        "microsoft",
        "invalid_client: AADSTS50012: Client assertion contains an invalid signature.",
        "Certificates & secrets > Certificates",
    ),
    (
        "microsoft",
        "unauthorized_client: AADSTS700016: Application with identifier 'x' was not found",
        "check client_id and tenant",
    ),
    (
        "microsoft",
        "invalid_request: AADSTS90002: Tenant 'contoso.example' not found.",
        "check the client's tenant",
    ),
    # -- codes and refresh tokens
    (
        "microsoft",
        "invalid_grant: AADSTS54005: OAuth2 Authorization code was already redeemed, please "
        "retry with a new valid code or use an existing refresh token.",
        "a code works once",
    ),
    (
        "microsoft",
        "invalid_grant: AADSTS70043: The refresh token has expired or is invalid due to "
        "sign-in frequency checks by conditional access.",
        "Session > Sign-in frequency",
    ),
    (
        "microsoft",
        "invalid_grant: AADSTS700082: The refresh token has expired due to inactivity.",
        "90 days by default",
    ),
    (
        "microsoft",
        "invalid_grant: AADSTS70008: The provided authorization code or refresh token has "
        "expired due to inactivity.",
        "90 days by default",
    ),
    (
        "microsoft",
        "invalid_grant: AADSTS50173: The provided grant has expired due to it being revoked.",
        "revoked the mailbox's sessions",
    ),
    (
        "microsoft",
        "authority https://login.example/acme failed: ValueError: Unable to get authority "
        "configuration for https://login.example/acme.",
        "check the client's tenant",
    ),
    # -- Exchange Online SMTP
    (
        "microsoft",
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
        "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
        "Set-TransportConfig -SmtpClientAuthenticationDisabled $false",
    ),
    (
        "microsoft",
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
        "Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.",
        "Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false",
    ),
    (
        "microsoft",
        "535 5.7.139 Authentication unsuccessful, user is locked by your organization's "
        "security defaults policy. Contact your administrator.",
        "instead of its Password field",
    ),
    (
        "microsoft",
        "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
        "what OAuth2 replaces",
    ),
    (
        "microsoft",
        "550 5.7.30 Basic authentication is not supported for Client Submission.",
        "what OAuth2 replaces",
    ),
    (
        "microsoft",
        "535 5.7.139 Authentication unsuccessful, the user credentials were incorrect.",
        "found them wrong",
    ),
    (
        "microsoft",
        "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be "
        "authenticated successfully. Contact your administrator.",
        "refused the sign-in by policy",
    ),
    (
        "microsoft",
        "535 5.7.139 Authentication unsuccessful, the organization configuration does not allow",
        "disabled or refused by policy",
    ),
    (
        "microsoft",
        "sender pbx@acme.com refused: 530 5.7.57 Client not authenticated to send mail. "
        "[DB6PR0202CA0011.eurprd02.prod.outlook.com]",
        "offers AUTH only after STARTTLS",
    ),
    (
        "microsoft",
        "message refused: 550 5.7.60 SMTP; Client does not have permissions to send as this sender",
        "Add-RecipientPermission",
    ),
    (
        "microsoft",
        "AUTH XOAUTH2 for pbx@acme.com refused: 535 5.7.3 Authentication unsuccessful "
        "[AM0PR01CA0000.eurprd01.prod]",
        "New-ServicePrincipal -AppId",
    ),
    # -- Google
    ("google", "redirect_uri_mismatch: Bad Request", "Authorized redirect URIs"),
    (
        "google",
        "unauthorized_client: Client is unauthorized to retrieve access tokens using this "
        "method, or client not authorized for any of the scopes requested.",
        "numeric Client ID",
    ),
    (
        "google",
        "authorization refused: admin_policy_enforced: Access blocked by the administrator",
        "Manage Third-Party App Access",
    ),
    ("google", "authorization refused: org_internal", "User type to External"),
    ("google", "invalid_grant: Token has been expired or revoked.", 'in "Testing"'),
    ("google", "invalid_grant: Bad Request", "7 days after consent"),
    (
        "google",
        "535 5.7.8 Username and Password not accepted. For more information, go to 5.7.8 "
        "https://support.google.com/mail/?p=BadCredentials",
        "https://mail.google.com/",
    ),
    ("google", "AUTH XOAUTH2 for a@b.example refused: 535 5.7.8 (status=400)", "Gmail refused"),
    ("google", "authorization refused: access_denied", "Audience > Test users"),
    # -- generic: the identity provider's words
    ("generic", "redirect_uri_mismatch: the redirect URI is not registered", "exactly as sent"),
    ("generic", "invalid_grant: refresh token expired", "run `provision authorize` again"),
    # -- what any peer may say
    (
        "common",
        "invalid_request: The redirect URI 'http://x/' does not match a registered one",
        "register it with the client exactly as sent",
    ),
    ("common", "authorization refused: access_denied: the user said no", "sign in again"),
    ("common", "invalid_client: bad secret", "check client id and client secret"),
    ("common", "token request failed: with a redirect to https://x/: refused", "never follows"),
    ("common", "an answer of 30,000,000 bytes: refused", "far larger than any token"),
    ("common", "too_many_requests: slow down", "throttling"),
    ("common", "HTTPError: 503 Server Error: Service Unavailable", "temporarily unavailable"),
    ("common", "certificate verify failed: unable to get local issuer", "ca_file"),
    ("common", "TLS failed: WRONG_VERSION_NUMBER", "does not speak implicit TLS"),
    ("common", "Read timed out. (read timeout=0.5)", "did not answer in time"),
    ("common", "cannot connect: Connection refused", "cannot be reached"),
    (
        "common",
        "AUTH XOAUTH2 for a@b.example refused: 535 5.7.8 Error: authentication failed",
        "the scope this mail server accepts",
    ),
]

TABLES: dict[str, Hints] = {
    "microsoft": MICROSOFT,
    "google": GOOGLE,
    "generic": GENERIC,
    "common": (),
}


def _first(table: Hints, text: str) -> int | None:
    """The index of the entry of `table` that answers `text`."""
    for index, (pattern, _) in enumerate(table):
        if re.search(pattern, text, re.IGNORECASE | re.DOTALL):
            return index
    return None


@pytest.mark.parametrize(("table", "text", "phrase"), SAMPLES, ids=lambda v: str(v)[:40])
def test_each_server_text_gets_the_hint_meant_for_it(table: str, text: str, phrase: str) -> None:
    hint = hint_for(text, (TABLES[table],))
    assert hint is not None and phrase in hint, hint


@pytest.mark.parametrize("name", ["common", "microsoft", "google", "generic"])
def test_no_entry_is_hidden_behind_an_earlier_one(name: str) -> None:
    # every entry answers at least one real text first: none is shadowed entirely
    table = COMMON_HINTS if name == "common" else TABLES[name]
    reached = {_first(table, text) for _, text, _ in SAMPLES}
    unreached = [pattern for index, (pattern, _) in enumerate(table) if index not in reached]
    assert unreached == []


@pytest.mark.parametrize(
    ("code", "longer"),
    [
        ("50011", "500113"),
        ("50012", "500121"),
        ("53003", "530035"),
        ("65004", "650047"),
        ("70011", "700110"),
        ("50034", "500341"),
    ],
)
def test_a_code_never_takes_the_hint_of_a_longer_one(code: str, longer: str) -> None:
    short = hint_for(f"AADSTS{code}: x", (MICROSOFT,))
    assert short is not None
    assert hint_for(f"AADSTS{longer}: x", (MICROSOFT,)) != short


def test_generic_clients_at_entra_or_google_get_their_hints() -> None:
    # innovaphone's howto configures Entra and Google as its generic examples
    signatures = {pattern for pattern, _ in (*ENTRA_HINTS, *EXCHANGE_HINTS, *GOOGLE_SIGNATURES)}
    checked = 0
    for table, text, _ in SAMPLES:
        if table in ("microsoft", "google"):
            own = _first(TABLES[table], text)
            assert own is not None
            if TABLES[table][own][0] in signatures:
                assert hint_for(text, (GENERIC,)) == hint_for(text, (TABLES[table],)), text
                checked += 1
    assert checked > 40


def test_an_smtp_reply_is_not_taken_for_an_unavailable_identity_provider() -> None:
    assert hint_for("AUTH XOAUTH2 failed: 503 5.5.1 Bad sequence of commands") is None
    assert hint_for("HTTPError: 503 Server Error") is not None


def test_the_providers_use_these_tables() -> None:
    assert PROVIDERS["microsoft"].hints is MICROSOFT
    assert PROVIDERS["google"].hints is GOOGLE
    assert PROVIDERS["generic"].hints is GENERIC


def test_unknown_text_has_no_hint() -> None:
    assert hint_for("something entirely new", [p.hints for p in PROVIDERS.values()]) is None


def test_hints_are_plain_text() -> None:
    tables = [COMMON_HINTS, *(p.hints for p in PROVIDERS.values())]
    for table in tables:
        for pattern, hint in table:
            re.compile(pattern)
            assert isinstance(hint, str) and "{" not in hint and hint.endswith("."), hint


# -- provision authorize names the redirect URI it sent -------------------------------------

SECRET = "S3cr3t-HINTS-client-xyzzy"


def _authorize(idp: Any, pki: Any, tmp_path: Path, provider: str, port: int) -> TokenError:
    if provider == "microsoft":
        where = {"tenant": "acme.com", "authority": idp.authority, "token_endpoint": ""}
        mode, base = "exchange", idp.entra_authorize_url("acme.com")
    else:
        where = {"tenant": None, "authority": None, "token_endpoint": idp.google_token_uri}
        mode, base = "gmail", idp.google_authorize_url
    req = TokenRequest(
        identity="acme-mail",
        mode=mode,  # type: ignore[arg-type]
        provider=provider,  # type: ignore[arg-type]
        client_id="app-1",
        client_secret=Secret(SECRET),
        authorization_url=base,
        sender="pbx@acme.com",
        ca_file=str(pki.ca_file),
        **where,
    )
    browser = Browser(pki)
    with pytest.raises(TokenError) as caught:
        authorize(
            req,
            PROVIDERS[provider],  # type: ignore[index]
            TokenStore(tmp_path),
            Interaction(browser, port=port, timeout=1.0),
        )
    assert browser.thread is not None
    browser.thread.join(5)
    error = caught.value
    assert SECRET not in f"{error} {error!r} {error.hint}"
    return error


def test_a_redirect_uri_refused_in_the_browser_is_named_when_no_answer_comes(
    idp: Any, pki: Any, tmp_path: Path
) -> None:
    # Entra shows AADSTS50011 on its own page: provision only sees that nothing came back.
    idp.add_client("app-1", secret=SECRET, redirect_uris=["https://pbx.acme.com/auth.htm"])
    idp.add_user("pbx@acme.com", "pw")
    port = free_port()
    error = _authorize(idp, pki, tmp_path, "microsoft", port)
    assert "no authorization response" in error.message
    assert error.hint is not None
    assert f"provision sent http://localhost:{port}/, which the client does not allow" in (
        error.hint
    )
    assert "App registrations > the app > Authentication > Web > Redirect URIs" in error.hint


@pytest.mark.parametrize(
    ("provider", "answer", "phrase"),
    [
        (
            "microsoft",
            {
                "error": "invalid_request",
                "aadsts": 50011,
                "description": "The redirect URI specified in the request does not match.",
            },
            "Authentication > Web > Redirect URIs",
        ),
        (
            "google",
            {"error": "redirect_uri_mismatch", "description": "Bad Request"},
            "Authorized redirect URIs",
        ),
    ],
)
def test_a_redirect_uri_refused_at_the_token_endpoint_is_named(
    idp: Any, pki: Any, tmp_path: Path, provider: str, answer: dict[str, Any], phrase: str
) -> None:
    port = free_port()
    sent = f"http://localhost:{port}/"
    idp.add_client("app-1", secret=SECRET, redirect_uris=[sent])
    idp.add_user("pbx@acme.com", "pw")
    fields = dict(answer)
    idp.answer_error_next(fields.pop("error"), **fields, form={"grant_type": "authorization_code"})
    error = _authorize(idp, pki, tmp_path, provider, port)
    assert error.hint is not None and phrase in error.hint
    assert error.hint.endswith(f"provision sent the redirect URI {sent}.")


def test_other_authorization_failures_name_no_redirect_uri(
    idp: Any, pki: Any, tmp_path: Path
) -> None:
    port = free_port()
    idp.add_client("app-1", secret=SECRET, redirect_uris=[f"http://localhost:{port}/"])
    idp.add_user("pbx@acme.com", "pw")
    idp.answer_error_next(
        "access_denied",
        "User declined to consent to access the app.",
        aadsts=65004,
        path_contains="/authorize",
    )
    error = _authorize(idp, pki, tmp_path, "microsoft", port)
    assert "AADSTS65004" in error.message
    assert error.hint is not None and "prompt=consent" in error.hint
    assert "provision sent" not in error.hint


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
