"""Redirect URI lists per client, and the limits a console would enforce."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import ERROR, WARNING, DocPath, Location, Problem
from .model import App, Client, Model
from .resolve import is_loopback

ENTRA_MAX_URIS = 256
ENTRA_MAX_URIS_PERSONAL = 100
ENTRA_MAX_URI_LENGTH = 256
ENTRA_FORBIDDEN = "!$'(),;"
ENTRA_FORBIDDEN_SET = frozenset(ENTRA_FORBIDDEN)
GOOGLE_WARN_URIS = 100


@dataclass(frozen=True)
class ClientUris:
    client: Client
    uris: tuple[str, ...]  # sorted, unique
    apps: dict[str, tuple[str, ...]]  # uri -> the `site/app` addresses that need it

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.client.name,
            "provider": self.client.provider,
            "client_id": self.client.client_id,
            "redirect_uris": list(self.uris),
        }


def redirect_uris(model: Model, apps: Iterable[App] | None = None) -> list[ClientUris]:
    """Every client's redirect URIs, clients sorted by name (those with none included)."""
    needed: dict[str, dict[str, list[str]]] = {name: {} for name in model.clients}
    for app in model.apps() if apps is None else apps:
        if app.redirect_uri is not None:
            needed[app.identity.client.name].setdefault(app.redirect_uri, []).append(app.address)
    return [
        ClientUris(
            model.clients[name],
            tuple(sorted(by_uri)),
            {uri: tuple(addresses) for uri, addresses in sorted(by_uri.items())},
        )
        for name, by_uri in sorted(needed.items())
    ]


def _apps_text(addresses: Iterable[str], most: int = 3) -> str:
    addresses = list(addresses)
    shown = ", ".join(addresses[:most])
    return shown + (f" and {len(addresses) - most} more" if len(addresses) > most else "")


def _reporter(
    problems: list[Problem], client: Client, locate: Callable[[DocPath], Location | None]
) -> Callable[[str, str], None]:
    where: DocPath = ("clients", client.name)

    def report(severity: str, message: str) -> None:
        problems.append(
            Problem(severity, f"client '{client.name}': {message}", locate(where), where)
        )

    return report


def uri_violations(uri: str, provider: str = "microsoft") -> list[str]:
    """What a console rejects in one redirect URI (Entra's rules for microsoft)."""
    problems = []
    if not uri.startswith("https://"):  # parse only what is not plainly https
        parts = urlsplit(uri)
        if not (parts.scheme == "http" and is_loopback(parts.hostname)):
            problems.append(f"{uri} must use https")
    if provider != "microsoft":
        return problems
    if len(uri) > ENTRA_MAX_URI_LENGTH:
        problems.append(
            f"{uri} is {len(uri)} characters; Entra allows at most {ENTRA_MAX_URI_LENGTH}"
        )
    bad = sorted(set(uri) & ENTRA_FORBIDDEN_SET)
    if bad:
        problems.append(f"{uri} contains {' '.join(bad)}, which Entra does not allow")
    return problems


def entra_uri_limit(client: Client) -> int:
    """How many redirect URIs the client's app registration may hold."""
    return ENTRA_MAX_URIS_PERSONAL if client.personal_accounts else ENTRA_MAX_URIS


def check_limits(
    lists: Iterable[ClientUris], locate: Callable[[DocPath], Location | None]
) -> list[Problem]:
    """The problems a console would reject: Entra's rules, Google's https rule."""
    problems: list[Problem] = []
    for entry in lists:
        client = entry.client
        report = _reporter(problems, client, locate)

        for uri, addresses in entry.apps.items():
            for message in uri_violations(uri, client.provider):
                report(ERROR, f"{message} (apps {_apps_text(addresses)})")
        count = len(entry.uris)
        if client.provider == "microsoft":
            limit = entra_uri_limit(client)
            if count > limit:
                every = [a for addresses in entry.apps.values() for a in addresses]
                report(
                    ERROR,
                    f"needs {count} redirect URIs, but an Entra app registration holds at most "
                    f"{limit}{' (personal accounts allowed)' if client.personal_accounts else ''}"
                    f", a limit that cannot be raised: split the sites over more registrations "
                    f"(apps {_apps_text(every)})",
                )
        elif client.provider == "google" and count > GOOGLE_WARN_URIS:
            report(WARNING, f"needs {count} redirect URIs; Google consoles get unwieldy past "
                   f"{GOOGLE_WARN_URIS}: consider more OAuth clients")
    return problems
