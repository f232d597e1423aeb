"""The token store: one JSON file per identity (mode 0600, directory 0700) holding the
refresh token, MSAL's serialized token cache and the last access token with its expiry."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..files import write_file
from ..secret import Secret
from .request import Token, TokenError

FORMAT_VERSION = 1
REUSE_MARGIN = timedelta(minutes=5)  # a cached access token must stay valid this long
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SECRET_KEYS = ("refresh_token", "msal_cache", "access_token")


@dataclass(frozen=True)
class StoredTokens:
    """What the store keeps for one identity. `fingerprint` names the configuration the
    tokens were issued for (no secrets in it), so a changed client or sender drops them."""

    refresh_token: Secret | None = None
    msal_cache: Secret | None = None  # MSAL SerializableTokenCache.serialize(): holds tokens
    access_token: Secret | None = None
    expires_at: datetime | None = None
    fingerprint: str | None = None

    def reusable_token(self, fingerprint: str | None, now: datetime | None = None) -> Token | None:
        """The cached access token if it belongs to `fingerprint` and stays valid for more
        than five minutes."""
        if self.access_token is None or self.expires_at is None:
            return None
        if fingerprint is not None and fingerprint != self.fingerprint:
            return None
        if self.expires_at - (now or datetime.now(timezone.utc)) <= REUSE_MARGIN:
            return None
        return Token(self.access_token, self.expires_at, self.refresh_token)


class TokenStore:
    """Token files under `directory` (by default `<playbook dir>/.provision/tokens`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.RLock()  # update() = load + save under one lock

    def path(self, identity: str) -> Path:
        if not _NAME.match(identity):
            raise TokenError(f"identity name {identity!r} cannot name a token file")
        return self.directory / f"{identity}.json"

    def load(self, identity: str) -> StoredTokens:
        """The stored tokens of `identity` (empty when it has none). Refuses a file that
        other users could read: it holds refresh tokens."""
        path = self.path(identity)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return StoredTokens()
        except OSError as exc:
            raise TokenError(
                f"{identity}: cannot read token file {path}: {exc.strerror}",
                "the token file must be a regular file owned by you (not a symlink)",
            ) from None
        with os.fdopen(fd, "rb") as file:
            st = os.fstat(file.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise TokenError(f"{identity}: token file {path} is not a regular file")
            if st.st_mode & 0o077:
                raise TokenError(
                    f"{identity}: token file {path} is accessible by other users "
                    f"(mode {stat.S_IMODE(st.st_mode):04o}); refusing to read it",
                    f"it holds refresh tokens: `chmod 600 {path}` (and `chmod 700 "
                    f"{path.parent}`), then consider revoking and re-authorizing",
                )
            raw = file.read()
        try:
            data = json.loads(raw)
            return _from_json(data)
        except (ValueError, TypeError, KeyError):
            raise TokenError(
                f"{identity}: token file {path} is damaged",
                f"delete {path} and run `provision authorize` for interactive identities",
            ) from None

    def save(self, identity: str, tokens: StoredTokens) -> None:
        """Write `identity`'s tokens atomically and durably, mode 0600."""
        path = self.path(identity)
        body = json.dumps(_to_json(identity, tokens), indent=2, sort_keys=True).encode()
        with self._lock:
            self._ensure_directory()
            write_file(path, body, 0o600)

    def update(self, identity: str, **changes: Any) -> StoredTokens:
        """Load, change the given fields, save; returns the saved value."""
        with self._lock:
            tokens = replace(self.load(identity), **changes)
            self.save(identity, tokens)
        return tokens

    def save_token(
        self, identity: str, token: Token, *, fingerprint: str | None, **changes: Any
    ) -> None:
        """Remember an access token (and a rotated refresh token, when the IdP sent one)."""
        if token.refresh_token is not None:
            changes.setdefault("refresh_token", token.refresh_token)
        self.update(
            identity,
            access_token=token.access_token,
            expires_at=token.expires_at,
            fingerprint=fingerprint,
            **changes,
        )


    def _ensure_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if stat.S_IMODE(self.directory.stat().st_mode) != 0o700:
            with contextlib.suppress(OSError):
                self.directory.chmod(0o700)


def _to_json(identity: str, tokens: StoredTokens) -> dict[str, Any]:
    data: dict[str, Any] = {"version": FORMAT_VERSION, "identity": identity}
    for key in _SECRET_KEYS:
        value = getattr(tokens, key)
        if value is not None:
            data[key] = value.reveal()
    if tokens.expires_at is not None:
        data["expires_at"] = tokens.expires_at.astimezone(timezone.utc).isoformat()
    if tokens.fingerprint is not None:
        data["fingerprint"] = tokens.fingerprint
    return data


def _from_json(data: Any) -> StoredTokens:
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise ValueError("unknown token file format")
    values: dict[str, Any] = {}
    for key in _SECRET_KEYS:
        value = data.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise ValueError(key)
            values[key] = Secret(value, f"token store:{key}")
    expires = data.get("expires_at")
    if expires is not None:
        when = datetime.fromisoformat(expires)
        values["expires_at"] = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    if data.get("fingerprint") is not None:
        values["fingerprint"] = str(data["fingerprint"])
    return StoredTokens(**values)
