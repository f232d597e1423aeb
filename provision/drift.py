"""Drift: what a console holds against what the spec needs.

Offline sources: the Google console's client JSON download, an exported
Entra app manifest (both manifest formats: Microsoft Graph's `web.redirectUris`
and the older `replyUrlsWithType`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .redirect_uris import ClientUris


@dataclass(frozen=True)
class ConsoleState:
    source: str  # where it was read, for messages
    client_id: str | None
    redirect_uris: tuple[str, ...]
    secret_expires: str | None = None


@dataclass(frozen=True)
class ClientDrift:
    name: str
    source: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    problems: tuple[str, ...] = ()
    secret_expires: str | None = None
    extra_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.extra or self.problems)

    def as_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "name": self.name,
            "source": self.source,
            "missing": list(self.missing),
            "extra": list(self.extra),
            "problems": list(self.problems),
        }
        if self.secret_expires is not None:
            document["secret_expires"] = self.secret_expires
        document.update(self.extra_fields)
        return document


class ConsoleReadError(Exception):
    pass


def read_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConsoleReadError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConsoleReadError(f"{path} is not valid JSON: {exc}") from None


def google_console(path: Path) -> ConsoleState:
    """The console's client JSON download (`{"web": {...}}`); its secret is not kept."""
    document = read_json_file(path)
    section = None
    if isinstance(document, dict):
        section = document.get("web") or document.get("installed")
    if not isinstance(section, dict):
        raise ConsoleReadError(f"{path}: expected the console's download {{\"web\": {{...}}}}")
    return ConsoleState(
        str(path), section.get("client_id"), tuple(section.get("redirect_uris") or ())
    )


def entra_manifest(path: Path) -> ConsoleState:
    """An exported app manifest, in the Microsoft Graph or the older AAD Graph format."""
    document = read_json_file(path)
    if not isinstance(document, dict):
        raise ConsoleReadError(f"{path}: expected an app manifest (a JSON object)")
    if isinstance(document.get("web"), dict):
        uris = document["web"].get("redirectUris") or []
    else:
        uris = [
            entry.get("url")
            for entry in document.get("replyUrlsWithType") or []
            if isinstance(entry, dict) and entry.get("type", "Web") == "Web"
        ] or list(document.get("replyUrls") or [])
    credentials = document.get("passwordCredentials") or []
    ends = [c.get("endDateTime") or c.get("endDate") for c in credentials if isinstance(c, dict)]
    return ConsoleState(
        str(path),
        document.get("appId"),
        tuple(u for u in uris if isinstance(u, str)),
        max((e for e in ends if e), default=None),
    )


def compare(entry: ClientUris, console: ConsoleState, extra_ok: Iterable[str] = ()) -> ClientDrift:
    wanted = set(entry.uris)
    held = set(console.redirect_uris)
    problems = []
    if console.client_id and entry.client.client_id and console.client_id != entry.client.client_id:
        problems.append(
            f"client_id differs: the console has {console.client_id}, the spec "
            f"{entry.client.client_id}"
        )
    return ClientDrift(
        name=entry.client.name,
        source=console.source,
        missing=tuple(sorted(wanted - held)),
        extra=tuple(sorted(held - wanted - set(extra_ok))),
        problems=tuple(problems),
        secret_expires=console.secret_expires,
    )
