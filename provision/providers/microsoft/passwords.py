"""Microsoft Graph: an Entra app registration's client secrets (`passwordCredentials`):
listed, added (`addPassword`, whose `secretText` Graph returns once) and removed
(`removePassword`), by the registration's Graph caller, as its redirect URIs are.

The new value becomes a Secret the moment it is parsed: from then on the scrubber masks
it in every text that leaves the program. Loaded only by `provision rotate-secret`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ...model import Client
from ...secret import Secret
from .graph import GraphError, _call, format_instant, parse_instant

if TYPE_CHECKING:
    import requests

    from ...tokens.request import Token

# Graph's `hint`: the first characters of a secret's value, shown in the portal
HINT_LENGTH = 3


@dataclass(frozen=True)
class Password:
    """One client secret as Graph lists it (never its value)."""

    key_id: str
    display_name: str | None
    hint: str | None
    start: datetime | None
    end: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "key_id": self.key_id,
            "display_name": self.display_name,
            "end": format_instant(self.end) if self.end else None,
        }


@dataclass(frozen=True)
class NewPassword:
    """What addPassword answered: the credential and its value, held as a Secret."""

    password: Password
    value: Secret


def hint_of(value: Secret) -> str:
    """The hint Graph shows for a secret with this value."""
    return value.reveal()[:HINT_LENGTH]


def _password(entry: object) -> Password | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("keyId"), str):
        return None

    def instant(key: str) -> datetime | None:
        text = entry.get(key)
        return parse_instant(text) if isinstance(text, str) else None

    name, hint = entry.get("displayName"), entry.get("hint")
    return Password(
        key_id=str(entry["keyId"]).lower(),
        display_name=name if isinstance(name, str) else None,
        hint=hint if isinstance(hint, str) else None,
        start=instant("startDateTime"),
        end=instant("endDateTime"),
    )


def list_passwords(
    session: requests.Session, client: Client, caller: str, token: Token
) -> tuple[Password, ...]:
    """The registration's client secrets, as Graph lists them."""
    response = _call(
        session, "GET", client, caller, token, params={"$select": "appId,passwordCredentials"}
    )
    try:
        body = response.json()
    except ValueError:
        raise GraphError("Graph answered GET with something that is not JSON") from None
    entries = body.get("passwordCredentials") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise GraphError(
            "Graph answered GET without passwordCredentials: the registration's client "
            "secrets are unknown, so none is added or removed",
            "Run again; if Graph keeps answering so, rotate the secret in the Entra admin "
            "center (App registrations > Certificates & secrets).",
        )
    found = [_password(entry) for entry in entries]
    return tuple(password for password in found if password is not None)


def add_password(
    session: requests.Session,
    client: Client,
    caller: str,
    token: Token,
    *,
    display_name: str,
    end: datetime,
) -> NewPassword:
    """A new client secret: Graph's addPassword. The session must not retry a POST that
    may have been carried out (a second secret would be made)."""
    body = {"passwordCredential": {"displayName": display_name, "endDateTime": format_instant(end)}}
    response = _call(session, "POST", client, caller, token, json=body, path="/addPassword")
    try:
        answer = response.json()
    except ValueError:
        answer = None
    text = answer.get("secretText") if isinstance(answer, dict) else None
    if not isinstance(text, str) or not text:
        raise GraphError(
            "Graph answered addPassword without a secretText: a client secret may have been "
            "added whose value is lost",
            "run `provision rotate-secret` again: it removes a secret of its own whose value "
            "was lost and adds another",
        )
    value = Secret(text, "graph:addPassword")  # from here on masked everywhere
    password = _password(answer)
    if password is None:
        raise GraphError("Graph answered addPassword without a keyId")
    return NewPassword(password, value)


def remove_password(
    session: requests.Session, client: Client, caller: str, token: Token, key_id: str
) -> bool:
    """Graph's removePassword; False when the registration holds no such secret (any
    more)."""
    try:
        _call(
            session, "POST", client, caller, token, json={"keyId": key_id}, path="/removePassword"
        )
    except GraphError as exc:
        if exc.message.startswith("Graph answered POST with 404"):
            return False
        raise
    return True
