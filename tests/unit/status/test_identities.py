"""The identity checks at chosen moments: the providers' refresh-token rules (Microsoft:
90 days unused; Google: 7 days after issue while in Testing), estimated and said so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from provision.desired.credentials import Unit
from provision.model import Client, Identity
from provision.status.identities import identity_status
from provision.status.observe import TokenFile
from provision.tokens.records import VerifyRecord

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _unit(provider: str = "google", mode: str = "gmail") -> Unit:
    client = Client("c", provider, "id", None, None)  # type: ignore[arg-type]
    identity = Identity("i", client, mode, "pbx@acme.com", None, None, None, None, True)  # type: ignore[arg-type]
    return Unit("i", identity, "pbx@acme.com", ("acme/pbx",))


def _checks(
    unit: Unit, record: VerifyRecord | None, token: TokenFile | None
) -> dict[str, tuple[str, str, str | None]]:
    status = identity_status(unit, record, token, warning_days=30, now=NOW, playbook="pb.yaml")
    return {c.check: (c.status, c.reason, c.fix) for c in status.checks}


def _ok(at: datetime, **fields: object) -> VerifyRecord:
    return VerifyRecord("i", "gmail", "ok", at, True, **fields)  # type: ignore[arg-type]


def test_google_within_seven_days_of_issue_is_an_estimate() -> None:
    record = _ok(NOW - DAY, authorized_at=NOW - 2 * DAY, ok_since=NOW - DAY)
    status, reason, _ = _checks(_unit(), record, TokenFile(True, NOW - DAY))["refresh_token"]
    assert status == "ok"
    assert "dies on 2026-06-06T12:00:00Z" in reason and "cannot read the publishing" in reason


def test_google_alive_after_seven_days_is_not_in_testing() -> None:
    record = _ok(NOW - DAY, authorized_at=NOW - 20 * DAY, ok_since=NOW - 19 * DAY)
    status, reason, _ = _checks(_unit(), record, TokenFile(True, NOW - DAY))["refresh_token"]
    assert status == "ok" and "not in Testing" in reason


def test_google_not_verified_since_its_seventh_day_warns() -> None:
    record = _ok(NOW - 9 * DAY, ok_since=NOW - 10 * DAY)  # no authorize recorded
    checks = _checks(_unit(), record, TokenFile(True, NOW - 9 * DAY))
    status, reason, fix = checks["refresh_token"]
    assert status == "warning" and "at the latest" in reason and fix == "provision verify pb.yaml"


def test_microsoft_refresh_token_lapses_after_ninety_days_unused() -> None:
    unit = _unit("microsoft", "exchange")
    record = VerifyRecord("i", "exchange", "ok", NOW - 95 * DAY, False)
    checks = _checks(unit, record, TokenFile(True, NOW - 95 * DAY))
    assert checks["refresh_token"][0] == "failed"
    assert checks["refresh_token"][2] == "provision authorize pb.yaml i"
    fresh = _checks(unit, record, TokenFile(True, NOW - DAY))
    assert fresh["refresh_token"][0] == "ok"


def test_an_unreadable_token_file_fails_and_a_changed_mode_asks_for_verify() -> None:
    checks = _checks(_unit(), None, TokenFile(False, NOW, "token file is accessible by others"))
    assert checks["refresh_token"][0] == "failed"
    assert checks["last_verify"][0] == "warning"
    changed = VerifyRecord("i", "exchange", "ok", NOW, False)
    status, reason, _ = _checks(_unit(), changed, None)["last_verify"]
    assert status == "warning" and "as mode exchange" in reason
