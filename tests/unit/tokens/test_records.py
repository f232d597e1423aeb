"""Verify records: what `verify` and `authorize` leave under the state directory for
`provision status`: private files, times that carry over, scrubbed texts, and a damaged
or foreign file taken as no record at all."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from provision.secret import PLACEHOLDER, Secret
from provision.tokens.records import (
    VerifyRecord,
    read_record,
    record_authorized,
    record_path,
    record_results,
)
from provision.tokens.verify import IdentityResult

T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def _result(name: str, status: str = "ok", at: datetime = T0, **fields: str) -> IdentityResult:
    return IdentityResult(name, "exchange", status, checked_at=at, **fields)  # type: ignore[arg-type]


def test_results_are_kept_privately_and_read_back(tmp_path: Path) -> None:
    directory = tmp_path / "state" / "verify"
    failed = record_results(
        directory,
        [_result("acme-mail"), _result("beta-mail", "failed", error="beta-mail: AADSTS50126")],
        smtp=True,
    )
    assert failed == {}
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for name in ("acme-mail", "beta-mail"):
        assert stat.S_IMODE((directory / f"{name}.json").stat().st_mode) == 0o600
    acme = read_record(directory, "acme-mail")
    assert acme == VerifyRecord("acme-mail", "exchange", "ok", T0, True, ok_since=T0)
    beta = read_record(directory, "beta-mail")
    assert beta is not None and beta.status == "failed" and beta.ok_since is None
    assert beta.error == "beta-mail: AADSTS50126"
    document = json.loads((directory / "acme-mail.json").read_text())
    assert document["version"] == 1 and document["at"] == "2026-05-04T06:00:00+00:00"


def test_ok_since_carries_over_until_a_result_is_not_ok(tmp_path: Path) -> None:
    later = [T0 + timedelta(days=day) for day in range(4)]
    record_results(tmp_path, [_result("x", at=later[0])], smtp=False)
    record_results(tmp_path, [_result("x", at=later[1])], smtp=False)
    kept = read_record(tmp_path, "x")
    assert kept is not None and (kept.at, kept.ok_since) == (later[1], later[0])
    record_results(tmp_path, [_result("x", "needs-authorization", at=later[2])], smtp=False)
    record_results(tmp_path, [_result("x", at=later[3])], smtp=False)
    again = read_record(tmp_path, "x")
    assert again is not None and again.ok_since == later[3]


def test_authorization_time_survives_verifies(tmp_path: Path) -> None:
    record_results(tmp_path, [_result("gmail", at=T0)], smtp=True)
    assert record_authorized(tmp_path, "gmail", "gmail", T0 + timedelta(hours=1)) is None
    record = read_record(tmp_path, "gmail")
    assert record is not None and record.status == "ok" and record.at == T0  # kept
    assert record.authorized_at == T0 + timedelta(hours=1)
    record_results(tmp_path, [_result("gmail", "failed", at=T0 + timedelta(days=8))], smtp=True)
    after = read_record(tmp_path, "gmail")
    assert after is not None and after.authorized_at == T0 + timedelta(hours=1)
    # authorized, never verified: a record without a verify
    assert record_authorized(tmp_path, "fresh", "exchange", T0) is None
    fresh = read_record(tmp_path, "fresh")
    assert fresh is not None and (fresh.status, fresh.at, fresh.authorized_at) == (None, None, T0)


def test_texts_are_scrubbed_before_they_are_kept(tmp_path: Path) -> None:
    leaked = "S3cr3t-RECORD-value-4711"
    Secret(leaked)  # held by this process, as a resolved client secret would be
    record_results(tmp_path, [_result("x", "failed", error=f"x: bad {leaked}")], smtp=False)
    text = (tmp_path / "x.json").read_text()
    assert leaked not in text and PLACEHOLDER in text


def test_damaged_foreign_or_unnamable_records_are_none(tmp_path: Path) -> None:
    (tmp_path / "damaged.json").write_text("{not json")
    (tmp_path / "foreign.json").write_text(json.dumps({"version": 1, "identity": "other"}))
    (tmp_path / "future.json").write_text(json.dumps({"version": 2, "identity": "future"}))
    for name in ("damaged", "foreign", "future", "missing", "../escape"):
        assert read_record(tmp_path, name) is None
    assert record_path(tmp_path, "../escape") is None
    assert (
        "cannot name a record file"
        in record_results(tmp_path, [_result("Not/A/Name")], smtp=False)["Not/A/Name"]
    )
    record_results(tmp_path, [_result("damaged")], smtp=False)  # written anew
    assert read_record(tmp_path, "damaged") is not None


def test_a_record_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    blocked = tmp_path / "verify"
    blocked.write_text("a file where the directory should be")
    failed = record_results(blocked, [_result("x")], smtp=False)
    assert set(failed) == {"x"}
