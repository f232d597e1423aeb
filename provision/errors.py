"""Problems found in a playbook, each with the place it was found."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

Severity = Literal["error", "warning"]
ERROR: Final = "error"
WARNING: Final = "warning"

DocPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Location:
    """Where in the playbook's files something stands."""

    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def format_path(path: DocPath) -> str:
    """`("sites", "acme", "apps", 0)` -> `sites.acme.apps[0]`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


def one_line(text: str) -> str:
    """`text` with line breaks and control characters escaped: a problem is one
    line of output, whatever a key or value in the playbook holds."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def unknown_name(what: str, name: str, known: Iterable[str]) -> str:
    """`unknown identity 'acme-mial'; did you mean 'acme-mail'? (defined: ...)`."""
    import difflib

    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.8) or [
        n for n in names if n.lower() == name.lower()
    ]
    meant = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {what} '{name}'{meant} (defined: {', '.join(names) or 'none'})"


def shorten(text: str, limit: int = 200) -> str:
    """`text` as one line of at most `limit` characters and a count: a message quotes a
    value or an answer, never a megabyte of it. Scrubbed first: a cut must not leave the
    start of a secret that the whole would have matched."""
    from .secret import scrub

    text = scrub(text)
    line = one_line(text[: limit + 1])
    if len(text) <= limit and len(line) <= limit:
        return line
    return f"{line[:limit]}... ({len(text):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One error or warning. Messages never carry a secret's value."""

    severity: Severity
    message: str
    location: Location | None = None
    path: DocPath = ()
    about: str = ""  # "redirect_uris": a console's limit, which redirect-uris shows in full

    def __str__(self) -> str:
        prefix = "" if self.severity == ERROR else "warning: "
        where = f"{self.location}: " if self.location else ""
        path = f"{format_path(self.path)}: " if self.path else ""  # a whole file: no path
        return one_line(f"{where}{path}{prefix}{self.message}")

    def order(self) -> tuple[str, int, int]:
        """Sorts problems as they stand in the files."""
        where = self.location
        return (where.file, where.line, where.column) if where else ("", 0, 0)

    def as_json(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.location.file if self.location else None,
            "line": self.location.line if self.location else None,
            "column": self.location.column if self.location else None,
            "path": format_path(self.path) if self.path else "",
            "message": self.message,
        }


class PlaybookError(Exception):
    """The playbook cannot be used: carries every problem found (exit 2)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: Sequence[Problem] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


class InputError(Exception):
    """What was given on the command line cannot be used (exit 2); the message says what
    there is instead."""


class OperationError(Exception):
    """An operation failed (a token, a file, a console): exit 1. `message` says what,
    `hint` what to do about it; neither ever holds a secret."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message
