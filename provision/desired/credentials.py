"""What must be able to send: one token request per identity and mailbox.

An identity whose sender is templated per site sends from several mailboxes;
each mailbox is its own unit (and its own token-store entry).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from ..errors import InputError, OperationError, unknown_name
from ..model import App, Client, Identity, Model
from ..resolve.secrets import SecretResolver
from ..secret import Secret, SecretError, SecretRef
from ..tokens.request import TokenRequest


class Unit(NamedTuple):  # a tuple: a fleet has tens of thousands
    """One identity sending from one mailbox: what verify checks."""

    name: str  # the identity's name, or `identity--mailbox-domain` when it has several
    identity: Identity
    sender: str
    apps: tuple[str, ...]  # `site/app` addresses using it


_NOT_IN_NAMES = re.compile(r"[^a-z0-9_.-]")


def _slug(sender: str) -> str:
    """A mailbox as part of a name (token files are named after units)."""
    return _NOT_IN_NAMES.sub("-", sender.lower())


def units(apps: Iterable[App]) -> list[Unit]:
    """The identities (and mailboxes) the given apps use, in name order."""
    by_key: dict[tuple[str, str], list[App]] = {}
    for app in apps:
        by_key.setdefault((app.identity.name, app.sender), []).append(app)
    senders: dict[str, int] = {}
    for name, _ in by_key:
        senders[name] = senders.get(name, 0) + 1
    result = []
    for (name, sender), used_by in sorted(by_key.items()):
        unit_name = name if senders[name] == 1 else f"{name}--{_slug(sender)}"
        result.append(
            Unit(unit_name, used_by[0].identity, sender, tuple(a.address for a in used_by))
        )
    return result


def identity_unit(model: Model, name: str) -> Unit:
    """The unit for `provision authorize IDENTITY` / `test-mail IDENTITY`: an identity
    name (its apps' single mailbox, or its own sender) or a `identity--mailbox` name.
    An unknown name is an InputError (exit 2)."""
    for unit in units(model.apps()):
        if unit.name == name:
            return unit
    identity = model.identities.get(name)
    if identity is None:
        raise InputError(unknown_name("identity", name, model.identities))
    return Unit(name, identity, identity.sender, ())


def named_request(model: Model, name: str, secrets: SecretResolver) -> tuple[Unit, TokenRequest]:
    """The unit and token request for one identity named on the command line; a
    secret that does not resolve is an OperationError (exit 1)."""
    unit = identity_unit(model, name)
    try:
        return unit, token_request(unit, model, secrets)
    except SecretError as exc:
        raise OperationError(f"{unit.name}: {exc}") from None


def token_request(unit: Unit, model: Model, secrets: SecretResolver) -> TokenRequest:
    """The resolved request for a unit; raises SecretError when a secret is missing."""
    identity = unit.identity
    client = identity.client

    def reveal(ref: SecretRef | None) -> Secret | None:
        return secrets.resolve(ref) if ref is not None else None

    ca_file = model.settings.ca_file
    return TokenRequest(
        identity=unit.name,
        mode=identity.mode,
        provider=client.provider,
        client_id=client.client_id,
        client_secret=reveal(client.client_secret),
        tenant=client.tenant,
        authority=client.authority,
        token_endpoint=client.token_endpoint or "",
        authorization_url=client.authorization_url if identity.interactive else None,
        sender=unit.sender,
        username=identity.username if identity.mode == "microsoft365" else None,
        password=reveal(identity.password),
        client_email=client.client_email,
        private_key_id=client.private_key_id,
        private_key=reveal(client.private_key),
        scope=client.scope,
        ca_file=str(ca_file) if ca_file else None,
        proxy=model.settings.proxy,
    )


def graph_token_request(client: Client, model: Model, secrets: SecretResolver) -> TokenRequest:
    """The client-credentials request of whoever calls Graph for `client`'s registration:
    its `graph_client`, else the client itself; scope `<graph_endpoint>/.default`.
    Raises SecretError when the caller's secret is missing."""
    caller = model.clients[client.graph_client] if client.graph_client else client
    ca_file = model.settings.ca_file
    secret = caller.client_secret
    return TokenRequest(
        identity=caller.name,
        mode="client_credentials",
        provider=caller.provider,
        client_id=caller.client_id,
        client_secret=secrets.resolve(secret) if secret is not None else None,
        tenant=caller.tenant,
        authority=caller.authority,
        token_endpoint=caller.token_endpoint or "",
        authorization_url=None,
        sender="",
        scope=f"{client.graph_endpoint}/.default",
        ca_file=str(ca_file) if ca_file else None,
        proxy=model.settings.proxy,
    )
