"""`provision verify` end to end: a real playbook (tests/playbooks/e2e/), the real CLI as
a process, the real MSAL, google-auth and authlib against the LocalIdP, XOAUTH2 against
the LocalSMTP."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fakes._http import Request, Response
from tests.fakes.idp import GMAIL_SCOPE, LocalIdP
from tests.fakes.pki import PKI, make_key_pair
from tests.fakes.smtp import LocalSMTP
from tests.playbooks.e2e.harness import (
    AZURE_SECRET,
    E2E,
    GOOGLE_CLIENT_ID,
    IDENTITIES,
    ROPC_PASSWORD,
    SECRET_VALUES,
    leaked,
    token_posts,
)

JSON_KEYS = {"name", "mode", "status", "error", "hint", "expires_at"}


@pytest.fixture
def e2e(tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI) -> E2E:
    return E2E.build(tmp_path, idp, smtp_server, pki)


def by_name(stdout: str) -> dict[str, dict[str, Any]]:
    document = json.loads(stdout)
    assert set(document) == {"format_version", "identities"}
    for entry in document["identities"]:
        assert set(entry) == JSON_KEYS, entry
    return {entry["name"]: entry for entry in document["identities"]}


def test_every_mode_verifies_over_smtp_and_always_asks_the_identity_provider(e2e: E2E) -> None:
    for identity in ("exchange", "gmail"):
        authorized = e2e.authorize(identity)
        assert authorized.exit_code == 0, authorized.stderr

    run = e2e.verify("--smtp", "--format", "json")

    assert run.exit_code == 0, run.output
    results = by_name(run.stdout)
    assert sorted(results) == sorted(IDENTITIES)
    for name, (mode, _) in IDENTITIES.items():
        entry = results[name]
        assert (entry["mode"], entry["status"], entry["error"], entry["hint"]) == (
            mode,
            "ok",
            None,
            None,
        ), entry
        assert entry["expires_at"].endswith("+00:00")
    logged_in = {mailbox for mailbox, ok in e2e.smtp.auth_attempts if ok}
    assert logged_in == {mailbox for _, mailbox in IDENTITIES.values()}
    assert all(ok for _, ok in e2e.smtp.auth_attempts)
    assert e2e.smtp.messages == []  # verify logs in and quits, it sends nothing

    # A second run proves today's credentials again: one token request per identity,
    # never an access token from the cache.
    posts = len(token_posts(e2e.idp))
    again = e2e.verify("--smtp")
    assert again.exit_code == 0, again.output
    assert len(token_posts(e2e.idp)) == posts + len(IDENTITIES)
    assert "6 identities: 6 ok, 0 failed, 0 need authorization" in again.stdout
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], run.output, again.output)


def test_a_credential_changed_to_a_wrong_one_fails_although_tokens_are_cached(
    e2e: E2E,
) -> None:
    assert e2e.authorize("exchange").exit_code == 0
    assert e2e.verify().exit_code == 0  # every token now cached and valid for an hour
    e2e.env["E2E_AZURE_SECRET"] = "wr0ng-S3cr3t-azure-xyzzy"  # the client secret (exchange, ropc)
    other = make_key_pair("another-service-account-key")  # the service account's key
    (e2e.directory / "secrets" / "service-account.pem").write_text(other.private_pem)
    run = e2e.verify("--format", "json")
    assert run.exit_code == 1
    results = by_name(run.stdout)
    for name in ("exchange", "ropc", "service-account"):
        assert results[name]["status"] == "failed", results[name]
    assert "AADSTS7000215" in results["ropc"]["error"]
    assert results["generic"]["status"] == "ok"
    assert not leaked([*SECRET_VALUES, "wr0ng-S3cr3t-azure-xyzzy", other.private_pem], run.output)


def test_never_authorized_identities_need_authorization_without_failing(e2e: E2E) -> None:
    run = e2e.verify("--format", "json")

    assert run.exit_code == 0, run.output
    results = by_name(run.stdout)
    for name in ("exchange", "gmail"):
        assert results[name]["status"] == "needs-authorization"
        # the hint names the playbook as given, not a placeholder
        assert f"provision authorize {e2e.playbook} {name}" in results[name]["hint"]
        assert results[name]["expires_at"] is None
    for name in ("ropc", "service-account", "generic", "jwt"):
        assert results[name]["status"] == "ok", results[name]

    text = e2e.verify()
    assert text.exit_code == 0
    assert "6 identities: 4 ok, 0 failed, 2 need authorization" in text.stdout


def test_one_failed_identity_fails_the_run(e2e: E2E) -> None:
    e2e.idp.add_client("e2e-generic", secret="S3cr3t-E2E-rotated-elsewhere")

    run = e2e.verify("--format", "json")

    assert run.exit_code == 1
    results = by_name(run.stdout)
    assert results["generic"]["status"] == "failed"
    assert "invalid_client" in results["generic"]["error"]
    assert "check client id and client secret" in results["generic"]["hint"]
    assert [n for n, r in results.items() if r["status"] == "failed"] == ["generic"]


def test_each_failure_has_its_hint(
    tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI
) -> None:
    e2e = E2E.build(tmp_path, idp, smtp_server, pki, template="failures.yaml")
    idp.add_client("22222222-2222-3333-4444-555555555555", secret="the-secret-ID-not-its-value")
    idp.add_client("33333333-2222-3333-4444-555555555555", secret=AZURE_SECRET)
    idp.expire_secret("33333333-2222-3333-4444-555555555555")
    idp.add_client("44444444-2222-3333-4444-555555555555", secret=AZURE_SECRET)
    idp.require_consent("44444444-2222-3333-4444-555555555555")
    idp.add_user("wrong-password@acme.com", "not-" + ROPC_PASSWORD)
    idp.add_user("mfa@acme.com", ROPC_PASSWORD, mfa=True)
    refresh = e2e.seed_refresh_token(
        "refresh-expired", GOOGLE_CLIENT_ID, "pbx@beta.example", GMAIL_SCOPE
    )
    idp.expire_refresh_token(refresh)

    run = e2e.verify("--format", "json", "-j", "8")

    assert run.exit_code == 1
    results = by_name(run.stdout)
    expected = {  # identity: (status, in the error, in the hint)
        "works": ("ok", None, None),
        "wrong-secret": ("failed", "AADSTS7000215", "the secret's ID was probably pasted"),
        "expired-secret": ("failed", "AADSTS7000222", "client secret has expired"),
        "no-consent": ("failed", "AADSTS65001", "grant admin consent"),
        "wrong-password": ("failed", "AADSTS50126", "check username and password"),
        "mfa": ("failed", "AADSTS50076", "cannot do MFA"),
        "not-delegated": ("failed", "unauthorized_client", "Domain-wide delegation"),
        "refresh-expired": ("needs-authorization", "invalid_grant", 'in "Testing"'),
    }
    assert sorted(results) == sorted(expected)
    for name, (status, error, hint) in expected.items():
        entry = results[name]
        assert entry["status"] == status, entry
        if error is None:
            assert entry["error"] is None and entry["hint"] is None
        else:
            assert error in entry["error"], entry
            assert hint in entry["hint"], entry
    assert not leaked([*SECRET_VALUES, refresh], run.output)


def test_too_many_requests_with_retry_after_recovers(e2e: E2E) -> None:
    e2e.idp.fail_next(429, retry_after=1, path_contains="/oauth2/token")

    started = time.monotonic()
    run = e2e.verify("--limit", "gamma/pbx", "--format", "json")

    assert run.exit_code == 0, run.output
    assert by_name(run.stdout)["generic"]["status"] == "ok"
    assert time.monotonic() - started >= 1.0  # it waited what Retry-After said
    assert [path for _, path, _ in token_posts(e2e.idp)] == ["/oauth2/token"] * 2


def test_a_hanging_identity_provider_times_out_without_stopping_the_others(e2e: E2E) -> None:
    # Only the Entra token endpoint hangs: the microsoft365 identity waits, the rest go on.
    e2e.idp.hang_next(20, path_contains="/oauth2/v2.0/token")

    started = time.monotonic()
    run = e2e.run("verify", e2e.playbook, "--timeout", "1", "--format", "json")
    elapsed = time.monotonic() - started

    assert run.exit_code == 1, run.output
    results = by_name(run.stdout)
    assert results["ropc"]["status"] == "failed"
    assert "timed out" in results["ropc"]["error"].lower()
    assert "did not answer in time" in results["ropc"]["hint"]
    for name in ("service-account", "generic", "jwt"):
        assert results[name]["status"] == "ok", results[name]
    assert elapsed < 10, elapsed


def test_identities_are_verified_in_parallel(e2e: E2E) -> None:
    # Each token request is held for a second; count how many the IdP holds at once.
    held, peak, lock = 0, 0, threading.Lock()
    handle = e2e.idp.handle

    def slow_handle(request: Request) -> Response:
        nonlocal held, peak
        if request.method != "POST":
            return handle(request)
        with lock:
            held += 1
            peak = max(peak, held)
        try:
            time.sleep(1.0)
            return handle(request)
        finally:
            with lock:
                held -= 1

    e2e.idp.handle = slow_handle  # type: ignore[method-assign]

    run = e2e.verify("-j", "4", "--format", "json")

    assert run.exit_code == 0, run.output
    statuses = [entry["status"] for entry in by_name(run.stdout).values()]
    assert statuses.count("ok") == 4  # the four that need no authorization
    assert peak == 4


def test_limit_selects_sites_and_apps(e2e: E2E) -> None:
    run = e2e.verify("--limit", "beta,gamma/fax", "--format", "json")

    assert run.exit_code == 0, run.output
    assert sorted(by_name(run.stdout)) == ["gmail", "jwt", "service-account"]
    paths = {path for _, path, _ in token_posts(e2e.idp)}
    assert paths == {"/token", "/oauth2/token"}  # nothing asked of Entra

    excluded = e2e.verify("--limit", "*,!acme,!beta", "--format", "json")
    assert sorted(by_name(excluded.stdout)) == ["generic", "jwt"]


def test_text_output_names_each_identity_with_its_apps(e2e: E2E) -> None:
    run = e2e.verify("--limit", "acme")

    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0].split()[:3] == ["exchange", "exchange", "needs-authorization"]
    assert f"hint:  run `provision authorize {e2e.playbook} exchange` once" in run.stdout
    assert "PLAYBOOK" not in run.output
    assert lines[-1] == "2 identities: 1 ok, 0 failed, 1 need authorization"
    assert not leaked([AZURE_SECRET, ROPC_PASSWORD], run.output)
