"""What `provision status` reads besides the plan: the consoles' offline copies (the Google
client JSON download, an exported Entra manifest), the verify records, the token store's
files and the rotation states. Reads only: nothing here writes, and the token store is not
created."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..desired.credentials import Unit
from ..model import Client, Model
from ..plan.rotation_state import RotationState, StateError, read_state, rotatable, state_path
from ..providers import provider
from ..providers.base import ConsoleReadError, ConsoleState
from ..tokens.records import VerifyRecord, read_record
from ..tokens.request import TokenError
from ..tokens.store import TokenStore


@dataclass(frozen=True)
class ConsoleRead:
    """A client's offline console copy, or why it could not be read."""

    state: ConsoleState | None = None
    error: str | None = None


@dataclass(frozen=True)
class TokenFile:
    """An interactive identity's entry in the token store, without its secrets."""

    stored: bool  # holds an authorization (a refresh token or MSAL's token cache)
    modified: datetime | None = None  # last written: each verify and test-mail uses it
    error: str | None = None  # the file cannot be used (its mode, damaged)


@dataclass(frozen=True)
class RotationRead:
    """A client's rotation state (rotate-secret's), or why it cannot be read."""

    state: RotationState | None = None
    error: str | None = None
    directory: bool = False  # the error is the directory's: no state file could be looked at


@dataclass(frozen=True)
class Observed:
    consoles: Mapping[str, ConsoleRead]  # by client; only clients naming an offline copy
    records: Mapping[str, VerifyRecord]  # by identity (unit) name; those verified before
    tokens: Mapping[str, TokenFile]  # by identity (unit) name; interactive ones only
    rotations: Mapping[str, RotationRead]  # by client; only clients rotated here
    records_error: str | None  # why the verify records cannot be listed (None: they can)
    tokens_error: str | None  # why the token store cannot be listed (None: it can)


def observe(model: Model, clients: Iterable[Client], units: Iterable[Unit]) -> Observed:
    consoles, rotations = {}, {}
    rotated, unlisted = _names(model.settings.state_dir / "rotations")
    for client in clients:
        if unlisted is not None and rotatable(client):  # one may be in progress
            rotations[client.name] = RotationRead(error=unlisted, directory=True)
        elif client.name in rotated:
            rotations[client.name] = _rotation(model, client)
        try:
            state = provider(client.provider).console_state(client)
        except ConsoleReadError as exc:
            consoles[client.name] = ConsoleRead(error=str(exc))
            continue
        if state is not None:
            consoles[client.name] = ConsoleRead(state)
    directory = model.settings.state_dir / "verify"
    store = TokenStore(model.settings.state_dir / "tokens")
    # one listing each instead of a failed look-up per identity never verified
    (recorded, records_error), (stored, tokens_error) = _names(directory), _names(store.directory)
    records, tokens = {}, {}
    for unit in units:
        record = read_record(directory, unit.name) if unit.name in recorded else None
        if record is not None:
            records[unit.name] = record
        if unit.identity.interactive:
            found = unit.name in stored
            tokens[unit.name] = token_file(store, unit.name) if found else TokenFile(False)
    return Observed(consoles, records, tokens, rotations, records_error, tokens_error)


def as_state_owner(command: str) -> str:
    """The fix for a state directory status cannot read (cron runs it as another user)."""
    return f"run provision status as the user that runs {command} (the state directory is theirs)"


def _rotation(model: Model, client: Client) -> RotationRead:
    try:
        return RotationRead(read_state(state_path(model, client), client))
    except StateError as exc:
        return RotationRead(error=str(exc))


def _names(directory: Path) -> tuple[frozenset[str], str | None]:
    """The names of the `NAME.json` files in `directory` (none when it is missing), or why
    it cannot be listed (another user's: status run by cron as someone else)."""
    try:
        return frozenset(n[:-5] for n in os.listdir(directory) if n.endswith(".json")), None
    except FileNotFoundError:
        return frozenset(), None
    except OSError as exc:
        return frozenset(), f"{directory} cannot be read: {exc.strerror}"


def token_file(store: TokenStore, identity: str) -> TokenFile:
    try:
        path = store.path(identity)
        modified = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
    except FileNotFoundError:
        return TokenFile(stored=False)
    except (OSError, TokenError) as exc:
        return TokenFile(stored=False, error=str(exc))
    try:
        stored = store.load(identity)
    except TokenError as exc:
        message = exc.message + (f" ({exc.hint})" if exc.hint else "")
        return TokenFile(stored=False, modified=modified, error=message)
    has = stored.refresh_token is not None or stored.msal_cache is not None
    return TokenFile(stored=has, modified=modified)
