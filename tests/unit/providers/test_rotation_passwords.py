"""Graph's addPassword / removePassword / passwordCredentials as rotate-secret calls them:
the value becomes a Secret (masked everywhere) the moment it is parsed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from provision.model import Client
from provision.providers.microsoft.graph import GraphError
from provision.providers.microsoft.passwords import (
    add_password,
    hint_of,
    list_passwords,
    remove_password,
)
from provision.secret import Secret, scrub
from provision.tokens.request import Token

CLIENT = Client(
    "acme-azure",
    "microsoft",
    "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00",
    None,
    None,
    graph_endpoint="https://graph.example",
)
TOKEN = Token(Secret("graph-token-value-123"), datetime(2030, 1, 1, tzinfo=UTC))
VALUE = "Abc8Q~a-brand-new-secret-value-Kp4Tn2Wq8"


class _Session:
    """Answers each request with the next (status, body); records what was asked."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.asked.append((method, url, kwargs.get("json")))
        status, body = self.answers.pop(0)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode() if body is not None else b""
        return response


def test_add_password_masks_the_value_at_once() -> None:
    answer = {
        "keyId": "K-1",
        "displayName": "provision 2026-12-01",
        "hint": "Abc",
        "endDateTime": "2028-11-30T12:00:00Z",
        "secretText": VALUE,
    }
    session = _Session((200, answer))
    end = datetime(2028, 11, 30, 12, tzinfo=UTC)
    new = add_password(
        session, CLIENT, "acme-azure", TOKEN, display_name="provision 2026-12-01", end=end
    )  # type: ignore[arg-type]
    method, url, body = session.asked[0]
    assert method == "POST" and url.endswith(
        "(appId='0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00')/addPassword"
    )
    assert body == {
        "passwordCredential": {
            "displayName": "provision 2026-12-01",
            "endDateTime": "2028-11-30T12:00:00Z",
        }
    }
    assert new.password.key_id == "k-1" and new.password.end == end
    assert new.value.reveal() == VALUE and hint_of(new.value) == "Abc"
    assert VALUE not in scrub(f"it was {VALUE}") and VALUE not in repr(new)


def test_add_password_without_secret_text_says_the_value_is_lost() -> None:
    session = _Session((200, {"keyId": "K-1"}))
    with pytest.raises(GraphError, match="without a secretText"):
        add_password(session, CLIENT, "acme-azure", TOKEN, display_name="p", end=datetime.now(UTC))  # type: ignore[arg-type]


def test_list_and_remove() -> None:
    listed = {
        "passwordCredentials": [
            {
                "keyId": "K-1",
                "displayName": "portal",
                "hint": "abc",
                "endDateTime": "2027-01-15T00:00:00Z",
            },
            {"displayName": "no key id"},
        ]
    }
    session = _Session(
        (200, listed), (204, None), (404, {"error": {"code": "Request_ResourceNotFound"}})
    )
    (password,) = list_passwords(session, CLIENT, "acme-azure", TOKEN)  # type: ignore[arg-type]
    assert password.display_name == "portal" and password.hint == "abc"
    assert remove_password(session, CLIENT, "acme-azure", TOKEN, "k-1") is True  # type: ignore[arg-type]
    assert remove_password(session, CLIENT, "acme-azure", TOKEN, "k-1") is False  # type: ignore[arg-type]
    assert session.asked[1][2] == {"keyId": "k-1"}


def test_a_listing_without_password_credentials_is_refused() -> None:
    with pytest.raises(GraphError, match="without passwordCredentials"):
        list_passwords(_Session((200, {"appId": "x"})), CLIENT, "acme-azure", TOKEN)  # type: ignore[arg-type]
