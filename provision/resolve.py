"""Resolve a schema-valid playbook into the frozen model.

Follows every reference (app -> identity -> client, app -> kind), applies the
precedence app > site > defaults, renders Jinja2 in values, and reports every
problem it meets, located, instead of stopping at the first.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from datetime import date
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .catalog import AppKind, all_kinds
from .errors import ERROR, DocPath, PlaybookError, Problem
from .load import Playbook
from .model import App, Client, Identity, Model, Settings, Site, Smtp
from .providers import MODE_PROVIDER, PROVIDERS, full_authorization_url, is_interactive
from .schema import _EMAIL, _HOST
from .secret import SecretRef
from .templating import TemplateProblem, render

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class _Resolver:
    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.data = playbook.data
        self.base_dir = playbook.base_dir
        self.problems: list[Problem] = []
        self.broken_kinds: set[str] = set()  # app kinds whose path template is reported

    def error(self, message: str, path: DocPath) -> None:
        problem = Problem(ERROR, message, self.playbook.locate(path), path)
        if problem not in self.problems:  # a value shared by many apps is reported once
            self.problems.append(problem)

    def render(self, text: str, context: Mapping[str, Any], path: DocPath) -> str | None:
        try:
            return render(text, context)
        except TemplateProblem as exc:
            self.error(str(exc), path)
            return None

    # -- settings -----------------------------------------------------------
    def settings(self) -> Settings:
        raw = self.data.get("settings") or {}
        ca_file = raw.get("ca_file")
        if ca_file is not None and not (self.base_dir / ca_file).is_file():
            self.error(f"ca_file {ca_file} does not exist", ("settings", "ca_file"))
        return Settings(
            output_dir=self.base_dir / raw.get("output_dir", "out"),
            state_dir=self.base_dir / raw.get("state_dir", ".provision"),
            ca_file=self.base_dir / ca_file if ca_file else None,
            expiry_warning_days=raw.get("expiry_warning_days", 30),
            deliver={key: tuple(argv) for key, argv in (raw.get("deliver") or {}).items()},
        )

    # -- clients ------------------------------------------------------------
    def client(self, name: str, raw: Mapping[str, Any]) -> Client:
        where: DocPath = ("clients", name)
        provider = PROVIDERS[raw["provider"]]
        fields = dict(raw)
        for key in ("authority", "token_endpoint", "authorization_url", "graph_endpoint"):
            if key in fields:
                self.check_endpoint(fields[key], where + (key,))
        extra: dict[str, Any] = {}
        if raw.get("client_secrets_file"):
            extra.update(self.client_secrets(raw, where))
            fields.setdefault("client_id", extra.get("client_id"))
        if raw.get("service_account_file"):
            extra.update(self.service_account(raw, where))
        secret = lambda key: (  # noqa: E731
            SecretRef.from_spec(raw[key], where + (key,)) if key in raw else extra.get(key)
        )
        manage = raw.get("manage_redirect_uris", "off")
        return Client(
            name=name,
            provider=provider.name,
            client_id=fields.get("client_id"),
            token_endpoint=provider.token_endpoint(fields),
            authorization_url=provider.authorization_url(fields),
            tenant=raw.get("tenant"),
            authority=raw.get("authority"),
            client_secret=secret("client_secret"),
            client_secret_expires=(
                date.fromisoformat(raw["client_secret_expires"])
                if raw.get("client_secret_expires") else None
            ),
            personal_accounts=bool(raw.get("personal_accounts", False)),
            manifest_file=self.path(raw.get("manifest_file")),
            client_secrets_file=self.path(raw.get("client_secrets_file")),
            manage_redirect_uris="off" if manage is False else manage,
            graph_endpoint=raw.get("graph_endpoint", "https://graph.microsoft.com").rstrip("/"),
            graph_client=raw.get("graph_client"),
            client_email=raw.get("client_email", extra.get("client_email")),
            private_key_id=raw.get("private_key_id", extra.get("private_key_id")),
            private_key=secret("private_key"),
            service_account_file=self.path(raw.get("service_account_file")),
            scope=raw.get("scope"),
        )

    def path(self, value: str | None) -> Path | None:
        return self.base_dir / value if value else None

    def read_json(self, value: str, path: DocPath) -> dict[str, Any] | None:
        file = self.base_dir / value
        try:
            loaded = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            self.error(f"cannot read {file}: {exc.strerror}", path)
            return None
        except (ValueError, UnicodeDecodeError) as exc:
            self.error(f"{file} is not valid JSON: {exc}", path)
            return None
        if not isinstance(loaded, dict):
            self.error(f"{file}: expected a JSON object", path)
            return None
        return loaded

    def client_secrets(self, raw: Mapping[str, Any], where: DocPath) -> dict[str, Any]:
        """client_id and client_secret from the Google console's client JSON."""
        path = where + ("client_secrets_file",)
        loaded = self.read_json(raw["client_secrets_file"], path)
        if loaded is None:
            return {}
        section = next((k for k in ("web", "installed") if isinstance(loaded.get(k), dict)), None)
        if section is None or not _text(loaded[section].get("client_id")):
            self.error("expected the console's download: {\"web\": {\"client_id\", ...}}", path)
            return {}
        result: dict[str, Any] = {"client_id": loaded[section]["client_id"]}
        # A client_id in the spec that differs from the download is drift, reported there.
        if "client_secret" in loaded[section]:
            result["client_secret"] = SecretRef(
                "json", (raw["client_secrets_file"], section, "client_secret"), path
            )
        return result

    def service_account(self, raw: Mapping[str, Any], where: DocPath) -> dict[str, Any]:
        path = where + ("service_account_file",)
        loaded = self.read_json(raw["service_account_file"], path)
        if loaded is None:
            return {}
        missing = [
            k for k in ("client_email", "private_key_id", "private_key") if not _text(loaded.get(k))
        ]
        if missing:
            self.error(f"the key file lacks {', '.join(missing)}", path)
            return {}
        return {
            "client_email": loaded["client_email"],
            "private_key_id": loaded["private_key_id"],
            "private_key": SecretRef("json", (raw["service_account_file"], "private_key"), path),
        }

    def check_endpoint(self, url: str, path: DocPath) -> None:
        parts = urlsplit(url)
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            self.error(f"{url} must use https (http only for loopback hosts)", path)

    # -- identities ---------------------------------------------------------
    def identity(
        self, name: str, raw: Mapping[str, Any], clients: Mapping[str, Client]
    ) -> Identity | None:
        where: DocPath = ("identities", name)
        client = clients.get(raw["client"])
        if client is None:
            self.unknown("client", raw["client"], clients, where + ("client",))
            return None
        mode = raw["mode"]
        if MODE_PROVIDER[mode] != client.provider:
            self.error(
                f"mode {mode} needs a {MODE_PROVIDER[mode]} client, but client "
                f"'{client.name}' is {client.provider}",
                where + ("mode",),
            )
            return None
        self.mode_needs(mode, client, where)
        smtp = raw.get("smtp")
        default = PROVIDERS[client.provider].smtp
        if smtp is not None:
            security = smtp.get("security", "starttls")
            resolved_smtp: Smtp | None = Smtp(
                smtp["host"], smtp.get("port", 465 if security == "tls" else 587), security
            )
        else:
            resolved_smtp = Smtp(default.host, default.port, default.security) if default else None
        return Identity(
            name=name,
            client=client,
            mode=mode,
            sender=raw["sender"],
            sender_name=raw.get("sender_name"),
            username=raw.get("username"),
            password=SecretRef.from_spec(raw["password"], where + ("password",))
            if "password" in raw else None,
            smtp=resolved_smtp,
        )

    def mode_needs(self, mode: str, client: Client, where: DocPath) -> None:
        """The client fields a mode cannot do without."""
        needs: dict[str, tuple[str, ...]] = {
            "exchange": ("client_secret",),
            "microsoft365": ("client_secret",),
            "gmail": ("client_id", "client_secret"),
            "google_service_account": ("client_email", "private_key_id", "private_key"),
            "client_secret_post": ("client_secret",),
            "private_key_jwt": ("private_key",),
        }
        missing = [key for key in needs[mode] if getattr(client, key) in (None, "")]
        if missing:
            self.error(
                f"mode {mode} needs client '{client.name}' to have "
                + ", ".join(missing)
                + (
                    " (inline, or through service_account_file)"
                    if mode == "google_service_account" else ""
                ),
                where + ("mode",),
            )

    def unknown(self, what: str, name: str, known: Mapping[str, Any], path: DocPath) -> None:
        choices = ", ".join(sorted(known)) or "none defined"
        self.error(f"unknown {what} '{name}' (defined: {choices})", path)

    # -- sites and apps ------------------------------------------------------
    def site(
        self,
        name: str,
        raw: Mapping[str, Any],
        identities: Mapping[str, Identity],
        kinds: Mapping[str, AppKind],
        raw_identities: Mapping[str, Any],
    ) -> Site | None:
        where: DocPath = ("sites", name)
        defaults = self.data.get("defaults") or {}
        context: dict[str, Any] = {"site": {"name": name}}
        domain = self.render(raw["domain"], context, where + ("domain",))
        if domain is not None and not _HOST.match(domain):  # a template may render anything
            self.error(f"'{domain}' is not a valid host name", where + ("domain",))
            domain = None
        context["site"]["domain"] = domain
        hosts: dict[str, str | None] = {}
        for key in ("pbx", "app_platform"):
            value = raw.get(key)
            hosts[key] = self.render(value, context, where + (key,)) if value else None
            context["site"][key] = hosts[key]
            if hosts[key] and not _HOST.match(hosts[key] or ""):
                self.error(f"'{hosts[key]}' is not a valid host name", where + (key,))
        if domain is None:
            return None
        if raw.get("identity") is not None and raw["identity"] not in raw_identities:
            self.unknown("identity", raw["identity"], raw_identities, where + ("identity",))
        apps_raw = raw.get("apps", defaults.get("apps", []))
        apps_where = where + ("apps",) if "apps" in raw else ("defaults", "apps")
        entries = (
            [(kind, {}, apps_where + (i,)) for i, kind in enumerate(apps_raw)]
            if isinstance(apps_raw, list)
            else [(key, value or {}, apps_where + (key,)) for key, value in apps_raw.items()]
        )
        apps: list[App] = []
        for app_name, override, app_where in entries:
            app = self.app(
                name, app_name, override, app_where, raw, defaults, hosts, context,
                identities, kinds, raw_identities,
            )
            if app is not None:
                apps.append(app)
        return Site(name, domain, hosts["pbx"], hosts["app_platform"], tuple(apps))

    def app(
        self,
        site_name: str,
        name: str,
        override: Mapping[str, Any],
        where: DocPath,
        site: Mapping[str, Any],
        defaults: Mapping[str, Any],
        hosts: Mapping[str, str | None],
        site_context: Mapping[str, Any],
        identities: Mapping[str, Identity],
        kinds: Mapping[str, AppKind],
        raw_identities: Mapping[str, Any],
    ) -> App | None:
        kind_name = override.get("kind", name)
        kind = kinds.get(kind_name)
        if kind is None:
            kind_where = where + ("kind",) if "kind" in override else where
            if kind_name not in self.broken_kinds:
                self.unknown("app kind", kind_name, kinds, kind_where)
            return None
        identity_name, identity_where = _first(
            ("identity", override, where), ("identity", site, ("sites", site_name)),
            ("identity", defaults, ("defaults",)),
        )
        if identity_name is None:
            self.error(
                f"app '{name}' has no identity: set identity on the app, the site or defaults",
                where,
            )
            return None
        identity = identities.get(identity_name)
        if identity is None:
            if identity_name not in raw_identities:  # else: already reported at the identity
                self.unknown("identity", identity_name, raw_identities, identity_where)
            return None
        context = {**site_context, "app": {"name": name, "kind": kind_name}}
        sender_raw, sender_where = _first(
            ("sender", override, where), ("sender", site, ("sites", site_name)),
            ("sender", defaults, ("defaults",)),
        )
        if sender_raw is None:
            sender_raw, sender_where = identity.sender, ("identities", identity.name, "sender")
        sender = self.render(sender_raw, context, sender_where)
        if sender is not None and not _EMAIL.match(sender):
            self.error(f"'{sender}' is not a valid e-mail address", sender_where)
            sender = None
        sender_name_raw, name_where = _first(
            ("sender_name", override, where), ("sender_name", site, ("sites", site_name)),
            ("sender_name", defaults, ("defaults",)),
        )
        if sender_name_raw is None and identity.sender_name is not None:
            sender_name_raw, name_where = identity.sender_name, (
                "identities", identity.name, "sender_name",
            )
        sender_name = (
            self.render(sender_name_raw, context, name_where) if sender_name_raw else None
        )
        host = hosts.get(kind.host)
        if host is None:
            if not site.get(kind.host):  # else its template failed, and that is reported
                self.error(
                    f"app '{name}' ({kind_name}) lives on the site's {kind.host}, "
                    f"but site '{site_name}' has no {kind.host}",
                    where,
                )
            return None
        if sender is None:
            return None
        client = identity.client
        redirect_uri = authorization_url = None
        if is_interactive(identity.mode, client.authorization_url):
            redirect_uri = kind.redirect_uri(
                host=host, domain=site_context["site"]["domain"], path_name=override.get("path")
            )
            assert client.authorization_url is not None
            authorization_url = full_authorization_url(
                client.authorization_url,
                sender=sender,
                redirect_uri=redirect_uri,
                client_id=client.client_id or "",
            )
        return App(
            site=site_name,
            name=name,
            kind=kind_name,
            identity=identity,
            sender=sender,
            sender_name=sender_name,
            redirect_uri=redirect_uri,
            authorization_url=authorization_url,
        )


def _text(value: object) -> bool:
    """A non-empty string, as a key file's fields must be."""
    return isinstance(value, str) and bool(value)


def path_template_problem(template: str) -> str | None:
    """Why an app kind's path template cannot be filled, or None: it may only
    use {domain} and {path} (str.format would fail on, or look into, others)."""
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        return f"invalid path template ({exc}): use {{domain}} and {{path}}"
    for name, spec, conversion in fields:
        if name not in ("domain", "path") or spec or conversion:
            field = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            return (
                f"unknown placeholder {{{field}}} in the path template: "
                "use {domain} and {path}"
            )
    return None


def _first(*candidates: tuple[str, Mapping[str, Any], DocPath]) -> tuple[Any, DocPath]:
    """The first value set, by precedence, and where it was set."""
    for key, mapping, where in candidates:
        if mapping.get(key) is not None:
            return mapping[key], where + (key,)
    return None, ()


def resolve(playbook: Playbook) -> Model:
    """The model of a schema-valid playbook; PlaybookError lists every problem."""
    resolver = _Resolver(playbook)
    data = playbook.data
    settings = resolver.settings()
    clients = {
        name: resolver.client(name, raw) for name, raw in (data.get("clients") or {}).items()
    }
    for name, client in clients.items():
        if client.graph_client is not None:
            target = clients.get(client.graph_client)
            if target is None:
                resolver.unknown(
                    "client", client.graph_client, clients, ("clients", name, "graph_client")
                )
            elif target.provider != "microsoft":
                resolver.error(
                    f"graph_client '{target.name}' must be a microsoft client",
                    ("clients", name, "graph_client"),
                )
    raw_identities = data.get("identities") or {}
    identities: dict[str, Identity] = {}
    for name, raw in raw_identities.items():
        identity = resolver.identity(name, raw, clients)
        if identity is not None:
            identities[name] = identity
    kinds = all_kinds(data.get("app_kinds"))
    for name, entry in (data.get("app_kinds") or {}).items():
        message = path_template_problem(entry["path"])
        if message is not None:
            resolver.error(message, ("app_kinds", name, "path"))
            resolver.broken_kinds.add(name)
            kinds.pop(name, None)
    sites = []
    for name, raw in (data.get("sites") or {}).items():
        site = resolver.site(name, raw, identities, kinds, raw_identities)
        if site is not None:
            sites.append(site)
    default_identity = (data.get("defaults") or {}).get("identity")
    if default_identity is not None and default_identity not in raw_identities:
        resolver.unknown("identity", default_identity, raw_identities, ("defaults", "identity"))
    if resolver.problems:
        raise PlaybookError(resolver.problems)
    return Model(
        base_dir=playbook.base_dir,
        settings=settings,
        clients=clients,
        identities=identities,
        sites=tuple(sites),
        outputs=data.get("outputs") or {},
    )
