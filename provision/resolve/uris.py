"""The redirect URI lists: which URIs each client's console must hold, and which apps
need each one. Computed once per model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..model import App, Client, ClientUris


def redirect_uri_lists(
    clients: Mapping[str, Client], apps: Iterable[App]
) -> tuple[ClientUris, ...]:
    """Every client's redirect URIs, clients sorted by name (those with none included)."""
    needed: dict[str, dict[str, list[str]]] = {name: {} for name in clients}
    for app in apps:
        if app.redirect_uri is not None:
            needed[app.identity.client.name].setdefault(app.redirect_uri, []).append(app.address)
    return tuple(
        ClientUris(
            clients[name],
            tuple(sorted(by_uri)),
            {uri: tuple(addresses) for uri, addresses in sorted(by_uri.items())},
        )
        for name, by_uri in sorted(needed.items())
    )
