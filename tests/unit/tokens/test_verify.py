# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
"""`verify`: every identity in parallel, one failure never stops the others, results hold
no secret; all six modes against the local IdP, with SMTP AUTH where asked."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from provision.model import Smtp
from provision.providers import provider
from provision.secret import Secret
from provision.tokens.request import TokenRequest
from provision.tokens.store import TokenStore
from provision.tokens.verify import IdentityResult, Job, verify_identities
from tests.fakes.fixtures import idp, pki, smtp_server  # noqa: F401
from tests.fakes.pki import make_key_pair

SECRET = "S3cr3t-CLIENT-xyzzy"
PASSWORD = "P4ssw0rd-USER-xyzzy"
SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"
MS_CLIENT = "ms-app"
GOOGLE_CLIENT = "g-app"
SA_EMAIL = "sa@acme-project.iam.gserviceaccount.com"


def _base(
    idp: Any, pki: Any, identity: str, mode: str, provider: str, **fields: Any
) -> TokenRequest:
    defaults: dict[str, Any] = {
        "client_id": None,
        "client_secret": None,
        "tenant": None,
        "authority": idp.authority,
        "token_endpoint": idp.generic_token_endpoint,
        "authorization_url": None,
        "sender": "pbx@acme.com",
        "ca_file": str(pki.ca_file),
    }
    defaults.update(fields)
    return TokenRequest(identity=identity, mode=mode, provider=provider, **defaults)


@pytest.fixture
def world(idp: Any, pki: Any, tmp_path: Path) -> tuple[list[TokenRequest], TokenStore]:
    """One identity per mode, each set up to work, and a store with the authorizations."""
    idp.add_client(MS_CLIENT, secret=SECRET)
    idp.add_client(GOOGLE_CLIENT, secret=SECRET)
    idp.add_client("generic-post", secret=SECRET)
    idp.add_client("generic-jwt", public_key_pem=make_key_pair("verify-jwt").public_pem)
    idp.add_user("pbx@acme.com", PASSWORD)
    idp.add_user("fax@acme.com", PASSWORD)
    sa_key = make_key_pair("verify-sa")
    idp.add_service_account(SA_EMAIL, sa_key.public_pem, private_key_id="kid-1")
    ms = {
        "client_id": MS_CLIENT,
        "client_secret": Secret(SECRET),
        "tenant": "acme.com",
        "token_endpoint": idp.entra_token_endpoint("acme.com"),
    }
    requests = [
        _base(
            idp,
            pki,
            "ms-exchange",
            "exchange",
            "microsoft",
            **ms,
            authorization_url=idp.entra_authorize_url("acme.com"),
        ),
        _base(
            idp,
            pki,
            "ms-ropc",
            "microsoft365",
            "microsoft",
            **ms,
            sender="fax@acme.com",
            password=Secret(PASSWORD),
        ),
        _base(
            idp,
            pki,
            "google-gmail",
            "gmail",
            "google",
            client_id=GOOGLE_CLIENT,
            client_secret=Secret(SECRET),
            token_endpoint=idp.google_token_uri,
        ),
        _base(
            idp,
            pki,
            "google-sa",
            "google_service_account",
            "google",
            token_endpoint=idp.google_token_uri,
            client_email=SA_EMAIL,
            private_key_id="kid-1",
            private_key=Secret(sa_key.private_pem),
        ),
        _base(
            idp,
            pki,
            "generic-post",
            "client_secret_post",
            "generic",
            client_id="generic-post",
            client_secret=Secret(SECRET),
            scope="smtp",
        ),
        _base(
            idp,
            pki,
            "generic-jwt",
            "private_key_jwt",
            "generic",
            client_id="generic-jwt",
            private_key=Secret(make_key_pair("verify-jwt").private_pem),
            private_key_id="jwt-1",
            scope="smtp",
        ),
    ]
    store = TokenStore(tmp_path / "tokens")
    store.update(
        "ms-exchange",
        refresh_token=Secret(
            idp.issue_refresh_token(MS_CLIENT, "pbx@acme.com", f"{SMTP_SCOPE} offline_access")
        ),
    )
    store.update(
        "google-gmail",
        refresh_token=Secret(
            idp.issue_refresh_token(GOOGLE_CLIENT, "pbx@acme.com", "https://mail.google.com/")
        ),
    )
    return requests, store


def job(req: TokenRequest, smtp: Smtp | None) -> Job:
    return Job(req, provider(req.provider), smtp)


def _secrets_of(requests: list[TokenRequest]) -> list[str]:
    values = [s.reveal() for req in requests for s in req.secrets()]
    return [line for value in values for line in value.splitlines() if len(line) > 8]


def test_all_six_modes_verify(world: Any, idp: Any) -> None:
    requests, store = world
    done: list[str] = []
    lock = threading.Lock()

    def on_done(result: IdentityResult) -> None:
        with lock:
            done.append(result.name)

    results = verify_identities(
        [job(req, None) for req in requests],
        store,
        workers=4,
        smtp=False,
        on_done=on_done,
        timeout=5,
        retries=1,
    )
    assert [r.name for r in results] == [req.identity for req in requests]  # input order
    assert {r.status for r in results} == {"ok"}, results
    assert sorted(done) == sorted(r.name for r in results)
    assert all(r.expires_at is not None and r.expires_at.tzinfo for r in results)
    assert not idp.errors


def test_one_failure_does_not_stop_the_others(world: Any, idp: Any, smtp_server: Any) -> None:
    requests, store = world
    by_name = {req.identity: req for req in requests}
    target = Smtp(smtp_server.host, smtp_server.port, "starttls")
    broken = replace(
        by_name["ms-ropc"], identity="ms-wrong", client_secret=Secret("wr0ng-S3cr3t-xyzzy")
    )
    never = replace(by_name["ms-exchange"], identity="ms-never")
    items = [
        job(by_name["ms-ropc"], target),
        job(broken, target),
        job(never, target),
        job(by_name["generic-post"], None),  # generic: no SMTP server known
        job(by_name["ms-exchange"], target),
    ]
    results = {r.name: r for r in verify_identities(items, store, smtp=True, timeout=5, retries=1)}
    assert results["ms-ropc"].status == "ok"
    assert results["ms-exchange"].status == "ok"
    assert results["ms-wrong"].status == "failed"
    assert "AADSTS7000215" in (results["ms-wrong"].error or "")
    assert results["ms-wrong"].hint and "Value" in results["ms-wrong"].hint
    assert results["ms-never"].status == "needs-authorization"
    assert results["generic-post"].status == "failed"
    assert "no SMTP server" in (results["generic-post"].error or "")
    assert ("fax@acme.com", True) in smtp_server.auth_attempts
    text = " ".join(repr(r) for r in results.values())
    for value in [*_secrets_of(requests), "wr0ng-S3cr3t-xyzzy"]:
        assert value not in text


def test_smtp_refusal_is_reported_with_its_hint(world: Any, smtp_server: Any) -> None:
    requests, store = world
    smtp_server.reject_with = (
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
        "the Tenant."
    )
    ropc = next(req for req in requests if req.mode == "microsoft365")
    target = Smtp(smtp_server.host, smtp_server.port, "starttls")
    [result] = verify_identities([job(ropc, target)], store, smtp=True, timeout=5, retries=1)
    assert result.status == "failed" and result.error is not None
    assert result.error.startswith("ms-ropc: SMTP ") and "5.7.139" in result.error
    assert result.hint is not None and "Set-CASMailbox" in result.hint
    assert result.expires_at is not None  # the token itself was fine


def test_unforeseen_library_errors_are_contained(world: Any, idp: Any) -> None:
    requests, store = world
    garbage = replace(requests[4], token_endpoint=f"{idp.base_url}/no-such-endpoint")
    [result] = verify_identities([job(garbage, None)], store, smtp=False, timeout=5, retries=0)
    assert result.status == "failed" and result.error
    assert SECRET not in repr(result)
