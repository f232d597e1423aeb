"""Fleet health from what was read: the plan (files against the output directory, and
every Graph-managed registration), the consoles' offline copies, the verify records and
the token store. Pure: every input is data, the result a frozen StatusReport."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from ..desired.credentials import Unit, units
from ..desired.state import Failure
from ..limit import Limit
from ..model import Client, Model
from ..plan import Plan
from ..plan.files import FileChange
from ..tokens.records import VerifyRecord
from .clients import client_status
from .graph import GraphRead
from .identities import identity_status
from .observe import Observed
from .report import StatusReport
from .sites import site_status

if TYPE_CHECKING:
    from ..tokens.verify import IdentityResult


@dataclass(frozen=True)
class Scope:
    """What --limit selects: the sites (with their apps), the identities they use, the
    clients those use and the Graph callers of those (every client without --limit)."""

    apps: Mapping[str, frozenset[str]]  # site -> selected app names
    units: tuple[Unit, ...]
    clients: tuple[Client, ...]


def scope(model: Model, limit: str | None) -> Scope:
    selection = Limit.select(limit, model.sites)
    everything = model.apps()
    chosen = (
        everything
        if selection.everything
        else [app for app in everything if selection.selects(app.site, app.name)]
    )
    apps: dict[str, set[str]] = {}
    for app in chosen:
        apps.setdefault(app.site, set()).add(app.name)
    used = units(chosen)
    if selection.everything:
        names = set(model.clients)
    else:
        names = {unit.identity.client.name for unit in used}
        names |= {c.graph_client for n in list(names) if (c := model.clients[n]).graph_client}
    clients = tuple(model.clients[name] for name in sorted(names))
    return Scope({s: frozenset(a) for s, a in apps.items()}, tuple(used), clients)


def build_status(
    model: Model,
    planned: Plan,
    observed: Observed,
    graph_reads: Mapping[str, GraphRead],
    chosen: Scope,
    *,
    playbook: str,
    now: datetime,
    verified: Sequence[IdentityResult] = (),
    smtp: bool = False,
) -> StatusReport:
    """`verified`: results of a verify run just now, newer than any record read."""
    shown = shlex.quote(playbook)
    days = model.settings.expiry_warning_days
    changes, failures = _by_owner(planned.files), _by_owner(planned.failures)
    registrations = {r.client.name: r for r in planned.registrations}
    uris = {entry.client.name: entry for entry in model.redirect_uris}
    clients = {
        client.name: client_status(
            client,
            uris[client.name],
            registration=registrations.get(client.name),
            graph_read=graph_reads.get(client.name),
            console=observed.consoles.get(client.name),
            rotation=observed.rotations.get(client.name),
            changes=changes.get(("client", client.name), ()),
            failures=failures.get(("client", client.name), ()),
            warning_days=days,
            now=now,
            playbook=shown,
        )
        for client in chosen.clients
    }
    records = _newest(observed.records, verified, smtp)
    identities = [
        identity_status(
            unit,
            records.get(unit.name),
            observed.tokens.get(unit.name),
            warning_days=days,
            now=now,
            playbook=shown,
            records_error=observed.records_error,
            tokens_error=observed.tokens_error,
        )
        for unit in chosen.units
    ]
    unit_of = {}  # `site/app` -> (its identity, how that stands): worked out once each
    for status, unit in zip(identities, chosen.units, strict=True):
        standing = (status.name, status.status)
        unit_of.update(dict.fromkeys(unit.apps, standing))
    client_standing = {name: client.status for name, client in clients.items()}
    sites = [
        site_status(
            site,
            chosen.apps[site.name],
            unit_of=unit_of,
            clients=client_standing,
            changes=changes.get(("site", site.name), ()),
            failures=failures.get(("site", site.name), ()),
            playbook=shown,
        )
        for site in model.sites
        if site.name in chosen.apps
    ]
    return StatusReport(
        now, playbook, days, tuple(clients.values()), tuple(identities), tuple(sites)
    )


Owner = tuple[str, str]  # ("client", name) or ("site", name)


Owned = TypeVar("Owned", FileChange, Failure)


def _by_owner(things: Iterable[Owned]) -> dict[Owner, list[Owned]]:
    """Files and failures by their client, or by their site (apps, sheets, outputs)."""
    grouped: dict[Owner, list[Owned]] = {}
    for thing in things:
        item = thing.item
        key = ("client", item.name) if item.kind == "client" else ("site", item.name)
        grouped.setdefault(key, []).append(thing)
    return grouped


def _newest(
    records: Mapping[str, VerifyRecord], verified: Sequence[IdentityResult], smtp: bool
) -> dict[str, VerifyRecord]:
    newest = dict(records)
    for result in verified:
        known = newest.get(result.name)
        if known is None or known.at is None or known.at < result.checked_at:
            newest[result.name] = VerifyRecord.from_result(result, smtp=smtp, previous=known)
    return newest
