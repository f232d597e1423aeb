"""The resolved playbook: frozen data that every later step reads.

Resolve computes it once, redirect URI lists included; nothing here imports a later step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from .catalog import AppKind
from .errors import Location, Problem
from .secret import SecretRef

ProviderName = Literal["microsoft", "google", "generic"]
Mode = Literal[
    "exchange",
    "microsoft365",
    "gmail",
    "google_service_account",
    "client_secret_post",
    "private_key_jwt",
]
Security = Literal["starttls", "tls"]
ManageRedirectUris = Literal["off", "merge", "exact"]
ItemKind = Literal["app", "site", "sheet", "client"]
OutputPer = Literal["app", "site", "client"]


@dataclass(frozen=True, slots=True, order=True)
class Item:
    """What a file or a result belongs to: an app of a site, a site (its own outputs), a
    site's setup sheet, or a client; `output` names one of the playbook's outputs of it.
    Printed as `acme/pbx`, `site:acme`, `sheet:acme`, `client:acme-azure`, with
    ` output NAME` behind for a playbook output."""

    kind: ItemKind
    name: str  # the site, or the client
    app: str | None = None
    output: str | None = None

    @property
    def site(self) -> str | None:
        return None if self.kind == "client" else self.name

    @property
    def task(self) -> Item:
        """The unit a recap counts: an item with all its outputs."""
        return Item(self.kind, self.name, self.app) if self.output else self

    def with_output(self, output: str) -> Item:
        return Item(self.kind, self.name, self.app, output)

    def __str__(self) -> str:
        text = f"{self.name}/{self.app}" if self.kind == "app" else f"{self.kind}:{self.name}"
        return f"{text} output {self.output}" if self.output else text


DEFAULT_AUTHORIZE_REDIRECT_URI = "http://localhost:8400/"


@dataclass(frozen=True)
class Settings:
    output_dir: Path
    state_dir: Path
    ca_file: Path | None
    expiry_warning_days: int
    # how long a client secret `provision rotate-secret` adds stays valid
    secret_lifetime_days: int = 730
    proxy: str | None = None  # for HTTPS (tokens, Graph); None: HTTPS_PROXY from the environment
    # built-in output ("app_config", "redirect_uris") -> command run when one changed
    deliver: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # where `provision authorize` receives the authorization response (a loopback URL)
    authorize_redirect_uri: str = DEFAULT_AUTHORIZE_REDIRECT_URI


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: Security
    helo: str | None = None  # the client host name the apps send in EHLO


@dataclass(frozen=True)
class Client:
    name: str
    provider: ProviderName
    client_id: str | None
    token_endpoint: str | None
    authorization_url: str | None  # base URL, as typed into the innovaphone UI
    tenant: str | None = None
    authority: str | None = None
    client_secret: SecretRef | None = None
    client_secret_expires: date | None = None
    personal_accounts: bool = False
    manifest_file: Path | None = None
    client_secrets_file: Path | None = None
    manage_redirect_uris: ManageRedirectUris = "off"
    graph_endpoint: str | None = None  # microsoft
    graph_client: str | None = None
    client_email: str | None = None
    private_key_id: str | None = None
    private_key: SecretRef | None = None
    service_account_file: Path | None = None
    service_account_client_id: str | None = None  # google: the numeric one (delegation)
    scope: str | None = None
    smtp: Smtp | None = None  # its mail service's SMTP server, the identities' default
    cloud: str | None = None  # microsoft: global, usgov or china

    @property
    def graph_managed(self) -> bool:
        return self.manage_redirect_uris != "off"


@dataclass(frozen=True)
class Identity:
    name: str
    client: Client
    mode: Mode
    sender: str  # may still hold Jinja2: apps render it in their context
    sender_name: str | None
    username: str | None
    password: SecretRef | None
    smtp: Smtp | None  # the identity's, or its provider's default
    interactive: bool  # its apps authorize through a browser and need a redirect URI


@dataclass(frozen=True, slots=True)  # one per app: 100,000 of them in large playbooks
class App:
    site: str
    name: str
    kind: str
    identity: Identity
    sender: str
    sender_name: str | None
    redirect_uri: str | None  # only where the identity authorizes interactively
    helo: str | None = None  # the client host name it sends in EHLO

    @property
    def item(self) -> Item:
        return Item("app", self.site, self.name)

    @property
    def address(self) -> str:
        """`site/app`, as `--limit` matches it."""
        return f"{self.site}/{self.name}"


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    domain: str
    pbx: str | None
    app_platform: str | None
    apps: tuple[App, ...]


@dataclass(frozen=True)
class ClientUris:
    """The redirect URIs one client's console must hold, and which apps need each."""

    client: Client
    uris: tuple[str, ...]  # sorted, unique; `authorize_uri` included
    apps: Mapping[str, tuple[str, ...]]  # uri -> the `site/app` addresses that need it
    # `provision authorize`'s loopback redirect, when an identity of the client authorizes
    # interactively (no app needs it: the tool itself does)
    authorize_uri: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.client.name,
            "provider": self.client.provider,
            "client_id": self.client.client_id,
            "redirect_uris": list(self.uris),
            "authorize_redirect_uri": self.authorize_uri,
        }


@dataclass(frozen=True)
class Output:
    """One of the playbook's own outputs: a template rendered per app, site or client to a
    templated path inside the output directory."""

    name: str
    per: OutputPer
    path: str
    template: str
    secret: bool = True
    deliver: tuple[str, ...] | None = None
    at: Location | None = None  # where its path is given, for messages about it


@dataclass(frozen=True)
class Model:
    base_dir: Path
    settings: Settings
    clients: Mapping[str, Client]
    identities: Mapping[str, Identity]
    sites: tuple[Site, ...]
    outputs: tuple[Output, ...]
    redirect_uris: tuple[ClientUris, ...]  # every client's, sorted by client name
    warnings: tuple[Problem, ...] = ()  # what resolving found allowed but likely wrong
    # every app kind: its host, and where its UI keeps the e-mail settings
    kinds: Mapping[str, AppKind] = field(default_factory=dict)

    def apps(self) -> list[App]:
        return [app for site in self.sites for app in site.apps]

    def uris_of(self, client: str) -> ClientUris:
        return next(entry for entry in self.redirect_uris if entry.client.name == client)
