"""The one secret type: a value that never prints itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

PLACEHOLDER = "<secret>"
SecretKind = Literal["plain", "env", "file", "command", "vault", "json"]


class VaultText(str):
    """The text of an `!vault |` value: still encrypted."""


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

    kind: SecretKind
    source: str | tuple[str, ...] | Secret
    where: tuple[str | int, ...] = ()

    @classmethod
    def from_spec(cls, value: object, where: tuple[str | int, ...]) -> SecretRef:
        if isinstance(value, VaultText):
            return cls("vault", str(value), where)
        if isinstance(value, str):
            return cls("plain", Secret(value, "plain"), where)
        assert isinstance(value, dict) and len(value) == 1, value
        ((kind, source),) = value.items()
        assert kind in ("env", "file", "command"), kind  # the schema allows no other
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


def redact(text: str, secrets: Iterable[Secret | None]) -> str:
    """`text` with every occurrence of a secret's value replaced by the placeholder
    (a last line of defence: IdPs and libraries sometimes echo what they were sent)."""
    for secret in secrets:
        if secret is None:
            continue
        value = secret.reveal()
        if len(value) >= 4:  # shorter values would blank out ordinary words
            text = text.replace(value, PLACEHOLDER)
    return text
