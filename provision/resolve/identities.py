"""Identities: their client, what their mode needs of it, their SMTP server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import DocPath
from ..model import Client, Identity, Smtp
from ..providers import MODES
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
        password=ctx.secret_ref(raw["password"], where + ("password",))
        if "password" in raw
        else None,
        smtp=_smtp(ctx, raw.get("smtp"), client.smtp, where + ("smtp",)),
        interactive=spec.interactive and client.authorization_url is not None,
    )


def _smtp(
    ctx: Context, raw: Mapping[str, Any] | None, default: Smtp | None, where: DocPath
) -> Smtp | None:
    """The identity's SMTP server, or its client's. `host` may carry the port as the
    innovaphone UI writes it (Server[:port]); names are lower case (DNS is not)."""
    if raw is None:
        return default
    host, port = raw["host"], raw.get("port")
    name, colon, given = host.rpartition(":")
    if colon and given.isdigit():
        if port is not None and port != int(given):
            ctx.error(
                f"host '{host}' names port {given} and port says {port}: give the port once",
                where + ("port",),
            )
        host, port = name, int(given)
    security = raw.get("security", "starttls")
    if port is None:
        port = 465 if security == "tls" else 587
    if host != host.lower():
        ctx.warn(
            f"'{host}' is used as '{host.lower()}': host names are case-insensitive",
            where + ("host",),
        )
    helo = raw.get("helo")
    return Smtp(host.lower(), port, security, helo.lower() if helo else None)
