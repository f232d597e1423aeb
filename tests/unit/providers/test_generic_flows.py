"""Generic OAuth2 modes through authlib against the local IdP: client_secret_post and
private_key_jwt (RFC 7523), client credentials and rotated refresh tokens."""

# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from provision.net.http import make_session
from provision.providers.generic import PROVIDER as GENERIC
from provision.secret import Secret
from provision.tokens.request import TokenError, TokenRequest
from provision.tokens.store import TokenStore
from provision.tokens.verify import acquire_token
from tests.fakes.fixtures import idp, pki  # noqa: F401
from tests.fakes.pki import make_key_pair

SECRET = "S3cr3t-CLIENT-xyzzy"
SENDER = "pbx@example.net"


def _request(idp: Any, pki: Any, mode: str, **changes: Any) -> TokenRequest:
    key = make_key_pair("generic-client").private_pem
    req = TokenRequest(
        identity="other-mail",
        mode=mode,
        provider="generic",
        client_id="pbx",
        client_secret=Secret(SECRET, "env:OTHER_SECRET") if mode == "client_secret_post" else None,
        tenant=None,
        authority="https://login.microsoftonline.com",
        token_endpoint=idp.generic_token_endpoint,
        authorization_url=None,
        sender=SENDER,
        private_key_id="pbx-key-1" if mode == "private_key_jwt" else None,
        private_key=Secret(key, "file:pbx.pem") if mode == "private_key_jwt" else None,
        scope="smtp",
        ca_file=str(pki.ca_file),
    )
    return replace(req, **changes)


def _session(pki: Any) -> Any:
    return make_session(str(pki.ca_file), timeout=5.0, retries=1, backoff_factor=0.0)


def test_client_secret_post_client_credentials(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_client("pbx", secret=SECRET, token_endpoint_auth_method="client_secret_post")
    token = acquire_token(
        _request(idp, pki, "client_secret_post"), GENERIC, TokenStore(tmp_path), _session(pki)
    )
    info = idp.token_info(token.access_token.reveal())
    assert info is not None and info.grant_type == "client_credentials"
    form = [entry for method, path, entry in idp.requests_log if path == "/oauth2/token"][-1]
    assert form["client_id"] == "pbx" and "client_secret" in form  # in the POST body


def test_private_key_jwt_client_credentials(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_client(
        "pbx",
        public_key_pem=make_key_pair("generic-client").public_pem,
        token_endpoint_auth_method="private_key_jwt",
    )
    token = acquire_token(
        _request(idp, pki, "private_key_jwt"), GENERIC, TokenStore(tmp_path), _session(pki)
    )
    assert idp.token_info(token.access_token.reveal()) is not None


def test_private_key_jwt_with_a_foreign_key_fails(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_client("pbx", public_key_pem=make_key_pair("someone-else").public_pem)
    req = _request(idp, pki, "private_key_jwt")
    with pytest.raises(TokenError) as caught:
        acquire_token(req, GENERIC, TokenStore(tmp_path), _session(pki))
    assert "invalid_client" in caught.value.message
    assert req.private_key is not None
    assert req.private_key.reveal().splitlines()[3] not in repr(caught.value)


def test_refresh_grant_rotates_and_is_saved(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_client("pbx", secret=SECRET)
    store = TokenStore(tmp_path)
    seeded = idp.issue_refresh_token("pbx", SENDER, "smtp offline_access")
    store.update("other-mail", refresh_token=Secret(seeded))
    req = _request(idp, pki, "client_secret_post")
    token = acquire_token(req, GENERIC, store, _session(pki))
    info = idp.token_info(token.access_token.reveal())
    assert info is not None and info.subject == SENDER
    rotated = store.load("other-mail").refresh_token
    assert rotated is not None and rotated.reveal() != seeded
    again = acquire_token(req, GENERIC, store, _session(pki), reuse=False)  # the rotated one works
    assert again.access_token != token.access_token


def test_wrong_secret(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_client("pbx", secret="an0ther-S3cr3t-xyzzy")
    with pytest.raises(TokenError) as caught:
        acquire_token(
            _request(idp, pki, "client_secret_post"), GENERIC, TokenStore(tmp_path), _session(pki)
        )
    assert "invalid_client" in caught.value.message
    assert SECRET not in f"{caught.value!r} {caught.value.hint}"
