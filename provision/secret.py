"""The one secret type, a value that never prints itself, and the one scrubber that every
text leaving the program passes through (`scrub`: the command line's streams, and the
records it writes beside secrets): every secret value this process has held is replaced,
as are bearer tokens and Authorization headers, wherever a library or a server put them."""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from .secret_patterns import PLACEHOLDER as PLACEHOLDER  # what a secret is replaced by
from .secret_patterns import masked_credentials

# Values shorter than this are not scrubbed: they would blank out ordinary words (an Entra
# client secret has 40 characters, a password at least 8).
SCRUB_MIN = 6
SCRUB_MAX = 1 << 16  # a value longer than this is scrubbed by its lines
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
        _SCRUBBER.add(value)

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
    at: str = ""  # where in the playbook's files it is written, e.g. "playbook.yaml:16"
    # {command: [...], store: [argv...]}: the command that receives a new value on stdin
    store: tuple[str, ...] | None = None

    @classmethod
    def from_spec(cls, value: object, where: tuple[str | int, ...], at: str = "") -> SecretRef:
        if isinstance(value, VaultText):
            return cls("vault", str(value), where, at)
        if isinstance(value, str):
            return cls("plain", Secret(value, "plain"), where, at)
        assert isinstance(value, dict) and 1 <= len(value) <= 2, value
        if "store" in value:  # the schema allows it beside `command` only
            return cls("command", tuple(value["command"]), where, at, tuple(value["store"]))
        ((kind, source),) = value.items()
        assert kind in ("env", "file", "command"), kind  # the schema allows no other
        return cls(kind, tuple(source) if isinstance(source, list) else str(source), where, at)

    def describe(self) -> str:
        """Where the secret is kept, in words, safe to print."""
        here = f" in {self.at}" if self.at else " in the playbook"
        if self.kind == "plain":
            return f"written as plain text{here}"
        if self.kind == "vault":
            return f"an Ansible Vault value{here}"
        if self.kind == "env":
            return f"environment variable {self.source}"
        if self.kind == "command":
            import shlex

            return f"the output of `{shlex.join(self.source)}`"  # type: ignore[arg-type]
        if self.kind == "json":
            assert isinstance(self.source, tuple)
            return f"`{self.source[-1]}` of file {self.source[0]}"
        return f"file {self.source}"


class _Scrubber:
    """The values to replace: each secret as it is, JSON-escaped and repr-escaped (as a
    message may quote it), and the lines of a long one (a PEM key)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._automaton: Any = None  # an Aho-Corasick automaton over the values, when built

    def add(self, value: str) -> None:
        if len(value) < SCRUB_MIN:
            return
        forms = [value] if len(value) <= SCRUB_MAX else []
        document = _json_document(value) if "\n" in value else None
        if document is not None:
            # a JSON document (MSAL's token cache): its secret fields, not its lines, which
            # are mostly client ids and user names that other output shows rightly
            forms += [leaf for leaf in _secret_leaves(document) if len(leaf) >= SCRUB_MIN]
        elif "\n" in value:
            forms += [line.strip() for line in value.splitlines() if len(line.strip()) >= 16]
        if not value.isascii() or any(c in value for c in '"\\\n\r\t'):
            forms += [json.dumps(value)[1:-1], repr(value)[1:-1]]
        with self._lock:
            new = [form for form in forms if len(form) >= SCRUB_MIN and form not in self._values]
            if new:
                self._values.update(new)
                self._automaton = None

    def __call__(self, text: str) -> str:
        text = masked_credentials(text)
        automaton = self._current()
        if automaton is None:
            return text
        pieces, last = [], 0
        for end, found in automaton.iter_long(text):
            start = end - len(found) + 1
            pieces += [text[last:start], PLACEHOLDER]
            last = end + 1
        return "".join(pieces) + text[last:] if pieces else text

    def _current(self) -> Any:
        with self._lock:
            if self._automaton is None and self._values:
                import ahocorasick

                automaton = ahocorasick.Automaton()
                for value in self._values:
                    automaton.add_word(value, value)
                automaton.make_automaton()
                self._automaton = automaton
            return self._automaton


# keys whose texts are secrets (not `token_type` and the like: "Bearer" is no secret)
_SECRET_KEY = re.compile(r"(?i)^(?:.*secret|.*password|private_key|(?:refresh|access|id)_token)$")


def _json_document(value: str) -> Any:
    """`value` parsed, when it is a JSON object or array; else None."""
    if not value.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _secret_leaves(document: Any) -> list[str]:
    """The texts of the keys that name secrets (`secret`, `refresh_token`, `password`,
    ...), at any depth: MSAL keeps each token under `secret`."""
    if isinstance(document, list):
        return [leaf for item in document for leaf in _secret_leaves(item)]
    if not isinstance(document, dict):
        return []
    leaves = []
    for key, item in document.items():
        if isinstance(item, str):
            leaves += [item] if _SECRET_KEY.search(str(key)) else []
        else:
            leaves += _secret_leaves(item)
    return leaves


_SCRUBBER = _Scrubber()


def scrub(text: str) -> str:
    """`text` with every secret this process has held replaced by the placeholder."""
    return _SCRUBBER(text)


def hold(value: str) -> None:
    """Scrub `value` from now on, as a held secret is: a credential that is no Secret (an
    authorization code, between the browser's redirect and its exchange)."""
    _SCRUBBER.add(value)


class ScrubbingStream(io.TextIOBase):
    """A text stream that scrubs what is written to it (the command line's stdout and
    stderr: whatever prints, a reporter, click, a library, a traceback)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(scrub(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.stream, "errors", None)
