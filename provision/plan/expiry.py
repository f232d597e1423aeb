"""Client secret expiry: from Graph's latest `endDateTime` where Graph was read, else the
playbook's `client_secret_expires`. Within `expiry_warning_days` it warns; once past, the
client fails."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ..model import Client, Model
from ..providers.microsoft.graph import parse_instant


@dataclass(frozen=True)
class SecretExpiry:
    expired: bool
    message: str


def secret_expiry(
    client: Client,
    graph_expires: str | None,
    warning_days: int,
    now: datetime | None = None,
) -> SecretExpiry | None:
    """A warning when the client secret expires within `warning_days`, an error once it
    has: from Graph's latest endDateTime, else the spec's client_secret_expires."""
    now = now or datetime.now(UTC)
    moment = parse_instant(graph_expires) if graph_expires else None
    if moment is not None:
        source, shown = "Graph", graph_expires
        expired = moment <= now
        days = (moment - now).days
    elif client.client_secret_expires is not None:
        expires: date = client.client_secret_expires
        source, shown = "client_secret_expires", expires.isoformat()
        days = (expires - now.date()).days
        expired = days < 0
    else:
        return None
    if expired:
        return SecretExpiry(
            True,
            f"the client secret expired on {shown} ({source}): create a new one in Entra, "
            "update every app that uses it, and re-authorize the interactive identities",
        )
    if days <= warning_days:
        return SecretExpiry(
            False,
            f"the client secret expires on {shown} ({source}), in {days} days: create a "
            "new one in Entra and update every app that uses it",
        )
    return None


def expired_clients(
    model: Model, graph_expires: Mapping[str, str | None], now: datetime | None = None
) -> dict[str, str]:
    """Client name -> why, for every client whose secret has expired: by Graph's latest
    endDateTime where Graph was read (`graph_expires`), else its client_secret_expires."""
    found = {}
    for name, client in model.clients.items():
        expiry = secret_expiry(client, graph_expires.get(name), 0, now)
        if expiry is not None and expiry.expired:
            found[name] = expiry.message
    return found
