"""Warnings: what is allowed but likely wrong. They never change the exit code."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from ..errors import WARNING, DocPath, Location, Problem
from ..model import Model
from ..secret import SecretRef

Locate = Callable[[DocPath], Location | None]
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"  # what `provision init` writes
WHERE_IDS = {
    "tenant": "Directory (tenant) ID",
    "client_id": "Application (client) ID",
}


def lint(model: Model, locate: Locate, today: date | None = None) -> list[Problem]:
    today = today or date.today()
    return list(_lint(model, locate, today))


def _warn(locate: Locate, message: str, path: DocPath) -> Problem:
    return Problem(WARNING, message, locate(path), path)


def _lint(model: Model, locate: Locate, today: date) -> Iterator[Problem]:
    for site in model.sites:
        if not site.apps:
            yield _warn(
                locate,
                f"site '{site.name}' has no apps: nothing is rendered for it but its sheet",
                ("sites", site.name),
            )
    used_identities = {app.identity.name for app in model.apps()}
    used_clients = {model.identities[name].client.name for name in used_identities}
    used_clients |= {c.graph_client for c in model.clients.values() if c.graph_client}
    for name, identity in model.identities.items():
        where: DocPath = ("identities", name)
        if identity.mode == "microsoft365":
            yield _warn(
                locate,
                "microsoft365 mode uses ROPC (resource owner password credentials), which "
                "Microsoft discourages and which fails on accounts with MFA; prefer exchange",
                where + ("mode",),
            )
        if identity.smtp is None:
            yield _warn(
                locate,
                "a generic provider has no default SMTP server: set smtp: {host, port} so "
                "app configs carry one and verify --smtp can test it",
                where,
            )
        if name not in used_identities:
            yield _warn(locate, f"identity '{name}' is not used by any app", where)
        if (
            identity.smtp is not None
            and identity.smtp.security == "tls"
            and name in used_identities
        ):
            yield _warn(
                locate,
                "security: tls (implicit TLS, port 465) is not what innovaphone's apps speak: "
                "they connect in plain text and upgrade with STARTTLS; use port 587 with "
                "security: starttls (verify --smtp tests what is set here, not the apps)",
                where + ("smtp", "security"),
            )
        yield from _plain(locate, identity.password)
        yield from _readable_by_others(locate, model.base_dir, identity.password)
    for name, client in model.clients.items():
        where = ("clients", name)
        for key, label in WHERE_IDS.items():
            if getattr(client, key) == PLACEHOLDER_ID:
                yield _warn(
                    locate,
                    f"{key} is still the placeholder {PLACEHOLDER_ID}: paste the {label} from "
                    "the Entra admin center > App registrations > your app > Overview",
                    where + (key,),
                )
        if name not in used_clients:
            yield _warn(locate, _unused_client(model, name, used_identities), where)
        for ref in (client.client_secret, client.private_key):
            yield from _plain(locate, ref)
            yield from _readable_by_others(locate, model.base_dir, ref)
        if client.cloud not in (None, "global"):
            yield _warn(
                locate,
                f"the {client.cloud} cloud's SMTP scope ({client.scope}) and host are not in "
                "Microsoft's documentation (other clients use them): check with `provision "
                "verify --smtp`, and set scope or smtp.host if they differ",
                where,
            )
        mixed = graph_scopes(client.authorization_url, client.scope)
        if mixed:
            yield _warn(
                locate,
                f"the scope asks for Microsoft Graph ({', '.join(mixed)}) beside SMTP: Entra "
                "issues a token for one resource, Graph's, which SMTP refuses (535 5.7.3); "
                "ask for https://outlook.office.com/SMTP.Send offline_access only",
                where + ("authorization_url" if client.authorization_url else "scope",),
            )
        expires = client.client_secret_expires
        if expires is not None:
            days = (expires - today).days
            if days < 0:
                message = f"the client secret expired on {expires}: create a new one in Entra"
            elif days <= model.settings.expiry_warning_days:
                message = f"the client secret expires on {expires}, in {days} days: renew it"
            else:
                continue
            yield _warn(locate, message, where + ("client_secret_expires",))


def _unused_client(model: Model, name: str, used_identities: set[str]) -> str:
    users = sorted(n for n, identity in model.identities.items() if identity.client.name == name)
    if not users:
        return f"client '{name}' is not used by any identity"
    return (
        f"client '{name}' is used only by identities no app uses ({', '.join(users)}): "
        "nothing is rendered for it"
    )


def graph_scopes(authorization_url: str | None, scope: str | None) -> list[str]:
    """The Microsoft Graph scopes an SMTP request asks for: those of graph.microsoft.*, and
    the short names Entra reads as Graph's (Mail.Send, User.Read, ...)."""
    from urllib.parse import parse_qs, urlsplit

    asked = (scope or "").split()
    if authorization_url:
        query = parse_qs(urlsplit(authorization_url).query)
        asked += " ".join(query.get("scope", [])).split()
    if not any(item.endswith("/SMTP.Send") for item in asked):
        return []
    reserved = {"openid", "profile", "email", "offline_access"}
    return [
        item
        for item in asked
        if "graph.microsoft" in item or ("/" not in item and item not in reserved)
    ]


def _plain(locate: Locate, ref: SecretRef | None) -> Iterator[Problem]:
    if ref is not None and ref.kind == "plain":
        yield _warn(
            locate,
            "a plain secret value in the playbook: use {env: NAME}, {file: path}, "
            "{command: [...]} or an Ansible Vault value (!vault)",
            ref.where,
        )


def _readable_by_others(locate: Locate, base_dir: Path, ref: SecretRef | None) -> Iterator[Problem]:
    """A `{file: path}` secret that the file's group or everyone may read."""
    if ref is None or ref.kind != "file":
        return
    path = os.path.normpath(base_dir / str(ref.source))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except (OSError, ValueError):
        return  # a file that cannot be read is an error of the secret check
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        yield _warn(
            locate,
            f"the secret file {path} can be read by other users (mode {mode:04o}): "
            f"chmod 600 {path}",
            ref.where,
        )
