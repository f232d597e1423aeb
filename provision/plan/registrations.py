"""Registration changes: the redirect URIs each Graph-managed Entra app registration should
hold (`manage_redirect_uris: merge | exact`), against what Graph says it holds.

- merge: what is there plus what the spec needs; a URI is only removed when provision put
  it there and the spec no longer needs it. Which URIs provision added is remembered in
  `<state_dir>/graph/<client>.json`.
- exact: the spec's list.

A list Entra would reject is refused here, before anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import JsonFileError, Write, read_json
from ..model import Client, ClientUris, Model
from ..net.urls import insecure
from ..providers.microsoft import entra_violations, uri_limit
from ..providers.microsoft.graph import GraphError, GraphTokens, Registration, fetch_registration
from ..resolve.secrets import SecretResolver
from ..secret import SecretError, scrub

if TYPE_CHECKING:
    from ..tokens.request import TokenRequest

STATE_VERSION = 1
REFUSED_HINT = (
    "Remove redirect URIs no longer used from the registration (Entra admin center > App "
    "registrations > Authentication), switch the client to manage_redirect_uris: exact, or "
    "split the sites over more app registrations."
)


@dataclass(frozen=True)
class RegistrationChange:
    """The redirect URI list one registration should hold, and how it gets there."""

    client: Client
    registration: Registration  # as read when planning
    target: tuple[str, ...]  # what to send: the kept URIs in Graph's order, then additions
    add: tuple[str, ...]
    remove: tuple[str, ...]
    foreign: tuple[str, ...]  # held, not needed, not provision's: merge keeps them
    owned_before: tuple[str, ...]  # the URIs provision had put there
    owned: tuple[str, ...]  # ... and once the target is in place
    refused: str | None = None  # why the target breaks Entra's limits (then nothing is sent)

    @property
    def pending(self) -> bool:
        return bool(self.add or self.remove)

    def uri_lines(self) -> list[str]:
        """`+ uri` for each addition, `- uri` for each removal, as plan and apply print them."""
        return [f"+ {uri}" for uri in self.add] + [f"- {uri}" for uri in self.remove]


@dataclass(frozen=True)
class RegistrationPlan:
    """One managed registration as planned: its change, or why it could not be read."""

    client: Client
    caller: TokenRequest | None = field(default=None, repr=False)  # who calls Graph for it
    change: RegistrationChange | None = None
    error: str | None = None
    hint: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def pending(self) -> bool:
        return self.change is not None and self.change.pending and not self.failed

    def as_json(
        self, *, patched: bool = False, error: str | None = None, hint: str | None = None
    ) -> dict[str, object]:
        change, client = self.change, self.client
        error, hint = error or self.error, hint or self.hint
        if error is not None:
            status = "failed"
        elif change is not None and change.pending:
            status = "patched" if patched else "update"
        else:
            status = "unchanged"
        return {
            "name": client.name,
            "client_id": client.client_id,
            "mode": client.manage_redirect_uris,
            "status": status,
            "add": list(change.add) if change else [],
            "remove": list(change.remove) if change else [],
            "foreign": list(change.foreign) if change else [],
            "secret_expires": change.registration.secret_expires if change else None,
            "error": error,
            "hint": hint,
        }


def managed_clients(model: Model) -> list[Client]:
    """The microsoft clients whose registration provision reconciles, by name."""
    return [
        client
        for _, client in sorted(model.clients.items())
        if client.provider == "microsoft" and client.graph_managed
    ]


def plan_change(
    entry: ClientUris, registration: Registration, owned_before: Iterable[str] = ()
) -> RegistrationChange:
    """The list `entry.client`'s registration should hold, given what it holds and which
    of those URIs provision put there."""
    client = entry.client
    wanted = set(entry.uris)
    held = list(dict.fromkeys(registration.redirect_uris))  # Graph's order, once each
    held_set = set(held)
    owned = set(owned_before)
    if client.manage_redirect_uris == "exact":
        drop = held_set - wanted
        foreign: set[str] = set()
    else:
        drop = (held_set & owned) - wanted
        foreign = held_set - wanted - owned
    add = sorted(wanted - held_set)
    target = tuple([uri for uri in held if uri not in drop] + add)
    return RegistrationChange(
        client=client,
        registration=registration,
        target=target,
        add=tuple(add),
        remove=tuple(sorted(drop)),
        foreign=tuple(sorted(foreign)),
        owned_before=tuple(sorted(owned)),
        owned=tuple(sorted((owned & set(target)) | set(add))),
        refused=_refusal(client, target, len(foreign)) if add or drop else None,
    )


def _refusal(client: Client, target: Sequence[str], kept: int) -> str | None:
    """Why Entra would reject `target`, or None."""
    limit = uri_limit(client)
    if len(target) > limit:
        where = f", {kept} of them kept from the registration (merge)" if kept else ""
        personal = " (personal accounts allowed)" if client.personal_accounts else ""
        return (
            f"the registration would hold {len(target)} redirect URIs{where}, but Entra "
            f"allows at most {limit}{personal}: nothing was sent"
        )
    problems = [
        message
        for uri in target
        for message in ([f"{uri} must use https"] if insecure(uri) else []) + entra_violations(uri)
    ]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{problems[0]}{more}: Entra would reject the list, nothing was sent"
    return None


# -- which URIs provision added -------------------------------------------------------------


def state_path(model: Model, client: Client) -> Path:
    return model.settings.state_dir / "graph" / f"{client.name}.json"


def read_owned(path: Path, app_id: str) -> tuple[str, ...]:
    """The URIs provision added to registration `app_id` (none when the file is missing,
    damaged, or about another registration)."""
    try:
        document = read_json(path)
    except JsonFileError:
        return ()
    if not isinstance(document, dict) or document.get("app_id") != app_id:
        return ()
    added = document.get("added")
    if not isinstance(added, list):
        return ()
    return tuple(sorted({uri for uri in added if isinstance(uri, str)}))


def state_write(path: Path, app_id: str, owned: Iterable[str]) -> Write:
    document = {"version": STATE_VERSION, "app_id": app_id, "added": sorted(owned)}
    return Write(str(path), (json.dumps(document, indent=1) + "\n").encode(), 0o600)


# -- reading what Graph holds ---------------------------------------------------------------


def plan_registrations(
    model: Model, secrets: SecretResolver, tokens: GraphTokens, *, jobs: int = 8
) -> list[RegistrationPlan]:
    """Read every managed registration, `jobs` at a time, and plan its change. One failing
    registration never stops the others. Without managed clients nothing is contacted."""
    from ..desired.credentials import graph_token_request

    clients = managed_clients(model)
    plans: dict[str, RegistrationPlan] = {}
    work: list[tuple[ClientUris, TokenRequest]] = []
    for client in clients:
        try:
            # Secrets resolve here, in one thread: a resolver is not shared across workers.
            work.append((model.uris_of(client.name), graph_token_request(client, model, secrets)))
        except SecretError as exc:
            plans[client.name] = RegistrationPlan(
                client, error=f"the Graph caller's client secret: {exc}"
            )
    if work:
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(work)))) as pool:
            for plan in pool.map(lambda job: _plan_one(job[0], job[1], model, tokens), work):
                plans[plan.client.name] = plan
    return [plans[client.name] for client in clients]


def _plan_one(
    entry: ClientUris, caller: TokenRequest, model: Model, tokens: GraphTokens
) -> RegistrationPlan:
    from ..tokens.errors import describe

    client = entry.client
    try:
        registration = fetch_registration(client, caller, tokens)
        owned = read_owned(state_path(model, client), registration.app_id)
        change = plan_change(entry, registration, owned)
    except GraphError as exc:
        return RegistrationPlan(client, caller, error=exc.message, hint=exc.hint)
    except Exception as exc:  # one registration's surprise must not stop the others
        text = scrub(f"unexpected failure: {describe(exc)}")
        return RegistrationPlan(client, caller, error=text)
    if change.refused:
        return RegistrationPlan(client, caller, change, error=change.refused, hint=REFUSED_HINT)
    return RegistrationPlan(client, caller, change)
