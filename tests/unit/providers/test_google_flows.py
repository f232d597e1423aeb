"""Google modes through the real google-auth against the local IdP: a service account with
domain-wide delegation, and gmail refresh tokens; the errors and their hints."""

# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from provision.net.http import make_session
from provision.providers.google import PROVIDER as GOOGLE
from provision.secret import Secret
from provision.tokens.request import TokenError, TokenRequest
from provision.tokens.store import TokenStore
from provision.tokens.verify import acquire_token
from tests.fakes.fixtures import idp, pki  # noqa: F401
from tests.fakes.pki import make_key_pair

SECRET = "S3cr3t-CLIENT-xyzzy"
CLIENT = "1234-abc.apps.googleusercontent.com"
SA_EMAIL = "pbx-mailer@acme-project.iam.gserviceaccount.com"
SENDER = "pbx@acme.com"
GMAIL_SCOPE = "https://mail.google.com/"


def _sa_request(idp: Any, pki: Any, **changes: Any) -> TokenRequest:
    keys = make_key_pair("service-account")
    req = TokenRequest(
        identity="acme-sa",
        mode="google_service_account",
        provider="google",
        client_id="1098765432101234567890",
        client_secret=None,
        tenant=None,
        authority="https://login.microsoftonline.com",
        token_endpoint=idp.google_token_uri,
        authorization_url=None,
        sender=SENDER,
        client_email=SA_EMAIL,
        private_key_id="k3y-id-1",
        private_key=Secret(keys.private_pem, "file:secrets/acme-sa.json"),
        ca_file=str(pki.ca_file),
    )
    return replace(req, **changes)


def _gmail_request(idp: Any, pki: Any, **changes: Any) -> TokenRequest:
    req = TokenRequest(
        identity="acme-gmail",
        mode="gmail",
        provider="google",
        client_id=CLIENT,
        client_secret=Secret(SECRET, "file:acme-google.json"),
        tenant=None,
        authority="https://login.microsoftonline.com",
        token_endpoint=idp.google_token_uri,
        authorization_url=f"{idp.google_authorize_url}?access_type=offline&scope={GMAIL_SCOPE}",
        sender=SENDER,
        ca_file=str(pki.ca_file),
    )
    return replace(req, **changes)


def _session(pki: Any) -> Any:
    return make_session(str(pki.ca_file), timeout=5.0, retries=1, backoff_factor=0.0)


def _key_body(req: TokenRequest) -> str:
    assert req.private_key is not None
    return req.private_key.reveal().splitlines()[5]  # a line from the middle of the PEM


def test_service_account_with_delegation(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_service_account(
        SA_EMAIL, make_key_pair("service-account").public_pem, private_key_id="k3y-id-1"
    )
    token = acquire_token(_sa_request(idp, pki), GOOGLE, TokenStore(tmp_path), _session(pki))
    assert idp.check_access_token(
        token.access_token.reveal(), mailbox=SENDER, scope_contains="mail.google.com"
    )
    assert token.expires_at.tzinfo is not None and token.valid_for() > 3000


def test_service_account_without_delegation_is_unauthorized_client(
    idp: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    idp.add_service_account(SA_EMAIL, make_key_pair("service-account").public_pem, delegated=False)
    req = _sa_request(idp, pki)
    with pytest.raises(TokenError) as caught:
        acquire_token(req, GOOGLE, TokenStore(tmp_path), _session(pki))
    error = caught.value
    assert "unauthorized_client" in error.message
    assert error.hint is not None and "delegation" in error.hint
    assert "https://mail.google.com/" in error.hint
    assert _key_body(req) not in f"{error} {error!r} {error.hint}"


def test_service_account_with_a_broken_key(idp: Any, pki: Any, tmp_path: Path) -> None:
    req = _sa_request(idp, pki, private_key=Secret("-----BEGIN PRIVATE KEY-----\nS3cr3t-KEY-xyzzy"))
    with pytest.raises(TokenError) as caught:
        acquire_token(req, GOOGLE, TokenStore(tmp_path), _session(pki))
    assert "private key" in caught.value.message
    assert "S3cr3t-KEY-xyzzy" not in f"{caught.value!r} {caught.value.hint}"


def test_gmail_refresh_token(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_client(CLIENT, secret=SECRET)
    store = TokenStore(tmp_path)
    seeded = idp.issue_refresh_token(CLIENT, SENDER, GMAIL_SCOPE)
    store.update("acme-gmail", refresh_token=Secret(seeded))
    token = acquire_token(_gmail_request(idp, pki), GOOGLE, store, _session(pki))
    assert idp.check_access_token(token.access_token.reveal(), mailbox=SENDER)
    assert store.load("acme-gmail").refresh_token == Secret(seeded)  # Google does not rotate
    assert store.load("acme-gmail").access_token == token.access_token


def test_gmail_expired_refresh_token_hints_at_testing_mode(
    idp: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    idp.add_client(CLIENT, secret=SECRET)
    store = TokenStore(tmp_path)
    seeded = idp.issue_refresh_token(CLIENT, SENDER, GMAIL_SCOPE)
    idp.expire_refresh_token(seeded)
    store.update("acme-gmail", refresh_token=Secret(seeded))
    with pytest.raises(TokenError) as caught:
        acquire_token(_gmail_request(idp, pki), GOOGLE, store, _session(pki))
    error = caught.value
    assert "invalid_grant" in error.message and error.needs_authorization
    assert error.hint is not None and "7 days" in error.hint and "publish" in error.hint
    for value in (SECRET, seeded):
        assert value not in f"{error} {error!r} {error.hint}"


def test_gmail_never_authorized(idp: Any, pki: Any, tmp_path: Path) -> None:
    with pytest.raises(TokenError) as caught:
        acquire_token(_gmail_request(idp, pki), GOOGLE, TokenStore(tmp_path), _session(pki))
    assert caught.value.needs_authorization


def test_gmail_wrong_client_secret(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_client(CLIENT, secret="an0ther-S3cr3t-xyzzy")
    store = TokenStore(tmp_path)
    store.update(
        "acme-gmail", refresh_token=Secret(idp.issue_refresh_token(CLIENT, SENDER, GMAIL_SCOPE))
    )
    with pytest.raises(TokenError) as caught:
        acquire_token(_gmail_request(idp, pki), GOOGLE, store, _session(pki))
    assert "invalid_client" in caught.value.message
    assert SECRET not in repr(caught.value)
