"""The resolved playbook: frozen data that every later step reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .secret import SecretRef

if TYPE_CHECKING:
    from .redirect_uris import ClientUris


@dataclass(frozen=True)
class Settings:
    output_dir: Path
    state_dir: Path
    ca_file: Path | None
    expiry_warning_days: int
    # built-in output ("app_config", "redirect_uris") -> command run when one changed
    deliver: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Client:
    name: str
    provider: str
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
    manage_redirect_uris: str = "off"
    graph_endpoint: str = "https://graph.microsoft.com"
    graph_client: str | None = None
    client_email: str | None = None
    private_key_id: str | None = None
    private_key: SecretRef | None = None
    service_account_file: Path | None = None
    scope: str | None = None


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # "starttls" | "tls"


@dataclass(frozen=True)
class Identity:
    name: str
    client: Client
    mode: str
    sender: str  # may still hold Jinja2: apps render it in their context
    sender_name: str | None
    username: str | None
    password: SecretRef | None
    smtp: Smtp | None  # the identity's, or its provider's default

    @property
    def interactive(self) -> bool:
        from .providers import is_interactive

        return is_interactive(self.mode, self.client.authorization_url)


@dataclass(frozen=True, slots=True)  # one per app: 100,000 of them in large playbooks
class App:
    site: str
    name: str
    kind: str
    identity: Identity
    sender: str
    sender_name: str | None
    redirect_uri: str | None  # only where the identity authorizes interactively
    authorization_url: str | None  # the full URL with the appended parameters

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
class Model:
    base_dir: Path
    settings: Settings
    clients: Mapping[str, Client]
    identities: Mapping[str, Identity]
    sites: tuple[Site, ...]
    outputs: Mapping[str, Mapping[str, object]]

    def apps(self) -> list[App]:
        return [app for site in self.sites for app in site.apps]

    @cached_property
    def redirect_uri_lists(self) -> list[ClientUris]:
        """Every client's redirect URIs (computed once; see redirect_uris.redirect_uris)."""
        from .redirect_uris import redirect_uris

        return redirect_uris(self)
