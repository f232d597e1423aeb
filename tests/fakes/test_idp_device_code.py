"""LocalIdP's Entra device code flow, driven by MSAL's PublicClientApplication."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import msal
import pytest
import requests

from tests.fakes._selftest import (
    CLIENT_ID,
    PUBLIC_ID,
    SECRET,
    SMTP_SEND,
    TENANT,
    TIMEOUT,
    USER,
    confidential_app,
    public_app,
)
from tests.fakes.idp import DEVICE_CODE_GRANT, LocalIdP
from tests.fakes.pki import PKI


@pytest.fixture(autouse=True)
def _quick_polls(idp: LocalIdP) -> None:
    idp.device_code_interval = 1  # MSAL sleeps `interval` seconds between polls


@contextmanager
def polling(
    app: msal.PublicClientApplication, flow: dict[str, Any]
) -> Iterator[Future[dict[str, Any]]]:
    """Run MSAL's blocking acquire_token_by_device_flow in a thread."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(app.acquire_token_by_device_flow, flow)
        try:
            yield future
        finally:
            flow["expires_at"] = 0  # MSAL's documented way to stop its polling loop


def device_polls(idp: LocalIdP) -> list[dict[str, Any]]:
    return [
        f
        for m, _, f in idp.requests_log
        if m == "POST" and f.get("grant_type") == DEVICE_CODE_GRANT
    ]


def test_discovery_advertises_device_authorization_endpoint(
    idp: LocalIdP, tls_http: requests.Session
) -> None:
    doc = tls_http.get(
        f"{idp.authority}/{TENANT}/v2.0/.well-known/openid-configuration", timeout=TIMEOUT
    ).json()
    assert doc["device_authorization_endpoint"] == idp.entra_devicecode_endpoint(TENANT)


def test_msal_device_flow_approved_then_public_refresh(pki: PKI, idp: LocalIdP) -> None:
    idp.add_client(PUBLIC_ID, allow_public_client=True)
    app = public_app(pki, idp)
    flow = app.initiate_device_flow(scopes=[SMTP_SEND])
    assert set(flow) >= {"device_code", "user_code", "verification_uri", "expires_in", "message"}
    assert flow["interval"] == 1 and flow["expires_in"] == 900
    assert flow["user_code"] in flow["message"] and flow["verification_uri"] in flow["message"]

    with polling(app, flow) as future:
        pending = idp.wait_for_device_code(polls=1, timeout=TIMEOUT)  # MSAL got "pending"
        assert pending.user_code == flow["user_code"] and pending.client_id == PUBLIC_ID
        idp.approve_device_code(flow["user_code"].lower(), USER)  # case does not matter
        result = future.result(timeout=10)
    assert "access_token" in result, result
    assert idp.check_access_token(result["access_token"], mailbox=USER, scope_contains="smtp.send")
    assert idp.token_info(result["access_token"]).grant_type == DEVICE_CODE_GRANT  # type: ignore[union-attr]
    assert result["id_token_claims"]["preferred_username"] == USER
    polls = device_polls(idp)
    assert len(polls) >= 2
    assert all(p["device_code"] == "***" and "client_secret" not in p for p in polls)
    (info,) = idp.device_codes
    assert info.state == "redeemed" and info.username == USER and info.polls == len(polls)

    # a public client refreshes without a secret (MSAL's silent refresh)
    (account,) = app.get_accounts(username=USER)
    refreshed = app.acquire_token_silent([SMTP_SEND], account=account, force_refresh=True)
    assert refreshed and "access_token" in refreshed, refreshed
    assert refreshed["access_token"] != result["access_token"]


def test_public_refresh_token_presented_with_secret_is_refused(pki: PKI, idp: LocalIdP) -> None:
    idp.add_client(PUBLIC_ID, secret=SECRET, allow_public_client=True)
    idp.auto_approve_device_codes(USER, after_polls=0)  # no thread needed
    app = public_app(pki, idp)
    result = app.acquire_token_by_device_flow(app.initiate_device_flow([SMTP_SEND]))
    assert "access_token" in result, result
    refresh_token = result["refresh_token"]

    confidential = confidential_app(pki, idp, PUBLIC_ID, SECRET)
    refused = confidential.acquire_token_by_refresh_token(refresh_token, scopes=[SMTP_SEND])
    assert refused["error"] == "invalid_client" and refused["error_codes"] == [700025]
    assert (
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented"
        in refused["error_description"]
    )
    ok = public_app(pki, idp).acquire_token_by_refresh_token(refresh_token, scopes=[SMTP_SEND])
    assert "access_token" in ok, ok
    # the rotated token is public too
    again = confidential_app(pki, idp, PUBLIC_ID, SECRET).acquire_token_by_refresh_token(
        ok["refresh_token"], scopes=[SMTP_SEND]
    )
    assert again["error_codes"] == [700025]
    # a seeded public token behaves the same
    seeded = idp.issue_refresh_token(PUBLIC_ID, USER, f"{SMTP_SEND} offline_access", public=True)
    assert confidential_app(pki, idp, PUBLIC_ID, SECRET).acquire_token_by_refresh_token(
        seeded, scopes=[SMTP_SEND]
    )["error_codes"] == [700025]


@pytest.mark.parametrize("secret", [SECRET, None], ids=["confidential", "no-credentials"])
def test_device_flow_needs_allow_public_client(pki: PKI, idp: LocalIdP, secret: str | None) -> None:
    idp.add_client(CLIENT_ID, secret=secret)  # allow_public_client defaults to False
    idp.auto_approve_device_codes(USER, after_polls=0)
    app = public_app(pki, idp, CLIENT_ID)
    flow = app.initiate_device_flow([SMTP_SEND])
    assert "user_code" in flow, flow  # Entra hands out the code; redemption fails
    result = app.acquire_token_by_device_flow(flow)
    assert result["error"] == "invalid_client" and result["error_codes"] == [7000218]
    assert (
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'" in result["error_description"]
    )


@pytest.mark.parametrize(
    ("knob", "error", "aadsts"),
    [
        (LocalIdP.decline_device_code, "authorization_declined", 70000),
        (LocalIdP.expire_device_code, "expired_token", 70019),
    ],
    ids=["declined", "expired"],
)
def test_msal_device_flow_declined_or_expired(
    pki: PKI, idp: LocalIdP, knob: Callable[[LocalIdP, str], None], error: str, aadsts: int
) -> None:
    idp.add_client(PUBLIC_ID, allow_public_client=True)
    app = public_app(pki, idp)
    flow = app.initiate_device_flow([SMTP_SEND])
    with polling(app, flow) as future:
        idp.wait_for_device_code(polls=1, timeout=TIMEOUT)
        knob(idp, flow["user_code"])
        result = future.result(timeout=10)
    assert result["error"] == error and result["error_codes"] == [aadsts]
    assert idp.access_tokens == []


def test_device_code_protocol_details(idp: LocalIdP, tls_http: requests.Session) -> None:
    idp.add_client(PUBLIC_ID, allow_public_client=True)
    idp.add_client(CLIENT_ID, secret=SECRET, allow_public_client=True)
    endpoint = idp.entra_devicecode_endpoint(TENANT)
    token_url = idp.entra_token_endpoint(TENANT)

    unknown = tls_http.post(endpoint, data={"client_id": "nope", "scope": SMTP_SEND})
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [700016]
    no_scope = tls_http.post(endpoint, data={"client_id": PUBLIC_ID}, timeout=TIMEOUT)
    assert no_scope.json()["error_codes"] == [900144]
    assert tls_http.get(endpoint, timeout=TIMEOUT).status_code == 405

    code = tls_http.post(
        endpoint, data={"client_id": PUBLIC_ID, "scope": SMTP_SEND}, timeout=TIMEOUT
    ).json()
    poll = {
        "grant_type": DEVICE_CODE_GRANT,
        "client_id": PUBLIC_ID,
        "device_code": code["device_code"],
    }
    pending = tls_http.post(token_url, data=poll, timeout=TIMEOUT)
    assert pending.status_code == 400
    assert pending.json()["error"] == "authorization_pending"
    assert pending.json()["error_codes"] == [70016]
    other_client = tls_http.post(
        token_url,
        data={**poll, "client_id": CLIENT_ID, "client_secret": SECRET},
        timeout=TIMEOUT,
    )
    assert other_client.json()["error"] == "bad_verification_code"

    idp.approve_device_code(code["user_code"], USER)
    granted = tls_http.post(token_url, data=poll, timeout=TIMEOUT)
    assert granted.status_code == 200, granted.text
    assert "refresh_token" not in granted.json()  # no offline_access asked for
    reused = tls_http.post(token_url, data=poll, timeout=TIMEOUT)
    assert reused.json()["error"] == "invalid_grant"
    with pytest.raises(KeyError):
        idp.approve_device_code("NOSUCHCODE", USER)

    # a client with allow_public_client AND a secret may still authenticate: its
    # refresh token is then not public, so a secret is fine on refresh
    code = tls_http.post(
        endpoint,
        data={"client_id": CLIENT_ID, "scope": f"{SMTP_SEND} offline_access"},
        timeout=TIMEOUT,
    ).json()
    idp.approve_device_code(code["user_code"], USER)
    confidential = tls_http.post(
        token_url,
        data={
            "grant_type": DEVICE_CODE_GRANT,
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "device_code": code["device_code"],
        },
        timeout=TIMEOUT,
    ).json()
    refreshed = tls_http.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "refresh_token": confidential["refresh_token"],
        },
        timeout=TIMEOUT,
    )
    assert refreshed.status_code == 200, refreshed.text


def test_wait_for_device_code_times_out(idp: LocalIdP) -> None:
    with pytest.raises(TimeoutError):
        idp.wait_for_device_code(timeout=0.1)
