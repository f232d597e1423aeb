# ruff: noqa: E402, F811
# (E402: sys.path fix-up below; F811: fixtures imported by name and used as arguments)
"""Self-tests of the local test servers, driven by the REAL client libraries.

MSAL, google-auth, authlib and smtplib talk to tests.fakes.* over TLS on
127.0.0.1 exactly as the product will; nothing here touches another address.
"""

from __future__ import annotations

import base64
import json
import smtplib
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

# Until the root tests/conftest.py exists, make ``import tests.fakes`` work when
# this file is run on its own (pytest puts only tests/unit on sys.path then).
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import msal
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.requests_client import OAuthError as AuthlibOAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from google.auth.exceptions import RefreshError
from google.oauth2 import credentials as google_user_credentials
from google.oauth2 import service_account

from tests.fakes.clients import (
    PortPreservingHttpClient,
    google_request,
    tls_session,
)
from tests.fakes.fixtures import graph, idp, pki, smtp_server, tls_http  # noqa: F401
from tests.fakes.graph import LocalGraph
from tests.fakes.idp import GMAIL_SCOPE, LocalIdP
from tests.fakes.pki import PKI, make_key_pair, make_pki
from tests.fakes.smtp import AuthAttempt, LocalSMTP

TENANT = "acme.onmicrosoft.com"
CLIENT_ID = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
SECRET = "Fz~8Q~real-secret-value"
SMTP_SEND = "https://outlook.office.com/SMTP.Send"
EXO_DEFAULT = "https://outlook.office365.com/.default"
GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
USER = "fax@acme.com"
PASSWORD = "correct horse"
TIMEOUT = 5


@pytest.fixture(autouse=True)
def _no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every server used by a test must end it without handler exceptions."""
    yield
    for name in ("idp", "graph"):
        server = request.node.funcargs.get(name)
        if server is not None:
            assert server.errors == [], server.errors[0]


def msal_app(
    pki: PKI, server: LocalIdP, *, secret: str = SECRET, tenant: str = TENANT
) -> tuple[msal.ConfidentialClientApplication, PortPreservingHttpClient]:
    """A fresh MSAL app (MSAL caches 400s and throttles per app object).

    The http_client wrapper is the ROPC workaround: MSAL's user realm discovery
    builds ``https://127.0.0.1/common/userrealm/...`` without the port.
    """
    http = PortPreservingHttpClient(tls_session(pki), server.base_url, timeout=TIMEOUT)
    app = msal.ConfidentialClientApplication(
        CLIENT_ID,
        client_credential=secret,
        authority=f"{server.authority}/{tenant}",
        instance_discovery=False,
        http_client=http,
    )
    return app, http


def posts(server: LocalIdP | LocalGraph, path_suffix: str = "") -> int:
    return sum(1 for m, p, _ in server.requests_log if m == "POST" and p.endswith(path_suffix))


def xoauth2(mailbox: str, token: str) -> Callable[..., str]:
    """An smtplib authobject: the XOAUTH2 response first, then "" for the error challenge."""
    seen: list[bytes | None] = []

    def auth(challenge: bytes | None = None) -> str:
        seen.append(challenge)
        if challenge:  # the base64 JSON error challenge: answer with an empty line
            return ""
        return f"user={mailbox}\x01auth=Bearer {token}\x01\x01"

    auth.seen = seen  # type: ignore[attr-defined]
    return auth


def smtp_connect(server: LocalSMTP, pki: PKI, timeout: float = TIMEOUT) -> smtplib.SMTP:
    client = smtplib.SMTP(server.host, server.port, local_hostname="localhost", timeout=timeout)
    client.starttls(context=pki.client_context())
    client.ehlo()
    return client


# ---------------------------------------------------------------------------
# PKI


def test_pki_files_and_cached_material(pki: PKI, tmp_path: Path) -> None:
    again = make_pki(tmp_path / "other")
    assert again.ca_file.read_bytes() == pki.ca_file.read_bytes()  # cached per process
    assert b"BEGIN CERTIFICATE" in pki.cert_file.read_bytes()
    assert (pki.key_file.stat().st_mode & 0o077) == 0
    assert pki.server_context() is not pki.server_context()


# ---------------------------------------------------------------------------
# Entra with MSAL


def test_msal_ropc_success_cache_and_rotating_refresh(pki: PKI, idp: LocalIdP) -> None:
    idp.add_client(CLIENT_ID, secret=SECRET)
    idp.add_user(USER, PASSWORD)
    app, http = msal_app(pki, idp)

    result = app.acquire_token_by_username_password(USER, PASSWORD, scopes=[SMTP_SEND])
    assert "access_token" in result, result
    token = result["access_token"]
    assert 1500 <= len(token) <= 3000
    assert idp.check_access_token(token, mailbox=USER.upper(), scope_contains="smtp.send")
    assert not idp.check_access_token(token, mailbox="other@acme.com")
    assert result["id_token_claims"]["preferred_username"] == USER
    # the port-dropping user realm URL was rewritten and answered "Managed"
    assert http.rewritten == [f"https://127.0.0.1/common/userrealm/{USER}?api-version=1.0"]
    assert ("GET", f"/common/userrealm/{USER}", {"api-version": "1.0"}) in idp.requests_log
    form = next(f for m, p, f in idp.requests_log if m == "POST")
    assert form["password"] == "***" and form["client_secret"] == "***"
    assert form["grant_type"] == "password" and form["username"] == USER

    # client_info + id_token let MSAL build an account; silent hits the cache
    (account,) = app.get_accounts(username=USER)
    before = posts(idp)
    cached = app.acquire_token_silent([SMTP_SEND], account=account)
    assert cached and cached["access_token"] == token and posts(idp) == before
    # forced refreshes use the rotated refresh token each time
    first = app.acquire_token_silent([SMTP_SEND], account=account, force_refresh=True)
    second = app.acquire_token_silent([SMTP_SEND], account=account, force_refresh=True)
    assert first and second and first["access_token"] != second["access_token"]
    assert posts(idp) == before + 2
    assert idp.check_access_token(second["access_token"], mailbox=USER)


@pytest.mark.parametrize(
    ("setup", "password", "secret", "aadsts", "error"),
    [
        ("", "wrong", SECRET, 50126, "invalid_grant"),
        ("mfa", PASSWORD, SECRET, 50076, "invalid_grant"),
        ("", PASSWORD, "the-secret-id-not-the-value", 7000215, "invalid_client"),
        ("expire_secret", PASSWORD, SECRET, 7000222, "invalid_client"),
        ("require_consent", PASSWORD, SECRET, 65001, "invalid_grant"),
    ],
    ids=["bad-password", "mfa", "wrong-secret", "expired-secret", "no-consent"],
)
def test_msal_ropc_errors(
    pki: PKI, idp: LocalIdP, setup: str, password: str, secret: str, aadsts: int, error: str
) -> None:
    idp.add_client(CLIENT_ID, secret=SECRET)
    idp.add_user(USER, PASSWORD, mfa=setup == "mfa")
    if setup == "expire_secret":
        idp.expire_secret(CLIENT_ID)
    if setup == "require_consent":
        idp.require_consent(CLIENT_ID)
    app, _ = msal_app(pki, idp, secret=secret)
    result = app.acquire_token_by_username_password(USER, password, scopes=[SMTP_SEND])
    assert "access_token" not in result
    assert result["error"] == error
    assert result["error_codes"] == [aadsts]
    assert result["error_description"].startswith(f"AADSTS{aadsts}:")
    assert idp.access_tokens == []


def test_msal_refresh_token_rotation(pki: PKI, idp: LocalIdP) -> None:
    idp.add_client(CLIENT_ID, secret=SECRET)
    seeded = idp.issue_refresh_token(CLIENT_ID, USER, f"{SMTP_SEND} offline_access")
    app, _ = msal_app(pki, idp)
    result = app.acquire_token_by_refresh_token(seeded, scopes=[SMTP_SEND])
    assert "access_token" in result, result
    assert idp.check_access_token(result["access_token"], mailbox=USER, scope_contains="SMTP")
    rotated = result["refresh_token"]
    assert rotated != seeded

    again, _ = msal_app(pki, idp)
    reused = again.acquire_token_by_refresh_token(seeded, scopes=[SMTP_SEND])
    assert reused["error"] == "invalid_grant" and reused["error_codes"] == [50173]
    ok = again.acquire_token_by_refresh_token(rotated, scopes=[SMTP_SEND])
    assert "access_token" in ok, ok

    idp.expire_refresh_token(ok["refresh_token"])
    third, _ = msal_app(pki, idp)
    expired = third.acquire_token_by_refresh_token(ok["refresh_token"], scopes=[SMTP_SEND])
    assert expired["error_codes"] == [700082]


def test_msal_client_credentials(pki: PKI, idp: LocalIdP) -> None:
    idp.add_client(CLIENT_ID, secret=SECRET)
    app, _ = msal_app(pki, idp)
    result = app.acquire_token_for_client(scopes=[EXO_DEFAULT])
    assert "access_token" in result, result
    token = result["access_token"]
    assert idp.check_access_token(token, mailbox="anyone@acme.com", scope_contains="office365")
    assert app.acquire_token_for_client(scopes=[EXO_DEFAULT])["access_token"] == token  # cache
    assert posts(idp) == 1
    idp.allow_app_mailboxes(CLIENT_ID, "pbx@acme.com")
    assert idp.check_access_token(token, mailbox="PBX@acme.com")
    assert not idp.check_access_token(token, mailbox="anyone@acme.com")

    bad = app.acquire_token_for_client(scopes=[SMTP_SEND])
    assert bad["error_codes"] == [1002012]


@pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended")
def test_msal_auth_code_flow_with_pkce_and_nonce(
    pki: PKI, idp: LocalIdP, tls_http: requests.Session
) -> None:
    redirect = "https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"
    idp.add_client(CLIENT_ID, secret=SECRET, redirect_uris=[redirect])
    idp.add_user(USER, PASSWORD)
    app, _ = msal_app(pki, idp)
    flow = app.initiate_auth_code_flow([SMTP_SEND], redirect_uri=redirect, login_hint=USER)
    reply = tls_http.get(flow["auth_uri"], allow_redirects=False, timeout=TIMEOUT)
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith(redirect + "?")
    auth_response = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert "access_token" in result, result
    assert idp.check_access_token(result["access_token"], mailbox=USER)
    assert result["id_token_claims"]["nonce"]  # MSAL checked it against its flow
    form = [f for m, _, f in idp.requests_log if m == "POST"][-1]
    assert form["code_verifier"] == "***" and form["grant_type"] == "authorization_code"

    # the code is single use; a redirect_uri that is not registered is refused
    again = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert again.get("error_codes") == [54005]
    bad = tls_http.get(
        idp.entra_authorize_url(TENANT),
        params={
            "client_id": CLIENT_ID,
            "response_type": "code",
            "scope": SMTP_SEND,
            "redirect_uri": "https://evil.example/cb",
            "login_hint": USER,
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert bad.status_code == 400 and bad.json()["error_codes"] == [50011]


def test_entra_pkce_mismatch_and_unknown_tenant(
    pki: PKI, idp: LocalIdP, tls_http: requests.Session
) -> None:
    redirect = "https://ap.acme.com/acme.com/fax/auth.htm"
    idp.add_client(CLIENT_ID, secret=SECRET, redirect_uris=[redirect])
    idp.set_authorize_user(USER)
    verifier = "v" * 43
    challenge = (
        base64.urlsafe_b64encode(__import__("hashlib").sha256(verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    reply = tls_http.get(
        idp.entra_authorize_url(TENANT),
        params={
            "client_id": CLIENT_ID,
            "response_type": "code",
            "redirect_uri": redirect,
            "scope": f"{SMTP_SEND} offline_access",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    query = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert query["state"] == ["s1"]
    token_url = idp.entra_token_endpoint(TENANT)
    base = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "code": query["code"][0],
        "redirect_uri": redirect,
    }
    wrong = tls_http.post(token_url, data={**base, "code_verifier": "w" * 43}, timeout=TIMEOUT)
    assert wrong.status_code == 400 and wrong.json()["error_codes"] == [501481]
    right = tls_http.post(token_url, data={**base, "code_verifier": verifier}, timeout=TIMEOUT)
    assert right.status_code == 200 and "refresh_token" in right.json()

    idp.add_tenant(TENANT)
    with pytest.raises(ValueError, match="authority configuration") as info:
        msal_app(pki, idp, tenant="wrong-tenant.onmicrosoft.com")
    assert "AADSTS90002" in str(info.value.__context__)  # MSAL wraps the 400 from discovery


# ---------------------------------------------------------------------------
# Google with google-auth


def _service_account_info(idp: LocalIdP, key_label: str = "sa") -> dict[str, str]:
    return {
        "type": "service_account",
        "project_id": "acme",
        "private_key_id": "kid-1",
        "private_key": make_key_pair(key_label).private_pem,
        "client_email": "pbx-mailer@acme.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": idp.google_token_uri,
    }


def test_google_service_account(pki: PKI, idp: LocalIdP) -> None:
    info = _service_account_info(idp)
    idp.add_service_account(
        info["client_email"], make_key_pair("sa").public_pem, private_key_id="kid-1"
    )
    creds = service_account.Credentials.from_service_account_info(
        info, scopes=[GMAIL_SCOPE], subject="pbx@acme.com"
    )
    creds.refresh(google_request(pki))
    assert creds.valid and creds.token.startswith("ya29.")
    assert idp.check_access_token(creds.token, mailbox="pbx@acme.com", scope_contains="mail.google")
    assert idp.token_info(creds.token).client_id == info["client_email"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("delegated", "key_label", "message"),
    [
        (False, "sa", "unauthorized_client"),
        (["someone-else@acme.com"], "sa", "unauthorized_client"),
        (True, "not-the-registered-key", "Invalid JWT Signature"),
    ],
    ids=["not-delegated", "other-subject", "wrong-key"],
)
def test_google_service_account_refused(
    pki: PKI, idp: LocalIdP, delegated: Any, key_label: str, message: str
) -> None:
    info = _service_account_info(idp, key_label)
    idp.add_service_account(
        info["client_email"], make_key_pair("sa").public_pem, delegated=delegated
    )
    creds = service_account.Credentials.from_service_account_info(
        info, scopes=[GMAIL_SCOPE], subject="pbx@acme.com"
    )
    with pytest.raises(RefreshError, match=message):
        creds.refresh(google_request(pki))


def test_google_user_refresh_token(pki: PKI, idp: LocalIdP) -> None:
    client_id = "123-abc.apps.googleusercontent.com"
    idp.add_client(client_id, secret="GOCSPX-secret")
    seeded = idp.issue_refresh_token(client_id, "pbx@gmail.com", GMAIL_SCOPE)
    creds = google_user_credentials.Credentials(
        token=None,
        refresh_token=seeded,
        token_uri=idp.google_token_uri,
        client_id=client_id,
        client_secret="GOCSPX-secret",
        scopes=[GMAIL_SCOPE],
    )
    creds.refresh(google_request(pki))
    assert idp.check_access_token(creds.token, mailbox="pbx@gmail.com")
    assert creds.refresh_token == seeded  # Google does not rotate

    idp.expire_refresh_token(seeded)
    with pytest.raises(RefreshError, match="Token has been expired or revoked"):
        creds.refresh(google_request(pki))


def test_google_auth_code_with_pkce(pki: PKI, idp: LocalIdP, tls_http: requests.Session) -> None:
    client_id = "123-abc.apps.googleusercontent.com"
    redirect = "https://ap.acme.com/acme.com/usersapp/auth.htm"
    idp.add_client(client_id, secret="GOCSPX-secret", redirect_uris=[redirect])
    idp.add_user("pbx@gmail.com", "unused")
    session = OAuth2Session(
        client_id,
        "GOCSPX-secret",
        redirect_uri=redirect,
        scope=GMAIL_SCOPE,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
        default_timeout=TIMEOUT,
    )
    session.trust_env = False
    session.verify = str(pki.ca_file)
    verifier = "x" * 64

    def run(extra: dict[str, str]) -> dict[str, Any]:
        url, _state = session.create_authorization_url(
            idp.google_authorize_url,
            code_verifier=verifier,
            login_hint="pbx@gmail.com",
            prompt="consent",
            **extra,
        )
        reply = tls_http.get(url, allow_redirects=False, timeout=TIMEOUT)
        assert reply.status_code == 302, reply.text
        return dict(
            session.fetch_token(
                idp.google_token_uri,
                authorization_response=reply.headers["Location"],
                code_verifier=verifier,
            )
        )

    offline = run({"access_type": "offline"})
    assert idp.check_access_token(offline["access_token"], mailbox="pbx@gmail.com")
    assert offline["refresh_token"]
    online = run({})
    assert "refresh_token" not in online  # Google: no access_type=offline, no refresh token

    unknown = tls_http.get(
        idp.google_authorize_url,
        params={"client_id": "nope", "redirect_uri": redirect, "response_type": "code"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert unknown.status_code == 400


# ---------------------------------------------------------------------------
# Generic provider with authlib


def _authlib(pki: PKI, client_id: str, secret_or_key: str, method: str, **kw: Any) -> Any:
    session = OAuth2Session(
        client_id,
        secret_or_key,
        token_endpoint_auth_method=method,
        default_timeout=TIMEOUT,
        **kw,
    )
    session.trust_env = False
    session.verify = str(pki.ca_file)
    return session


def test_authlib_client_secret_post(pki: PKI, idp: LocalIdP) -> None:
    idp.add_client("pbx", secret="s3cret", token_endpoint_auth_method="client_secret_post")
    session = _authlib(pki, "pbx", "s3cret", "client_secret_post", scope="smtp")
    token = session.fetch_token(idp.generic_token_endpoint, grant_type="client_credentials")
    assert idp.check_access_token(token["access_token"], scope_contains="smtp")
    method, path, form = idp.requests_log[-1]
    assert (method, path) == ("POST", "/oauth2/token")
    assert form["client_secret"] == "***" and form["client_id"] == "pbx"

    basic = _authlib(pki, "pbx", "s3cret", "client_secret_basic", scope="smtp")
    with pytest.raises(AuthlibOAuthError, match="invalid_client"):
        basic.fetch_token(idp.generic_token_endpoint, grant_type="client_credentials")
    wrong = _authlib(pki, "pbx", "nope", "client_secret_post")
    with pytest.raises(AuthlibOAuthError, match="invalid_client"):
        wrong.fetch_token(idp.generic_token_endpoint, grant_type="client_credentials")


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_authlib_private_key_jwt(pki: PKI, idp: LocalIdP, alg: str) -> None:
    keys = make_key_pair("generic-client")
    idp.add_client("pbx-jwt", public_key_pem=keys.public_pem)
    session = _authlib(pki, "pbx-jwt", keys.private_pem, "private_key_jwt", scope="smtp")
    session.register_client_auth_method(PrivateKeyJWT(idp.generic_token_endpoint, alg=alg))
    token = session.fetch_token(idp.generic_token_endpoint, grant_type="client_credentials")
    assert idp.check_access_token(token["access_token"])
    assert idp.requests_log[-1][2]["client_assertion"] == "***"

    other = make_key_pair("some-other-key")
    forged = _authlib(pki, "pbx-jwt", other.private_pem, "private_key_jwt")
    forged.register_client_auth_method(PrivateKeyJWT(idp.generic_token_endpoint, alg=alg))
    with pytest.raises(AuthlibOAuthError, match="invalid_client"):
        forged.fetch_token(idp.generic_token_endpoint, grant_type="client_credentials")
    wrong_aud = _authlib(pki, "pbx-jwt", keys.private_pem, "private_key_jwt")
    wrong_aud.register_client_auth_method(PrivateKeyJWT("https://127.0.0.1/elsewhere", alg=alg))
    with pytest.raises(AuthlibOAuthError, match="audience"):
        wrong_aud.fetch_token(idp.generic_token_endpoint, grant_type="client_credentials")


def test_authlib_auth_code_pkce_and_refresh_rotation(
    pki: PKI, idp: LocalIdP, tls_http: requests.Session
) -> None:
    redirect = "http://localhost:8400/callback"
    idp.add_client("pbx", secret="s3cret", redirect_uris=[redirect])
    idp.add_user(USER, PASSWORD)
    session = _authlib(
        pki,
        "pbx",
        "s3cret",
        "client_secret_post",
        redirect_uri=redirect,
        scope="smtp",
        code_challenge_method="S256",
    )
    verifier = "y" * 50
    url, state = session.create_authorization_url(
        idp.generic_authorize_url, code_verifier=verifier, login_hint=USER
    )
    reply = tls_http.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert reply.status_code == 302
    assert parse_qs(urlsplit(reply.headers["Location"]).query)["state"] == [state]
    token = session.fetch_token(
        idp.generic_token_endpoint,
        authorization_response=reply.headers["Location"],
        code_verifier=verifier,
    )
    assert idp.check_access_token(token["access_token"], mailbox=USER)
    first_rt = token["refresh_token"]
    renewed = session.refresh_token(idp.generic_token_endpoint, refresh_token=first_rt)
    assert renewed["refresh_token"] != first_rt
    assert idp.check_access_token(renewed["access_token"], mailbox=USER)
    with pytest.raises(AuthlibOAuthError, match="invalid_grant"):
        session.refresh_token(idp.generic_token_endpoint, refresh_token=first_rt)

    no_user = tls_http.get(
        idp.generic_authorize_url
        + "?"
        + urlencode({"client_id": "pbx", "redirect_uri": redirect, "response_type": "code"}),
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert "error=access_denied" in no_user.headers["Location"]
    unregistered = tls_http.get(
        idp.generic_authorize_url,
        params={
            "client_id": "pbx",
            "redirect_uri": "https://x.example/cb",
            "response_type": "code",
            "login_hint": USER,
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert unregistered.status_code == 400


def test_refresh_token_is_single_use_under_concurrency(
    idp: LocalIdP, tls_http: requests.Session
) -> None:
    idp.add_client("pbx", secret="s3cret")
    seeded = idp.issue_refresh_token("pbx", USER, "smtp")
    form = {
        "grant_type": "refresh_token",
        "client_id": "pbx",
        "client_secret": "s3cret",
        "refresh_token": seeded,
    }
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda _: (
                    tls_http.post(
                        idp.generic_token_endpoint, data=form, timeout=TIMEOUT
                    ).status_code
                ),
                range(8),
            )
        )
    assert sorted(codes) == [200] + [400] * 7


# ---------------------------------------------------------------------------
# Fault knobs


def test_fail_next_with_retry_after_and_msal(
    pki: PKI, idp: LocalIdP, tls_http: requests.Session
) -> None:
    idp.add_client("pbx", secret="s3cret")
    form = {"grant_type": "client_credentials", "client_id": "pbx", "client_secret": "s3cret"}
    idp.fail_next(429, retry_after=7)
    idp.fail_next(503)
    first = tls_http.post(idp.generic_token_endpoint, data=form, timeout=TIMEOUT)
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert first.json()["error"] == "too_many_requests"
    second = tls_http.post(idp.generic_token_endpoint, data=form, timeout=TIMEOUT)
    assert second.status_code == 503 and "Retry-After" not in second.headers
    third = tls_http.post(idp.generic_token_endpoint, data=form, timeout=TIMEOUT)
    assert third.status_code == 200
    assert posts(idp) == 3

    # MSAL: discovery GET is not affected by default, the token POST is
    idp.add_client(CLIENT_ID, secret=SECRET)
    app, _ = msal_app(pki, idp)
    idp.fail_next(429, retry_after=1)
    throttled = app.acquire_token_for_client(scopes=[EXO_DEFAULT])
    assert throttled["error"] == "too_many_requests"
    assert throttled["error_codes"] == [90033]


def test_hang_next_makes_clients_time_out(idp: LocalIdP, tls_http: requests.Session) -> None:
    idp.add_client("pbx", secret="s3cret")
    form = {"grant_type": "client_credentials", "client_id": "pbx", "client_secret": "s3cret"}
    idp.hang_next(2.0)
    start = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        tls_http.post(idp.generic_token_endpoint, data=form, timeout=0.3)
    assert time.monotonic() - start < 1.5
    assert tls_http.post(idp.generic_token_endpoint, data=form, timeout=TIMEOUT).ok


# ---------------------------------------------------------------------------
# SMTP


def test_smtp_starttls_xoauth2_inline_and_send(
    pki: PKI, idp: LocalIdP, smtp_server: LocalSMTP
) -> None:
    token = idp.issue_access_token(CLIENT_ID, USER, SMTP_SEND)
    assert len(token) >= 1900  # longer than aiosmtpd's default 512-byte AUTH limit
    with smtp_connect(smtp_server, pki) as client:
        assert "XOAUTH2" in client.esmtp_features["auth"]
        assert "PLAIN" not in client.esmtp_features["auth"]
        code, _ = client.auth("XOAUTH2", xoauth2(USER, token), initial_response_ok=True)
        assert code == 235
        client.sendmail(USER, ["boss@acme.com"], b"Subject: fax\r\n\r\nhello\r\n")
    assert smtp_server.auth_attempts == [(USER, True)]
    assert smtp_server.auth_details[0].inline
    (message,) = smtp_server.messages
    assert message.mail_from == USER and message.rcpt_tos == ["boss@acme.com"]
    assert b"hello" in message.content and message.authenticated_as == USER


def test_smtp_xoauth2_after_challenge(pki: PKI, idp: LocalIdP, smtp_server: LocalSMTP) -> None:
    idp.microsoft_token_length = 3000
    token = idp.issue_access_token(CLIENT_ID, USER, SMTP_SEND)
    with smtp_connect(smtp_server, pki) as client:
        code, _ = client.auth("XOAUTH2", xoauth2(USER, token), initial_response_ok=False)
        assert code == 235
    detail = smtp_server.auth_details[0]
    assert not detail.inline and detail.response_length > 4000 and detail.success


@pytest.mark.parametrize("inline", [True, False])
def test_smtp_xoauth2_failure_does_not_hang(
    pki: PKI, idp: LocalIdP, smtp_server: LocalSMTP, inline: bool
) -> None:
    token = idp.issue_access_token(CLIENT_ID, "someone-else@acme.com", SMTP_SEND)
    auth = xoauth2(USER, token)
    start = time.monotonic()
    with smtp_connect(smtp_server, pki, timeout=3) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as info:
            client.auth("XOAUTH2", auth, initial_response_ok=inline)
        assert info.value.smtp_code == 535
        assert b"5.7.3 Authentication unsuccessful" in info.value.smtp_error
        # the session is still usable: no AUTH, no MAIL
        assert client.docmd("MAIL", "FROM:<fax@acme.com>")[0] == 530
    assert time.monotonic() - start < 2
    challenge = auth.seen[-1]  # type: ignore[attr-defined]
    assert json.loads(challenge) == {
        "status": "401",
        "schemes": "Bearer",
        "scope": "https://mail.google.com/",
    }
    assert smtp_server.auth_attempts == [AuthAttempt(USER, False)]


def test_smtp_requires_starttls_before_auth(idp: LocalIdP, smtp_server: LocalSMTP) -> None:
    token = idp.issue_access_token(CLIENT_ID, USER, SMTP_SEND)
    with smtplib.SMTP(
        smtp_server.host, smtp_server.port, local_hostname="localhost", timeout=TIMEOUT
    ) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        blob = base64.b64encode(f"user={USER}\x01auth=Bearer {token}\x01\x01".encode()).decode()
        code, _ = client.docmd("AUTH", "XOAUTH2 " + blob)
        assert code == 530
    assert smtp_server.auth_attempts == []


def test_smtp_implicit_tls(pki: PKI, idp: LocalIdP) -> None:
    token = idp.issue_access_token("gmail-client", "pbx@gmail.com", GMAIL_SCOPE, flavor="google")
    with LocalSMTP(idp, pki, security="tls") as server:
        with smtplib.SMTP_SSL(
            server.host,
            server.port,
            local_hostname="localhost",
            context=pki.client_context(),
            timeout=TIMEOUT,
        ) as client:
            client.ehlo()
            assert client.auth("XOAUTH2", xoauth2("pbx@gmail.com", token))[0] == 235
            client.sendmail("pbx@gmail.com", ["a@b.c"], b"Subject: x\r\n\r\nbody\r\n")
        assert len(server.messages) == 1


def test_smtp_dovecot_initial_response_limit(pki: PKI, idp: LocalIdP) -> None:
    token = idp.issue_access_token(CLIENT_ID, USER, SMTP_SEND)
    with LocalSMTP(idp, pki, max_initial_response=1016) as server:
        with smtp_connect(server, pki) as client:
            with pytest.raises(smtplib.SMTPAuthenticationError) as info:
                client.auth("XOAUTH2", xoauth2(USER, token), initial_response_ok=True)
            assert info.value.smtp_code == 500
            assert b"Line too long" in info.value.smtp_error
            # the fallback a client must implement: send it after the 334 challenge
            assert client.auth("XOAUTH2", xoauth2(USER, token), initial_response_ok=False)[0] == 235
        assert [d.reason for d in server.auth_details] == ["line too long", "ok"]
        assert server.auth_attempts == [(USER, True)]


def test_smtp_reject_with_and_hang_on_connect(pki: PKI, idp: LocalIdP) -> None:
    token = idp.issue_access_token(CLIENT_ID, USER, SMTP_SEND)
    reject = (
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
        "for the Tenant."
    )
    with LocalSMTP(idp, pki, reject_with=reject) as server:
        with smtp_connect(server, pki) as client:
            with pytest.raises(smtplib.SMTPAuthenticationError) as info:
                client.auth("XOAUTH2", xoauth2(USER, token))
            assert info.value.smtp_code == 535
            assert b"SmtpClientAuthentication is disabled" in info.value.smtp_error
        assert server.auth_attempts == [(USER, False)]

        server.reject_with = None
        server.hang_on_connect = 2.0
        start = time.monotonic()
        with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
            smtplib.SMTP(server.host, server.port, local_hostname="localhost", timeout=0.3)
        assert time.monotonic() - start < 1.5


def test_msal_token_end_to_end_through_smtp(
    pki: PKI, idp: LocalIdP, smtp_server: LocalSMTP
) -> None:
    idp.add_client(CLIENT_ID, secret=SECRET)
    idp.add_user(USER, PASSWORD)
    app, _ = msal_app(pki, idp)
    user_token = app.acquire_token_by_username_password(USER, PASSWORD, scopes=[SMTP_SEND])
    app_token = app.acquire_token_for_client(scopes=[EXO_DEFAULT])
    idp.allow_app_mailboxes(CLIENT_ID, "pbx@acme.com")
    with smtp_connect(smtp_server, pki) as client:
        assert client.auth("XOAUTH2", xoauth2(USER, user_token["access_token"]))[0] == 235
    with smtp_connect(smtp_server, pki) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.auth("XOAUTH2", xoauth2(USER, app_token["access_token"]))
    with smtp_connect(smtp_server, pki) as client:
        assert client.auth("XOAUTH2", xoauth2("pbx@acme.com", app_token["access_token"]))[0] == 235
    assert smtp_server.auth_attempts == [(USER, True), (USER, False), ("pbx@acme.com", True)]


# ---------------------------------------------------------------------------
# Graph


def _graph_token(pki: PKI, idp: LocalIdP, scope: str = GRAPH_DEFAULT) -> str:
    idp.add_client(CLIENT_ID, secret=SECRET)
    app, _ = msal_app(pki, idp)
    result = app.acquire_token_for_client(scopes=[scope])
    assert "access_token" in result, result
    return str(result["access_token"])


def test_graph_get_and_patch(
    pki: PKI, idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    app_id = "11111111-2222-3333-4444-555555555555"
    graph.add_application(
        app_id, ["https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"], secret_end_dates=["2027-10-01"]
    )
    headers = {"Authorization": f"Bearer {_graph_token(pki, idp)}"}
    url = f"{graph.base_url}/v1.0/applications(appId='{app_id}')"
    got = tls_http.get(url, headers=headers, timeout=TIMEOUT)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["appId"] == app_id
    assert body["web"]["redirectUris"] == ["https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"]
    assert body["passwordCredentials"][0]["endDateTime"] == "2027-10-01T00:00:00Z"
    assert set(body["passwordCredentials"][0]) >= {"keyId", "displayName", "endDateTime"}

    new = ["https://ap.acme.com/acme.com/fax/auth.htm", "http://localhost:8400/cb"]
    patched = tls_http.patch(
        url, json={"web": {"redirectUris": new}}, headers=headers, timeout=TIMEOUT
    )
    assert patched.status_code == 204
    assert graph.application(app_id)["web"]["redirectUris"] == new  # replaced, not appended
    assert graph.patch_count == 1
    assert graph.requests_log[-1] == (
        "PATCH",
        f"/v1.0/applications(appId='{app_id}')",
        {"web": {"redirectUris": new}},
    )
    selected = tls_http.get(url, params={"$select": "web"}, headers=headers, timeout=TIMEOUT)
    assert set(selected.json()) == {"@odata.context", "id", "web"}


def test_graph_auth_errors(
    pki: PKI, idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    app_id = "11111111-2222-3333-4444-555555555555"
    graph.add_application(app_id)
    url = f"{graph.base_url}/v1.0/applications(appId='{app_id}')"
    token = _graph_token(pki, idp)

    def get(target: str, bearer: str | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return tls_http.get(target, headers=headers, timeout=TIMEOUT)

    assert get(url, None).status_code == 401
    smtp_token = idp.issue_access_token(CLIENT_ID, None, EXO_DEFAULT)
    wrong_scope = get(url, smtp_token)
    assert wrong_scope.status_code == 401
    assert wrong_scope.json()["error"]["code"] == "InvalidAuthenticationToken"
    missing = get(f"{graph.base_url}/v1.0/applications(appId='nope')", token)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "Request_ResourceNotFound"
    graph.deny(CLIENT_ID)
    denied = get(url, token)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "Authorization_RequestDenied"


@pytest.mark.parametrize(
    ("uris", "personal", "fragment"),
    [
        (["http://pbx.acme.com/auth.htm"], False, "https"),
        (["https://pbx.acme.com/" + "a" * 240], False, "256"),
        (["https://pbx.acme.com/auth.htm;x"], False, "forbidden"),
        (["https://pbx.acme.com/a(1).htm"], False, "forbidden"),
        ([f"https://pbx{i}.acme.com/auth.htm" for i in range(257)], False, "at most 256"),
        ([f"https://pbx{i}.acme.com/auth.htm" for i in range(101)], True, "at most 100"),
    ],
    ids=["http", "too-long", "semicolon", "parens", "257-uris", "101-personal"],
)
def test_graph_redirect_uri_rules(
    pki: PKI,
    idp: LocalIdP,
    graph: LocalGraph,
    tls_http: requests.Session,
    uris: list[str],
    personal: bool,
    fragment: str,
) -> None:
    app_id = "11111111-2222-3333-4444-555555555555"
    graph.add_application(app_id, ["https://old.example/auth.htm"], personal_accounts=personal)
    url = f"{graph.base_url}/v1.0/applications(appId='{app_id}')"
    reply = tls_http.patch(
        url,
        json={"web": {"redirectUris": uris}},
        headers={
            "Authorization": f"Bearer {idp.issue_access_token(CLIENT_ID, None, GRAPH_DEFAULT)}"
        },
        timeout=TIMEOUT,
    )
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "Request_BadRequest" and fragment in error["message"]
    assert graph.application(app_id)["web"]["redirectUris"] == ["https://old.example/auth.htm"]
    assert graph.patch_count == 0
