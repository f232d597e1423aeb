"""Rotation plans: for each Entra client selected (by name, every one, or those whose
secret expires soon), what `provision rotate-secret` will do: the new secret's display
name and end, where it is stored, the apps whose configs change, the identities verified,
and the secrets a later `--retire` removes. A rotation that stopped midway is resumed.

Everything that makes a rotation impossible (an unknown client, a Google client, a store
provision cannot write) is an InputError before anything is contacted or created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..desired.credentials import graph_token_request, units
from ..errors import ERROR, InputError, OperationError, PlaybookError, Problem, unknown_name
from ..model import Client, Model
from ..providers import mode_spec
from ..providers.microsoft.graph import GraphTokens, format_instant, parse_instant
from ..providers.microsoft.passwords import Password, hint_of, list_passwords
from ..resolve.secrets import SecretResolver, check_secrets
from ..resolve.stores import Store, store_of
from ..secret import SecretError
from .rotation_state import RotationState, StateError, read_state, rotatable, state_path

if TYPE_CHECKING:
    from ..load import Playbook
    from ..tokens.request import TokenRequest


@dataclass(frozen=True)
class Selection:
    """Which clients the command line names, and when one is due."""

    names: tuple[str, ...]
    every: bool = False  # --all
    expiring_within: int | None = None  # --expiring-within DAYS
    lifetime: int | None = None  # --lifetime DAYS; else settings.secret_lifetime_days
    retire: bool = False


@dataclass(frozen=True)
class RotationPlan:
    """One client's rotation (or retirement) as planned."""

    client: Client
    store: Store
    state: RotationState
    state_file: Path
    display_name: str
    end: datetime
    apps: tuple[str, ...] = ()  # `site/app` of the apps whose configs carry the secret
    manual: tuple[str, ...] = ()  # of those, the ones no deliver command updates
    identities: tuple[str, ...] = ()  # what is verified with the new secret
    due: bool = False
    reason: str = ""
    passwords: tuple[Password, ...] = ()  # as Graph lists them
    replaces: tuple[str, ...] = ()  # the key id(s) the current secret is
    retire: tuple[Password, ...] = ()  # --retire: what would be removed
    notes: tuple[str, ...] = ()
    error: str | None = None
    hint: str | None = None
    caller: TokenRequest | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        return self.error is not None


def select_clients(model: Model, selection: Selection) -> list[Client]:
    """The clients to look at; InputError for a name that is unknown or not an Entra
    client (a Google one: the console steps)."""
    from ..providers.google.rotation import rotation_steps

    chosen: list[Client] = []
    for name in dict.fromkeys(selection.names):
        client = model.clients.get(name)
        if client is None:
            raise InputError(unknown_name("client", name, model.clients))
        if client.provider == "google":
            secrets_file = client.client_secrets_file
            raise InputError(rotation_steps(name, str(secrets_file) if secrets_file else None))
        if client.provider != "microsoft":
            raise InputError(
                f"client '{name}' is a {client.provider} client: provision rotates Entra "
                "(microsoft) client secrets only; rotate it at its identity provider and "
                "update the secret it references"
            )
        chosen.append(client)
    if selection.every or (selection.expiring_within is not None and not selection.names):
        chosen += [
            client
            for _, client in sorted(model.clients.items())
            if rotatable(client) and client not in chosen
        ]
    if not chosen:
        raise InputError("name a CLIENT, or give --all or --expiring-within DAYS")
    return chosen


def plan_rotations(
    model: Model,
    playbook: Playbook,
    secrets: SecretResolver,
    selection: Selection,
    *,
    now: datetime | None = None,
) -> list[RotationPlan]:
    """One plan per selected client. The stores are checked for every client before
    Graph is asked anything: a store that cannot be written stops the run (exit 2)."""
    now = now or datetime.now(UTC)
    clients = select_clients(model, selection)
    stores = {client.name: store_of(client, playbook) for client in clients}
    _check_secrets(model, playbook, secrets, clients)
    lifetime = selection.lifetime or model.settings.secret_lifetime_days
    tokens = GraphTokens()
    return [
        _plan_one(model, secrets, client, stores[client.name], selection, lifetime, now, tokens)
        for client in clients
    ]


def _check_secrets(
    model: Model, playbook: Playbook, secrets: SecretResolver, clients: Sequence[Client]
) -> None:
    """Every secret the rotations need resolves (the clients', their Graph callers', their
    identities'), or PlaybookError (exit 2, located) before anything is created: a run
    must not add a secret it cannot then deliver and verify."""
    chosen = {client.name for client in clients}
    used = [identity for identity in model.identities.values() if identity.client.name in chosen]
    problems = check_secrets(model, secrets, playbook.locate, used)
    for client in clients:
        caller = model.clients[client.graph_client] if client.graph_client else client
        for ref in dict.fromkeys((client.client_secret, caller.client_secret)):
            if ref is None:
                continue
            try:
                secrets.resolve(ref)
            except SecretError as exc:
                problems.append(Problem(ERROR, str(exc), playbook.locate(ref.where), ref.where))
    if problems:
        raise PlaybookError(list(dict.fromkeys(problems)))


def _plan_one(
    model: Model,
    secrets: SecretResolver,
    client: Client,
    store: Store,
    selection: Selection,
    lifetime: int,
    now: datetime,
    tokens: GraphTokens,
) -> RotationPlan:
    plan = _base_plan(model, client, store, lifetime, now)
    try:
        state = read_state(plan.state_file, client)
        caller = graph_token_request(client, model, secrets)
        current = secrets.resolve(client.client_secret) if client.client_secret else None
        held = _held(caller, client, tokens)
    except (StateError, SecretError) as exc:
        return _failed(plan, str(exc), "fix it and run again; nothing was changed")
    except OperationError as exc:  # GraphError among them
        return _failed(plan, exc.message, exc.hint)
    hint = hint_of(current) if current is not None else None
    matching = tuple(p.key_id for p in held if hint is not None and p.hint == hint)
    plan = _with(plan, state=state, caller=caller, passwords=held)
    rotation = state.rotation
    if rotation is not None:
        plan = _with(
            plan,
            due=True,
            reason=f"resume the rotation started {rotation.started}, at step {rotation.step}",
            display_name=rotation.display_name,
            end=parse_instant(rotation.end) or plan.end,
            replaces=rotation.replaces,
        )
    else:
        due, reason = _due(client, state, held, matching, selection, now)
        replaces = matching if len(matching) == 1 else ()
        plan = _with(plan, due=due, reason=reason, replaces=replaces)
    if selection.retire:
        return _retirement(plan, state, held)
    if rotation is None and len(matching) != 1:
        return _with(plan, notes=(_unmatched(len(matching)),))
    return plan


def _base_plan(
    model: Model, client: Client, store: Store, lifetime: int, now: datetime
) -> RotationPlan:
    """What a rotation of the client does, before Graph is asked what it holds."""
    apps = [
        app
        for app in model.apps()
        if app.identity.client.name == client.name
        and mode_spec(app.identity.mode).secret == "client_secret"
    ]
    delivered = bool(model.settings.deliver.get("app_config"))
    return RotationPlan(
        client,
        store,
        RotationState(client.name, client.client_id or ""),
        state_path(model, client),
        display_name=f"provision {now:%Y-%m-%d}",
        end=now + timedelta(days=lifetime),
        apps=tuple(app.address for app in apps),
        manual=() if delivered else tuple(app.address for app in apps),
        identities=tuple(unit.name for unit in units(apps)) or (f"client:{client.name}",),
    )


def _held(caller: TokenRequest, client: Client, tokens: GraphTokens) -> tuple[Password, ...]:
    """The client secrets the registration holds, as its Graph caller reads them."""
    from ..net.http import make_session

    with make_session(caller.ca_file, proxy=caller.proxy) as session:
        token = tokens.get(caller, session)
        return list_passwords(session, client, caller.identity, token)


def _unmatched(count: int) -> str:
    if not count:
        return (
            "the current client secret is none of the registration's secrets (by Graph's "
            "hint): no secret will be retired after this rotation"
        )
    return (
        f"{count} of the registration's secrets share the current one's hint: none will be "
        "retired after this rotation (remove the old one by hand)"
    )


def _due(
    client: Client,
    state: RotationState,
    held: Sequence[Password],
    matching: Sequence[str],
    selection: Selection,
    now: datetime,
) -> tuple[bool, str]:
    """Whether the client's secret is to be rotated now, and why (or why not)."""
    if selection.expiring_within is not None:
        ends = [p.end for p in held if p.key_id in matching and p.end is not None]
        end: datetime | None = ends[0] if len(ends) == 1 else None
        source = "Graph"
        if end is None and client.client_secret_expires is not None:
            expires: date = client.client_secret_expires
            end, source = (
                datetime(expires.year, expires.month, expires.day, tzinfo=UTC),
                "client_secret_expires",
            )
        if end is None:
            known = [p.end for p in held if p.end is not None]
            end = max(known) if known else None
        if end is None:
            return True, "its expiry is unknown (no client_secret_expires, none in Graph)"
        days = (end - now).days
        within = days <= selection.expiring_within
        when = f"expires {format_instant(end)} ({source}), in {days} days"
        return within, when + (
            " (within " if within else " (not within "
        ) + f"{selection.expiring_within})"
    held_ids = {p.key_id for p in held}
    last = state.rotated[-1] if state.rotated else None
    if last and last.get("done", "")[:10] == f"{now:%Y-%m-%d}" and last.get("key_id") in held_ids:
        return False, f"rotated today already (secret '{last.get('display_name')}')"
    return True, "rotation requested"


def _retirement(plan: RotationPlan, state: RotationState, held: Sequence[Password]) -> RotationPlan:
    """--retire: the secrets finished rotations replaced that the registration still holds."""
    if state.rotation is not None:
        return _failed(
            plan,
            f"a rotation of this client has not finished ({plan.reason}): nothing is "
            "retired until every identity verified with the new secret",
            "run `provision rotate-secret PLAYBOOK " + plan.client.name + "` to finish it first",
        )
    retire = tuple(p for p in held if p.key_id in set(state.retire))
    reason = (
        f"{len(retire)} secret(s) replaced by provision's rotations"
        if retire
        else "no secret that provision's rotations replaced is left"
    )
    return _with(plan, retire=retire, due=bool(retire), reason=reason)


def _with(plan: RotationPlan, **changes: object) -> RotationPlan:
    return replace(plan, **changes)  # type: ignore[arg-type]


def _failed(plan: RotationPlan, error: str, hint: str | None) -> RotationPlan:
    return _with(plan, error=error, hint=hint, due=False)
