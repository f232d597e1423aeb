"""Secrets: each reference resolved on demand, once, by the steps that need its value."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ERROR, DocPath, Location, Problem
from ..files import JsonFileError, UnreadableFile, read_file, read_json
from ..model import Client, Identity, Model
from ..process import ProcessError, run
from ..secret import Secret, SecretError, SecretRef

COMMAND_TIMEOUT = 30.0


@dataclass
class SecretResolver:
    """Resolves references on demand, once each; only the steps that need a
    value ask for it."""

    base_dir: Path
    vault_password_file: str | None = None
    command_timeout: float = COMMAND_TIMEOUT
    _cache: dict[SecretRef, Secret] = field(default_factory=dict)
    # a reference that failed fails again at once: a command that timed out is not run
    # again for each app that uses it
    _failed: dict[SecretRef, SecretError] = field(default_factory=dict)
    _vault_password: bytes | None = None

    def resolve(self, ref: SecretRef) -> Secret:
        """The secret's value; SecretError says why it cannot be had."""
        cached = self._cache.get(ref)
        if cached is not None:
            return cached
        failed = self._failed.get(ref)
        if failed is not None:
            raise SecretError(str(failed))
        try:
            cached = self._cache[ref] = self._resolve(ref)
        except SecretError as exc:
            self._failed[ref] = exc
            raise
        return cached

    def _resolve(self, ref: SecretRef) -> Secret:
        if ref.kind == "plain":
            assert isinstance(ref.source, Secret)
            return ref.source
        if ref.kind == "command":
            return Secret(self._run(tuple(ref.source)), "command")  # type: ignore[arg-type]
        if ref.kind == "json":
            return Secret(self._json_field(tuple(ref.source)), "json")  # type: ignore[arg-type]
        source = str(ref.source)
        if ref.kind == "env":
            value = os.environ.get(source)
            if value is None:
                raise SecretError(f"environment variable {source} is not set; export it")
            return Secret(value, f"env:{source}")
        if ref.kind == "file":
            return Secret(self._file(source), f"file:{source}")
        if ref.kind == "vault":
            return Secret(self._decrypt(source, "the !vault value", "a !vault value"), "vault")
        raise SecretError(f"unknown secret reference kind {ref.kind}")

    def _file(self, name: str) -> str:
        """A secret file's value; a file encrypted whole with `ansible-vault encrypt` is
        decrypted with the vault password, as `!vault` values are."""
        from .. import vault

        path = self.base_dir / name
        try:
            value = read_file(path).decode("utf-8")
        except UnreadableFile as exc:
            raise SecretError(f"cannot read secret file {path}: {exc.reason}") from None
        except ValueError:
            raise SecretError(f"cannot read secret file {path}: not UTF-8 text") from None
        if vault.is_vault(value):
            what = f"the Ansible Vault file {path}"
            value = self._decrypt(value, what, what)
        return value.rstrip("\r\n")

    def _decrypt(self, vaulttext: str, what: str, needs: str) -> str:
        from .. import vault

        try:
            plain = vault.decrypt(vaulttext, self._password(needs))
        except vault.VaultError as exc:
            raise SecretError(f"cannot decrypt {what}: {exc}") from None
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretError(f"{what} is not UTF-8 text") from None

    def _json_field(self, source: tuple[str, ...]) -> str:
        """A field of a JSON key file (a console download), e.g. (file, "web", "client_secret")."""
        file, *keys = source
        path = self.base_dir / file
        try:
            value: object = read_json(path)
        except JsonFileError:
            raise SecretError(f"cannot read the JSON key file {path}") from None
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value:
            raise SecretError(f"{path} has no {'.'.join(keys)}")
        return value

    def _run(self, argv: tuple[str, ...]) -> str:
        try:
            output = run(argv, what="command", timeout=self.command_timeout, cwd=self.base_dir)
        except ProcessError as exc:
            raise SecretError(str(exc)) from None
        value = output.decode("utf-8", "replace").strip()
        if not value:
            raise SecretError(f"command {argv[0]} printed nothing")
        return value

    def vault_password(self, what: str) -> bytes:
        """The vault password (read once), for a step that encrypts a new value with it;
        SecretError (naming `what`) when none is given."""
        return self._password(what)

    def _password(self, what: str) -> bytes:
        if self._vault_password is None:
            from .. import vault

            path = self.vault_password_file or os.environ.get("PROVISION_VAULT_PASSWORD_FILE")
            if not path:
                raise SecretError(
                    f"{what} needs the vault password: pass --vault-password-file "
                    "or set PROVISION_VAULT_PASSWORD_FILE"
                )
            try:
                self._vault_password = vault.read_vault_password(path)
            except vault.VaultError as exc:
                raise SecretError(str(exc)) from None
        return self._vault_password


def secret_refs(model: Model, used: Iterable[Identity] | None = None) -> list[SecretRef]:
    """The secret references a step needs, once each: every one the model holds (None),
    or those of these identities and their clients and of every Graph caller (the plan
    reads every Graph-managed registration, whatever the apps)."""
    refs: dict[SecretRef, None] = {}
    if used is None:
        clients: Iterable[Client] = model.clients.values()
        identities: Iterable[Identity] = model.identities.values()
    else:
        identities = list({identity.name: identity for identity in used}.values())
        names = {identity.client.name for identity in identities}
        for client in model.clients.values():
            if client.graph_managed or client.graph_client:
                names.add(client.graph_client or client.name)
        clients = [model.clients[name] for name in sorted(names)]
    for client in clients:
        for ref in (client.client_secret, client.private_key):
            if ref is not None:
                refs[ref] = None
    for identity in identities:
        if identity.password is not None:
            refs[identity.password] = None
    return list(refs)


def check_secrets(
    model: Model,
    resolver: SecretResolver,
    locate: Callable[[DocPath], Location | None],
    used: Iterable[Identity] | None = None,
) -> list[Problem]:
    """A problem for every secret reference (of these identities, see secret_refs) that
    does not resolve."""
    problems = []
    for ref in secret_refs(model, used):
        try:
            resolver.resolve(ref)
        except SecretError as exc:
            problems.append(Problem(ERROR, str(exc), locate(ref.where), ref.where))
    return problems
