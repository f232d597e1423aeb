"""An app's configuration file: the values its innovaphone UI asks for, secrets included
(the file is 0600), one key a line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import App
from ..providers import mode_spec
from ..resolve.secrets import SecretResolver
from ..secret import PLACEHOLDER, Secret, SecretRef
from ..templating import package_template
from .authorization import authorization_url

TEMPLATE = "app.json.j2"
# the keys under which an app config may carry a secret, whatever its mode
SECRET_KEYS = frozenset({"client_secret", "password", "private_key"})


def app_config(app: App, secrets: SecretResolver) -> tuple[dict[str, Any], dict[str, Secret]]:
    """The app's configuration, and the secrets it holds by key. Raises SecretError."""
    identity = app.identity
    client = identity.client
    spec = mode_spec(identity.mode)
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
    full_url = authorization_url(app)
    if full_url is not None:
        config["authorization_endpoint"] = client.authorization_url
        config["authorization_url"] = full_url
        config["redirect_uri"] = app.redirect_uri
    if client.scope:
        config["scope"] = client.scope
    if identity.smtp is not None:
        smtp = identity.smtp
        config["smtp"] = {"host": smtp.host, "port": smtp.port, "security": smtp.security}
    held: dict[str, Secret] = {}

    def put(key: str, ref: SecretRef | None) -> None:
        if ref is not None:
            held[key] = secrets.resolve(ref)

    put(spec.secret, getattr(client, spec.secret))
    if "username" in spec.carries:
        config["username"] = identity.username or app.sender
    if "password" in spec.carries:
        put("password", identity.password)
    if "client_email" in spec.carries:
        config["client_email"] = client.client_email
    if "private_key_id" in spec.carries and client.private_key_id:
        config["private_key_id"] = client.private_key_id
    return config, held


def render_app(config: Mapping[str, Any], held: Mapping[str, Secret]) -> bytes:
    real = {**config, **{key: secret.reveal() for key, secret in held.items()}}
    return package_template(TEMPLATE).render(config=real).encode()


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
    return package_template(TEMPLATE).render(config=config).encode()
