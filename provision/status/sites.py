"""The checks of one site: the files apply would write for it (the plan against the output
directory), and each app's standing: its own, its identity's and its client's."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from ..desired.state import Failure
from ..model import Site
from ..plan.files import FileChange, summary
from .report import (
    AppStatus,
    Check,
    CheckStatus,
    SiteStatus,
    Subject,
    worst,
)

MOST = 3  # failures named in a reason


def pending_check(
    subject: Subject,
    name: str,
    changes: Sequence[FileChange],
    failures: Sequence[Failure],
    playbook: str,
    *,
    limit: str | None,
) -> Check:
    """Failed when the plan cannot make an item, a warning while files wait for apply."""
    only = f" --limit {limit}" if limit else ""
    if failures:
        shown = "; ".join(f"[{f.item}] {f.message}" for f in failures[:MOST])
        more = f" (and {len(failures) - MOST} more)" if len(failures) > MOST else ""
        return Check(
            subject,
            name,
            "pending_changes",
            "failed",
            f"{len(failures)} item(s) cannot be made: {shown}{more}",
            f"provision plan {playbook}{only}",
        )
    counts = summary(changes)
    pending = len(changes) - counts.pop("unchanged")
    if pending:
        actions = ", ".join(f"{n} to {action}" for action, n in sorted(counts.items()) if n)
        return Check(
            subject,
            name,
            "pending_changes",
            "warning",
            f"{pending} file(s) not applied yet: {actions}",
            f"provision apply {playbook}{only}",
        )
    return Check(
        subject, name, "pending_changes", "ok", f"applied: {len(changes)} file(s) up to date"
    )


def site_status(
    site: Site,
    selected: Collection[str],
    *,
    unit_of: Mapping[str, tuple[str, CheckStatus]],  # `site/app` -> its identity, its standing
    clients: Mapping[str, CheckStatus],  # how each client stands
    changes: Sequence[FileChange],
    failures: Sequence[Failure],
    playbook: str,
) -> SiteStatus:
    failed_apps = {f.item.app for f in failures if f.item.kind == "app"}
    apps = []
    for app in site.apps:
        if app.name not in selected:
            continue
        unit, unit_status = unit_of[app.address]
        client = app.identity.client.name
        status = "failed" if app.name in failed_apps else worst((unit_status, clients[client]))
        apps.append(AppStatus(app.name, app.kind, unit, client, status))
    check = pending_check("site", site.name, changes, failures, playbook, limit=site.name)
    pending = sum(1 for change in changes if change.pending)
    return SiteStatus(site.name, site.domain, pending, tuple(apps), (check,))
