"""`provision status --format json`: the fleet's health as one document for programs.

    {"format_version": 1, "generated_at", "playbook", "summary", "clients", "identities",
     "sites"}

Times are ISO 8601 UTC (`...Z`); a refresh token's figures are estimates (`"estimated":
true`, with the rule they follow)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..status.report import instant
from .base import FORMAT_VERSION

if TYPE_CHECKING:
    from ..status.report import ClientStatus, IdentityStatus, SiteStatus, StatusReport


def status_document(report: StatusReport) -> dict[str, Any]:
    counts = report.counts()
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": instant(report.generated_at),
        "playbook": report.playbook,
        "summary": {
            "status": report.status,
            "exit_code": report.exit_code,
            "checks": {status: counts[status] for status in ("ok", "warning", "failed")},
            "clients": len(report.clients),
            "identities": len(report.identities),
            "sites": len(report.sites),
            "expiry_warning_days": report.warning_days,
        },
        "clients": [_client(c) for c in report.clients],
        "identities": [_identity(i) for i in report.identities],
        "sites": [_site(s) for s in report.sites],
    }


def _client(client: ClientStatus) -> dict[str, Any]:
    secret = client.secret
    return {
        "name": client.name,
        "provider": client.provider,
        "client_id": client.client_id,
        "status": client.status,
        "secret_expires": (
            {"at": instant(secret.at), "source": secret.source} if secret is not None else None
        ),
        "redirect_uris": [
            {
                "source": drift.source,
                "drift": drift.drifted,
                "missing": list(drift.missing),
                "extra": list(drift.extra),
                "problems": list(drift.problems),
            }
            for drift in client.drift
        ],
        "checks": [check.as_json() for check in client.checks],
    }


def _identity(identity: IdentityStatus) -> dict[str, Any]:
    record, token = identity.last_verify, identity.refresh_token
    return {
        "name": identity.name,
        "identity": identity.identity,
        "mode": identity.mode,
        "client": identity.client,
        "sender": identity.sender,
        "apps": identity.apps,
        "status": identity.status,
        "last_verify": (
            {
                "at": instant(record.at),
                "status": record.status,
                "smtp": record.smtp,
                "error": record.error,
                "hint": record.hint,
                "ok_since": instant(record.ok_since),
            }
            if record is not None and record.status is not None
            else None
        ),
        "refresh_token": (
            {
                "stored": token.stored,
                "last_used": instant(token.last_used),
                "issued": instant(token.issued),
                "in_use_since": instant(token.in_use_since),
                "expires": instant(token.expires),
                "estimated": True,
                "rule": token.rule,
            }
            if token is not None
            else None
        ),
        "checks": [check.as_json() for check in identity.checks],
    }


def _site(site: SiteStatus) -> dict[str, Any]:
    return {
        "name": site.name,
        "domain": site.domain,
        "status": site.status,
        "pending_changes": site.pending,
        "apps": [
            {
                "name": app.name,
                "kind": app.kind,
                "identity": app.identity,
                "client": app.client,
                "status": app.status,
            }
            for app in site.apps
        ],
        "checks": [check.as_json() for check in site.checks],
    }
