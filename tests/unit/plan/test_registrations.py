"""Registration changes: the list a Graph-managed registration should hold (merge, exact,
Entra's limits), which URIs provision added, and client secret expiry."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from provision.model import Client, ClientUris
from provision.plan.expiry import secret_expiry
from provision.plan.registrations import plan_change, read_owned
from provision.providers.microsoft.graph import Registration, latest_end, parse_instant

ACME_ID = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"


def _client(mode: str, personal: bool = False) -> Client:
    return Client(
        "c", "microsoft", ACME_ID, None, None, manage_redirect_uris=mode, personal_accounts=personal
    )


def _entry(client: Client, *uris: str) -> ClientUris:
    return ClientUris(client, tuple(sorted(uris)), {uri: () for uri in sorted(uris)})


@pytest.mark.parametrize(
    ("mode", "held", "owned", "wanted", "target", "add", "remove"),
    [
        # merge: additions appended, foreign kept, provision's own dropped URIs removed
        ("merge", ["f", "a"], [], ["a", "b"], ["f", "a", "b"], ["b"], []),
        ("merge", ["f", "a", "o"], ["o"], ["a"], ["f", "a"], [], ["o"]),
        ("merge", ["f", "a"], ["o"], ["a"], ["f", "a"], [], []),  # owned, already gone
        # exact: the spec's list, whatever was there
        ("exact", ["f", "a", "o"], ["o"], ["a", "b"], ["a", "b"], ["b"], ["f", "o"]),
        ("exact", ["b", "a"], [], ["a", "b"], ["b", "a"], [], []),  # order is no change
    ],
)
def test_plan_change(
    mode: str,
    held: list[str],
    owned: list[str],
    wanted: list[str],
    target: list[str],
    add: list[str],
    remove: list[str],
) -> None:
    def uri(name: str) -> str:
        return f"https://{name}.example/auth.htm"

    change = plan_change(
        _entry(_client(mode), *map(uri, wanted)),
        Registration(ACME_ID, tuple(map(uri, held)), None),
        map(uri, owned),
    )
    assert change.target == tuple(map(uri, target))
    assert change.add == tuple(map(uri, add))
    assert change.remove == tuple(map(uri, remove))
    assert change.pending == bool(add or remove)
    # what provision owns afterwards: what it owned and kept, plus what it adds
    assert set(change.owned) == (set(map(uri, owned)) & set(change.target)) | set(change.add)


def test_plan_change_refuses_uris_entra_rejects() -> None:
    change = plan_change(
        _entry(_client("merge"), "https://a.example/auth.htm"),
        Registration(ACME_ID, ("https://b.example/x;y",), None),
    )
    assert change.refused is not None and "Entra would reject the list" in change.refused


def test_read_owned_ignores_another_registration(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"version": 1, "app_id": "other", "added": ["https://x/"]}))
    assert read_owned(path, ACME_ID) == ()
    assert read_owned(path, "other") == ("https://x/",)
    path.write_text("{damaged")
    assert read_owned(path, "other") == ()
    assert read_owned(tmp_path / "missing.json", "other") == ()


def test_latest_end_and_instants() -> None:
    credentials = [
        {"endDateTime": "2026-03-01T10:00:00.1234567Z"},  # Graph's seven digits
        {"endDateTime": "2027-10-01T00:00:00Z"},
        {"endDateTime": "garbage"},
        {"keyId": "no end"},
    ]
    assert latest_end(credentials) == "2027-10-01T00:00:00Z"
    assert latest_end([]) is None and latest_end(None) is None
    assert parse_instant("2027-10-01") == datetime(2027, 10, 1, tzinfo=UTC)
    assert parse_instant("2027-10-01T02:00:00+02:00") == datetime(2027, 10, 1, tzinfo=UTC)


def test_secret_expiry() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    client = _client("merge")
    assert secret_expiry(client, None, 30, now) is None
    assert secret_expiry(client, "2026-03-01T00:00:00Z", 30, now) is None
    soon = secret_expiry(client, "2026-01-20T00:00:00Z", 30, now)
    assert soon is not None and not soon.expired and "in 18 days" in soon.message
    gone = secret_expiry(client, "2026-01-01T11:00:00Z", 30, now)
    assert gone is not None and gone.expired
    dated = Client("c", "microsoft", ACME_ID, None, None, client_secret_expires=date(2025, 12, 31))
    fallback = secret_expiry(dated, None, 30, now)
    assert fallback is not None and fallback.expired and "client_secret_expires" in fallback.message
