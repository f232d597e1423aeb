"""The one secret type: a value that never prints itself."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

PLACEHOLDER = "<secret>"


class Secret:
    """A secret value. `str()`, `repr()` and formatting show a placeholder;
    only `reveal()` returns the value, and only the steps that must send or
    write it call that."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source  # where it came from, e.g. "env:ACME_SECRET"; never the value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.source or PLACEHOLDER})"

    def __str__(self) -> str:
        return PLACEHOLDER

    def __format__(self, spec: str) -> str:
        return PLACEHOLDER

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str:
        raise TypeError("a Secret cannot be pickled")


class SecretError(Exception):
    """A secret reference cannot be resolved. The message says what to do and
    never carries the value."""


@dataclass(frozen=True)
class SecretRef:
    """Where a secret comes from, as written in the playbook.

    kind: "plain" | "env" | "file" | "command" | "vault", or "json" for a field of
    a key file the console downloads; `where` is its path in
    the document, for messages. A plain value is held as a Secret already.
    """

    kind: str
    source: str | tuple[str, ...] | Secret
    where: tuple[str | int, ...] = ()

    @classmethod
    def from_spec(cls, value: object, where: tuple[str | int, ...]) -> SecretRef:
        from .load import VaultText

        if isinstance(value, VaultText):
            return cls("vault", str(value), where)
        if isinstance(value, str):
            return cls("plain", Secret(value, "plain"), where)
        assert isinstance(value, dict) and len(value) == 1, value
        ((kind, source),) = value.items()
        return cls(kind, tuple(source) if isinstance(source, list) else str(source), where)

    def describe(self) -> str:
        """A name for the reference, safe to print."""
        if self.kind == "plain":
            return "a plain value"
        if self.kind == "vault":
            return "an Ansible Vault value"
        if self.kind == "command":
            return f"command {list(self.source)}"  # type: ignore[arg-type]
        return f"{self.kind} {self.source}"


@dataclass
class SecretResolver:
    """Resolves references on demand, once each; only the steps that need a
    value ask for it."""

    base_dir: Path
    vault_password_file: str | None = None
    command_timeout: float = 30.0
    _cache: dict[SecretRef, Secret] = field(default_factory=dict)
    _vault_password: bytes | None = None

    def resolve(self, ref: SecretRef) -> Secret:
        cached = self._cache.get(ref)
        if cached is None:
            cached = self._cache[ref] = self._resolve(ref)
        return cached

    def _resolve(self, ref: SecretRef) -> Secret:
        if ref.kind == "plain":
            assert isinstance(ref.source, Secret)
            return ref.source
        source = ref.source
        if ref.kind == "env":
            value = os.environ.get(str(source))
            if value is None:
                raise SecretError(f"environment variable {source} is not set; export it")
            return Secret(value, f"env:{source}")
        if ref.kind == "file":
            path = self.base_dir / str(source)
            try:
                value = path.read_text(encoding="utf-8")
            except (OSError, ValueError) as exc:  # ValueError: not UTF-8, or a NUL in the path
                reason = (
                    exc.strerror if isinstance(exc, OSError)
                    else "not UTF-8 text" if isinstance(exc, UnicodeDecodeError)
                    else "not a valid path"
                )
                raise SecretError(f"cannot read secret file {path}: {reason}") from None
            return Secret(value.rstrip("\r\n"), f"file:{source}")
        if ref.kind == "command":
            return Secret(self._run(tuple(source)), "command")  # type: ignore[arg-type]
        if ref.kind == "vault":
            from . import vault

            try:
                plain = vault.decrypt(str(source), self._password())
            except vault.VaultError as exc:
                raise SecretError(f"cannot decrypt the !vault value: {exc}") from None
            try:
                return Secret(plain.decode("utf-8"), "vault")
            except UnicodeDecodeError:
                raise SecretError("the !vault value is not UTF-8 text") from None
        if ref.kind == "json":
            return Secret(self._json_field(tuple(source)), "json")  # type: ignore[arg-type]
        raise SecretError(f"unknown secret reference kind {ref.kind}")

    def _json_field(self, source: tuple[str, ...]) -> str:
        """A field of a JSON key file (a console download), e.g. (file, "web", "client_secret")."""
        import json

        file, *keys = source
        path = self.base_dir / file
        try:
            value: object = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            raise SecretError(f"cannot read the JSON key file {path}") from None
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value:
            raise SecretError(f"{path} has no {'.'.join(keys)}")
        return value

    def _run(self, argv: tuple[str, ...]) -> str:
        try:
            done = subprocess.run(
                argv,
                capture_output=True,
                timeout=self.command_timeout,
                stdin=subprocess.DEVNULL,
                check=False,
                cwd=self.base_dir,
            )
        except FileNotFoundError:
            raise SecretError(f"command not found: {argv[0]}") from None
        except subprocess.TimeoutExpired:
            raise SecretError(
                f"command {argv[0]} did not finish within {self.command_timeout:.0f} s"
            ) from None
        except OSError as exc:
            raise SecretError(f"cannot run {argv[0]}: {exc.strerror}") from None
        except ValueError:  # a NUL in an argument
            raise SecretError(f"cannot run {argv[0]}: an argument holds a NUL character") from None
        if done.returncode != 0:
            raise SecretError(f"command {argv[0]} exited with status {done.returncode}")
        value = done.stdout.decode("utf-8", "replace").strip()
        if not value:
            raise SecretError(f"command {argv[0]} printed nothing")
        return value

    def _password(self) -> bytes:
        if self._vault_password is None:
            from . import vault

            path = self.vault_password_file or os.environ.get("PROVISION_VAULT_PASSWORD_FILE")
            if not path:
                raise SecretError(
                    "a !vault value needs the vault password: pass --vault-password-file "
                    "or set PROVISION_VAULT_PASSWORD_FILE"
                )
            try:
                self._vault_password = vault.read_vault_password(path)
            except vault.VaultError as exc:
                raise SecretError(str(exc)) from None
        return self._vault_password
