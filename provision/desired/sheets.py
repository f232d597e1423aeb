"""A site's setup sheet: a picture of the site, what to enter in each app under the
labels its UI shows, and each client's console checklist for the modes in use. No secret
is in it, only where each one is kept."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from ..catalog import AppKind, AppUi
from ..model import App, ClientUris, Item, Site
from ..providers import mode_spec, provider
from ..providers.base import SheetClient
from ..templating import package_template
from .app_config import AppView, app_view

PLAIN = frozenset({"sender_name", "mode_label"})  # shown as text; other values as code


def render_sheet(
    site: Site,
    uris: Mapping[str, ClientUris],
    kinds: Mapping[str, AppKind],
    delivered: bool = False,
    views: Mapping[Item, AppView] | None = None,
) -> bytes:
    """The site's sheet; `delivered`: a deliver command carries app configs to the apps;
    `views`: the apps' views made for their config files already."""
    context = _sheet_context(site, uris, kinds, delivered, views or {})
    return package_template("site.md.j2").render(**context).encode()


def _sheet_context(
    site: Site,
    uris: Mapping[str, ClientUris],
    kinds: Mapping[str, AppKind],
    delivered: bool,
    views: Mapping[Item, AppView],
) -> dict[str, Any]:
    """Namespaces, not dicts: Jinja2 tries an attribute before a key, and a failed getattr
    is slow."""
    apps = [_app(app, kinds[app.kind].ui, views.get(app.item)) for app in site.apps]
    return {
        "site": site,
        "diagram": diagram(site, kinds),
        "apps": apps,
        "clients": _clients(site, uris, delivered),
    }


def _app(app: App, ui: AppUi, view: AppView | None) -> SimpleNamespace:
    view = view or app_view(app, ui)
    config, refs = view.config, view.refs
    rows = []
    for field in view.fields:
        if field.key in refs:
            value = f"not shown here: {refs[field.key].describe()}"
        elif field.key in PLAIN:
            value = str(config[field.key])
        else:
            value = f"`{config[field.key]}`"
        rows.append((f"OAuth2: {field.label}" if field.oauth2 else field.label, value))
    identity = app.identity
    return SimpleNamespace(
        name=app.name,
        kind=app.kind,
        where=ui.where,
        rows=rows,
        redirect_uri=app.redirect_uri,
        authorization_url=config.get("authorization_url"),
        identity=identity.name,
        security=identity.smtp.security if identity.smtp else None,
        default_port=ui.default_port,
        cloud=identity.client.cloud if identity.client.cloud != "global" else None,
        authority=identity.client.authority,
    )


def _clients(site: Site, uris: Mapping[str, ClientUris], delivered: bool) -> list[SimpleNamespace]:
    used: dict[str, list[App]] = {}
    for app in site.apps:
        used.setdefault(app.identity.client.name, []).append(app)
    clients = []
    for name in sorted(used):
        client = uris[name].client
        apps = used[name]
        secret = getattr(client, mode_spec(apps[0].identity.mode).secret)
        view = SheetClient(
            name=client.name,
            provider=client.provider,
            client_id=client.client_id,
            tenant=client.tenant,
            secret=secret.describe() if secret is not None else None,
            secret_expires=client.client_secret_expires,
            graph_managed=client.graph_managed,
            uris=uris[name].uris,
            modes=frozenset(app.identity.mode for app in apps),
            mailboxes=tuple(dict.fromkeys(_account(app) for app in apps)),
            cloud=client.cloud,
            token_endpoint=client.token_endpoint,
            client_email=client.client_email,
            service_account_client_id=client.service_account_client_id,
        )
        # rotate-secret renews an Entra client secret; an app no deliver command reaches
        # keeps the old one until someone enters the new value
        by_hand = [
            app.name
            for app in apps
            if client.provider == "microsoft"
            and mode_spec(app.identity.mode).secret == "client_secret"
        ]
        clients.append(
            SimpleNamespace(
                name=client.name,
                provider=client.provider,
                checklist=provider(client.provider).checklist(view),
                renew_by_hand=[] if delivered else by_hand,
            )
        )
    return clients


def _account(app: App) -> str:
    """The mailbox that signs in: the resource owner for ROPC, else the sender."""
    identity = app.identity
    if identity.mode == "microsoft365" and identity.username:
        return identity.username
    return app.sender


def diagram(site: Site, kinds: Mapping[str, AppKind]) -> list[str]:
    """A Mermaid flowchart (GitHub and GitLab draw it): the site's hosts -> apps ->
    identities -> clients. Node IDs are counters; labels are names the schema restricts,
    and host names."""
    lines = ["flowchart LR"]
    ids: dict[tuple[str, str], str] = {}

    def node(kind: str, name: str, label: str, shape: str) -> str:
        if (kind, name) not in ids:
            ids[kind, name] = f"n{len(ids)}"
            half = len(shape) // 2
            lines.append(f'  {ids[kind, name]}{shape[:half]}"{label}"{shape[half:]}')
        return ids[kind, name]

    edges: dict[str, None] = {}
    for app in site.apps:
        host = kinds[app.kind].host
        address = site.pbx if host == "pbx" else site.app_platform
        host_node = node("host", host, f"{HOST_LABELS[host]} {address}", "[]")
        app_node = node("app", app.name, f"{app.name} ({app.kind})", "()")
        identity = app.identity
        identity_label = f"{identity.name}: {mode_spec(identity.mode).label}"
        identity_node = node("identity", identity.name, identity_label, "([])")
        client = identity.client
        client_node = node("client", client.name, f"{client.name} ({client.provider})", "[[]]")
        edges[f"  {host_node} --> {app_node}"] = None
        edges[f"  {app_node} --> {identity_node}"] = None
        edges[f"  {identity_node} --> {client_node}"] = None
    return lines + list(edges)


HOST_LABELS = {"pbx": "PBX", "app_platform": "App Platform"}
