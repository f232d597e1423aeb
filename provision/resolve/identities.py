"""Identities: their client, what their mode needs of it, their SMTP server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import DocPath
from ..model import Client, Identity, Smtp
from ..providers import MODES, provider
from ..secret import SecretRef
from .context import Context


def resolve_identities(ctx: Context, clients: Mapping[str, Client]) -> dict[str, Identity]:
    identities = {}
    for name, raw in (ctx.data.get("identities") or {}).items():
        identity = _identity(ctx, name, raw, clients)
        if identity is not None:
            identities[name] = identity
    return identities


def _identity(
    ctx: Context, name: str, raw: Mapping[str, Any], clients: Mapping[str, Client]
) -> Identity | None:
    where: DocPath = ("identities", name)
    client = clients.get(raw["client"])
    if client is None:
        ctx.unknown("client", raw["client"], clients, where + ("client",))
        return None
    mode = raw["mode"]
    owner, spec = MODES[mode]
    if owner.name != client.provider:
        ctx.error(
            f"mode {mode} needs a {owner.name} client, but client "
            f"'{client.name}' is {client.provider}",
            where + ("mode",),
        )
        return None
    missing = [key for key in spec.needs if getattr(client, key) in (None, "")]
    if missing:
        ctx.error(
            f"mode {mode} needs client '{client.name}' to have {', '.join(missing)}"
            f"{spec.needs_note}",
            where + ("mode",),
        )
    return Identity(
        name=name,
        client=client,
        mode=mode,
        sender=raw["sender"],
        sender_name=raw.get("sender_name"),
        username=raw.get("username"),
        password=SecretRef.from_spec(raw["password"], where + ("password",))
        if "password" in raw
        else None,
        smtp=_smtp(raw.get("smtp"), provider(client.provider).smtp),
        interactive=spec.interactive and client.authorization_url is not None,
    )


def _smtp(raw: Mapping[str, Any] | None, default: Smtp | None) -> Smtp | None:
    """The identity's SMTP server, or its provider's."""
    if raw is None:
        return default
    security = raw.get("security", "starttls")
    return Smtp(raw["host"], raw.get("port", 465 if security == "tls" else 587), security)
