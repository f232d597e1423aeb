"""Interactive authorization on a loopback redirect, completed the way a browser would: the
test fetches the printed URL, the local IdP consents and redirects to the loopback."""

# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from provision.net.http import make_session
from provision.providers import provider
from provision.secret import Secret
from provision.tokens.authorize import authorize
from provision.tokens.loopback import Interaction, LoopbackServer, authorization_url
from provision.tokens.request import TokenError, TokenRequest
from provision.tokens.store import TokenStore
from provision.tokens.verify import acquire_token
from tests.fakes._http import free_port
from tests.fakes.clients import Browser
from tests.fakes.fixtures import idp, pki  # noqa: F401

SECRET = "S3cr3t-CLIENT-xyzzy"


def _request(mode: str, provider: str, idp: Any, pki: Any, **fields: Any) -> TokenRequest:
    return TokenRequest(
        identity=f"{mode}-id",
        mode=mode,
        provider=provider,
        client_id=fields.pop("client_id", "app-1"),
        client_secret=Secret(SECRET),
        tenant=fields.pop("tenant", None),
        authority=idp.authority,
        ca_file=str(pki.ca_file),
        **fields,
    )


def _session(pki: Any) -> requests.Session:
    return make_session(str(pki.ca_file), timeout=5.0, retries=1, backoff_factor=0.0)


def test_exchange_authorization_code_flow(idp: Any, pki: Any, tmp_path: Path) -> None:
    port = free_port()
    idp.add_client("app-1", secret=SECRET, redirect_uris=[f"http://localhost:{port}/"])
    idp.add_user("pbx@acme.com", "pw")
    req = _request(
        "exchange",
        "microsoft",
        idp,
        pki,
        tenant="acme.com",
        token_endpoint=idp.entra_token_endpoint("acme.com"),
        authorization_url=idp.entra_authorize_url("acme.com"),
        sender="pbx@acme.com",
    )
    store = TokenStore(tmp_path)
    browser = Browser(pki)
    token = authorize(
        req,
        provider(req.provider),
        store,
        Interaction(browser, port=port, timeout=10),
        session=_session(pki),
    )
    assert browser.landing is not None and browser.landing.status_code == 200
    query = parse_qs(urlsplit(browser.url).query)
    assert query["code_challenge_method"] == ["S256"] and "state" in query
    assert query["login_hint"] == ["pbx@acme.com"]
    assert idp.check_access_token(token.access_token.reveal(), mailbox="pbx@acme.com")
    stored = store.load("exchange-id")
    assert stored.refresh_token is not None and stored.msal_cache is not None
    # verify later refreshes from what authorize stored (MSAL's cache, no interaction)
    refreshed = acquire_token(req, provider(req.provider), store, _session(pki), reuse=False)
    assert refreshed.access_token != token.access_token
    assert SECRET not in " ".join(browser.lines)


def test_gmail_authorization_code_flow(idp: Any, pki: Any, tmp_path: Path) -> None:
    port = free_port()
    idp.add_client("g-1", secret=SECRET, redirect_uris=[f"http://localhost:{port}/"])
    idp.add_user("pbx@acme.com", "pw")
    req = _request(
        "gmail",
        "google",
        idp,
        pki,
        client_id="g-1",
        token_endpoint=idp.google_token_uri,
        authorization_url=(
            f"{idp.google_authorize_url}?access_type=offline&scope=https://mail.google.com/"
        ),
        sender="pbx@acme.com",
    )
    store = TokenStore(tmp_path)
    browser = Browser(pki)
    token = authorize(
        req,
        provider(req.provider),
        store,
        Interaction(browser, port=port, timeout=10),
        session=_session(pki),
    )
    query = parse_qs(urlsplit(browser.url).query)
    assert query["scope"] == ["https://mail.google.com/"]  # not repeated
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert idp.check_access_token(token.access_token.reveal(), mailbox="pbx@acme.com")
    assert store.load("gmail-id").refresh_token is not None
    refreshed = acquire_token(req, provider(req.provider), store, _session(pki), reuse=False)
    assert idp.check_access_token(refreshed.access_token.reveal(), mailbox="pbx@acme.com")


def test_client_secret_post_authorization_code_flow(
    idp: Any,
    pki: Any,
    tmp_path: Path,
) -> None:
    port = free_port()
    idp.add_client(
        "pbx",
        secret=SECRET,
        redirect_uris=[f"http://localhost:{port}/"],
        token_endpoint_auth_method="client_secret_post",
    )
    idp.add_user("pbx@example.net", "pw")
    req = _request(
        "client_secret_post",
        "generic",
        idp,
        pki,
        client_id="pbx",
        token_endpoint=idp.generic_token_endpoint,
        authorization_url=f"{idp.generic_authorize_url}?scope=smtp%20offline_access",
        sender="pbx@example.net",
    )
    store = TokenStore(tmp_path)
    token = authorize(
        req,
        provider(req.provider),
        store,
        Interaction(Browser(pki), port=port, timeout=10),
        session=_session(pki),
    )
    assert idp.check_access_token(token.access_token.reveal(), mailbox="pbx@example.net")
    assert store.load("client_secret_post-id").refresh_token is not None


def test_no_answer_times_out(idp: Any, pki: Any, tmp_path: Path) -> None:
    idp.add_client("pbx", secret=SECRET)
    req = _request(
        "client_secret_post",
        "generic",
        idp,
        pki,
        client_id="pbx",
        token_endpoint=idp.generic_token_endpoint,
        authorization_url=idp.generic_authorize_url,
        sender="pbx@example.net",
    )
    lines: list[str] = []
    with pytest.raises(TokenError, match="no authorization response"):
        authorize(
            req,
            provider(req.provider),
            TokenStore(tmp_path),
            Interaction(lines.append, timeout=0.3),
        )
    assert any(line.startswith("https://") for line in lines)


def test_non_interactive_mode_is_refused(idp: Any, pki: Any, tmp_path: Path) -> None:
    req = _request(
        "microsoft365",
        "microsoft",
        idp,
        pki,
        tenant="t",
        token_endpoint="x",
        authorization_url=None,
        sender="a@b",
    )
    with pytest.raises(TokenError, match="does not authorize interactively"):
        authorize(req, provider(req.provider), TokenStore(tmp_path), Interaction(print))


def test_authorization_url_keeps_existing_parameters() -> None:
    url = authorization_url(
        "https://accounts.google.com/o/oauth2/auth?access_type=offline&scope=https://mail.google.com/",
        {"scope": "other", "client_id": "c", "redirect_uri": "http://localhost:1/"},
    )
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "access_type": ["offline"],
        "scope": ["https://mail.google.com/"],
        "client_id": ["c"],
        "redirect_uri": ["http://localhost:1/"],
    }


def test_exchange_sign_in_with_another_account_warns(idp: Any, pki: Any, tmp_path: Path) -> None:
    port = free_port()
    idp.add_client("app-1", secret=SECRET, redirect_uris=[f"http://localhost:{port}/"])
    idp.add_user("pbx@acme.com", "pw")
    idp.add_user("admin@acme.com", "pw")
    idp.set_authorize_user("admin@acme.com", override_hint=True)
    req = _request(
        "exchange",
        "microsoft",
        idp,
        pki,
        tenant="acme.com",
        token_endpoint=idp.entra_token_endpoint("acme.com"),
        authorization_url=idp.entra_authorize_url("acme.com"),
        sender="pbx@acme.com",
    )
    browser = Browser(pki)
    authorize(
        req,
        provider(req.provider),
        TokenStore(tmp_path),
        Interaction(browser, port=port, timeout=10),
        session=_session(pki),
    )
    assert "signed in as admin@acme.com" in browser.lines[-1]
    assert "sign in as pbx@acme.com" in browser.lines[-1]


def test_loopback_takes_a_form_post_and_ignores_foreign_states() -> None:
    loopback = LoopbackServer()
    loopback.expected_state = "st4te"

    def browser() -> None:
        with requests.Session() as http:
            http.trust_env = False
            assert http.get(f"{loopback.redirect_uri}favicon.ico", timeout=5).status_code == 404
            forged = http.get(f"{loopback.redirect_uri}?code=evil&state=other", timeout=5)
            assert forged.status_code == 400
            posted = http.post(
                loopback.redirect_uri, data={"code": "c0de", "state": "st4te"}, timeout=5
            )
            assert posted.status_code == 200

    thread = threading.Thread(target=browser)
    thread.start()
    assert loopback.wait(5) == {"code": "c0de", "state": "st4te"}
    thread.join()
