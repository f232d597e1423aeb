"""The checks of one client: its secret's expiry (Graph's latest passwordCredentials end
where Graph was read, else the playbook's client_secret_expires), its rotation where
rotate-secret rotated it, its redirect URIs in each console compared (an offline copy,
Graph), and the files apply would write for it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ..desired.state import Failure
from ..model import Client, ClientUris
from ..plan.drift import compare
from ..plan.expiry import secret_expiry
from ..plan.files import FileChange
from ..plan.registrations import RegistrationPlan
from ..providers.microsoft.graph import parse_instant
from .graph import GraphRead
from .observe import ConsoleRead, RotationRead
from .report import Check, CheckStatus, ClientStatus, SecretExpiry, UriDrift, worst
from .rotation import rotation_check
from .sites import pending_check


def client_status(
    client: Client,
    entry: ClientUris,
    *,
    registration: RegistrationPlan | None,
    graph_read: GraphRead | None,
    console: ConsoleRead | None,
    rotation: RotationRead | None,
    changes: Sequence[FileChange],
    failures: Sequence[Failure],
    warning_days: int,
    now: datetime,
    playbook: str,
) -> ClientStatus:
    graph_expires = graph_error = graph_hint = None
    if registration is not None and registration.change is not None:
        graph_expires = registration.change.registration.secret_expires
    if graph_read is not None:
        graph_expires, graph_error, graph_hint = (
            graph_read.secret_expires,
            graph_read.error,
            graph_read.hint,
        )
    secret, expiry_check = _secret(client, graph_expires, warning_days, now, playbook)
    if graph_error is not None:
        known = f"; {expiry_check.reason}" if expiry_check is not None else ""
        expiry_check = Check(
            "client",
            client.name,
            "secret_expiry",
            "failed",
            f"Graph could not be read for the client secret's end: {graph_error}{known}",
            _then(graph_hint, f"provision status {playbook}"),
        )
    drifts, uri_check = _uris(client, entry, registration, console, playbook)
    rotated = rotation_check(client, rotation, playbook)
    checks = [c for c in (expiry_check, rotated, uri_check) if c is not None]
    # the plan fails an expired client itself: that is the expiry check's to say
    expired = expiry_check is not None and expiry_check.status == "failed"
    own = [f for f in failures if f.item.output is not None or not expired]
    checks.append(pending_check("client", client.name, changes, own, playbook, limit=None))
    return ClientStatus(
        client.name, client.provider, client.client_id, secret, tuple(drifts), tuple(checks)
    )


def _secret(
    client: Client, graph_expires: str | None, warning_days: int, now: datetime, playbook: str
) -> tuple[SecretExpiry | None, Check | None]:
    moment = parse_instant(graph_expires) if graph_expires else None
    expiry: SecretExpiry | None = None
    if moment is not None:
        expiry = SecretExpiry(moment, "graph")
    elif client.client_secret_expires is not None:
        day = client.client_secret_expires
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        expiry = SecretExpiry(start, "client_secret_expires")

    def check(status: CheckStatus, reason: str, fix: str | None = None) -> Check:
        return Check("client", client.name, "secret_expiry", status, reason, fix)

    found = secret_expiry(client, graph_expires, warning_days, now)
    if found is not None:
        return expiry, check(
            "failed" if found.expired else "warning",
            found.message,
            _renew(client, playbook, graph=moment is not None),
        )
    if expiry is not None:
        days = (expiry.at - now).days
        source = "Graph" if expiry.source == "graph" else "client_secret_expires"
        shown = graph_expires if expiry.source == "graph" else str(client.client_secret_expires)
        reason = f"the client secret expires on {shown} ({source}), in {days} days"
        return expiry, check("ok", reason)
    if client.provider == "microsoft" and client.client_secret is not None:
        return None, check(
            "warning",
            "the client secret's expiry is unknown (Entra secrets expire, after 2 years at "
            "most): neither client_secret_expires nor Graph says when",
            "set client_secret_expires (Entra admin center > App registrations > "
            f"{client.client_id or client.name} > Certificates & secrets shows it), or let "
            "provision read it through Graph (manage_redirect_uris)",
        )
    return None, None


def _renew(client: Client, playbook: str, *, graph: bool) -> str:
    where = (
        f"Entra (App registrations > {client.client_id or client.name} > Certificates & secrets)"
        if client.provider == "microsoft"
        else "the provider's console"
    )
    # where Graph tells the end, the playbook's date is not needed
    date = "" if graph else ", set client_secret_expires"
    return (
        f"create a new client secret in {where}, store it where client_secret points{date}, "
        f"then: provision apply {playbook}"
    )


def _uris(
    client: Client,
    entry: ClientUris,
    registration: RegistrationPlan | None,
    console: ConsoleRead | None,
    playbook: str,
) -> tuple[list[UriDrift], Check | None]:
    """One check over every console compared: failed when one cannot be read, a warning
    when one differs from the spec."""
    drifts: list[UriDrift] = []
    found: list[tuple[CheckStatus, str, str | None]] = []
    offline_fix = _offline_fix(client, playbook)
    if console is not None and console.error is not None:
        found.append(("failed", f"the console copy cannot be read: {console.error}", offline_fix))
    elif console is not None and console.state is not None:
        found_drift = compare(entry, console.state)
        drifts.append(
            UriDrift(
                found_drift.source, found_drift.missing, found_drift.extra, found_drift.problems
            )
        )
    if registration is not None and registration.failed:
        reason = f"Graph: {registration.error}"
        found.append(("failed", reason, _then(registration.hint, f"provision drift {playbook}")))
    elif registration is not None and registration.change is not None:
        change = registration.change
        source = f"Graph appId {change.registration.app_id}"
        drifts.append(UriDrift(source, change.add, change.remove))
    for drift in drifts:
        if drift.drifted:
            graph = drift.source.startswith("Graph")
            remedy = f"provision apply {playbook}" if graph else offline_fix
            found.append(("warning", _differences(drift), remedy))
        else:
            found.append(("ok", f"in sync with {drift.source} ({len(entry.uris)} URIs)", None))
    if not found:
        return drifts, None
    status = worst(s for s, _, _ in found)
    reasons = "; ".join(reason for _, reason, _ in found)
    fixes = [f for s, _, f in found if s == status and f]
    return drifts, Check(
        "client", client.name, "redirect_uris", status, reasons, fixes[0] if fixes else None
    )


def _differences(drift: UriDrift) -> str:
    parts = []
    if drift.missing:
        parts.append(f"{len(drift.missing)} missing ({_first(drift.missing)})")
    if drift.extra:
        parts.append(f"{len(drift.extra)} extra ({_first(drift.extra)})")
    parts += drift.problems
    return f"{drift.source} differs from the spec: " + ", ".join(parts)


def _first(uris: Sequence[str]) -> str:
    return uris[0] + (f" and {len(uris) - 1} more" if len(uris) > 1 else "")


def _offline_fix(client: Client, playbook: str) -> str:
    if client.provider == "google":
        return (
            f"set the console's list (provision redirect-uris {playbook} --client "
            f"{client.name}), then download the client JSON again to client_secrets_file"
        )
    return (
        f"set the registration's list (provision redirect-uris {playbook} --client "
        f"{client.name} --format azure), then export the manifest again to manifest_file"
    )


def _then(hint: str | None, command: str) -> str:
    return f"{hint.rstrip('.')}; then: {command}" if hint else command
