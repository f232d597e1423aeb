"""The redirect URI lists: which URIs each client's console must hold, and which apps
need each one. Computed once per model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..model import App, Client, ClientUris, Identity


def redirect_uri_lists(
    clients: Mapping[str, Client],
    apps: Iterable[App],
    identities: Iterable[Identity] = (),
    authorize_uri: str | None = None,
) -> tuple[ClientUris, ...]:
    """Every client's redirect URIs, clients sorted by name (those with none included).
    A client with an interactive identity also needs `authorize_uri`, where `provision
    authorize` receives the sign-in (any such identity: authorize serves unused ones too)."""
    needed: dict[str, dict[str, list[str]]] = {name: {} for name in clients}
    for app in apps:
        if app.redirect_uri is not None:
            needed[app.identity.client.name].setdefault(app.redirect_uri, []).append(app.address)
    authorized = {identity.client.name for identity in identities if identity.interactive}
    return tuple(
        _client_uris(clients[name], by_uri, authorize_uri if name in authorized else None)
        for name, by_uri in sorted(needed.items())
    )


def _client_uris(
    client: Client, by_uri: Mapping[str, list[str]], authorize_uri: str | None
) -> ClientUris:
    uris = set(by_uri) | ({authorize_uri} if authorize_uri else set())
    return ClientUris(
        client,
        tuple(sorted(uris)),
        {uri: tuple(addresses) for uri, addresses in sorted(by_uri.items())},
        authorize_uri,
    )
