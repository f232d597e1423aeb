"""Microsoft Graph: an Entra app registration's redirect URIs and client secrets, read and
written as its Graph caller (the client itself or its `graph_client`) with a
client-credentials token for `<graph_endpoint>/.default`. Graph replaces
`web.redirectUris` as a whole list: there is no append.

Loaded only by the steps that talk to Graph (it imports requests when called).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...errors import OperationError
from ...hints import hint_for
from ...model import Client
from .hints import HINTS

if TYPE_CHECKING:
    import requests

    from ...tokens.request import Token, TokenRequest

SELECT = "appId,web,passwordCredentials"


class GraphError(OperationError):
    """A Graph call failed; `hint` says what to do about it. Never carries a secret."""


def _status_hint(status: int, client: Client, caller: str) -> str | None:
    """What to do about Graph's 401 / 403 / 404 for `client`'s registration."""
    if status == 401:
        return (
            f"Graph did not accept the token of client '{caller}': give its app registration "
            "the Microsoft Graph application permission Application.ReadWrite.OwnedBy and "
            f"grant admin consent (Entra admin center > App registrations > {caller} > API "
            "permissions); graph_endpoint must also belong to the same cloud as the authority."
        )
    if status == 403:
        return (
            f"Client '{caller}' is not an owner of the app registration {client.client_id}: "
            "Application.ReadWrite.OwnedBy only reaches registrations the caller owns. Add "
            f"'{caller}' (its service principal) as an owner (App registrations > "
            f"{client.name} > Owners), or grant it Application.ReadWrite.All."
        )
    if status == 404:
        return (
            f"No app registration with appId {client.client_id} in tenant {client.tenant}: "
            "check client_id (the Application (client) ID, not the Object ID) and that the "
            "Graph caller signs in to the tenant that holds the registration (tenant, "
            "graph_client)."
        )
    return None


@dataclass(frozen=True)
class Registration:
    """What Graph holds for one app registration."""

    app_id: str
    redirect_uris: tuple[str, ...]  # in Graph's order
    secret_expires: str | None  # the latest passwordCredentials endDateTime, ISO 8601 UTC


def parse_instant(text: str) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (Graph sends up to seven
    fractional digits and a `Z`, which Python 3.10 cannot parse)."""
    cleaned = re.sub(r"(T\d{2}:\d{2}:\d{2})\.\d+", r"\1", text.strip())
    cleaned = re.sub(r"[Zz]$", "+00:00", cleaned)
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest_end(credentials: object) -> str | None:
    """The latest `endDateTime` of Graph's `passwordCredentials`, ISO 8601 UTC."""
    ends = []
    for credential in credentials if isinstance(credentials, list) else []:
        if isinstance(credential, dict) and isinstance(credential.get("endDateTime"), str):
            moment = parse_instant(credential["endDateTime"])
            if moment is not None:
                ends.append(moment)
    return format_instant(max(ends)) if ends else None


def application_url(client: Client) -> str:
    app_id = quote(client.client_id or "", safe="")
    return f"{client.graph_endpoint}/v1.0/applications(appId='{app_id}')"


def _graph_error_text(response: requests.Response) -> str:
    """`Code: message` of Graph's error answer, or the start of whatever it sent."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        return ": ".join(str(part) for part in (code, message) if part)
    return " ".join(response.text.split())[:200]


def _call(
    session: requests.Session,
    method: str,
    client: Client,
    caller: str,
    token: Token,
    path: str = "",
    **kwargs: Any,
) -> requests.Response:
    import requests

    from ...tokens.errors import describe

    url = application_url(client) + path  # path: an action such as /addPassword
    headers = {
        "Authorization": f"Bearer {token.access_token.reveal()}",
        "Accept": "application/json",
    }
    try:
        response = session.request(method, url, headers=headers, **kwargs)
    except requests.RequestException as exc:
        text = f"Graph {method} {url} failed: {describe(exc)}"
        raise GraphError(text, hint_for(text, (HINTS,))) from None
    if response.status_code >= 400:
        detail = _graph_error_text(response)
        text = f"Graph answered {method} with {response.status_code}" + (
            f" {detail}" if detail else ""
        )
        hint = _status_hint(response.status_code, client, caller) or hint_for(text, (HINTS,))
        raise GraphError(text, hint)
    return response


def read_registration(
    session: requests.Session, client: Client, caller: str, token: Token
) -> Registration:
    """`web.redirectUris` and the latest client secret end of `client`'s registration."""
    response = _call(session, "GET", client, caller, token, params={"$select": SELECT})
    try:
        body = response.json()
    except ValueError:
        raise GraphError("Graph answered GET with something that is not JSON") from None
    web = body.get("web") if isinstance(body, dict) else None
    uris = web.get("redirectUris") if isinstance(web, dict) else None
    if not isinstance(uris, list) or not all(isinstance(uri, str) for uri in uris):
        # Graph always sends web.redirectUris ([] when there are none). Without it what
        # the registration holds is unknown: a merge would PATCH away what it never saw.
        raise GraphError(
            "Graph answered GET without a list of web.redirectUris: what the registration "
            "holds is unknown, so it is not changed",
            "Run again; if Graph keeps answering so, compare the registration in the Entra "
            "admin center (App registrations > Authentication > Web) by hand.",
        )
    return Registration(
        app_id=str(body.get("appId") or client.client_id),
        redirect_uris=tuple(uris),
        secret_expires=latest_end(body.get("passwordCredentials")),
    )


def patch_redirect_uris(
    session: requests.Session, client: Client, caller: str, token: Token, uris: Sequence[str]
) -> None:
    _call(session, "PATCH", client, caller, token, json={"web": {"redirectUris": list(uris)}})


class GraphTokens:
    """Graph tokens per caller and scope, acquired once a run: registrations that share a
    `graph_client` share its token (and its failure)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._known: dict[tuple[str, str], Token | GraphError] = {}

    def get(self, req: TokenRequest, session: requests.Session) -> Token:
        from ...tokens.request import TokenError
        from .flows import acquire_client_credentials

        key = (req.identity, req.scope or "")
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            known = self._known.get(key)
            if known is None:
                try:
                    known = acquire_client_credentials(req, req.scope or "", session=session)
                except TokenError as exc:
                    known = GraphError(
                        f"no Graph token: {exc.message}",
                        exc.hint or hint_for(exc.message, (HINTS,)),
                    )
                self._known[key] = known
        if isinstance(known, GraphError):
            raise GraphError(known.message, known.hint)
        return known


def fetch_registration(client: Client, caller: TokenRequest, tokens: GraphTokens) -> Registration:
    """`client`'s registration read as `caller`, in a session of its own. GraphError."""
    from ...net.http import make_session

    if not client.client_id:
        raise GraphError("client_id is not set", "set the Application (client) ID")
    with make_session(caller.ca_file, proxy=caller.proxy) as session:
        token = tokens.get(caller, session)
        return read_registration(session, client, caller.identity, token)
