"""The token store: one JSON file per identity (mode 0600, directory 0700) holding the
refresh token, MSAL's serialized token cache and the last access token with its expiry,
and a keyed digest of the credentials that token was issued for (HMAC-SHA256 with a
random key kept in the store, never a plain hash of a secret): a changed secret, password
or key makes the cached token unusable."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets as secrets_module
import stat
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..files import make_dirs, remove_stale_temporaries, write_file
from ..secret import Secret
from .request import Token, TokenError, TokenRequest

FORMAT_VERSION = 1
REUSE_MARGIN = timedelta(minutes=5)  # a cached access token must stay valid this long
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SECRET_KEYS = ("refresh_token", "msal_cache", "access_token")
KEY_FILE = ".key"  # the HMAC key of the credentials digests


@dataclass(frozen=True)
class StoredTokens:
    """What the store keeps for one identity."""

    refresh_token: Secret | None = None
    msal_cache: Secret | None = None  # MSAL SerializableTokenCache.serialize(): holds tokens
    access_token: Secret | None = None
    expires_at: datetime | None = None
    credentials: str | None = None  # the keyed digest of what the access token was issued for
    public_client: bool = False  # authorized as a public client (device code): refresh as one

    def reusable_token(self, credentials: str, now: datetime | None = None) -> Token | None:
        """The cached access token if it was issued for exactly these `credentials` and
        stays valid for more than five minutes."""
        if self.access_token is None or self.expires_at is None:
            return None
        if self.credentials is None or not hmac.compare_digest(credentials, self.credentials):
            return None
        if self.expires_at - (now or datetime.now(UTC)) <= REUSE_MARGIN:
            return None
        return Token(self.access_token, self.expires_at, self.refresh_token)


class TokenStore:
    """Token files under `directory` (by default `<playbook dir>/.provision/tokens`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.RLock()  # update() = load + save under one lock
        self._ready = False

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

    def save_token(self, req: TokenRequest, token: Token, **changes: Any) -> None:
        """Remember an access token (and a rotated refresh token, when the IdP sent one)."""
        if token.refresh_token is not None:
            changes.setdefault("refresh_token", token.refresh_token)
        self.update(
            req.identity,
            access_token=token.access_token,
            expires_at=token.expires_at,
            credentials=self.digest(req),
            **changes,
        )

    def digest(self, req: TokenRequest) -> str:
        """The keyed digest of everything a token depends on, secrets included."""
        secrets = [
            s.reveal() if s is not None else None
            for s in (req.client_secret, req.password, req.private_key)
        ]
        parts = [
            req.mode,
            req.provider,
            req.client_id,
            req.tenant,
            req.authority,
            req.token_endpoint,
            req.sender,
            req.username,
            req.client_email,
            req.private_key_id,
            req.scope,
            *secrets,
        ]
        message = json.dumps(parts).encode()
        return hmac.new(self._key(), message, hashlib.sha256).hexdigest()

    def _key(self) -> bytes:
        """The store's random HMAC key (created once, mode 0600)."""
        path = self.directory / KEY_FILE
        with self._lock:
            self._ensure_directory()
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as out:
                    out.write(secrets_module.token_bytes(32))
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                with os.fdopen(fd, "rb") as file:
                    st = os.fstat(file.fileno())
                    key = file.read()
            except OSError as exc:
                message = f"cannot read the token store's key {path}: {exc.strerror}"
                raise TokenError(message) from None
            if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o077 or len(key) != 32:
                raise TokenError(
                    f"the token store's key {path} is not a 32-byte file only you can read",
                    f"delete {path}: cached access tokens are then requested anew",
                )
            return key

    def _ensure_directory(self) -> None:
        if self._ready:
            return
        make_dirs(self.directory)  # each level 0700, whatever the umask
        if stat.S_IMODE(self.directory.stat().st_mode) != 0o700:
            with contextlib.suppress(OSError):
                self.directory.chmod(0o700)
        remove_stale_temporaries(self.directory)  # a killed run's, holding tokens
        self._ready = True


def _to_json(identity: str, tokens: StoredTokens) -> dict[str, Any]:
    data: dict[str, Any] = {"version": FORMAT_VERSION, "identity": identity}
    for key in _SECRET_KEYS:
        value = getattr(tokens, key)
        if value is not None:
            data[key] = value.reveal()
    if tokens.expires_at is not None:
        data["expires_at"] = tokens.expires_at.astimezone(UTC).isoformat()
    if tokens.credentials is not None:
        data["credentials"] = tokens.credentials
    if tokens.public_client:
        data["public_client"] = True
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
        values["expires_at"] = when if when.tzinfo else when.replace(tzinfo=UTC)
    if isinstance(data.get("credentials"), str):
        values["credentials"] = data["credentials"]
    values["public_client"] = data.get("public_client") is True
    return StoredTokens(**values)
