"""Settings and clients: relative paths made absolute, each provider's endpoints and key
files, secret references."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import DocPath
from ..model import DEFAULT_AUTHORIZE_REDIRECT_URI, Client, Settings
from ..net.urls import insecure
from ..providers import provider
from ..secret import SecretRef
from .context import Context

ENDPOINT_KEYS = ("authority", "token_endpoint", "authorization_url", "graph_endpoint")


def resolve_settings(ctx: Context) -> Settings:
    raw = ctx.data.get("settings") or {}
    ca_file = raw.get("ca_file")
    if ca_file is not None and not (ctx.base_dir / ca_file).is_file():
        ctx.error(f"ca_file {ca_file} does not exist", ("settings", "ca_file"))
    return Settings(
        # absolute: messages and JSON say where things went, wherever provision started
        output_dir=(ctx.base_dir / raw.get("output_dir", "out")).absolute(),
        state_dir=(ctx.base_dir / raw.get("state_dir", ".provision")).absolute(),
        ca_file=ctx.base_dir / ca_file if ca_file else None,
        expiry_warning_days=raw.get("expiry_warning_days", 30),
        secret_lifetime_days=raw.get("secret_lifetime_days", 730),
        proxy=raw.get("proxy"),
        deliver={key: tuple(argv) for key, argv in (raw.get("deliver") or {}).items()},
        authorize_redirect_uri=_authorize_redirect_uri(ctx, raw),
    )


LOOPBACK = re.compile(r"(localhost|127\.0\.0\.1|\[::1\])(:[0-9]*)?")


def _authorize_redirect_uri(ctx: Context, raw: Mapping[str, Any]) -> str:
    uri = str(raw.get("authorize_redirect_uri", DEFAULT_AUTHORIZE_REDIRECT_URI))
    problem = loopback_problem(uri)
    if problem is not None:
        ctx.error(f"{uri} {problem}", ("settings", "authorize_redirect_uri"))
    return uri


def loopback_problem(uri: str) -> str | None:
    """What keeps `uri` from being `provision authorize`'s redirect: a listener on this
    machine, at an address the consoles accept, that the browser hands the code to."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return "has an invalid port (1 to 65535)"
    if parts.scheme != "http":
        return "must use http: provision's own listener on this machine receives it"
    if not LOOPBACK.fullmatch(parts.netloc):
        return "must name the host localhost, 127.0.0.1 or [::1] (lower case, no user name)"
    if not port:
        return "needs an explicit port (1 to 65535), e.g. http://localhost:8400/"
    if not parts.path.startswith("/"):
        return f"needs a path, at least / (http://{parts.netloc}/), as the consoles store it"
    if parts.query or parts.fragment or uri.endswith(("?", "#")):
        return "must have no query or fragment: the authorization response is added there"
    if not re.fullmatch(r"[A-Za-z0-9._~/-]*", parts.path):
        return "has a path with characters other than letters, digits and - . _ ~ /"
    return None


def resolve_clients(ctx: Context) -> dict[str, Client]:
    clients = {
        name: _client(ctx, name, raw) for name, raw in (ctx.data.get("clients") or {}).items()
    }
    for name, client in clients.items():
        if client.graph_client is None:
            continue
        where: DocPath = ("clients", name, "graph_client")
        target = clients.get(client.graph_client)
        if target is None:
            ctx.unknown("client", client.graph_client, clients, where)
        elif target.provider != "microsoft":
            ctx.error(f"graph_client '{target.name}' must be a microsoft client", where)
    return clients


def _client(ctx: Context, name: str, raw: Mapping[str, Any]) -> Client:
    where: DocPath = ("clients", name)
    kind = provider(raw["provider"])
    for key in ENDPOINT_KEYS:
        if key in raw and insecure(raw[key]):
            ctx.error(f"{raw[key]} must use https (http only for loopback hosts)", where + (key,))
    found = kind.key_files(raw, ctx.base_dir, where, read=ctx.key_files)
    for message, path in found.problems:
        ctx.error(message, path)
    fields = {**found.values, **raw}
    endpoints = kind.endpoints(fields)

    def secret(key: str) -> SecretRef | None:
        return ctx.secret_ref(raw[key], where + (key,)) if key in raw else found.secrets.get(key)

    manage = raw.get("manage_redirect_uris", "off")
    expires = raw.get("client_secret_expires")
    return Client(
        name=name,
        provider=kind.name,
        client_id=fields.get("client_id"),
        token_endpoint=endpoints.token_endpoint,
        authorization_url=endpoints.authorization_url,
        tenant=raw.get("tenant"),
        authority=endpoints.authority,
        client_secret=secret("client_secret"),
        client_secret_expires=date.fromisoformat(expires) if expires else None,
        personal_accounts=bool(raw.get("personal_accounts", False)),
        manifest_file=_path(ctx, raw.get("manifest_file")),
        client_secrets_file=_path(ctx, raw.get("client_secrets_file")),
        manage_redirect_uris="off" if manage is False else manage,
        graph_endpoint=endpoints.graph,
        graph_client=raw.get("graph_client"),
        client_email=fields.get("client_email"),
        private_key_id=fields.get("private_key_id"),
        private_key=secret("private_key"),
        service_account_file=_path(ctx, raw.get("service_account_file")),
        service_account_client_id=fields.get("service_account_client_id"),
        scope=endpoints.scope,
        smtp=endpoints.smtp,
        cloud=endpoints.cloud,
    )


def _path(ctx: Context, value: str | None) -> Path | None:
    return ctx.base_dir / value if value else None
