"""LocalGraph: a Microsoft Graph double for Entra app registrations' redirect URIs.

Usage::

    with LocalGraph(idp, pki) as graph:         # or the ``graph`` fixture
        graph.add_application("0d8f...", redirect_uris=["https://pbx/x"],
                              secret_end_dates=["2027-10-01"])
        # token: idp client_credentials with scope "https://graph.microsoft.com/.default"
        session.get(f"{graph.base_url}/v1.0/applications(appId='0d8f...')",
                    headers={"Authorization": f"Bearer {token}"})

``base_url`` (``https://127.0.0.1:PORT``, use it as the Graph endpoint:
requests go to ``{base_url}/v1.0/...``).

Endpoints
---------
- ``GET /v1.0/applications(appId='<id>')`` (also ``/v1.0/applications/<object id>``
  and ``$select=a,b``): ``{"@odata.context", "id", "appId", "displayName",
  "signInAudience", "web": {"redirectUris": [...], ...},
  "passwordCredentials": [{"keyId", "displayName", "hint", "startDateTime",
  "endDateTime"}]}``.
- ``PATCH`` the same path with ``{"web": {"redirectUris": [...]}}``: replaces
  the whole list (there is no append), ``204``. Entra's rules are enforced
  (400, Graph error shape, the first violation in ``error.message`` and all
  in ``error.details``): https only (``http`` only for host ``localhost``),
  at most 256 characters per URI, none of ``! $ ' ( ) , ;``, at most 256
  URIs (100 when the app has ``personal_accounts=True``). Read-only
  properties (``id``, ``appId``, ``passwordCredentials``) -> 400.
- ``POST .../addPassword`` (also ``.../microsoft.graph.addPassword``, and on
  the object id path) with ``{"passwordCredential": {"displayName",
  "endDateTime"}}`` (both optional; ``startDateTime`` too; ``secretText``/
  ``keyId``/``hint`` in the request -> 400): ``200`` with the Graph
  ``passwordCredential`` resource ``{"@odata.context", "customKeyIdentifier":
  null, "displayName", "endDateTime" (default: two years), "hint" (first 3
  characters of the secret), "keyId", "secretText" (40 characters, Entra
  style), "startDateTime"}``. ``secretText`` is in that answer only: GET
  lists the credential with ``"secretText": null``. The secret is
  registered with the LocalIdP for the app's client id (the IdP client is
  created if the IdP does not know it) via ``idp.add_client_secret(...,
  active_after=graph.secret_propagation_delay, expires_at=endDateTime)``:
  until that delay (default 0 s) has passed Entra-style token requests with
  it get AADSTS7000215.
- ``POST .../removePassword`` with ``{"keyId": "<guid>"}``: ``204``, removed
  from the app and from the LocalIdP; unknown keyId -> 404
  ``Request_ResourceNotFound``; not a GUID -> 400. Other methods on these
  two paths -> 405.

Errors (``{"error": {"code", "message", "innerError": {...}}}``), the same
for every endpoint above: no or unknown bearer token -> 401
``InvalidAuthenticationToken``; the token must pass
``idp.check_access_token(token, scope_contains="graph")`` (or contain this
server's ``base_url`` in its scope, for a client that derives the scope from
the endpoint); caller client id denied with ``deny(client_id)`` -> 403
``Authorization_RequestDenied``; an application added with ``owners=``
(or after ``set_owners``) answers that 403 to callers that are not among
its owners (app-only tokens: the token's client id; delegated tokens: the
user) unless ``grant_read_write_all(client_id)`` gave the caller
Application.ReadWrite.All (without ``owners`` anyone with a valid token
passes, as before); unknown appId -> 404 ``Request_ResourceNotFound``.

Knobs
-----
- ``incomplete_get_next(kind="no_web" | "null_redirect_uris", count=1)``:
  the next *count* successful application GETs answer 200 without ``web``,
  or with ``web.redirectUris: null`` (an incomplete read state);
- ``echo_authorization_next(count=1, *, status=403)``: the next *count*
  requests get 403 ``Authorization_RequestDenied`` whose ``message`` echoes
  the caller's whole ``Authorization`` header value (``Bearer <token>``), to
  prove the product scrubs error texts;
- ``secret_propagation_delay`` (seconds, see addPassword);
- ``fail_next(..., description_size=N)``: an N-byte ``error.message``;
  ``fail_next``/``hang_next`` as in :mod:`tests.fakes._http`.

API: ``add_application(app_id, redirect_uris=(), secret_end_dates=(),
personal_accounts=False, *, object_id=None, display_name=None, owners=None)
-> dict``, ``application(app_id) -> dict`` (a deep copy of the GET body),
``password_credentials(app_id) -> list[dict]`` (as GET lists them),
``add_password(app_id, secret_text, *, display_name=None, end=None) -> keyId``
(a secret with a known value, as one made in the portal: listed with its hint,
accepted by the LocalIdP at once),
``deny(client_id)``, ``set_owners(app_id, *principals)``,
``grant_read_write_all(client_id)``, ``patch_count`` (successful PATCHes),
``requests_log`` (``(method, path, query-or-JSON-body)``, secret values
such as ``secretText`` masked), ``calls`` (:class:`GraphCall` per request,
faults included: ``method``, ``path``, ``query``, ``body`` (parsed JSON,
secrets masked), ``status``, ``client_id`` and ``subject`` of the caller's
token), ``fail_next``/``hang_next`` (every request matches by default; see
:mod:`tests.fakes._http`), ``errors``. ``validate_redirect_uris(uris,
personal_accounts)`` is the rule check, reusable in tests.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import secrets
import string
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ._http import Request, Response, TLSHTTPService, mask_secrets, oversized_text
from .idp import AccessTokenInfo, LocalIdP
from .pki import PKI

__all__ = ["GraphCall", "LocalGraph", "validate_redirect_uris"]

FORBIDDEN_CHARS = "!$'(),;"
MAX_URI_LENGTH = 256
MAX_URIS = 256
MAX_URIS_PERSONAL = 100
_READ_ONLY = ("id", "appId", "passwordCredentials", "keyCredentials")
_BY_APP_ID = re.compile(r"^/v1\.0/applications\(appId='([^']*)'\)$")
_BY_OBJECT_ID = re.compile(r"^/v1\.0/applications/([0-9A-Fa-f-]{36})$")
_APP_PATH = re.compile(
    r"^/v1\.0/applications(?:\(appId='(?P<app_id>[^']*)'\)|/(?P<oid>[0-9A-Fa-f-]{36}))"
    r"(?:/(?P<action>(?:microsoft\.graph\.)?(?:addPassword|removePassword)))?$"
)


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def validate_redirect_uris(uris: list[Any], personal_accounts: bool = False) -> list[str]:
    """Entra's redirect URI rules; returns the violations (empty when all is well)."""
    problems: list[str] = []
    limit = MAX_URIS_PERSONAL if personal_accounts else MAX_URIS
    if len(uris) > limit:
        problems.append(
            f"An application can have at most {limit} redirect URIs"
            f"{' when personal Microsoft accounts are allowed' if personal_accounts else ''};"
            f" got {len(uris)}."
        )
    for uri in uris:
        if not isinstance(uri, str):
            problems.append(f"Redirect URI {uri!r} is not a string.")
            continue
        if len(uri) > MAX_URI_LENGTH:
            problems.append(
                f"Redirect URI '{uri[:40]}...' is {len(uri)} characters long; the maximum is "
                f"{MAX_URI_LENGTH}."
            )
        bad = sorted({c for c in uri if c in FORBIDDEN_CHARS})
        if bad:
            problems.append(f"Redirect URI '{uri}' contains forbidden characters {''.join(bad)}.")
        parts = urlsplit(uri)
        if parts.scheme == "https":
            if not parts.netloc:
                problems.append(f"Redirect URI '{uri}' has no host.")
        elif parts.scheme == "http":
            if parts.hostname != "localhost":
                problems.append(
                    f"Redirect URI '{uri}' must use https (http is allowed for localhost only)."
                )
        else:
            problems.append(f"Redirect URI '{uri}' must use https.")
    return problems


def _iso(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    elif isinstance(value, _dt.date):
        dt = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.UTC)
    else:
        text = str(value)
        if len(text) == 10:
            text += "T00:00:00+00:00"
        dt = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=_dt.UTC)
    return dt.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, code: str, message: str, **extra: Any) -> Response:
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    body: dict[str, Any] = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": now,
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }
    body["error"].update(extra)
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="", error="invalid_token"'
    return Response.json(status, body, headers)


def _secret_text() -> str:
    """A secret value shaped like Entra's (40 characters, ``xxx8Q~...``)."""
    alnum = string.ascii_letters + string.digits
    rest = alnum + "~_.-"
    return (
        "".join(secrets.choice(alnum) for _ in range(3))
        + "8Q~"
        + "".join(secrets.choice(rest) for _ in range(34))
    )


def _epoch(iso: str) -> float:
    return _dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.UTC).timestamp()


@dataclass(frozen=True)
class GraphCall:
    """One request LocalGraph answered (``body`` with secret values as ``"***"``)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON (masked) or None
    status: int
    client_id: str | None  # the caller's token's client, None without a known token
    subject: str | None  # the caller's user for delegated tokens


class LocalGraph(TLSHTTPService):
    """``/v1.0/applications`` double with Entra's redirect URI rules (see module doc)."""

    def __init__(self, idp: LocalIdP, pki: PKI) -> None:
        super().__init__(pki)
        self.idp = idp
        self._apps: dict[str, dict[str, Any]] = {}  # appId -> GET body (without odata)
        self._personal: dict[str, bool] = {}
        self._owners: dict[str, frozenset[str] | None] = {}
        self._denied: set[str] = set()
        self._read_write_all: set[str] = set()
        self._incomplete: list[list[Any]] = []  # [kind, remaining]
        self._echo_auth: list[int] = []  # [remaining, status]
        self.patch_count = 0
        #: Seconds after ``addPassword`` before the LocalIdP accepts the new secret
        #: (Entra takes a while to propagate one; until then AADSTS7000215).
        self.secret_propagation_delay: float = 0.0
        self.calls: list[GraphCall] = []

    def __enter__(self) -> LocalGraph:
        self.start()
        return self

    # -- API ---------------------------------------------------------------
    def add_application(
        self,
        app_id: str,
        redirect_uris: Iterable[str] = (),
        secret_end_dates: Iterable[Any] = (),
        personal_accounts: bool = False,
        *,
        object_id: str | None = None,
        display_name: str | None = None,
        owners: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Register an application. ``owners`` (client ids of app-only callers,
        usernames of delegated callers): only they (and ``grant_read_write_all``
        clients) may read or change it; None (default): any valid caller."""
        creds = []
        for i, end in enumerate(secret_end_dates):
            creds.append(
                {
                    "customKeyIdentifier": None,
                    "displayName": f"secret {i + 1}",
                    "endDateTime": _iso(end),
                    "hint": f"s{i}~",
                    "keyId": str(uuid.uuid4()),
                    "secretText": None,
                    "startDateTime": "2024-01-01T00:00:00Z",
                }
            )
        app = {
            "id": object_id or str(uuid.uuid4()),
            "appId": app_id,
            "displayName": display_name or f"app {app_id}",
            "signInAudience": (
                "AzureADandPersonalMicrosoftAccount" if personal_accounts else "AzureADMyOrg"
            ),
            "web": {
                "homePageUrl": None,
                "logoutUrl": None,
                "redirectUris": list(redirect_uris),
                "implicitGrantSettings": {
                    "enableAccessTokenIssuance": False,
                    "enableIdTokenIssuance": False,
                },
            },
            "passwordCredentials": creds,
        }
        with self._lock:
            self._apps[app_id] = app
            self._personal[app_id] = personal_accounts
            self._owners[app_id] = None if owners is None else frozenset(o.lower() for o in owners)
        return copy.deepcopy(app)

    def application(self, app_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._apps[app_id])

    def deny(self, client_id: str) -> None:
        """Callers whose token was issued to *client_id* get 403."""
        with self._lock:
            self._denied.add(client_id)

    def set_owners(self, app_id: str, *principals: str) -> None:
        """Only these principals (client ids / usernames) own *app_id* from now on."""
        with self._lock:
            self._owners[app_id] = frozenset(p.lower() for p in principals)

    def grant_read_write_all(self, client_id: str) -> None:
        """*client_id* holds Application.ReadWrite.All: it reaches apps it does not own."""
        with self._lock:
            self._read_write_all.add(client_id)

    def incomplete_get_next(self, kind: str = "no_web", count: int = 1) -> None:
        """The next *count* successful application GETs answer 200 with an
        incomplete read state: ``kind="no_web"`` leaves ``web`` out,
        ``kind="null_redirect_uris"`` sends ``web.redirectUris: null``."""
        if kind not in ("no_web", "null_redirect_uris"):
            raise ValueError(f"unknown kind {kind!r}")
        with self._lock:
            self._incomplete.append([kind, count])

    def echo_authorization_next(self, count: int = 1, *, status: int = 403) -> None:
        """The next *count* requests get *status* (403 Authorization_RequestDenied)
        with an error message that echoes the caller's ``Authorization`` header
        value (Graph error bodies sometimes echo what was sent)."""
        with self._lock:
            self._echo_auth = [count, status]

    def password_credentials(self, app_id: str) -> list[dict[str, Any]]:
        """The app's passwordCredentials as GET shows them (secretText null)."""
        return self.application(app_id)["passwordCredentials"]

    def add_password(
        self,
        app_id: str,
        secret_text: str,
        *,
        display_name: str | None = None,
        end: Any = None,
    ) -> str:
        """Give *app_id* a client secret with a known value (as one made in the portal
        before provision ran): listed by GET with its ``hint``, accepted by the LocalIdP
        at once. Returns its keyId."""
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        end_iso = _iso(end) if end is not None else _iso(now + _dt.timedelta(days=730))
        key_id = str(uuid.uuid4())
        with self._lock:
            self._apps[app_id]["passwordCredentials"].append(
                {
                    "customKeyIdentifier": None,
                    "displayName": display_name,
                    "endDateTime": end_iso,
                    "hint": secret_text[:3],
                    "keyId": key_id,
                    "secretText": None,
                    "startDateTime": _iso(now),
                }
            )
            name = self._apps[app_id]["displayName"]
        if not self.idp.has_client(app_id):
            self.idp.add_client(app_id, name=name)
        self.idp.add_client_secret(
            app_id,
            secret_text,
            key_id=key_id,
            expires_at=_epoch(end_iso),
            display_name=display_name,
        )
        return key_id

    # -- HTTP ----------------------------------------------------------------
    def _fault_response(self, request: Request, status: int) -> Response:
        code = "TooManyRequests" if status == 429 else "ServiceUnavailable"
        return _error(status, code, f"Simulated HTTP {status} (LocalGraph).")

    def _oversized_fault_response(self, request: Request, status: int, size: int) -> Response:
        code = "TooManyRequests" if status == 429 else "Request_BadRequest"
        return _error(status, code, oversized_text(size))

    def _find(self, path: str) -> tuple[bool, str | None]:
        """(path is an application path, appId or None when not found)."""
        is_app, app_id, _action = self._find_action(path)
        return is_app, app_id

    def _find_action(self, path: str) -> tuple[bool, str | None, str | None]:
        """(is an application path, appId or None when not found, action or None)."""
        match = _APP_PATH.match(path)
        if not match:
            return False, None, None
        action = match.group("action")
        if action is not None:
            action = action.removeprefix("microsoft.graph.")
        app_id = match.group("app_id")
        if app_id is not None:
            with self._lock:
                return True, app_id if app_id in self._apps else None, action
        oid = match.group("oid").lower()
        with self._lock:
            for known, app in self._apps.items():
                if app["id"].lower() == oid:
                    return True, known, action
        return True, None, action

    def _serve(self, request: Request) -> Response:
        response = super()._serve(request)
        info = None
        token = request.bearer_token()
        if token is not None:
            info = self.idp.token_info(token)
        body: Any = None
        if request.body:
            try:
                parsed = request.json()
            except ValueError:
                parsed = request.body.decode("utf-8", "replace")
            body = mask_secrets({"_": parsed})["_"]
        call = GraphCall(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            body=body,
            status=response.status,
            client_id=info.client_id if info else None,
            subject=info.subject if info else None,
        )
        with self._lock:
            self.calls.append(call)
        return response

    def _take_echo(self) -> int | None:
        with self._lock:
            if not self._echo_auth or self._echo_auth[0] <= 0:
                return None
            self._echo_auth[0] -= 1
            return int(self._echo_auth[1])

    def _take_incomplete(self) -> str | None:
        with self._lock:
            for entry in self._incomplete:
                if entry[1] > 0:
                    entry[1] -= 1
                    self._incomplete = [e for e in self._incomplete if e[1] > 0]
                    return str(entry[0])
        return None

    def handle(self, request: Request) -> Response:
        echo = self._take_echo()
        if echo is not None:
            sent = request.headers.get("Authorization", "")
            return _error(
                echo,
                "Authorization_RequestDenied",
                f"Insufficient privileges to complete the operation. The request carried "
                f"Authorization: {sent}",
            )
        token = request.bearer_token()
        if token is None:
            return _error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if not (
            self.idp.check_access_token(token, scope_contains="graph")
            or self.idp.check_access_token(token, scope_contains=self.base_url)
        ):
            return _error(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
            )
        info = self.idp.token_info(token)
        with self._lock:
            denied = info is not None and info.client_id in self._denied
        is_app_path, app_id, action = self._find_action(request.path)
        if not is_app_path:
            return _error(
                400, "BadRequest", f"Resource not found for the segment '{request.path}'."
            )
        if denied or (app_id is not None and not self._may_access(app_id, info)):
            return _error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        if app_id is None:
            ident = request.path.split("'")[1] if "'" in request.path else request.path
            return _error(
                404,
                "Request_ResourceNotFound",
                f"Resource '{ident}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        if action is not None:
            if request.method != "POST":
                return _error(405, "Request_BadRequest", f"Method {request.method} not allowed.")
            if action == "addPassword":
                return self._add_password(app_id, request)
            return self._remove_password(app_id, request)
        if request.method == "GET":
            return self._get(app_id, request)
        if request.method == "PATCH":
            return self._patch(app_id, request)
        return _error(405, "Request_BadRequest", f"Method {request.method} not allowed.")

    def _may_access(self, app_id: str, info: AccessTokenInfo | None) -> bool:
        with self._lock:
            owners = self._owners.get(app_id)
            if owners is None:
                return True
            if info is None:
                return False
            if info.client_id in self._read_write_all:
                return True
        principal = info.subject if info.subject is not None else info.client_id
        return principal.lower() in owners

    def _get(self, app_id: str, request: Request) -> Response:
        app = self.application(app_id)
        select = request.query.get("$select")
        if select:
            wanted = {s.strip() for s in select.split(",") if s.strip()}
            app = {k: v for k, v in app.items() if k in wanted or k == "id"}
        incomplete = self._take_incomplete()
        if incomplete == "no_web":
            app.pop("web", None)
        elif incomplete == "null_redirect_uris":
            web = app.get("web")
            app["web"] = dict(web) if isinstance(web, dict) else {}
            app["web"]["redirectUris"] = None
        body = {"@odata.context": f"{self.base_url}/v1.0/$metadata#applications/$entity"}
        body.update(app)
        return Response.json(200, body)

    def _json_object(self, request: Request, *, required: bool) -> dict[str, Any] | Response:
        if not request.body:
            if required:
                return _error(400, "BadRequest", "Empty Payload. JSON content expected.")
            return {}
        try:
            obj = request.json()
        except ValueError:
            return _error(400, "BadRequest", "Unable to read JSON request payload.")
        if not isinstance(obj, dict):
            return _error(400, "BadRequest", "The request body must be a JSON object.")
        return obj

    def _add_password(self, app_id: str, request: Request) -> Response:
        body = self._json_object(request, required=False)
        if isinstance(body, Response):
            return body
        cred_in = body.get("passwordCredential", {})
        if cred_in is None:
            cred_in = {}
        if not isinstance(cred_in, dict):
            return _error(400, "BadRequest", "Property 'passwordCredential' must be an object.")
        for key in ("secretText", "keyId", "hint"):
            if cred_in.get(key) is not None:
                return _error(
                    400,
                    "Request_BadRequest",
                    f"Property '{key}' of passwordCredential is generated by the service and "
                    "cannot be set.",
                )
        display = cred_in.get("displayName")
        if display is not None and not isinstance(display, str):
            return _error(400, "BadRequest", "Property 'displayName' must be a string.")
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        try:
            start = _iso(cred_in["startDateTime"]) if cred_in.get("startDateTime") else _iso(now)
            end = (
                _iso(cred_in["endDateTime"])
                if cred_in.get("endDateTime")
                else _iso(now + _dt.timedelta(days=730))
            )
        except (TypeError, ValueError):
            return _error(
                400,
                "BadRequest",
                "Cannot convert the literal to the expected type 'Edm.DateTimeOffset'.",
            )
        if _epoch(end) <= _epoch(start):
            return _error(
                400,
                "Request_BadRequest",
                "Invalid value specified for property 'endDateTime' of resource "
                "'PasswordCredential'.",
            )
        secret_text = _secret_text()
        key_id = str(uuid.uuid4())
        stored = {
            "customKeyIdentifier": None,
            "displayName": display,
            "endDateTime": end,
            "hint": secret_text[:3],
            "keyId": key_id,
            "secretText": None,
            "startDateTime": start,
        }
        with self._lock:
            self._apps[app_id]["passwordCredentials"].append(stored)
            name = self._apps[app_id]["displayName"]
            delay = self.secret_propagation_delay
        if not self.idp.has_client(app_id):
            self.idp.add_client(app_id, name=name)
        self.idp.add_client_secret(
            app_id,
            secret_text,
            active_after=delay,
            key_id=key_id,
            expires_at=_epoch(end),
            display_name=display,
        )
        answer: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#microsoft.graph.passwordCredential"
        }
        answer.update(stored)
        answer["secretText"] = secret_text
        return Response.json(200, answer)

    def _remove_password(self, app_id: str, request: Request) -> Response:
        body = self._json_object(request, required=True)
        if isinstance(body, Response):
            return body
        key_id = body.get("keyId")
        if not isinstance(key_id, str) or not _is_guid(key_id):
            return _error(
                400,
                "Request_BadRequest",
                "Invalid value specified for property 'keyId' of resource 'PasswordCredential'.",
            )
        with self._lock:
            creds = self._apps[app_id]["passwordCredentials"]
            kept = [c for c in creds if str(c.get("keyId", "")).lower() != key_id.lower()]
            if len(kept) == len(creds):
                return _error(
                    404,
                    "Request_ResourceNotFound",
                    f"No password credential with keyId '{key_id}' exists on application "
                    f"'{app_id}'.",
                )
            self._apps[app_id]["passwordCredentials"] = kept
        try:
            self.idp.remove_client_secret(app_id, key_id)
        except KeyError:
            pass  # seeded with add_application(secret_end_dates=...): not at the IdP
        return Response(204)

    def _patch(self, app_id: str, request: Request) -> Response:
        try:
            patch = request.json()
        except ValueError:
            return _error(400, "BadRequest", "Unable to read JSON request payload.")
        if not isinstance(patch, dict):
            return _error(400, "BadRequest", "The request body must be a JSON object.")
        for key in _READ_ONLY:
            if key in patch:
                return _error(
                    400,
                    "Request_BadRequest",
                    f"Property '{key}' is read-only and cannot be set.",
                )
        web = patch.get("web")
        if web is not None:
            if not isinstance(web, dict):
                return _error(400, "BadRequest", "Property 'web' must be an object.")
            uris = web.get("redirectUris")
            if uris is not None:
                if not isinstance(uris, list):
                    return _error(
                        400, "BadRequest", "Property 'redirectUris' must be a collection."
                    )
                with self._lock:
                    personal = self._personal[app_id]
                problems = validate_redirect_uris(uris, personal)
                if problems:
                    return _error(
                        400,
                        "Request_BadRequest",
                        problems[0],
                        details=[
                            {"code": "InvalidValue", "target": "web.redirectUris", "message": p}
                            for p in problems
                        ],
                    )
        with self._lock:
            app = self._apps[app_id]
            for key, value in patch.items():
                if key == "web" and isinstance(value, dict):
                    app["web"].update(copy.deepcopy(value))
                else:
                    app[key] = copy.deepcopy(value)
            self.patch_count += 1
        return Response(204)
