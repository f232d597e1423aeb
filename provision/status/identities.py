"""The checks of one identity (and mailbox): its last verify result, and for the
interactive modes the age of provision's own stored authorization, estimated by the
provider's rule (Microsoft: revoked after 90 days unused; Google: 7 days after it was
issued while the OAuth consent screen is External and in Testing). Each app holds a
refresh token of its own besides, which provision cannot see."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..desired.credentials import Unit
from ..tokens.records import VerifyRecord
from .observe import TokenFile, as_state_owner
from .report import Check, CheckStatus, IdentityStatus, RefreshToken, instant

MICROSOFT_IDLE = timedelta(days=90)
GOOGLE_TESTING = timedelta(days=7)
OWN = "provision's own refresh token"
MICROSOFT_RULE = "Microsoft revokes a refresh token unused for 90 days"
GOOGLE_RULE = (
    "Google revokes a refresh token 7 days after issue while the OAuth consent screen is "
    "External and in Testing (provision cannot read the publishing status)"
)


def identity_status(
    unit: Unit,
    record: VerifyRecord | None,
    token: TokenFile | None,
    *,
    warning_days: int,
    now: datetime,
    playbook: str,
    records_error: str | None = None,
    tokens_error: str | None = None,
) -> IdentityStatus:
    """`records_error`, `tokens_error`: why the verify records, the token store could not
    be listed (None: they could)."""
    checks = [_last_verify(unit, record, playbook, records_error)]
    refresh = None
    if token is not None and tokens_error is not None:
        reason = f"{OWN}: the token store: {tokens_error}"
        checks.append(
            Check(
                "identity", unit.name, "refresh_token", "failed", reason, as_state_owner("verify")
            )
        )
    elif token is not None:
        refresh, check = _refresh_token(unit, record, token, warning_days, now, playbook)
        checks.append(check)
    identity = unit.identity
    return IdentityStatus(
        name=unit.name,
        identity=identity.name,
        mode=identity.mode,
        client=identity.client.name,
        sender=unit.sender,
        apps=len(unit.apps),
        last_verify=record if record is not None and record.status is not None else None,
        refresh_token=refresh,
        checks=tuple(checks),
    )


def _last_verify(
    unit: Unit, record: VerifyRecord | None, playbook: str, records_error: str | None
) -> Check:
    def check(status: CheckStatus, reason: str, fix: str | None = None) -> Check:
        return Check("identity", unit.name, "last_verify", status, reason, fix)

    verify = f"provision verify {playbook}"
    if record is None and records_error is not None:
        return check("failed", f"the verify records: {records_error}", as_state_owner("verify"))
    if record is None or record.status is None:
        return check("warning", "never verified: no verify result is recorded", verify)
    when = f"{instant(record.at)}" + (" (token and SMTP login)" if record.smtp else " (token)")
    if record.mode != unit.identity.mode:
        return check(
            "warning",
            f"last verified on {when} as mode {record.mode}; the playbook now says "
            f"{unit.identity.mode}",
            verify,
        )
    if record.status == "ok":
        return check("ok", f"verified ok on {when}")
    if record.status == "needs-authorization":
        return check(
            "warning",
            f"not authorized (verify on {when}): {record.error or 'no stored authorization'}",
            f"provision authorize {playbook} {unit.name}",
        )
    hint = f"{record.hint.rstrip('.')}; then: " if record.hint else ""
    return check("failed", f"verify failed on {when}: {record.error}", hint + verify)


def _refresh_token(
    unit: Unit,
    record: VerifyRecord | None,
    token: TokenFile,
    warning_days: int,
    now: datetime,
    playbook: str,
) -> tuple[RefreshToken, Check]:
    def check(status: CheckStatus, reason: str, fix: str | None = None) -> Check:
        return Check("identity", unit.name, "refresh_token", status, reason, fix)

    authorize = f"provision authorize {playbook} {unit.name}"
    if token.error is not None:
        return RefreshToken(False, token.modified), check("failed", token.error, authorize)
    if not token.stored:
        return RefreshToken(False), check(
            "warning", "no authorization stored: never authorized here", authorize
        )
    used = token.modified
    issued = record.authorized_at if record is not None else None
    since = record.ok_since if record is not None and record.status == "ok" else None
    provider = unit.identity.client.provider
    if provider == "microsoft" and used is not None:
        lapses = used + MICROSOFT_IDLE
        known = RefreshToken(True, used, issued, since, lapses, MICROSOFT_RULE)
        reason = (
            f"{OWN} was last used on {instant(used)} (the token store's file time); "
            f"{MICROSOFT_RULE}: estimated to lapse on {instant(lapses)}"
        )
        if lapses <= now:
            return known, check("failed", reason, authorize)
        if (lapses - now).days <= warning_days:
            return known, check("warning", reason, f"provision verify {playbook}")
        return known, check("ok", reason)
    if provider == "google" and (issued is not None or since is not None):
        return _google(unit, record, token, issued, since, now, playbook)
    last = f", last used on {instant(used)} (the token store's file time)" if used else ""
    reason = f"{OWN} is stored{last}; its age is not known"
    return RefreshToken(True, used, issued, since), check("ok", reason)


def _google(
    unit: Unit,
    record: VerifyRecord | None,
    token: TokenFile,
    issued: datetime | None,
    since: datetime | None,
    now: datetime,
    playbook: str,
) -> tuple[RefreshToken, Check]:
    """Issued at `issued` (authorize was recorded) or at the latest at `since` (the first
    ok verify of an unbroken run): in Testing it dies 7 days after, so by then at the
    latest. An ok verify after that proves the consent screen is not in Testing."""

    def check(status: CheckStatus, reason: str, fix: str | None = None) -> Check:
        return Check("identity", unit.name, "refresh_token", status, reason, fix)

    start = issued or since
    assert start is not None
    end = start + GOOGLE_TESTING
    shown = f"issued on {instant(issued)}" if issued else f"in use since {instant(since)}"
    exact = "" if issued else " at the latest"
    last_ok = record.at if record is not None and record.status == "ok" else None
    if last_ok is not None and last_ok >= end:
        reason = (
            f"{OWN} ({shown}) still worked on {instant(last_ok)}, 7 days on: the consent "
            "screen is not in Testing"
        )
        return RefreshToken(True, token.modified, issued, since, None, GOOGLE_RULE), check(
            "ok", reason
        )
    estimate = RefreshToken(True, token.modified, issued, since, end, GOOGLE_RULE)
    if end <= now:
        reason = (
            f"{OWN} ({shown}) has not been verified since 7 days after its issue: "
            f"{GOOGLE_RULE}, so it may have died on {instant(end)}{exact}"
        )
        return estimate, check("warning", reason, f"provision verify {playbook}")
    reason = f"{OWN} ({shown}): {GOOGLE_RULE}; if so, it dies on {instant(end)}{exact}"
    return estimate, check("ok", reason)
