"""The token store: private files, atomic writes, refusal of readable files, reuse rules."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from provision.secret import Secret
from provision.tokens.request import Token, TokenError, TokenRequest
from provision.tokens.store import KEY_FILE, StoredTokens, TokenStore

REFRESH = "R3fr3sh-TOKEN-xyzzy"
ACCESS = "Acc3ss-TOKEN-xyzzy"


def _req(identity: str = "acme-mail", secret: str = "Cl1ent-SECRET-xyzzy") -> TokenRequest:
    return TokenRequest(
        identity=identity,
        mode="microsoft365",
        provider="microsoft",
        client_id="c",
        client_secret=Secret(secret),
        tenant="t",
        authority=None,
        token_endpoint="https://t/",
        authorization_url=None,
        sender="fax@acme.com",
        password=Secret("P4ssw0rd-xyzzy"),
    )


def _token(minutes: float, refresh: str | None = REFRESH) -> Token:
    return Token(
        Secret(ACCESS),
        datetime.now(UTC) + timedelta(minutes=minutes),
        Secret(refresh) if refresh else None,
    )


def test_round_trip_is_private(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / ".provision" / "tokens")
    store.save_token(_req(), _token(60))
    path = store.path("acme-mail")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["refresh_token"] == REFRESH
    loaded = store.load("acme-mail")
    assert loaded.refresh_token == Secret(REFRESH)
    assert loaded.expires_at is not None and loaded.expires_at.tzinfo is not None
    assert REFRESH not in repr(loaded) and ACCESS not in repr(loaded)
    # no temp files left; the key of the credentials digests beside, private
    assert sorted(p.name for p in path.parent.iterdir()) == [KEY_FILE, "acme-mail.json"]
    key = path.parent / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32


def test_missing_identity_is_empty(tmp_path: Path) -> None:
    assert TokenStore(tmp_path).load("nobody") == StoredTokens()


def test_refuses_a_world_readable_file(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.save_token(_req(), _token(60))
    os.chmod(store.path("acme-mail"), 0o644)
    with pytest.raises(TokenError) as caught:
        store.load("acme-mail")
    assert "0644" in caught.value.message
    assert caught.value.hint is not None and "chmod 600" in caught.value.hint
    assert REFRESH not in repr(caught.value)


def test_refuses_a_symlink(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens")
    store.save_token(_req("real"), _token(60))
    (tmp_path / "tokens" / "link.json").symlink_to(store.path("real"))
    with pytest.raises(TokenError):
        store.load("link")


def test_damaged_file_is_an_error(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    path = store.path("acme-mail")
    path.write_text("{not json")
    path.chmod(0o600)
    with pytest.raises(TokenError, match="damaged"):
        store.load("acme-mail")


def test_names_that_are_not_identities_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TokenError):
        TokenStore(tmp_path).path("../etc/passwd")


def test_rotated_refresh_token_replaces_the_old_one(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.save_token(_req("id"), _token(60))
    store.save_token(_req("id"), _token(60, refresh="R0tated-xyzzy"))
    assert store.load("id").refresh_token == Secret("R0tated-xyzzy")
    store.save_token(_req("id"), _token(60, refresh=None))  # none sent: kept
    assert store.load("id").refresh_token == Secret("R0tated-xyzzy")


@pytest.mark.parametrize(
    ("minutes", "secret", "reused"),
    [
        (60, "Cl1ent-SECRET-xyzzy", True),
        (6, "Cl1ent-SECRET-xyzzy", True),
        (4, "Cl1ent-SECRET-xyzzy", False),
        (-1, "Cl1ent-SECRET-xyzzy", False),
        (60, "Cl1ent-SECRET-changed", False),  # a changed secret: the token is not reused
    ],
)
def test_reuse_needs_five_minutes_and_the_same_credentials(
    tmp_path: Path, minutes: float, secret: str, reused: bool
) -> None:
    store = TokenStore(tmp_path)
    store.save_token(_req("id"), _token(minutes))
    digest = store.digest(_req("id", secret))
    assert (store.load("id").reusable_token(digest) is not None) is reused


def test_the_digest_is_keyed_and_never_a_plain_hash(tmp_path: Path) -> None:
    """Another store (another random key) digests the same credentials differently, and
    the file holds neither the secret nor its plain hash."""
    import hashlib

    first, second = TokenStore(tmp_path / "a"), TokenStore(tmp_path / "b")
    assert first.digest(_req()) != second.digest(_req())
    first.save_token(_req(), _token(60))
    text = first.path("acme-mail").read_text()
    for secret in ("Cl1ent-SECRET-xyzzy", "P4ssw0rd-xyzzy"):
        assert secret not in text and hashlib.sha256(secret.encode()).hexdigest() not in text


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.save_token(_req(), _token(60))
    (tmp_path / KEY_FILE).chmod(0o644)
    with pytest.raises(TokenError, match="only you can read"):
        TokenStore(tmp_path).digest(_req())
