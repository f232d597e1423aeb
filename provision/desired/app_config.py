"""An app's configuration file: the values its innovaphone UI asks for, secrets included
(the file is 0600), one key a line, and under `ui` where the app keeps them and its UI's
label for each (the catalog's)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..catalog import AppUi
from ..model import App
from ..providers import mode_spec
from ..resolve.secrets import SecretResolver
from ..secret import PLACEHOLDER, Secret, SecretError, SecretRef
from ..templating import json_object
from .authorization import authorization_url, encoded_base
from .fields import Field, app_fields

# the keys under which an app config may carry a secret, whatever its mode
SECRET_KEYS = frozenset({"client_secret", "password", "private_key"})


class UnresolvedSecret(SecretError):
    """A secret of an app's configuration cannot be had: `ref` says which."""

    def __init__(self, ref: SecretRef, message: str) -> None:
        super().__init__(message)
        self.ref = ref


def public_config(app: App) -> dict[str, Any]:
    """Every value of the app's configuration but its secrets."""
    identity = app.identity
    client = identity.client
    spec = mode_spec(identity.mode)
    config: dict[str, Any] = {
        "site": app.site,
        "app": app.name,
        "kind": app.kind,
        "mode": identity.mode,
        "mode_label": spec.label,
        "sender": app.sender,
    }
    if app.sender_name:
        config["sender_name"] = app.sender_name
    # a service account's own ID is numeric: the one domain-wide delegation is granted to
    config["client_id"] = (
        client.service_account_client_id
        if identity.mode == "google_service_account"
        else client.client_id
    )
    if client.tenant:
        config["tenant"] = client.tenant
    config["token_endpoint"] = client.token_endpoint
    full_url = authorization_url(app)
    if full_url is not None:
        assert client.authorization_url is not None
        config["authorization_endpoint"] = encoded_base(client.authorization_url)
        config["authorization_url"] = full_url
        config["redirect_uri"] = app.redirect_uri
    if "scope" in spec.carries and client.scope:
        config["scope"] = client.scope
    if identity.smtp is not None:
        smtp = identity.smtp
        config["smtp_server"] = f"{smtp.host}:{smtp.port}"  # the UI's Server[:port]
        config["smtp"] = {"host": smtp.host, "port": smtp.port, "security": smtp.security}
    if app.helo:
        config["helo"] = app.helo
    if "username" in spec.carries:
        config["username"] = identity.username or app.sender
    if "client_email" in spec.carries:
        config["client_email"] = client.client_email
    if "private_key_id" in spec.carries and client.private_key_id:
        config["private_key_id"] = client.private_key_id
    return config


def secret_refs(app: App) -> dict[str, SecretRef]:
    """Where each secret of the app's configuration is kept, by its key."""
    identity = app.identity
    spec = mode_spec(identity.mode)
    refs: dict[str, SecretRef] = {}
    ref = getattr(identity.client, spec.secret)
    if ref is not None:
        refs[spec.secret] = ref
    if "password" in spec.carries and identity.password is not None:
        refs["password"] = identity.password
    return refs


@dataclass(frozen=True)
class AppView:
    """An app's configuration but its secrets, where each secret is kept, and the fields
    its UI shows: what its config file and its setup sheet section are made of."""

    config: Mapping[str, Any]
    refs: Mapping[str, SecretRef]
    fields: tuple[Field, ...]
    where: str  # where in the app's UI the fields are


def app_view(app: App, ui: AppUi) -> AppView:
    config = public_config(app)
    refs = secret_refs(app)
    fields = tuple(app_fields(app, ui, config.keys() | refs.keys()))
    return AppView(config, refs, fields, ui.where)


def app_config(view: AppView, secrets: SecretResolver) -> tuple[dict[str, Any], dict[str, Secret]]:
    """The app's configuration, and the secrets it holds by key. Raises SecretError."""
    held = {}
    for key, ref in view.refs.items():
        try:
            held[key] = secrets.resolve(ref)
        except SecretError as exc:
            raise UnresolvedSecret(ref, str(exc)) from None
    fields = {f.label: f.key for f in view.fields}
    return {**view.config, "ui": {"where": view.where, "fields": fields}}, held


def render_app(config: Mapping[str, Any], held: Mapping[str, Secret]) -> bytes:
    real = {**config, **{key: secret.reveal() for key, secret in held.items()}}
    return _layout(real)


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
    return _layout(config)


def _layout(config: Mapping[str, Any]) -> bytes:
    """An app config's text: one key a line at every depth, a newline at the end."""
    return (json_object(config) + "\n").encode()
