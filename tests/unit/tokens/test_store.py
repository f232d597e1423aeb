"""The token store: private files, atomic writes, refusal of readable files, reuse rules."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from provision.secret import Secret
from provision.tokens.request import Token, TokenError
from provision.tokens.store import StoredTokens, TokenStore

REFRESH = "R3fr3sh-TOKEN-xyzzy"
ACCESS = "Acc3ss-TOKEN-xyzzy"


def _token(minutes: float, refresh: str | None = REFRESH) -> Token:
    return Token(
        Secret(ACCESS),
        datetime.now(timezone.utc) + timedelta(minutes=minutes),
        Secret(refresh) if refresh else None,
    )


def test_round_trip_is_private(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / ".provision" / "tokens")
    store.save_token("acme-mail", _token(60), fingerprint="f1")
    path = store.path("acme-mail")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["refresh_token"] == REFRESH
    loaded = store.load("acme-mail")
    assert loaded.refresh_token == Secret(REFRESH)
    assert loaded.expires_at is not None and loaded.expires_at.tzinfo is not None
    assert REFRESH not in repr(loaded) and ACCESS not in repr(loaded)
    assert [p.name for p in path.parent.iterdir()] == ["acme-mail.json"]  # no temp files left


def test_missing_identity_is_empty(tmp_path: Path) -> None:
    assert TokenStore(tmp_path).load("nobody") == StoredTokens()


def test_refuses_a_world_readable_file(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.save_token("acme-mail", _token(60), fingerprint="f1")
    os.chmod(store.path("acme-mail"), 0o644)
    with pytest.raises(TokenError) as caught:
        store.load("acme-mail")
    assert "0644" in caught.value.message
    assert caught.value.hint is not None and "chmod 600" in caught.value.hint
    assert REFRESH not in repr(caught.value)


def test_refuses_a_symlink(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens")
    store.save_token("real", _token(60), fingerprint=None)
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
    store.save_token("id", _token(60), fingerprint="f")
    store.save_token("id", _token(60, refresh="R0tated-xyzzy"), fingerprint="f")
    assert store.load("id").refresh_token == Secret("R0tated-xyzzy")
    store.save_token("id", _token(60, refresh=None), fingerprint="f")  # none sent: kept
    assert store.load("id").refresh_token == Secret("R0tated-xyzzy")


@pytest.mark.parametrize(
    ("minutes", "fingerprint", "reused"),
    [(60, "f", True), (6, "f", True), (4, "f", False), (-1, "f", False), (60, "other", False)],
)
def test_reuse_needs_five_minutes_and_same_configuration(
    tmp_path: Path, minutes: float, fingerprint: str, reused: bool
) -> None:
    store = TokenStore(tmp_path)
    store.save_token("id", _token(minutes), fingerprint="f")
    assert (store.load("id").reusable_token(fingerprint) is not None) is reused
