"""A site's setup sheet: what to enter in each app, and each client's console checklist.
No secret is in it, only where each one is kept."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from ..model import ClientUris, Site
from ..providers import mode_spec, provider
from ..providers.base import SheetClient
from ..templating import package_template


def render_sheet(site: Site, uris: Mapping[str, ClientUris]) -> bytes:
    return package_template("site.md.j2").render(**_sheet_context(site, uris)).encode()


def _sheet_context(site: Site, uris: Mapping[str, ClientUris]) -> dict[str, Any]:
    """Namespaces, not dicts: Jinja2 tries an attribute before a key, and a failed getattr
    is slow."""
    apps = []
    modes: dict[str, set[str]] = {}
    for app in site.apps:
        identity = app.identity
        client = identity.client
        spec = mode_spec(identity.mode)
        secret = getattr(client, spec.secret)
        apps.append(
            SimpleNamespace(
                name=app.name,
                kind=app.kind,
                sender=app.sender,
                sender_name=app.sender_name,
                client_id=client.client_id,
                tenant=client.tenant,
                token_endpoint=client.token_endpoint,
                redirect_uri=app.redirect_uri,
                mode_label=spec.label,
                smtp=identity.smtp,
                authorization_endpoint=client.authorization_url if app.redirect_uri else None,
                client_email=client.client_email if "client_email" in spec.carries else None,
                username=(identity.username or app.sender) if "username" in spec.carries else None,
                secret_hint=secret.describe() if secret is not None else "not set",
            )
        )
        modes.setdefault(client.name, set()).add(identity.mode)
    clients = []
    for name in sorted(modes):
        client = uris[name].client
        view = SheetClient(
            name=client.name,
            provider=client.provider,
            client_id=client.client_id,
            tenant=client.tenant,
            has_secret=client.client_secret is not None,
            secret_expires=client.client_secret_expires,
            graph_managed=client.graph_managed,
            uris=uris[name].uris,
            modes=frozenset(modes[name]),  # type: ignore[arg-type]
        )
        clients.append(
            SimpleNamespace(
                name=client.name,
                provider=client.provider,
                checklist=provider(client.provider).checklist(view),
            )
        )
    return {"site": site, "apps": apps, "clients": clients}
