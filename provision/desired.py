"""The desired state: every file apply should leave in the output directory.

Rendered through Jinja2 templates shipped in the package (one environment,
each template compiled once) and the playbook's own `outputs`. Secrets are
revealed here, and only here, because the app configs must carry them; each
file remembers which keys or values are secret so plans and diffs can mask them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from typing import Any

from jinja2 import Environment, FileSystemLoader, PackageLoader, StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from .limit import Limit
from .model import App, Client, Model, Site
from .redirect_uris import ClientUris
from .secret import PLACEHOLDER, Secret, SecretError, SecretRef, SecretResolver
from .templating import TemplateProblem, render

SECRET_MODE = 0o600
PUBLIC_MODE = 0o644


@dataclass(frozen=True)
class DesiredFile:
    path: str  # relative to the output directory, POSIX separators
    content: bytes
    mode: int
    item: str  # `site/app`, or `client:<name>` / `site:<name>` for other outputs
    site: str | None
    # JSON keys holding secrets, masked in diffs; "*": the whole file is secret
    secret_keys: frozenset[str] = frozenset()
    deliver: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Failure:
    item: str
    site: str | None
    message: str


@dataclass
class DesiredState:
    files: list[DesiredFile] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


# Jinja2's tojson escapes & < > ' for HTML; these files are read by people and PBXs.
# One encoder: json.dumps with options builds a new one on every call.
_json = json.JSONEncoder(ensure_ascii=False).encode


def _json_object(mapping: Mapping[str, Any]) -> str:
    """A JSON object, one key a line, nested values compact: easy to read and to diff,
    and fast (the C encoder does each value)."""
    lines = [f"  {_json(key)}: {_json(value)}" for key, value in mapping.items()]
    return "{\n" + ",\n".join(lines) + "\n}" if lines else "{}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("provision", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    environment.filters["json"] = _json
    environment.filters["json_object"] = _json_object
    return environment


@lru_cache(maxsize=8)
def builtin_template(name: str) -> Template:
    return _environment().get_template(name)


@lru_cache(maxsize=32)
def _user_environment(base_dir: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(base_dir)),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


SECRET_FIELDS = ("client_secret", "password", "private_key")


def app_config(app: App, secrets: SecretResolver) -> tuple[dict[str, Any], dict[str, Secret]]:
    """The app's configuration, and the secrets it holds by key. Raises SecretError."""
    identity = app.identity
    client = identity.client
    config: dict[str, Any] = {
        "site": app.site,
        "app": app.name,
        "kind": app.kind,
        "mode": identity.mode,
        "sender": app.sender,
    }
    if app.sender_name:
        config["sender_name"] = app.sender_name
    config["client_id"] = client.client_id
    if client.tenant:
        config["tenant"] = client.tenant
    config["token_endpoint"] = client.token_endpoint
    if app.authorization_url is not None:
        config["authorization_endpoint"] = client.authorization_url
        config["authorization_url"] = app.authorization_url
        config["redirect_uri"] = app.redirect_uri
    if client.scope:
        config["scope"] = client.scope
    if identity.smtp is not None:
        smtp = identity.smtp
        config["smtp"] = {"host": smtp.host, "port": smtp.port, "security": smtp.security}
    held: dict[str, Secret] = {}
    mode = identity.mode

    def put(key: str, ref: SecretRef | None) -> None:
        if ref is not None:
            held[key] = secrets.resolve(ref)

    if mode in ("exchange", "microsoft365", "gmail", "client_secret_post"):
        put("client_secret", client.client_secret)
    if mode == "microsoft365":
        config["username"] = identity.username or app.sender
        put("password", identity.password)
    if mode in ("google_service_account", "private_key_jwt"):
        if mode == "google_service_account":
            config["client_email"] = client.client_email
        if client.private_key_id:
            config["private_key_id"] = client.private_key_id
        put("private_key", client.private_key)
    return config, held


def _render_app(config: Mapping[str, Any], held: Mapping[str, Secret]) -> bytes:
    real = {**config, **{key: secret.reveal() for key, secret in held.items()}}
    return builtin_template("app.json.j2").render(config=real).encode()


def mask_app_json(old: bytes, keys: Iterable[str]) -> bytes | None:
    """An earlier app config with its secret keys masked, as the template lays it out."""
    try:
        config = json.loads(old)
    except ValueError:
        return None
    if not isinstance(config, dict):
        return None
    for key in keys:
        if key in config:
            config[key] = PLACEHOLDER
    return builtin_template("app.json.j2").render(config=config).encode()


def desired_state(model: Model, secrets: SecretResolver, limit: Limit) -> DesiredState:
    state = DesiredState()
    deliver = model.settings.deliver  # argv tuples, made so by resolve
    for site in model.sites:
        for app in site.apps:
            if limit.selects(app.site, app.name):
                _app_files(model, secrets, state, site, app, deliver.get("app_config"))
    lists = model.redirect_uri_lists  # a console holds every app's URI, whatever --limit says
    template = builtin_template("redirect-uris.txt.j2")
    for entry in lists:
        state.files.append(
            DesiredFile(
                path=f"redirect-uris/{entry.client.name}.txt",
                content=template.render(client=entry.client, uris=entry.uris).encode(),
                mode=PUBLIC_MODE,
                item=f"client:{entry.client.name}",
                site=None,
                deliver=deliver.get("redirect_uris"),
            )
        )
        _user_outputs(
            model, secrets, state, "client", {"client": entry.client, "uris": entry.uris}, None,
            f"client:{entry.client.name}",
        )
    uris_by_client = {entry.client.name: entry for entry in lists}
    sheet = builtin_template("site.md.j2")
    for site in model.sites:
        if any(limit.selects(site.name, app.name) for app in site.apps) or (
            not site.apps and limit.selects(site.name)
        ):
            state.files.append(
                DesiredFile(
                    path=f"sites/{site.name}.md",
                    content=sheet.render(**_sheet_context(site, uris_by_client)).encode(),
                    mode=PUBLIC_MODE,
                    item=f"sheet:{site.name}",
                    site=site.name,
                )
            )
            _user_outputs(model, secrets, state, "site", {}, site, f"site:{site.name}")
    return state


def _app_files(
    model: Model,
    secrets: SecretResolver,
    state: DesiredState,
    site: Site,
    app: App,
    deliver: tuple[str, ...] | None,
) -> None:
    """The app's config, and its own outputs; a secret that does not resolve fails it."""
    try:
        config, held = app_config(app, secrets)
    except SecretError as exc:
        state.failures.append(Failure(app.address, app.site, str(exc)))
        return
    state.files.append(
        DesiredFile(
            path=f"apps/{app.site}/{app.name}.json",
            content=_render_app(config, held),
            mode=SECRET_MODE,
            item=app.address,
            site=app.site,
            secret_keys=frozenset(held),
            deliver=deliver,
        )
    )
    _user_outputs(model, secrets, state, "app", {"app": app}, site, app.address)


MODE_LABELS = {
    "exchange": "Exchange",
    "microsoft365": "Microsoft 365",
    "gmail": "Gmail",
    "google_service_account": "Google Service Account",
    "client_secret_post": "Client secret post",
    "private_key_jwt": "Private key jwt",
}


def _sheet_context(site: Site, uris: Mapping[str, ClientUris]) -> dict[str, Any]:
    """What a site's setup sheet shows: no secret, only where each one lives. Namespaces,
    not dicts: Jinja2 tries an attribute before a key, and a failed getattr is slow."""
    apps = []
    clients: dict[str, SimpleNamespace] = {}
    for app in site.apps:
        identity = app.identity
        client = identity.client
        mode = identity.mode
        secret = (
            client.private_key if mode in ("google_service_account", "private_key_jwt")
            else client.client_secret
        )
        apps.append(SimpleNamespace(
            name=app.name,
            kind=app.kind,
            sender=app.sender,
            sender_name=app.sender_name,
            client_id=client.client_id,
            tenant=client.tenant,
            token_endpoint=client.token_endpoint,
            redirect_uri=app.redirect_uri,
            mode_label=MODE_LABELS[mode],
            smtp=identity.smtp,
            authorization_endpoint=client.authorization_url if app.redirect_uri else None,
            client_email=client.client_email if mode == "google_service_account" else None,
            username=(identity.username or app.sender) if mode == "microsoft365" else None,
            secret_hint=secret.describe() if secret is not None else "not set",
        ))
        entry = clients.get(client.name)
        if entry is None:
            entry = clients[client.name] = SimpleNamespace(
                name=client.name,
                provider=client.provider,
                client_id=client.client_id,
                tenant=client.tenant,
                has_secret=client.client_secret is not None,
                secret_expires=client.client_secret_expires,
                graph_managed=client.manage_redirect_uris != "off",
                uris=uris[client.name].uris,
                ropc=False,
                service_account=False,
            )
        entry.ropc |= mode == "microsoft365"
        entry.service_account |= mode == "google_service_account"
    return {
        "site": site,
        "apps": apps,
        "clients": [clients[name] for name in sorted(clients)],
    }


def _context(values: Mapping[str, Any], site: Site | None) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if site is not None:
        context["site"] = {
            "name": site.name,
            "domain": site.domain,
            "pbx": site.pbx,
            "app_platform": site.app_platform,
            "apps": [_app_context(a) for a in site.apps],
        }
    if "app" in values:
        context["app"] = _app_context(values["app"])
    if "client" in values:
        client: Client = values["client"]
        context["client"] = {
            "name": client.name,
            "provider": client.provider,
            "client_id": client.client_id,
            "tenant": client.tenant,
            "redirect_uris": list(values["uris"]),
        }
    return context


def _app_context(app: App) -> dict[str, Any]:
    return {
        "name": app.name,
        "kind": app.kind,
        "site": app.site,
        "identity": app.identity.name,
        "mode": app.identity.mode,
        "sender": app.sender,
        "sender_name": app.sender_name,
        "client_id": app.identity.client.client_id,
        "tenant": app.identity.client.tenant,
        "token_endpoint": app.identity.client.token_endpoint,
        "authorization_url": app.authorization_url,
        "redirect_uri": app.redirect_uri,
    }


def _user_outputs(
    model: Model,
    secrets: SecretResolver,
    state: DesiredState,
    per: str,
    values: Mapping[str, Any],
    site: Site | None,
    item: str,
) -> None:
    site_name = site.name if site is not None else None
    for name, output in model.outputs.items():
        if output["per"] != per:
            continue
        label = f"{item} output {name}"
        context = _context(values, site)
        if "app" in values:
            app: App = values["app"]
            try:
                config, held = app_config(app, secrets)
            except SecretError as exc:
                state.failures.append(Failure(label, site_name, str(exc)))
                continue
            context["config"] = {**config, **{k: v.reveal() for k, v in held.items()}}
        try:
            path = render(str(output["path"]), context)
            template = _user_environment(model.base_dir).get_template(str(output["template"]))
            content = template.render(context)
        except TemplateProblem as exc:
            state.failures.append(Failure(label, site_name, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a user's template may fail in any way
            state.failures.append(Failure(label, site_name, f"template error: {exc}"))
            continue
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            state.failures.append(
                Failure(
                    label, site_name, f"output path '{path}' must stay inside the output directory"
                )
            )
            continue
        secret = bool(output.get("secret", True))
        deliver = output.get("deliver")
        state.files.append(
            DesiredFile(
                path=str(relative),
                content=content.encode(),
                mode=SECRET_MODE if secret else PUBLIC_MODE,
                item=label,
                site=site_name,
                secret_keys=frozenset({"*"}) if secret else frozenset(),
                deliver=tuple(str(arg) for arg in deliver) if isinstance(deliver, list) else None,
            )
        )
