"""The one interface every provider offers, and the data it describes itself with.

A provider is one module (`providers/<name>/`) holding everything that differs between
Microsoft, Google and generic OAuth2: defaults, endpoints, scopes, what each mode needs,
console limits, formats and readers, setup-sheet checklists, token flows and hints. Its
token flows import their library (MSAL, google-auth, authlib) only when they run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..errors import DocPath, Severity
from ..hints import Hints
from ..model import Client, ClientUris, Mode, ProviderName, Smtp
from ..net.urls import insecure
from ..secret import SecretRef

if TYPE_CHECKING:
    import requests

    from ..tokens.flows import Acquired
    from ..tokens.loopback import Interaction
    from ..tokens.request import TokenRequest
    from ..tokens.store import StoredTokens

ConsoleFormat = Literal["azure", "google"]
SecretField = Literal["client_secret", "private_key"]


@dataclass(frozen=True)
class ModeSpec:
    """One of innovaphone's six OAuth2 modes, as data."""

    name: Mode
    label: str  # as the innovaphone UI names it
    interactive: bool  # authorizes through a browser (generic: only with an authorization URL)
    needs: tuple[str, ...]  # client fields it cannot do without
    secret: SecretField  # the client's secret an app config carries
    carries: tuple[str, ...] = ()  # further config keys: username, password, client_email, ...
    needs_note: str = ""  # said after the missing fields
    # the app config's keys its OAuth2 form asks for, in the form's order (catalog/oauth2.yaml
    # labels them)
    form: tuple[str, ...] = ()


@dataclass(frozen=True)
class Endpoints:
    token_endpoint: str | None
    authorization_url: str | None  # the base URL, as typed into the innovaphone UI
    authority: str | None = None  # microsoft
    graph: str | None = None  # microsoft: the Graph endpoint, for the app registration
    scope: str | None = None  # what the apps' tokens are requested for
    smtp: Smtp | None = None  # the mail service's SMTP server; a generic provider has none
    cloud: str | None = None  # microsoft: global, usgov or china


@dataclass(frozen=True)
class ConsoleState:
    """What a console holds for one client, read from a download or an export."""

    source: str  # where it was read, for messages
    client_id: str | None
    redirect_uris: tuple[str, ...]
    secret_expires: str | None = None


@dataclass(frozen=True)
class Step:
    """A line of a console checklist; ticked only where the tool knows it is done."""

    text: str  # Markdown
    done: bool = False
    items: tuple[str, ...] = ()  # sub-items, e.g. the URIs to paste


@dataclass(frozen=True)
class Section:
    title: str | None  # e.g. "Azure portal (https://portal.azure.com), Microsoft Entra ID:"
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class SheetClient:
    """What a setup sheet knows about a client: no secret, only where each is kept."""

    name: str
    provider: ProviderName
    client_id: str | None
    tenant: str | None
    secret: str | None  # where its secret (or key) is kept, in words; None: not set
    secret_expires: date | None
    graph_managed: bool
    uris: tuple[str, ...]
    modes: frozenset[Mode] = field(default_factory=frozenset)
    mailboxes: tuple[str, ...] = ()  # the senders of this site's apps that use it
    cloud: str | None = None  # microsoft
    token_endpoint: str | None = None
    client_email: str | None = None  # google service account
    service_account_client_id: str | None = None


@dataclass
class KeyFiles:
    """What a client's key files (console downloads) give while resolving: fields, secret
    references into them, and the problems met reading them (message, document path)."""

    values: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, SecretRef] = field(default_factory=dict)
    problems: list[tuple[str, DocPath]] = field(default_factory=list)
    unread: bool = False  # validate --no-secrets: no key file is opened (CI has none)

    def read(self, file: Path, path: DocPath, stand_in: dict[str, Any]) -> dict[str, Any] | None:
        """The key file's JSON object, or when unread the `stand_in` shaped like it."""
        from ..files import JsonFileError, read_json

        if self.unread:
            return stand_in
        try:
            loaded = read_json(file)
        except JsonFileError as exc:
            self.problem(str(exc), path)
            return None
        if not isinstance(loaded, dict):
            self.problem(f"{file}: expected a JSON object", path)
            return None
        return loaded

    def problem(self, message: str, path: DocPath) -> None:
        self.problems.append((message, path))


class Provider(Protocol):
    """Everything provision needs to know about one kind of identity provider."""

    name: ProviderName
    modes: Mapping[Mode, ModeSpec]
    console_format: ConsoleFormat | None  # what `redirect-uris --format` prints for it
    hints: Hints  # its identity provider's and mail service's errors

    def endpoints(self, client: Mapping[str, Any]) -> Endpoints:
        """Token endpoint, base authorization URL, scope, default SMTP server (and for
        Microsoft the authority, Graph and cloud) from the client's keys."""
        ...

    def key_files(
        self, client: Mapping[str, Any], base_dir: Path, where: DocPath, *, read: bool = True
    ) -> KeyFiles:
        """Fields and secrets from the key files the client's keys name (console downloads);
        with `read` false the files, which hold secrets, are not opened: stand-ins."""
        ...

    def uri_problems(self, entry: ClientUris) -> list[tuple[Severity, str]]:
        """What the console would reject (or make unwieldy) in the client's URI list."""
        ...

    def console_state(self, client: Client) -> ConsoleState | None:
        """What the console holds, from the download or export the playbook names (drift);
        None when it names none. Raises ConsoleReadError."""
        ...

    def console_document(self, entry: ClientUris) -> dict[str, Any] | None:
        """The console's own format of the URI list (`redirect-uris --format`), or None
        when the client has no such console entry."""
        ...

    def checklist(self, client: SheetClient) -> tuple[Section, ...]:
        """The console steps a setup sheet lists for the client."""
        ...

    def acquire(
        self, req: TokenRequest, stored: StoredTokens, session: requests.Session, *, fresh: bool
    ) -> Acquired: ...

    def authorize(
        self,
        req: TokenRequest,
        session: requests.Session,
        interaction: Interaction,
        *,
        device_code: bool,
    ) -> Acquired: ...


class ConsoleReadError(Exception):
    """A console download or export cannot be read; the message says which and why."""


def uri_rule_problems(
    entry: ClientUris, rules: Callable[[str], list[str]] = lambda uri: []
) -> list[tuple[Severity, str]]:
    """Every console's first rule, https (http only for loopback hosts), and the console's
    own `rules` for one URI, checked on each URI of the list."""
    problems: list[tuple[Severity, str]] = []
    for uri, addresses in entry.apps.items():
        messages = ([f"{uri} must use https"] if insecure(uri) else []) + rules(uri)
        problems += [("error", f"{message} (apps {apps_text(addresses)})") for message in messages]
    return problems


def apps_text(addresses: Sequence[str], most: int = 3) -> str:
    """`a, b, c and 4 more`: the apps a message is about, shortened."""
    shown = ", ".join(addresses[:most])
    return shown + (f" and {len(addresses) - most} more" if len(addresses) > most else "")


def read_console_json(path: Path) -> Any:
    """A console download or export, parsed; ConsoleReadError names the problem."""
    from ..files import JsonFileError, read_json

    try:
        return read_json(path)
    except JsonFileError as exc:
        raise ConsoleReadError(str(exc)) from None
