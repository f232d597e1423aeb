"""What `provision status` found: frozen data, one Check per thing looked at, grouped by
client, identity and site. Reporters render it; nothing here reads or writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from ..model import ProviderName
from ..tokens.records import VerifyRecord

CheckStatus = Literal["ok", "warning", "failed"]
Subject = Literal["client", "identity", "site"]
CheckName = Literal[
    "secret_expiry",
    "secret_rotation",
    "redirect_uris",
    "pending_changes",
    "last_verify",
    "refresh_token",
]
STATUSES: tuple[CheckStatus, ...] = ("failed", "warning", "ok")  # worst first
RANK: dict[CheckStatus, int] = {"ok": 0, "warning": 1, "failed": 2}
EXIT_CODES: dict[CheckStatus, int] = {"ok": 0, "warning": 4, "failed": 1}
LABELS: dict[CheckName, str] = {
    "secret_expiry": "client secret expiry",
    "secret_rotation": "client secret rotation",
    "redirect_uris": "redirect URIs in the console",
    "pending_changes": "pending changes",
    "last_verify": "last verify",
    "refresh_token": "refresh token",
}
SecretSource = Literal["graph", "client_secret_expires"]


def worst(statuses: Iterable[CheckStatus]) -> CheckStatus:
    found: CheckStatus = "ok"
    for status in statuses:
        if status == "failed":
            return status
        if status == "warning":
            found = status
    return found


def instant(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a `Z`, as every format prints times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Check(NamedTuple):  # a tuple: a fleet has tens of thousands of checks
    """One thing looked at: how it stands, why, and what fixes it."""

    subject: Subject
    name: str  # the client, identity or site
    check: CheckName
    status: CheckStatus
    reason: str
    fix: str | None = None  # the command (after a console step, where one is needed)

    @property
    def title(self) -> str:
        return f"{self.subject} {self.name}: {LABELS[self.check]}"

    def as_json(self) -> dict[str, object]:
        return {"check": self.check, "status": self.status, "reason": self.reason, "fix": self.fix}


@dataclass(frozen=True)
class SecretExpiry:
    at: datetime  # a date from the playbook counts from its start, UTC
    source: SecretSource


@dataclass(frozen=True)
class UriDrift:
    """A console's redirect URIs against the spec's."""

    source: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    problems: tuple[str, ...] = ()

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.extra or self.problems)


@dataclass(frozen=True)
class RefreshToken:
    """What is known about provision's own stored authorization of an interactive identity
    (each app holds its own refresh token besides): estimated, never read from the IdP."""

    stored: bool
    last_used: datetime | None = None  # the token file's modification time
    issued: datetime | None = None  # the last `provision authorize` (the verify records)
    in_use_since: datetime | None = None  # the verify records' first ok in an unbroken run
    expires: datetime | None = None  # the estimate, where the provider's rule gives one
    rule: str | None = None  # the provider's rule the estimate follows


class ClientStatus(NamedTuple):  # tuples: a fleet has tens of thousands
    name: str
    provider: ProviderName
    client_id: str | None
    secret: SecretExpiry | None
    drift: tuple[UriDrift, ...]  # one per console compared (a download, a manifest, Graph)
    checks: tuple[Check, ...]

    @property
    def status(self) -> CheckStatus:
        return worst(c.status for c in self.checks)


class IdentityStatus(NamedTuple):  # tuples: a fleet has tens of thousands
    name: str  # the identity, or `identity--mailbox` where it sends from several
    identity: str
    mode: str
    client: str
    sender: str
    apps: int
    last_verify: VerifyRecord | None
    refresh_token: RefreshToken | None  # interactive modes only
    checks: tuple[Check, ...]

    @property
    def status(self) -> CheckStatus:
        return worst(c.status for c in self.checks)


class AppStatus(NamedTuple):  # one per app: 100,000 of them in large playbooks
    name: str
    kind: str
    identity: str  # the identity status's name
    client: str
    status: CheckStatus  # the worst of the app's own, its identity's and its client's


class SiteStatus(NamedTuple):  # tuples: a fleet has tens of thousands
    name: str
    domain: str
    pending: int  # files apply would write or deliver
    apps: tuple[AppStatus, ...]
    checks: tuple[Check, ...]

    @property
    def status(self) -> CheckStatus:
        return worst([*(c.status for c in self.checks), *(a.status for a in self.apps)])


@dataclass(frozen=True)
class StatusReport:
    generated_at: datetime
    playbook: str
    warning_days: int
    clients: tuple[ClientStatus, ...]
    identities: tuple[IdentityStatus, ...]
    sites: tuple[SiteStatus, ...]

    def checks(self) -> list[Check]:
        groups: Iterable[ClientStatus | IdentityStatus | SiteStatus] = (
            *self.clients,
            *self.identities,
            *self.sites,
        )
        return [check for group in groups for check in group.checks]

    def worst_first(self) -> list[Check]:
        """Every check, failed first, then warnings, then ok (stable within each)."""
        return sorted(self.checks(), key=lambda c: -RANK[c.status])

    def counts(self) -> dict[CheckStatus, int]:
        counts: dict[CheckStatus, int] = dict.fromkeys(STATUSES, 0)
        for check in self.checks():
            counts[check.status] += 1
        return counts

    @property
    def status(self) -> CheckStatus:
        return worst(c.status for c in self.checks())

    @property
    def exit_code(self) -> int:
        """0 all ok, 4 warnings only, 1 anything failed."""
        return EXIT_CODES[self.status]

    def summary_line(self) -> str:
        counts = self.counts()
        warnings = "warning" if counts["warning"] == 1 else "warnings"
        return (
            f"{self.status.upper()}: {counts['failed']} failed, {counts['warning']} "
            f"{warnings}, {counts['ok']} ok ({len(self.clients)} clients, "
            f"{len(self.identities)} identities, {len(self.sites)} sites)"
        )
