"""`pipeline.status` offline (no Graph-managed client, nothing to reach): a playbook whose
clients expire at different times, a Google download that drifted, files not applied,
verify records and token files of different ages; each check's status, reason and fix."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from provision import pipeline
from provision.secret import Secret
from provision.status.report import Check, StatusReport
from provision.tokens.records import record_authorized, record_results
from provision.tokens.store import StoredTokens, TokenStore
from provision.tokens.verify import IdentityResult
from tests.playbook_helpers import stats_under, write_yaml

TODAY = date.today()
NOW = datetime.now(UTC)
PBX = "https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"


def _playbook(directory: Path) -> Path:
    download = {
        "web": {
            "client_id": "g.apps.googleusercontent.com",
            "client_secret": "x" * 24,
            # provision authorize's own redirect (settings.authorize_redirect_uri) is there
            "redirect_uris": ["http://localhost:8400/", "https://pbx.beta.example/old.htm"],
        }
    }
    (directory / "google.json").write_text(json.dumps(download))
    (directory / "google.json").chmod(0o600)

    def azure(**extra: Any) -> dict[str, Any]:
        return {
            "provider": "microsoft",
            "tenant": "acme.com",
            "client_id": "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00",
            "client_secret": {"env": "STATUS_UNIT_SECRET"},
            **extra,
        }

    return write_yaml(
        directory / "playbook.yaml",
        {
            "version": 1,
            "settings": {"expiry_warning_days": 30},
            "clients": {
                "far": azure(client_secret_expires=TODAY + timedelta(days=400)),
                "soon": azure(client_secret_expires=TODAY + timedelta(days=10)),
                "gone": azure(client_secret_expires=TODAY - timedelta(days=1)),
                "unknown": azure(),
                "google": {"provider": "google", "client_secrets_file": "google.json"},
            },
            "identities": {
                "far-mail": {"client": "far", "mode": "exchange", "sender": "pbx@acme.com"},
                "soon-fax": {
                    "client": "soon",
                    "mode": "microsoft365",
                    "sender": "fax@acme.com",
                    "password": {"env": "STATUS_UNIT_PASSWORD"},
                },
                "gone-mail": {
                    "client": "gone",
                    "mode": "microsoft365",
                    "sender": "gone@acme.com",
                    "password": {"env": "STATUS_UNIT_PASSWORD"},
                },
                "unknown-mail": {"client": "unknown", "mode": "exchange", "sender": "x@acme.com"},
                "gmail": {"client": "google", "mode": "gmail", "sender": "pbx@beta.example"},
            },
            "sites": {
                "acme": {
                    "domain": "acme.com",
                    "pbx": "pbx.acme.com",
                    "app_platform": "ap.acme.com",
                    "identity": "far-mail",
                    "apps": {"pbx": {}, "fax": {"identity": "soon-fax"}},
                },
                "beta": {
                    "domain": "beta.example",
                    "pbx": "pbx.beta.example",
                    "app_platform": "ap.beta.example",
                    "identity": "gmail",
                    "apps": ["pbx"],
                },
                "gone": {
                    "domain": "gone.example",
                    "pbx": "pbx.gone.example",
                    "app_platform": "ap.gone.example",
                    "identity": "gone-mail",
                    "apps": ["pbx", "users"],
                },
                "other": {
                    "domain": "other.example",
                    "pbx": "pbx.other.example",
                    "app_platform": "ap.other.example",
                    "identity": "unknown-mail",
                    "apps": ["pbx"],
                },
            },
        },
    )


@pytest.fixture
def playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STATUS_UNIT_SECRET", "S3cr3t-UNIT-azure-5150")
    monkeypatch.setenv("STATUS_UNIT_PASSWORD", "S3cr3t-UNIT-password-5150")
    return _playbook(tmp_path)


def _status(playbook: Path, limit: str | None = None) -> StatusReport:
    model = pipeline.check(playbook).model
    return pipeline.status(model, playbook=str(playbook), limit=limit)


def _check(report: StatusReport, subject: str, name: str, check: str) -> Check:
    return next(
        c for c in report.checks() if (c.subject, c.name, c.check) == (subject, name, check)
    )


def test_secret_expiry_by_client_secret_expires(playbook: Path) -> None:
    report = _status(playbook)
    assert _check(report, "client", "far", "secret_expiry").status == "ok"
    soon = _check(report, "client", "soon", "secret_expiry")
    assert soon.status == "warning" and "in 10 days" in soon.reason
    assert soon.fix is not None and soon.fix.endswith(f"then: provision apply {playbook}")
    assert _check(report, "client", "gone", "secret_expiry").status == "failed"
    unknown = _check(report, "client", "unknown", "secret_expiry")
    assert unknown.status == "warning" and "unknown" in unknown.reason
    assert not [c for c in report.checks() if c.name == "google" and c.check == "secret_expiry"]
    expires = {c.name: c.secret for c in report.clients}
    assert expires["far"] is not None and expires["far"].source == "client_secret_expires"
    assert expires["far"].at == datetime(*(TODAY + timedelta(days=400)).timetuple()[:3], tzinfo=UTC)
    assert expires["unknown"] is None


def test_drift_against_the_console_download(playbook: Path) -> None:
    drift = _check(_status(playbook), "client", "google", "redirect_uris")
    assert drift.status == "warning"
    assert "1 missing (https://pbx.beta.example/OAUTH2-CLIENT/auth.htm)" in drift.reason
    assert "1 extra (https://pbx.beta.example/old.htm)" in drift.reason
    assert (
        drift.fix is not None and f"provision redirect-uris {playbook} --client google" in drift.fix
    )


def test_pending_changes_then_applied(playbook: Path) -> None:
    report = _status(playbook)
    acme = _check(report, "site", "acme", "pending_changes")
    assert acme.status == "warning" and acme.fix == f"provision apply {playbook} --limit acme"
    gone = _check(report, "site", "gone", "pending_changes")
    assert gone.status == "failed" and "2 item(s) cannot be made" in gone.reason
    assert [s.pending for s in report.sites if s.name == "acme"] == [3]  # 2 apps, 1 sheet
    assert pipeline.apply(pipeline.plan(pipeline.check(playbook).model, limit=None)).plan
    applied = _status(playbook)
    assert _check(applied, "site", "acme", "pending_changes").status == "ok"
    assert _check(applied, "client", "far", "pending_changes").status == "ok"
    # the expired client fails once, by its expiry check, not again as a pending change
    assert _check(applied, "client", "gone", "pending_changes").status == "ok"
    assert _check(applied, "site", "gone", "pending_changes").status == "failed"


def test_identities_from_the_verify_records_and_the_token_store(playbook: Path) -> None:
    state = playbook.parent / ".provision"
    record_results(
        state / "verify",
        [
            IdentityResult("far-mail", "exchange", "ok"),
            IdentityResult(
                "soon-fax", "microsoft365", "failed", "soon-fax: AADSTS50126", "check the password"
            ),
            IdentityResult("gmail", "gmail", "needs-authorization", "gmail: not authorized yet"),
        ],
        smtp=True,
    )
    store = TokenStore(state / "tokens")
    store.save("far-mail", StoredTokens(refresh_token=Secret("RT-unit-far-mail-0001")))
    old = (NOW - timedelta(days=70)).timestamp()
    os.utime(store.path("far-mail"), (old, old))  # unused for 70 days: lapses in 20
    report = _status(playbook)

    assert _check(report, "identity", "far-mail", "last_verify").status == "ok"
    refresh = _check(report, "identity", "far-mail", "refresh_token")
    assert refresh.status == "warning" and "90 days" in refresh.reason
    assert refresh.fix == f"provision verify {playbook}"
    failed = _check(report, "identity", "soon-fax", "last_verify")
    assert failed.status == "failed" and "AADSTS50126" in failed.reason
    assert failed.fix == f"check the password; then: provision verify {playbook}"
    assert _check(report, "identity", "gmail", "last_verify").fix == (
        f"provision authorize {playbook} gmail"
    )
    never = _check(report, "identity", "unknown-mail", "last_verify")
    assert never.status == "warning" and never.reason.startswith("never verified")
    assert _check(report, "identity", "unknown-mail", "refresh_token").status == "warning"
    assert not [c for c in report.checks() if c.name == "soon-fax" and c.check == "refresh_token"]
    apps = {(s.name, a.name): a.status for s in report.sites for a in s.apps}
    assert apps[("acme", "fax")] == "failed"  # its identity failed
    assert apps[("acme", "pbx")] == "warning"  # its identity's refresh token, its files

    record_authorized(state / "verify", "gmail", "gmail", NOW - timedelta(days=2))
    store.save("gmail", StoredTokens(refresh_token=Secret("RT-unit-gmail-0002")))
    gmail = _check(_status(playbook), "identity", "gmail", "refresh_token")
    assert (
        gmail.status == "ok" and "Testing" in gmail.reason and "at the latest" not in gmail.reason
    )


def test_limit_scopes_sites_identities_and_clients(playbook: Path) -> None:
    report = _status(playbook, "beta")
    assert [s.name for s in report.sites] == ["beta"]
    assert [i.name for i in report.identities] == ["gmail"]
    assert [c.name for c in report.clients] == ["google"]


def test_status_writes_nothing(playbook: Path) -> None:
    before = stats_under(playbook.parent)
    _status(playbook)
    assert stats_under(playbook.parent) == before
