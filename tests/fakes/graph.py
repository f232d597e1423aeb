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

Errors (``{"error": {"code", "message", "innerError": {...}}}``): no or
unknown bearer token -> 401 ``InvalidAuthenticationToken``; the token must
pass ``idp.check_access_token(token, scope_contains="graph")`` (or contain
this server's ``base_url`` in its scope, for a client that derives the
scope from the endpoint); caller client id denied with ``deny(client_id)``
-> 403 ``Authorization_RequestDenied``; unknown appId -> 404
``Request_ResourceNotFound``.

API: ``add_application(app_id, redirect_uris=(), secret_end_dates=(),
personal_accounts=False, *, object_id=None, display_name=None) -> dict``,
``application(app_id) -> dict`` (a deep copy of the GET body),
``deny(client_id)``, ``patch_count`` (successful PATCHes), ``requests_log``
(``(method, path, query-or-JSON-body)``), ``fail_next``/``hang_next``
(every request matches by default; see :mod:`tests.fakes._http`),
``errors``. ``validate_redirect_uris(uris, personal_accounts)`` is the rule
check, reusable in tests.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from ._http import Request, Response, TLSHTTPService
from .idp import LocalIdP
from .pki import PKI

__all__ = ["LocalGraph", "validate_redirect_uris"]

FORBIDDEN_CHARS = "!$'(),;"
MAX_URI_LENGTH = 256
MAX_URIS = 256
MAX_URIS_PERSONAL = 100
_READ_ONLY = ("id", "appId", "passwordCredentials", "keyCredentials")
_BY_APP_ID = re.compile(r"^/v1\.0/applications\(appId='([^']*)'\)$")
_BY_OBJECT_ID = re.compile(r"^/v1\.0/applications/([0-9A-Fa-f-]{36})$")


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
        dt = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
    elif isinstance(value, _dt.date):
        dt = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    else:
        text = str(value)
        if len(text) == 10:
            text += "T00:00:00+00:00"
        dt = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=_dt.timezone.utc)
    return dt.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, code: str, message: str, **extra: Any) -> Response:
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
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


class LocalGraph(TLSHTTPService):
    """``/v1.0/applications`` double with Entra's redirect URI rules (see module doc)."""

    def __init__(self, idp: LocalIdP, pki: PKI) -> None:
        super().__init__(pki)
        self.idp = idp
        self._apps: dict[str, dict[str, Any]] = {}  # appId -> GET body (without odata)
        self._personal: dict[str, bool] = {}
        self._denied: set[str] = set()
        self.patch_count = 0

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
    ) -> dict[str, Any]:
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
        return copy.deepcopy(app)

    def application(self, app_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._apps[app_id])

    def deny(self, client_id: str) -> None:
        """Callers whose token was issued to *client_id* get 403."""
        with self._lock:
            self._denied.add(client_id)

    # -- HTTP ----------------------------------------------------------------
    def _fault_response(self, request: Request, status: int) -> Response:
        code = "TooManyRequests" if status == 429 else "ServiceUnavailable"
        return _error(status, code, f"Simulated HTTP {status} (LocalGraph).")

    def _find(self, path: str) -> tuple[bool, str | None]:
        """(path is an application path, appId or None when not found)."""
        match = _BY_APP_ID.match(path)
        if match:
            app_id = match.group(1)
            with self._lock:
                return True, app_id if app_id in self._apps else None
        match = _BY_OBJECT_ID.match(path)
        if match:
            oid = match.group(1).lower()
            with self._lock:
                for app_id, app in self._apps.items():
                    if app["id"].lower() == oid:
                        return True, app_id
            return True, None
        return False, None

    def handle(self, request: Request) -> Response:
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
        is_app_path, app_id = self._find(request.path)
        if not is_app_path:
            return _error(
                400, "BadRequest", f"Resource not found for the segment '{request.path}'."
            )
        if denied:
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
        if request.method == "GET":
            return self._get(app_id, request)
        if request.method == "PATCH":
            return self._patch(app_id, request)
        return _error(405, "Request_BadRequest", f"Method {request.method} not allowed.")

    def _get(self, app_id: str, request: Request) -> Response:
        app = self.application(app_id)
        select = request.query.get("$select")
        if select:
            wanted = {s.strip() for s in select.split(",") if s.strip()}
            app = {k: v for k, v in app.items() if k in wanted or k == "id"}
        body = {"@odata.context": f"{self.base_url}/v1.0/$metadata#applications/$entity"}
        body.update(app)
        return Response.json(200, body)

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
