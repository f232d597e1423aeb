"""Microsoft modes through the real MSAL against the local Entra double: ROPC
(`microsoft365`), refresh tokens (`exchange`), client credentials, and the errors admins
meet (with their hints). No secret ever shows in an error."""

# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from provision.net.http import make_session
from provision.providers.microsoft import PROVIDER as MICROSOFT
from provision.providers.microsoft.flows import acquire_client_credentials
from provision.secret import Secret
from provision.tokens.request import TokenError, TokenRequest
from provision.tokens.store import TokenStore
from provision.tokens.verify import acquire_token
from tests.fakes.fixtures import idp, pki  # noqa: F401

SECRET = "S3cr3t-CLIENT-xyzzy"
PASSWORD = "P4ssw0rd-USER-xyzzy"
CLIENT = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
TENANT = "acme.com"
USER = "fax@acme.com"
SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"


@pytest.fixture
def entra(idp: Any) -> Any:
    idp.add_client(CLIENT, secret=SECRET, redirect_uris=["http://localhost"])
    idp.add_user(USER, PASSWORD)
    idp.add_user("mfa@acme.com", PASSWORD, mfa=True)
    return idp


def _request(idp: Any, pki: Any, mode: str = "microsoft365", **changes: Any) -> TokenRequest:
    req = TokenRequest(
        identity="acme-ropc",
        mode=mode,
        provider="microsoft",
        client_id=CLIENT,
        client_secret=Secret(SECRET, "env:ACME_AZURE_SECRET"),
        tenant=TENANT,
        authority=idp.authority,
        token_endpoint=idp.entra_token_endpoint(TENANT),
        authorization_url=idp.entra_authorize_url(TENANT) if mode == "exchange" else None,
        sender=USER,
        password=Secret(PASSWORD, "env:ACME_FAX_PASSWORD") if mode == "microsoft365" else None,
        ca_file=str(pki.ca_file),
    )
    return replace(req, **changes)


def _session(pki: Any, **kwargs: Any) -> requests.Session:
    options: dict[str, Any] = {"timeout": 5.0, "retries": 2, "backoff_factor": 0.0}
    options.update(kwargs)
    return make_session(str(pki.ca_file), **options)


def _assert_no_secret(*things: object) -> None:
    for thing in things:
        text = f"{thing!s} {thing!r} {getattr(thing, 'hint', '')}"
        for value in (SECRET, PASSWORD):
            assert value not in text


def test_microsoft365_password_grant(entra: Any, pki: Any, tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    token = acquire_token(_request(entra, pki), MICROSOFT, store, _session(pki))
    assert entra.check_access_token(
        token.access_token.reveal(), mailbox=USER, scope_contains="SMTP.Send"
    )
    assert token.valid_for() > 3000
    _assert_no_secret(token, token.access_token)
    # user realm discovery went to the IdP's port, not to 127.0.0.1:443
    assert any("/common/userrealm/" in path for _, path, _ in entra.requests_log)


def test_a_cached_token_is_reused_only_when_asked_and_for_today_s_credentials(
    entra: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    store = TokenStore(tmp_path)
    first = acquire_token(_request(entra, pki), MICROSOFT, store, _session(pki))
    posts = len([r for r in entra.requests_log if r[0] == "POST"])
    again = acquire_token(_request(entra, pki), MICROSOFT, store, _session(pki), reuse=True)
    assert again.access_token == first.access_token
    assert len([r for r in entra.requests_log if r[0] == "POST"]) == posts
    fresh = acquire_token(_request(entra, pki), MICROSOFT, store, _session(pki))
    assert fresh.access_token != first.access_token  # by default: asked anew
    # a changed password makes the cached token unusable: the identity provider is asked
    wrong = _request(entra, pki, password=Secret("wr0ng-P4ssw0rd-xyzzy"))
    with pytest.raises(TokenError, match="AADSTS50126"):
        acquire_token(wrong, MICROSOFT, store, _session(pki), reuse=True)


@pytest.mark.parametrize(
    ("setup", "changes", "code", "hint_words"),
    [
        (None, {"client_secret": Secret("wrong-S3cr3t-xyzzy")}, "AADSTS7000215", "Value"),
        ("expire_secret", {}, "AADSTS7000222", "expired"),
        ("require_consent", {}, "AADSTS65001", "consent"),
        (None, {"password": Secret("wrong-P4ssw0rd-xyzzy")}, "AADSTS50126", "password"),
        (None, {"username": "mfa@acme.com"}, "AADSTS50076", "MFA"),
    ],
)
def test_entra_errors_carry_hints(
    entra: Any,
    pki: Any,
    tmp_path: Path,
    setup: str | None,
    changes: dict[str, Any],
    code: str,
    hint_words: str,
) -> None:
    if setup:
        getattr(entra, setup)(CLIENT)
    req = _request(entra, pki, **changes)
    with pytest.raises(TokenError) as caught:
        acquire_token(req, MICROSOFT, TokenStore(tmp_path), _session(pki))
    error = caught.value
    assert code in error.message and error.message.startswith("acme-ropc: ")
    assert "Trace ID" not in error.message  # only the first line of Entra's description
    assert error.hint is not None and hint_words in error.hint
    assert not error.needs_authorization
    _assert_no_secret(error)
    for secret in req.secrets():
        assert secret.reveal() not in f"{error} {error!r} {error.hint}"


def test_exchange_never_authorized_needs_authorization(
    entra: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    with pytest.raises(TokenError) as caught:
        acquire_token(
            _request(entra, pki, "exchange"), MICROSOFT, TokenStore(tmp_path), _session(pki)
        )
    assert caught.value.needs_authorization
    assert caught.value.hint is not None and "provision authorize" in caught.value.hint


def test_exchange_refresh_token_is_rotated_and_saved(
    entra: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    store = TokenStore(tmp_path)
    seeded = entra.issue_refresh_token(CLIENT, USER, f"{SMTP_SCOPE} offline_access")
    store.update("acme-mail", refresh_token=Secret(seeded))
    req = _request(entra, pki, "exchange", identity="acme-mail")
    token = acquire_token(req, MICROSOFT, store, _session(pki))
    assert entra.check_access_token(token.access_token.reveal(), mailbox=USER)
    stored = store.load("acme-mail")
    assert stored.refresh_token is not None and stored.refresh_token.reveal() != seeded
    assert stored.msal_cache is not None
    # the old refresh token is spent; the saved one works (through MSAL's cache or itself)
    again = acquire_token(req, MICROSOFT, store, _session(pki), reuse=False)
    assert again.access_token != token.access_token
    assert store.load("acme-mail").refresh_token != stored.refresh_token
    raw = json.loads(store.path("acme-mail").read_text())
    assert SECRET not in json.dumps(raw)


def test_exchange_expired_refresh_token_needs_authorization(
    entra: Any, pki: Any, tmp_path: Path
) -> None:
    store = TokenStore(tmp_path)
    seeded = entra.issue_refresh_token(CLIENT, USER, f"{SMTP_SCOPE} offline_access")
    entra.expire_refresh_token(seeded)
    store.update("acme-mail", refresh_token=Secret(seeded))
    req = _request(entra, pki, "exchange", identity="acme-mail")
    with pytest.raises(TokenError) as caught:
        acquire_token(req, MICROSOFT, store, _session(pki))
    assert caught.value.needs_authorization and "invalid_grant" in caught.value.message
    assert caught.value.hint is not None and "provision authorize" in caught.value.hint
    assert seeded not in f"{caught.value!r} {caught.value.hint}"


def test_client_credentials_for_app_only_smtp(
    entra: Any,
    pki: Any,
) -> None:
    token = acquire_client_credentials(_request(entra, pki), session=_session(pki))
    info = entra.token_info(token.access_token.reveal())
    assert info is not None and info.subject is None
    assert "outlook.office365.com" in " ".join(info.scopes)


def test_429_with_retry_after_succeeds_after_the_wait(
    entra: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    entra.fail_next(429, retry_after=1)
    started = time.monotonic()
    token = acquire_token(_request(entra, pki), MICROSOFT, TokenStore(tmp_path), _session(pki))
    assert time.monotonic() - started >= 0.9  # Retry-After was honoured
    assert entra.check_access_token(token.access_token.reveal(), mailbox=USER)


def test_retry_after_is_capped(entra: Any, pki: Any, tmp_path: Path) -> None:
    entra.fail_next(503, retry_after=60)
    started = time.monotonic()
    acquire_token(
        _request(entra, pki), MICROSOFT, TokenStore(tmp_path), _session(pki, retry_after_max=0.2)
    )
    assert time.monotonic() - started < 5


def test_persistent_429_fails_with_the_idp_error(
    entra: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    entra.fail_next(429, count=10, retry_after=0)
    with pytest.raises(TokenError) as caught:
        acquire_token(
            _request(entra, pki), MICROSOFT, TokenStore(tmp_path), _session(pki, retries=1)
        )
    assert "AADSTS90033" in caught.value.message or "429" in caught.value.message


def test_hanging_token_endpoint_times_out_quickly(
    entra: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    entra.hang_next(10)
    started = time.monotonic()
    with pytest.raises(TokenError) as caught:
        acquire_token(
            _request(entra, pki), MICROSOFT, TokenStore(tmp_path), _session(pki, timeout=0.5)
        )
    assert time.monotonic() - started < 3
    assert "timed out" in caught.value.message.lower()
    assert caught.value.hint is not None and "in time" in caught.value.hint
    _assert_no_secret(caught.value)


def test_untrusted_idp_certificate_is_refused(
    entra: Any,
    tmp_path: Path,
    pki: Any,
) -> None:
    req = _request(entra, pki, ca_file=None)
    with pytest.raises(TokenError) as caught:
        acquire_token(
            req, MICROSOFT, TokenStore(tmp_path), make_session(None, timeout=5, retries=0)
        )
    assert caught.value.hint is not None and "ca_file" in caught.value.hint
