"""Verify records: each identity's last `verify` result and when it ran (and when it was
last authorized), so that `provision status` can tell later without asking anyone.

One JSON file per identity (and mailbox) under `<state_dir>/verify/`, mode 0600 in a 0700
directory, written atomically; never a secret: messages are scrubbed before they are kept.

    {"version": 1, "identity": "acme-mail", "mode": "exchange", "status": "ok",
     "at": "2026-05-04T06:00:00+00:00", "smtp": true, "error": null, "hint": null,
     "ok_since": "...", "authorized_at": "..."}

`ok_since` is the start of the unbroken run of ok results (the earliest moment the stored
authorization is known to have worked); `authorized_at` the last `provision authorize`,
when the stored refresh token was issued. Both carry over from record to record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from ..files import JsonFileError, Write, read_json, write_files
from ..secret import scrub

if TYPE_CHECKING:  # the verify module loads the token flows: status reads records only
    from .verify import IdentityResult

VERSION = 1
RecordStatus = Literal["ok", "failed", "needs-authorization"]
STATUSES: tuple[str, ...] = get_args(RecordStatus)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True)
class VerifyRecord:
    """One identity's last verify result; never holds a secret."""

    identity: str
    mode: str
    status: RecordStatus | None  # None: authorized, not verified since records began
    at: datetime | None  # when the identity's last verify finished, UTC
    smtp: bool = False  # the SMTP login was part of it, not only the token
    error: str | None = None
    hint: str | None = None
    ok_since: datetime | None = None  # start of the unbroken run of ok results
    authorized_at: datetime | None = None  # the last `provision authorize`

    @classmethod
    def from_result(
        cls, result: IdentityResult, *, smtp: bool, previous: VerifyRecord | None = None
    ) -> VerifyRecord:
        at = result.checked_at
        since = None
        if result.status == "ok":
            carried = previous.ok_since if previous and previous.status == "ok" else None
            since = carried or at
        return cls(
            identity=result.name,
            mode=result.mode,
            status=result.status,
            at=at,
            smtp=smtp,
            error=scrub(result.error) if result.error else None,
            hint=scrub(result.hint) if result.hint else None,
            ok_since=since,
            authorized_at=previous.authorized_at if previous else None,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "identity": self.identity,
            "mode": self.mode,
            "status": self.status,
            "at": _instant(self.at),
            "smtp": self.smtp,
            "error": self.error,
            "hint": self.hint,
            "ok_since": _instant(self.ok_since),
            "authorized_at": _instant(self.authorized_at),
        }


def record_path(directory: Path, identity: str) -> Path | None:
    """The record file of `identity`, or None when the name cannot name a file."""
    return directory / f"{identity}.json" if _NAME.match(identity) else None


def read_record(directory: Path, identity: str) -> VerifyRecord | None:
    """The record of `identity`; None when there is none (or it is damaged: the next
    verify writes it anew)."""
    path = record_path(directory, identity)
    if path is None or not path.exists():
        return None
    try:
        return _from_json(read_json(path), identity)
    except (JsonFileError, ValueError, TypeError, KeyError):
        return None


def record_results(
    directory: Path, results: Sequence[IdentityResult], *, smtp: bool
) -> dict[str, str]:
    """Keep each result as its identity's record (one batch of atomic writes); returns
    identity -> why its record could not be written."""
    records = {
        result.name: VerifyRecord.from_result(
            result, smtp=smtp, previous=read_record(directory, result.name)
        )
        for result in results
    }
    return _write(directory, records)


def record_authorized(directory: Path, identity: str, mode: str, now: datetime) -> str | None:
    """Note that `identity` was just authorized (its stored refresh token is new); returns
    why that could not be written, or None."""
    previous = read_record(directory, identity) or VerifyRecord(identity, mode, None, None)
    record = replace(previous, mode=mode, authorized_at=now)
    return _write(directory, {identity: record}).get(identity)


def _write(directory: Path, records: Mapping[str, VerifyRecord]) -> dict[str, str]:
    writes: list[Write] = []
    names: dict[str, str] = {}  # path -> identity
    failed: dict[str, str] = {}
    for name, record in records.items():
        path = record_path(directory, name)
        if path is None:
            failed[name] = f"identity name {name!r} cannot name a record file"
            continue
        body = json.dumps(record.as_json(), indent=1).encode() + b"\n"
        writes.append(Write(str(path), body, 0o600))
        names[str(path)] = name
    for failure in write_files(writes):
        failed[names.get(failure.path, failure.path)] = f"{failure.path}: {failure.message}"
    return failed


def _instant(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _parse(text: object) -> datetime | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError("not a time")
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_json(document: Any, identity: str) -> VerifyRecord:
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise ValueError("unknown record format")
    status = document.get("status")
    if document.get("identity") != identity or not (status is None or status in STATUSES):
        raise ValueError("not this identity's record")
    text = {key: document.get(key) for key in ("error", "hint")}
    if not all(value is None or isinstance(value, str) for value in text.values()):
        raise TypeError("error and hint are texts")
    return VerifyRecord(
        identity=identity,
        mode=str(document["mode"]),
        status=cast("RecordStatus | None", status),
        at=_parse(document.get("at")),
        smtp=document.get("smtp") is True,
        error=text["error"],
        hint=text["hint"],
        ok_since=_parse(document.get("ok_since")),
        authorized_at=_parse(document.get("authorized_at")),
    )
