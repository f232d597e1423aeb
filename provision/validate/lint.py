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


def lint(model: Model, locate: Locate, today: date | None = None) -> list[Problem]:
    today = today or date.today()
    return list(_lint(model, locate, today))


def _warn(locate: Locate, message: str, path: DocPath) -> Problem:
    return Problem(WARNING, message, locate(path), path)


def _lint(model: Model, locate: Locate, today: date) -> Iterator[Problem]:
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
        yield from _plain(locate, identity.password)
        yield from _readable_by_others(locate, model.base_dir, identity.password)
    for name, client in model.clients.items():
        where = ("clients", name)
        if name not in used_clients:
            yield _warn(locate, f"client '{name}' is not used by any identity", where)
        for ref in (client.client_secret, client.private_key):
            yield from _plain(locate, ref)
            yield from _readable_by_others(locate, model.base_dir, ref)
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
