"""`provision status --format prometheus`: the Prometheus text exposition format (0.0.4),
for node_exporter's textfile collector (`--output DIR/provision.prom`, written atomically:
the collector would read a half-written file otherwise). Every family has its HELP and
TYPE lines; a value that is not known is left out, never guessed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import Problem
from .base import Reporter

if TYPE_CHECKING:
    from ..status.report import StatusReport

CHECK_VALUES = {"ok": 0, "warning": 1, "failed": 2}


class Family:
    """One metric family: its name, its HELP text, its samples (labels, value)."""

    def __init__(self, name: str, help: str) -> None:
        self.name = name
        self.help = help
        self.samples: list[tuple[dict[str, str], float]] = []

    def add(self, value: float, **labels: str) -> None:
        self.samples.append((labels, value))

    def lines(self) -> Iterable[str]:
        yield f"# HELP {self.name} {_help(self.help)}"
        yield f"# TYPE {self.name} gauge"
        for labels, value in self.samples:
            inner = ",".join(f'{key}="{_label(text)}"' for key, text in labels.items())
            yield (
                f"{self.name}{{{inner}}} {_number(value)}"
                if inner
                else f"{self.name} {_number(value)}"
            )


class PrometheusReporter(Reporter):
    name = "prometheus"

    def warnings(
        self, problems: Sequence[Problem], *, brief: str | None = None, about: str = ""
    ) -> None:
        pass  # the exposition carries metrics only

    def status(self, report: StatusReport) -> str:
        families = _families(report)
        shown = [family for family in families if family.samples]  # unknown: left out
        return "".join(line + "\n" for family in shown for line in family.lines())


def _families(report: StatusReport) -> list[Family]:
    generated = Family(
        "provision_status_generated_timestamp_seconds", "When provision status ran (Unix time)."
    )
    generated.add(_seconds(report.generated_at))
    checks = Family(
        "provision_status_checks",
        "How many checks provision status found ok, warning or failed.",
    )
    for status, count in report.counts().items():
        checks.add(count, status=status)
    each = Family(
        "provision_check_status",
        "Each check: 0 ok, 1 warning, 2 failed (subject client, identity or site).",
    )
    for check in report.checks():
        each.add(
            CHECK_VALUES[check.status], subject=check.subject, name=check.name, check=check.check
        )
    return [
        generated,
        checks,
        each,
        *_client_families(report),
        *_identity_families(report),
        _pending(report),
    ]


def _client_families(report: StatusReport) -> list[Family]:
    expiry = Family(
        "provision_client_secret_expiry_timestamp_seconds",
        "When the client secret expires (Unix time): Graph's latest passwordCredentials "
        "endDateTime where Graph was read, else the start (UTC) of client_secret_expires.",
    )
    drift = Family(
        "provision_client_redirect_uri_drift",
        "1 when a console's redirect URIs differ from the spec, 0 when in sync (clients "
        "whose console was compared: a download, a manifest or Graph).",
    )
    missing = Family(
        "provision_client_redirect_uris_missing",
        "Redirect URIs the spec needs that the console does not hold.",
    )
    for client in report.clients:
        if client.secret is not None:
            expiry.add(_seconds(client.secret.at), client=client.name, source=client.secret.source)
        if client.drift:
            drift.add(int(any(d.drifted for d in client.drift)), client=client.name)
            missing.add(sum(len(d.missing) for d in client.drift), client=client.name)
    return [expiry, drift, missing]


def _identity_families(report: StatusReport) -> list[Family]:
    last = Family(
        "provision_identity_last_verify_timestamp_seconds",
        "When provision verify last checked the identity (Unix time; verified ones only).",
    )
    ok = Family(
        "provision_identity_verify_ok",
        "1 when the identity's last verify succeeded, 0 when it failed or needs "
        "authorization (verified ones only).",
    )
    used = Family(
        "provision_identity_refresh_token_last_used_timestamp_seconds",
        "When provision's own stored refresh token was last used (the token store's file "
        "time; interactive identities; each app holds its own refresh token).",
    )
    lapses = Family(
        "provision_identity_refresh_token_expiry_estimate_timestamp_seconds",
        "Estimated end of provision's own refresh token by the provider's rule (Microsoft: "
        "90 days unused; Google: 7 days after issue in Testing, an upper bound).",
    )
    for identity in report.identities:
        record, token = identity.last_verify, identity.refresh_token
        if record is not None and record.at is not None:
            last.add(_seconds(record.at), identity=identity.name, mode=identity.mode)
            ok.add(int(record.status == "ok"), identity=identity.name, mode=identity.mode)
        if token is not None and token.last_used is not None:
            used.add(_seconds(token.last_used), identity=identity.name)
        if token is not None and token.expires is not None:
            lapses.add(_seconds(token.expires), identity=identity.name)
    return [last, ok, used, lapses]


def _pending(report: StatusReport) -> Family:
    pending = Family(
        "provision_pending_changes",
        "Files apply would write for the site (0: the output directory is up to date).",
    )
    for site in report.sites:
        pending.add(site.pending, site=site.name)
    return pending


def _seconds(moment: datetime) -> float:
    return round(moment.timestamp(), 3)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
