"""Drift: what each console holds against what the spec needs.

Offline sources through each provider (the Google console's client JSON download, an
exported Entra app manifest), and the registrations read through Graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..model import ClientUris, Model
from ..providers import provider
from ..providers.base import ConsoleReadError, ConsoleState
from .expiry import secret_expiry
from .registrations import RegistrationPlan


@dataclass(frozen=True)
class ClientDrift:
    name: str
    source: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    problems: tuple[str, ...] = ()
    secret_expires: str | None = None
    graph: bool = False  # read through Graph
    extra_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.extra or self.problems)

    def as_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "name": self.name,
            "source": self.source,
            "missing": list(self.missing),
            "extra": list(self.extra),
            "problems": list(self.problems),
        }
        if self.secret_expires is not None:
            document["secret_expires"] = self.secret_expires
        document.update(self.extra_fields)
        return document


@dataclass(frozen=True)
class Drift:
    """Every console compared, and those that could not be read."""

    clients: tuple[ClientDrift, ...]
    errors: tuple[str, ...]

    @property
    def drifted(self) -> bool:
        return any(c.drifted for c in self.clients)


def compare(entry: ClientUris, console: ConsoleState, extra_ok: Iterable[str] = ()) -> ClientDrift:
    wanted = set(entry.uris)
    held = set(console.redirect_uris)
    problems = []
    if console.client_id and entry.client.client_id and console.client_id != entry.client.client_id:
        problems.append(
            f"client_id differs: the console has {console.client_id}, the spec "
            f"{entry.client.client_id}"
        )
    return ClientDrift(
        name=entry.client.name,
        source=console.source,
        missing=tuple(sorted(wanted - held)),
        extra=tuple(sorted(held - wanted - set(extra_ok))),
        problems=tuple(problems),
        secret_expires=console.secret_expires,
    )


def registration_drift(plan: RegistrationPlan, now: datetime | None = None) -> ClientDrift:
    """Drift of a registration that was read: missing = what apply would add, extra = what
    it would remove (merge keeps the URIs provision did not put there: `foreign`)."""
    change = plan.change
    assert change is not None
    client = change.client
    problems = []
    if change.refused:
        problems.append(f"apply would refuse the list: {change.refused}")
    expiry = secret_expiry(client, change.registration.secret_expires, 0, now)
    if expiry is not None and expiry.expired:
        problems.append(expiry.message)
    return ClientDrift(
        name=client.name,
        source=f"graph {client.graph_endpoint} appId {change.registration.app_id}",
        missing=change.add,
        extra=change.remove,
        problems=tuple(problems),
        secret_expires=change.registration.secret_expires,
        graph=True,
        extra_fields={
            "mode": client.manage_redirect_uris,
            "foreign": list(change.foreign),
            "secret_expires": change.registration.secret_expires,
        },
    )


def drift(model: Model, registrations: Sequence[RegistrationPlan]) -> Drift:
    """The offline consoles, then the registrations read through Graph."""
    clients: list[ClientDrift] = []
    errors: list[str] = []
    for entry in model.redirect_uris:
        client = entry.client
        try:
            console = provider(client.provider).console_state(client)
        except ConsoleReadError as exc:
            errors.append(f"client '{client.name}': {exc}")
            continue
        if console is not None:
            clients.append(compare(entry, console))
    for plan in registrations:
        if plan.change is not None:
            clients.append(registration_drift(plan))
        else:
            hint = f" hint: {plan.hint}" if plan.hint else ""
            errors.append(f"client '{plan.client.name}': {plan.error}{hint}")
    return Drift(tuple(clients), tuple(errors))
