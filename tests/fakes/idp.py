"""LocalIdP: an OAuth2/OIDC identity provider on https://127.0.0.1 for offline tests.

It speaks enough of Microsoft Entra ID, Google and a generic RFC 6749/7523
server that the REAL MSAL, google-auth and authlib code runs against it.

Usage::

    with LocalIdP(pki) as idp:              # or the ``idp`` fixture
        idp.add_client("app", secret="s3cret", redirect_uris=["https://pbx/x"])
        idp.add_user("fax@acme.com", "pw")
        app = msal.ConfidentialClientApplication(
            "app", client_credential="s3cret",
            authority=f"{idp.authority}/acme.com",
            instance_discovery=False,
            http_client=tests.fakes.clients.msal_http_client(pki, idp),
        )

Attributes
----------
``base_url`` / ``authority``: ``https://127.0.0.1:PORT`` (Entra tenants live
under it: ``{authority}/{tenant}``). ``token_lifetime`` (seconds, default
3600). ``microsoft_token_length`` (default 2000: Entra access tokens are
JWT-shaped random strings of about that many characters, so long AUTH lines
get exercised; set 3000 to mimic a fat token). ``requests_log``, ``errors``,
``fail_next``/``hang_next``: see :mod:`tests.fakes._http` (faults hit token
and devicecode POSTs unless ``path_contains=`` is given; ``fail_next(400,
description_size=20 * 1024 * 1024)`` answers a 20 MB ``error_description``).

Endpoints
---------
Entra (``{tenant}`` = any name, unless ``add_tenant`` restricted them):

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (issuer,
  authorization_endpoint, token_endpoint on this server, with the port);
- ``GET /{tenant}/discovery/v2.0/keys`` (JWKS of the id_token key);
- ``GET /common/discovery/instance`` (only hit when MSAL is given
  ``instance_discovery="<this url>"``; pass ``instance_discovery=False``);
- ``GET /common/userrealm/<user>?api-version=1.0`` -> ``Managed`` account;
- ``GET /{tenant}/oauth2/v2.0/authorize`` (see "Authorize" below);
- ``POST /{tenant}/oauth2/v2.0/devicecode`` (``client_id``, ``scope``; the
  discovery document advertises it as ``device_authorization_endpoint``):
  ``{"device_code", "user_code", "verification_uri", "expires_in",
  "interval", "message"}`` (see "Device code flow" below);
- ``POST /{tenant}/oauth2/v2.0/token``, grants ``password`` (ROPC),
  ``authorization_code`` (+PKCE), ``refresh_token`` (rotated: the old one
  stops working), ``client_credentials`` (scope must end in ``/.default``),
  ``urn:ietf:params:oauth:grant-type:device_code`` (``DEVICE_CODE_GRANT``).
  User tokens come with ``client_info`` (when ``client_info=1`` is sent, as
  MSAL does), an RS256 ``id_token`` (``preferred_username``, ``oid``, ``tid``,
  the authorize ``nonce`` echoed) when ``openid`` is asked for, and a refresh
  token when ``offline_access`` is asked for, so MSAL's cache and
  ``acquire_token_silent`` work. Errors have Entra's JSON shape (``error``,
  ``error_description`` starting ``AADSTSnnn:``, ``error_codes``,
  ``suberror`` where Entra sends one): wrong secret AADSTS7000215 (401),
  expired secret AADSTS7000222 (401, knob ``expire_secret``), missing secret
  AADSTS7000218, secret presented by a public client or with a refresh
  token of a public-client flow AADSTS700025 (401), unknown client / client
  of another tenant AADSTS700016,
  unknown tenant AADSTS90002, consent missing AADSTS65001 (knob
  ``require_consent``), MFA user on ROPC AADSTS50076, bad password
  AADSTS50126 (``invalid_grant``), bad PKCE verifier AADSTS501481.

Google:

- ``POST /token``: ``refresh_token`` (client_id + client_secret; NOT rotated,
  as at Google; an expired/revoked one answers ``invalid_grant`` "Token has
  been expired or revoked."), ``urn:ietf:params:oauth:grant-type:jwt-bearer``
  (service account: RS256 signature checked with the registered public key,
  ``iss`` = client_email, ``aud`` = ``https://oauth2.googleapis.com/token``
  (what google-auth always sends) or this ``/token`` URL; with ``sub`` the
  account must be delegated for that subject and every requested scope,
  else 401 ``unauthorized_client``), ``authorization_code`` (+PKCE; a refresh
  token only when authorize had ``access_type=offline``, as at Google);
- ``GET /o/oauth2/auth`` and ``GET /o/oauth2/v2/auth``: authorize.

Generic (RFC 6749 + RFC 7523):

- ``POST /oauth2/token``: client authentication ``client_secret_post``
  (id+secret in the body), ``client_secret_basic`` and ``private_key_jwt``
  (``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer``,
  RS256 or PS256 signature checked with the registered public key,
  ``iss`` = ``sub`` = client_id, ``aud`` = this token endpoint URL, ``exp`` in
  the future, ``jti`` not replayed); grants ``client_credentials``,
  ``refresh_token`` (rotated), ``authorization_code`` (+PKCE);
- ``GET /oauth2/authorize``; ``GET /.well-known/openid-configuration``.

Authorize (all three): auto-consent. The user is the ``login_hint`` when it
is a registered user, else the default user of ``set_authorize_user``
(``override_hint=True`` makes the default win, to simulate someone signing in
with another account). The answer is ``302`` to
``redirect_uri?code=...&state=...`` (follow it with ``requests`` and
``allow_redirects=False`` to finish a loopback flow). Unknown client or a
redirect_uri that is not registered -> ``400`` with a JSON error (Entra:
AADSTS700016 / AADSTS50011; Google: ``invalid_client`` /
``redirect_uri_mismatch``). No user -> redirect with ``error=access_denied``;
missing consent -> redirect with ``error=consent_required`` (AADSTS65001).

Device code flow (Entra)
------------------------
The devicecode answer's ``interval`` is ``idp.device_code_interval``
(default 5; MSAL sleeps that many whole seconds between polls, so set 1 in
tests), ``expires_in`` is ``idp.device_code_lifetime`` (900) and
``verification_uri`` is ``idp.device_verification_uri``
(``https://microsoft.com/devicelogin``; nothing is served there: a test
"signs in" with ``approve_device_code``). Each poll of the token endpoint
answers, as Entra does (400, Entra error shape): ``authorization_pending``
(AADSTS70016) until ``approve_device_code(user_code, username)``, then the
tokens (``id_token``/``client_info``/refresh token as for other user grants;
MSAL asks for ``openid profile offline_access``); ``authorization_declined``
after ``decline_device_code(user_code)``; ``expired_token`` (AADSTS70019)
after ``expire_device_code(user_code)`` or ``expires_in``;
``bad_verification_code`` for an unknown device code or another client's;
``invalid_grant`` for a code already redeemed. (The AADSTS numbers of
declined/redeemed are approximations.)

Public clients like Entra's "Allow public client flows": a client added with
``allow_public_client=True`` may redeem device codes (and use the user
grants) without any client credential; a client without it gets 401
``invalid_client`` AADSTS7000218 ("The request body must contain the
following parameter: 'client_assertion' or 'client_secret'") on device code
redemption, even when it has no secret. Refresh tokens issued to a flow in
which the client presented no credential are marked public: redeeming one
WITH a client secret or assertion gets 401 ``invalid_client`` AADSTS700025
("Client is public so neither 'client_assertion' nor 'client_secret' should
be presented."); without a credential it works (and rotates into another
public token). A public-flow client that does present its secret in the
device code redemption gets an ordinary (confidential) refresh token.

Test helpers: ``wait_for_device_code(timeout=5.0, *, polls=0) ->
DeviceCodeInfo`` blocks until a device code is pending (and polled at least
*polls* times; run MSAL's blocking ``acquire_token_by_device_flow`` in a
thread, wait with ``polls=1``, then approve), ``device_codes`` lists every
:class:`DeviceCodeInfo` (``user_code``, ``device_code``, ``client_id``,
``scopes``, ``tenant``, ``state`` pending/approved/declined/expired/redeemed,
``username``, ``polls``, ``expires_at``), and
``auto_approve_device_codes(username, *, after_polls=1)`` makes codes issued
afterwards approve themselves for *username* after that many pending answers
(0: the first poll succeeds; ``None`` turns it off), so product code can run
the whole flow without a test thread. To stop MSAL's polling loop from a
test, set ``flow["expires_at"] = 0``.

Client secrets
--------------
A client may hold several secrets at once (as in Entra, during a rotation):
``add_client(secret=...)`` registers the first one (and returns its key
id); ``add_client_secret(client_id, secret, *, active_after=0, key_id=None,
expires_at=None, display_name=None) -> key_id`` adds another: until
``active_after`` seconds have passed it is refused with AADSTS7000215 like a
wrong secret (Entra's propagation delay), after ``expires_at`` (epoch
seconds) with AADSTS7000222; ``remove_client_secret(client_id, key_id)``
(KeyError when unknown); ``client_secrets(client_id) ->
list[ClientSecretInfo]`` (``key_id``, ``hint`` = first 3 characters,
``active_at``, ``expires_at``, ``expired``, ``display_name``; no values);
``expire_secret(client_id, key_id=None)`` expires all or one. Any active,
unexpired secret authenticates. A client that once had a secret stays
confidential when all are removed (a presented secret then gets 7000215).
LocalGraph's ``addPassword``/``removePassword`` call these.

Hostile answers
---------------
- ``redirect_token_requests(status=307, location=URL, *, count=None,
  path_contains=None)``: token endpoint POSTs (Entra, Google, generic) answer
  *status* (307/308 keep method and body in clients that follow them) with
  ``Location: URL`` instead of being handled, for *count* requests (None:
  until ``redirect_token_requests(None)``); ``path_contains`` selects any
  request whose path contains it instead. Point it at a
  :class:`tests.fakes.sink.RecordingSink` (another origin) to prove the
  product does not re-send credentials (requests follows 307/308 by
  default, re-sending the form with ``client_secret``, but drops an
  ``Authorization`` header on a cross-origin hop; MSAL's default
  ``http_client`` follows them too).
- ``fail_next(status, ..., description_size=N)``: an N-byte
  ``error_description`` (see :mod:`tests.fakes._http`).
- ``answer_error_next(error, description="", *, aadsts=None, status=400,
  count=1, path_contains=None, form=None)``: the next *count* (None: every)
  token/device code POSTs (authorize GETs too when ``path_contains`` names
  them), narrowed by ``path_contains`` and by values of their ``form`` (POST)
  or query (GET), answer this OAuth2 error:
  Entra's shape with *aadsts* (``AADSTS<n>: ...``, ``error_codes``), plain
  ``{"error", "error_description"}`` otherwise; an authorize GET with a
  registered ``redirect_uri`` is redirected there with ``error`` and
  ``error_description`` (a declined consent), else answered 400. Any code an
  identity provider may send, for the client's hints.
- ``crlf_access_token_next(count=1, *, injection="\\r\\nX-Injected-By:
  LocalIdP")``: the next *count* access tokens minted (any grant, and
  ``issue_access_token``) end with CR LF and a fake header, so using one in
  ``Authorization: Bearer ...`` makes requests raise ``InvalidHeader``
  (http.client: ``ValueError``). The token is still valid for
  ``check_access_token``.

Registration API
----------------
``add_client(client_id, *, secret=None, public_key_pem=None, redirect_uris=(),
tenant=None, token_endpoint_auth_method=None, name=None,
allow_public_client=False) -> key_id | None`` (a client with neither secret
nor key is public for the older grants, but not for device code: see
``allow_public_client`` above; ``public_key_pem`` may also be a
certificate PEM; ``tenant`` pins an Entra client to one tenant;
``token_endpoint_auth_method`` enforces one of ``client_secret_post``,
``client_secret_basic``, ``private_key_jwt``, ``none``),
``register_redirect_uris(client_id, uris)`` (replaces the client's list; authorize
takes only an exact match of one of them),
``add_user(username, password, *, mfa=False)``,
``add_service_account(client_email, public_key_pem, *, private_key_id=None,
delegated=True, scopes=("https://mail.google.com/",))`` (``delegated`` may be
a collection of mailboxes), ``add_tenant(name, *, tenant_id=None)`` (once
any tenant is added, others answer AADSTS90002),
``has_client(client_id) -> bool``,
``issue_refresh_token(client_id, username, scope, *, public=False) -> str``
(seed a token store; ``public=True``: as if from a device code flow),
``issue_access_token(client_id, username, scope, *, flavor="entra")
-> str``, ``expire_refresh_token(token)``, ``expire_access_token(token)``.

Knobs: ``expire_secret(client_id)``, ``require_consent(client_id)`` /
``grant_consent(client_id)``, ``set_authorize_user(username, *,
override_hint=False)``, ``allow_app_mailboxes(client_id, *mailboxes)``
(restricts which mailboxes an app-only token may send as; default: any),
``token_lifetime``, ``fail_next``, ``hang_next``, the device code knobs
(``approve_device_code``, ``decline_device_code``, ``expire_device_code``,
``auto_approve_device_codes``, ``device_code_interval``,
``device_code_lifetime``, ``device_verification_uri``), the secret API
above, ``redirect_token_requests``, ``crlf_access_token_next``,
``answer_error_next``.

Validation API (for LocalSMTP/LocalGraph and tests)
---------------------------------------------------
``check_access_token(token, *, mailbox=None, scope_contains=None) -> bool``:
issued here, not expired, for that mailbox (user tokens: the subject, case
insensitive; app-only tokens: any mailbox unless ``allow_app_mailboxes``),
and with a scope containing that substring (case insensitive).
``token_info(token) -> AccessTokenInfo | None`` (client_id, subject, scopes,
expires_at, flavor, grant_type).

Pitfalls of the real libraries (each one cost time)
---------------------------------------------------
- MSAL ROPC first GETs ``https://<host>/common/userrealm/<user>`` built from
  the authority's *hostname*: it DROPS THE PORT (-> connection refused on
  127.0.0.1:443). Give MSAL an ``http_client`` that restores the port:
  :class:`tests.fakes.clients.PortPreservingHttpClient` (or
  ``clients.msal_http_client(pki, idp)``), which rewrites
  ``https://127.0.0.1/...`` to ``https://127.0.0.1:PORT/...``.
- MSAL needs ``instance_discovery=False`` (else it asks
  login.microsoftonline.com about the authority), https, and a
  ``requests.Session`` with ``verify=pki.ca_file`` and ``trust_env=False``
  (``REQUESTS_CA_BUNDLE`` would override ``verify`` otherwise).
- MSAL caches HTTP 400 answers for 60 s, 429/5xx for ``Retry-After``
  seconds (default 5), and GET discovery for a day, all per application
  object: make a new ``ClientApplication`` per test (and a new LocalIdP:
  the fixture is function scoped). MSAL raises on 5xx token answers and
  returns the JSON of a 429 as an error dict.
- MSAL's ``acquire_token_by_device_flow`` blocks, polling every
  ``interval`` whole seconds (``interval=0`` would make it spin without
  sleeping) until the flow's ``expires_at``; it does not cache the 400
  ``authorization_pending`` answers (it does cache other 400s for 60 s).
- google-auth always puts ``aud=https://oauth2.googleapis.com/token`` in a
  service-account JWT, whatever ``token_uri`` is (accepted here), and
  ``Credentials.from_authorized_user_info()`` ignores ``token_uri``: build
  ``google.oauth2.credentials.Credentials(...)`` directly. google-auth
  retries 5xx/408/429 and ``temporarily_unavailable`` with back-off (slow).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ._http import Request, Response, TLSHTTPService
from .pki import PKI, make_key_pair

__all__ = [
    "CLIENT_ASSERTION_TYPE",
    "DEVICE_CODE_GRANT",
    "ENTRA",
    "GENERIC",
    "GMAIL_SCOPE",
    "GOOGLE",
    "GOOGLE_TOKEN_AUDIENCE",
    "JWT_BEARER_GRANT",
    "AccessTokenInfo",
    "ClientSecretInfo",
    "DeviceCodeInfo",
    "LocalIdP",
]

ENTRA = "entra"
GOOGLE = "google"
GENERIC = "generic"

GMAIL_SCOPE = "https://mail.google.com/"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_CRLF_INJECTION = "\r\nX-Injected-By: LocalIdP"
_USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
DEFAULT_ENTRA_SCOPE = "https://graph.microsoft.com/User.Read"
_SPECIAL_TENANTS = frozenset({"common", "organizations", "consumers"})
_SIGNING_KID = "local-idp-1"
_CODE_LIFETIME = 600.0
_SKEW = 60
_VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


# ---------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class AccessTokenInfo:
    """What the IdP remembers about an access token it issued."""

    token: str
    client_id: str
    subject: str | None  # mailbox/user; None for app-only (client credentials)
    scopes: tuple[str, ...]
    expires_at: float
    flavor: str  # "entra" | "google" | "generic"
    grant_type: str
    tenant: str | None = None


@dataclass(frozen=True)
class ClientSecretInfo:
    """A client secret as ``client_secrets()`` lists it (without the value)."""

    key_id: str
    hint: str  # first 3 characters, as Entra shows them
    active_at: float  # epoch seconds; before that the secret is refused (propagation)
    expires_at: float | None
    expired: bool
    display_name: str | None


@dataclass
class _Secret:
    key_id: str
    value: str
    active_at: float
    expires_at: float | None = None
    expired: bool = False
    display_name: str | None = None

    def is_expired(self, now: float) -> bool:
        return self.expired or (self.expires_at is not None and self.expires_at <= now)


@dataclass
class _Client:
    client_id: str
    secrets: list[_Secret]
    public_key: rsa.RSAPublicKey | None
    redirect_uris: list[str]
    tenant: str | None
    token_endpoint_auth_method: str | None
    name: str
    consent_required: bool = False
    allow_public_client: bool = False
    #: Registered with a secret at some point: presenting a secret is then
    #: checked (7000215) instead of refused as public (700025).
    confidential: bool = False

    @property
    def secret(self) -> str | None:
        """The first secret's value (backward compatibility)."""
        return self.secrets[0].value if self.secrets else None

    @property
    def secret_expired(self) -> bool:
        return bool(self.secrets) and all(s.expired for s in self.secrets)


@dataclass
class _User:
    username: str
    password: str
    mfa: bool


@dataclass
class _ServiceAccount:
    client_email: str
    public_key: rsa.RSAPublicKey
    private_key_id: str | None
    delegated: bool | frozenset[str]
    scopes: frozenset[str]


@dataclass
class _RefreshToken:
    token: str
    client_id: str
    subject: str
    scopes: tuple[str, ...]
    tenant: str | None
    state: str = "valid"  # "valid" | "rotated" | "expired"
    #: Issued to a public-client flow (no client credential presented): Entra then
    #: refuses a redemption that presents a secret/assertion (AADSTS700025).
    public: bool = False


@dataclass(frozen=True)
class DeviceCodeInfo:
    """A device authorization as ``device_codes`` lists it."""

    user_code: str
    device_code: str
    client_id: str
    scopes: tuple[str, ...]
    tenant: str
    state: str  # "pending" | "approved" | "declined" | "expired" | "redeemed"
    username: str | None
    polls: int
    expires_at: float


@dataclass
class _DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    requested: tuple[str, ...]
    tenant: str
    tid: str
    expires_at: float
    interval: int
    state: str = "pending"
    username: str | None = None
    polls: int = 0
    auto_approve: tuple[str, int] | None = None  # (username, after so many polls)

    def info(self) -> DeviceCodeInfo:
        return DeviceCodeInfo(
            user_code=self.user_code,
            device_code=self.device_code,
            client_id=self.client_id,
            scopes=self.requested,
            tenant=self.tenant,
            state=self.state,
            username=self.username,
            polls=self.polls,
            expires_at=self.expires_at,
        )


@dataclass
class _Redirect:
    status: int
    location: str
    remaining: int | None  # None: until clear_token_redirect()
    path_contains: str | None


@dataclass
class _CRLFInjection:
    remaining: int
    injection: str


@dataclass
class _ErrorAnswer:
    error: str
    description: str
    aadsts: int | None
    status: int
    remaining: int | None  # None: every matching request
    path_contains: str | None
    form: dict[str, str]

    def matches(self, request: Request) -> bool:
        if self.path_contains is not None and self.path_contains not in request.path:
            return False
        values = request.form if request.method == "POST" else request.query
        return all(values.get(key) == value for key, value in self.form.items())


@dataclass
class _AuthCode:
    code: str
    flavor: str
    client_id: str
    redirect_uri: str | None
    challenge: str | None
    challenge_method: str
    scopes: tuple[str, ...]
    requested: tuple[str, ...]  # as asked, including reserved scopes
    nonce: str | None
    subject: str
    tenant: str | None
    offline: bool
    expires_at: float
    used: bool = False


class OAuthError(Exception):
    """An OAuth error answer; ``aadsts`` is used for the Entra flavour only."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str,
        *,
        aadsts: int | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.aadsts = aadsts
        self.extra = extra or {}
        self.headers = headers or {}


class _JWTError(ValueError):
    pass


def _public_client_error() -> OAuthError:
    return OAuthError(
        401,
        "invalid_client",
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        aadsts=700025,
    )


# ---------------------------------------------------------------------------
# helpers


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise _JWTError("not base64url") from exc


def _load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    if b"BEGIN CERTIFICATE" in data:
        key: Any = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("only RSA public keys are supported")
    return key


def _jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3:
        raise _JWTError("a JWT has three dot-separated parts")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _JWTError("JWT header or payload is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _JWTError("JWT header and payload must be JSON objects")
    return header, claims, (parts[0] + "." + parts[1]).encode("ascii"), _b64url_decode(parts[2])


def _unverified_claims(token: str) -> dict[str, Any]:
    try:
        return _jwt_parts(token)[1]
    except _JWTError:
        return {}


def verify_jwt(
    token: str, key: rsa.RSAPublicKey, algorithms: Collection[str] = ("RS256", "PS256")
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check an RS256/PS256 JWS signature; return (header, claims). Raises ValueError."""
    header, claims, signing_input, signature = _jwt_parts(token)
    alg = header.get("alg")
    if alg not in algorithms:
        raise _JWTError(f"alg {alg!r} not accepted (want one of {sorted(algorithms)})")
    try:
        if alg == "RS256":
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "PS256":
            key.verify(
                signature,
                signing_input,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256(),
            )
        else:  # pragma: no cover - filtered above
            raise _JWTError(f"alg {alg!r} not implemented")
    except InvalidSignature as exc:
        raise _JWTError("signature does not verify") from exc
    return header, claims


def _sign_rs256(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str) -> str:
    header = {"typ": "JWT", "alg": "RS256", "kid": kid}
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64url(signature)


def _split_scopes(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split() if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return tuple(out)


def _resource_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    return tuple(s for s in scopes if s.lower() not in RESERVED_SCOPES)


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _oid(username: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "user:" + username.lower()))


def _add_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if method.upper() == "S256":
        computed = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    else:
        computed = verifier
    return hmac.compare_digest(computed, challenge)


# ---------------------------------------------------------------------------
# the server


class LocalIdP(TLSHTTPService):
    """Entra-, Google- and RFC-style OAuth2 token service on 127.0.0.1 (see module doc)."""

    def __init__(self, pki: PKI, *, token_lifetime: int = 3600) -> None:
        super().__init__(pki)
        self.token_lifetime = token_lifetime
        self.microsoft_token_length = 2000
        self._clients: dict[str, _Client] = {}
        self._users: dict[str, _User] = {}
        self._service_accounts: dict[str, _ServiceAccount] = {}
        self._tenants: dict[str, str] = {}  # lower-case name -> tenant id
        self._access: dict[str, AccessTokenInfo] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._codes: dict[str, _AuthCode] = {}
        self._seen_jti: set[str] = set()
        self._app_mailboxes: dict[str, frozenset[str]] = {}
        self._authorize_user: str | None = None
        self._authorize_override = False
        self._device_codes: dict[str, _DeviceCode] = {}  # device_code -> record
        self._device_changed = threading.Condition(self._lock)
        self._device_auto_approve: tuple[str, int] | None = None
        self._redirect: _Redirect | None = None
        self._crlf: _CRLFInjection | None = None
        self._error_answers: list[_ErrorAnswer] = []
        #: Device code flow: seconds between polls the client is told to wait
        #: (MSAL sleeps that long; 1 keeps tests quick), and code lifetime.
        self.device_code_interval = 5
        self.device_code_lifetime = 900
        #: What ``verification_uri`` (and ``message``) of a device code answer say.
        self.device_verification_uri = "https://microsoft.com/devicelogin"
        signing = make_key_pair("local-idp-signing")
        self._signing_key = signing.key

    def __enter__(self) -> LocalIdP:
        self.start()
        return self

    # -- URLs --------------------------------------------------------------
    @property
    def authority(self) -> str:
        """Entra-style authority host; MSAL wants ``f"{idp.authority}/{tenant}"``."""
        return self.base_url

    def entra_token_endpoint(self, tenant: str) -> str:
        return f"{self.base_url}/{tenant}/oauth2/v2.0/token"

    def entra_authorize_url(self, tenant: str) -> str:
        return f"{self.base_url}/{tenant}/oauth2/v2.0/authorize"

    def entra_devicecode_endpoint(self, tenant: str) -> str:
        return f"{self.base_url}/{tenant}/oauth2/v2.0/devicecode"

    @property
    def google_token_uri(self) -> str:
        return f"{self.base_url}/token"

    @property
    def google_authorize_url(self) -> str:
        return f"{self.base_url}/o/oauth2/auth"

    @property
    def generic_token_endpoint(self) -> str:
        return f"{self.base_url}/oauth2/token"

    @property
    def generic_authorize_url(self) -> str:
        return f"{self.base_url}/oauth2/authorize"

    # -- registration ------------------------------------------------------
    def add_client(
        self,
        client_id: str,
        *,
        secret: str | None = None,
        public_key_pem: str | bytes | None = None,
        redirect_uris: Iterable[str] = (),
        tenant: str | None = None,
        token_endpoint_auth_method: str | None = None,
        name: str | None = None,
        allow_public_client: bool = False,
    ) -> str | None:
        """Register (or replace) a client; returns the key id of *secret* (None without).

        ``allow_public_client=True`` is Entra's "Allow public client flows": the
        client may use the device code flow (and user grants) without a secret;
        without it a device code redemption gets AADSTS7000218."""
        key = _load_public_key(public_key_pem) if public_key_pem is not None else None
        creds = [_Secret(str(uuid.uuid4()), secret, 0.0)] if secret is not None else []
        with self._lock:
            self._clients[client_id] = _Client(
                client_id=client_id,
                secrets=creds,
                public_key=key,
                redirect_uris=list(redirect_uris),
                tenant=tenant,
                token_endpoint_auth_method=token_endpoint_auth_method,
                name=name or f"app {client_id}",
                allow_public_client=allow_public_client,
                confidential=secret is not None,
            )
        return creds[0].key_id if creds else None

    def has_client(self, client_id: str) -> bool:
        with self._lock:
            return client_id in self._clients

    def register_redirect_uris(self, client_id: str, uris: Iterable[str]) -> None:
        """Replace the redirect URIs registered for a client, as an edit in its console
        would: authorize accepts exactly these from then on (AADSTS50011 /
        ``redirect_uri_mismatch`` for any other)."""
        with self._lock:
            self._clients[client_id].redirect_uris = list(uris)

    def add_client_secret(
        self,
        client_id: str,
        secret: str,
        *,
        active_after: float = 0,
        key_id: str | None = None,
        expires_at: float | None = None,
        display_name: str | None = None,
    ) -> str:
        """Give *client_id* one more secret; returns its key id.

        ``active_after`` seconds from now the secret starts to work (Entra takes
        a few seconds to propagate a new secret; until then it answers
        AADSTS7000215 as for a wrong secret). ``expires_at`` (epoch seconds):
        afterwards AADSTS7000222. Raises KeyError for an unknown client."""
        kid = key_id or str(uuid.uuid4())
        entry = _Secret(
            kid,
            secret,
            time.time() + active_after if active_after > 0 else 0.0,
            expires_at=expires_at,
            display_name=display_name,
        )
        with self._lock:
            client = self._clients[client_id]
            if any(s.key_id == kid for s in client.secrets):
                raise ValueError(f"client {client_id!r} already has a secret with key id {kid}")
            client.secrets.append(entry)
            client.confidential = True
        return kid

    def remove_client_secret(self, client_id: str, key_id: str) -> None:
        """Remove one secret; raises KeyError for an unknown client or key id."""
        with self._lock:
            client = self._clients[client_id]
            kept = [s for s in client.secrets if s.key_id != key_id]
            if len(kept) == len(client.secrets):
                raise KeyError(key_id)
            client.secrets = kept

    def client_secrets(self, client_id: str) -> list[ClientSecretInfo]:
        """The client's secrets, oldest first (values left out)."""
        now = time.time()
        with self._lock:
            return [
                ClientSecretInfo(
                    key_id=s.key_id,
                    hint=s.value[:3],
                    active_at=s.active_at,
                    expires_at=s.expires_at,
                    expired=s.is_expired(now),
                    display_name=s.display_name,
                )
                for s in self._clients[client_id].secrets
            ]

    def add_user(self, username: str, password: str, *, mfa: bool = False) -> None:
        with self._lock:
            self._users[username.lower()] = _User(username, password, mfa)

    def add_service_account(
        self,
        client_email: str,
        public_key_pem: str | bytes,
        *,
        private_key_id: str | None = None,
        delegated: bool | Collection[str] = True,
        scopes: Iterable[str] = (GMAIL_SCOPE,),
    ) -> None:
        """Register a service account; ``delegated`` = domain-wide delegation granted
        (True: for every subject; a collection: for those mailboxes only) for ``scopes``."""
        deleg: bool | frozenset[str] = (
            delegated if isinstance(delegated, bool) else frozenset(m.lower() for m in delegated)
        )
        with self._lock:
            self._service_accounts[client_email] = _ServiceAccount(
                client_email=client_email,
                public_key=_load_public_key(public_key_pem),
                private_key_id=private_key_id,
                delegated=deleg,
                scopes=frozenset(scopes),
            )

    def add_tenant(self, name: str, *, tenant_id: str | None = None) -> str:
        """Restrict Entra endpoints to registered tenants; returns the tenant id."""
        tid = tenant_id or (name if _is_guid(name) else self._derived_tenant_id(name))
        with self._lock:
            self._tenants[name.lower()] = tid
            self._tenants[tid.lower()] = tid
        return tid

    def issue_refresh_token(
        self,
        client_id: str,
        username: str,
        scope: str | Iterable[str],
        *,
        public: bool = False,
    ) -> str:
        """A valid refresh token for (client, user, scope): to seed a token store.

        ``public=True``: as if issued to a public-client flow (device code): an
        Entra redemption presenting a client secret then gets AADSTS700025."""
        return self._new_refresh_token(
            client_id, username, _split_scopes(scope), None, public=public
        )

    def issue_access_token(
        self,
        client_id: str,
        username: str | None,
        scope: str | Iterable[str],
        *,
        flavor: str = ENTRA,
        lifetime: int | None = None,
    ) -> str:
        """An access token as if a grant had run (``username=None``: app-only)."""
        info = self._mint_access_token(
            flavor, client_id, username, _resource_scopes(_split_scopes(scope)), None, "test"
        )
        if lifetime is not None:
            with self._lock:
                info = replace(info, expires_at=time.time() + lifetime)
                self._access[info.token] = info
        return info.token

    def expire_refresh_token(self, token: str) -> None:
        with self._lock:
            self._refresh[token].state = "expired"

    def expire_access_token(self, token: str) -> None:
        with self._lock:
            info = self._access[token]
            self._access[token] = replace(info, expires_at=time.time() - 1)

    # -- knobs -------------------------------------------------------------
    def expire_secret(self, client_id: str, key_id: str | None = None) -> None:
        """Mark the client's secrets (or only *key_id*) expired: AADSTS7000222."""
        with self._lock:
            client = self._clients[client_id]
            for entry in client.secrets:
                if key_id is None or entry.key_id == key_id:
                    entry.expired = True

    def require_consent(self, client_id: str) -> None:
        with self._lock:
            self._clients[client_id].consent_required = True

    def grant_consent(self, client_id: str) -> None:
        with self._lock:
            self._clients[client_id].consent_required = False

    def set_authorize_user(self, username: str | None, *, override_hint: bool = False) -> None:
        with self._lock:
            self._authorize_user = username
            self._authorize_override = override_hint

    def allow_app_mailboxes(self, client_id: str, *mailboxes: str) -> None:
        with self._lock:
            self._app_mailboxes[client_id] = frozenset(m.lower() for m in mailboxes)

    # device code flow
    def _device_by_user_code(self, user_code: str) -> _DeviceCode:
        wanted = user_code.strip().upper()
        with self._lock:
            for record in self._device_codes.values():
                if record.user_code == wanted:
                    return record
        raise KeyError(user_code)

    def approve_device_code(self, user_code: str, username: str) -> None:
        """The user *username* signs in at the verification page and enters *user_code*:
        the next poll gets tokens for that user. KeyError for an unknown code."""
        with self._lock:
            record = self._device_by_user_code(user_code)
            record.state, record.username = "approved", username
            self._device_changed.notify_all()

    def decline_device_code(self, user_code: str) -> None:
        """The user declines: the next poll gets ``authorization_declined``."""
        with self._lock:
            record = self._device_by_user_code(user_code)
            record.state = "declined"
            self._device_changed.notify_all()

    def expire_device_code(self, user_code: str) -> None:
        """The code's ``expires_in`` passed: the next poll gets ``expired_token``."""
        with self._lock:
            record = self._device_by_user_code(user_code)
            record.expires_at = time.time() - 1
            self._device_changed.notify_all()

    def auto_approve_device_codes(self, username: str | None, *, after_polls: int = 1) -> None:
        """Device codes issued from now on approve themselves for *username* once
        polled *after_polls* times while pending (``None`` turns this off), so
        product code can run a device flow without a test thread."""
        with self._lock:
            self._device_auto_approve = None if username is None else (username, after_polls)

    @property
    def device_codes(self) -> list[DeviceCodeInfo]:
        """Every device authorization issued so far, oldest first."""
        with self._lock:
            return [r.info() for r in self._device_codes.values()]

    def wait_for_device_code(self, timeout: float = 5.0, *, polls: int = 0) -> DeviceCodeInfo:
        """Block until a device code is pending (and was polled at least *polls*
        times); return the newest such one. TimeoutError after *timeout* s."""
        deadline = time.monotonic() + timeout
        with self._device_changed:
            while True:
                pending = [
                    r
                    for r in self._device_codes.values()
                    if r.state == "pending" and r.polls >= polls
                ]
                if pending:
                    return pending[-1].info()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no pending device code at the LocalIdP")
                self._device_changed.wait(left)

    # hostile answers
    def redirect_token_requests(
        self,
        status: int | None = 307,
        location: str | None = None,
        *,
        count: int | None = None,
        path_contains: str | None = None,
    ) -> None:
        """Token endpoint POSTs answer *status* (307/308/302/301) with ``Location:
        location`` instead of being handled (e.g. to a :class:`RecordingSink` on
        another origin), for *count* requests (None: until turned off with
        ``redirect_token_requests(None)``). ``path_contains`` selects other
        requests (any method) instead of the token endpoints."""
        with self._lock:
            if status is None:
                self._redirect = None
                return
            if location is None:
                raise ValueError("redirect_token_requests needs a location")
            self._redirect = _Redirect(status, location, count, path_contains)

    def crlf_access_token_next(
        self, count: int = 1, *, injection: str = DEFAULT_CRLF_INJECTION
    ) -> None:
        """The next *count* access tokens minted (any grant, and
        ``issue_access_token``) end with *injection* (default CR LF plus a fake
        header), so ``Authorization: Bearer <token>`` is an invalid header
        (requests raises ``InvalidHeader``). The token stays valid here."""
        with self._lock:
            self._crlf = _CRLFInjection(count, injection) if count > 0 else None

    def answer_error_next(
        self,
        error: str,
        description: str = "",
        *,
        aadsts: int | None = None,
        status: int = 400,
        count: int | None = 1,
        path_contains: str | None = None,
        form: dict[str, str] | None = None,
    ) -> None:
        """Answer the next *count* matching requests (None: every one) with this OAuth2
        error instead of handling them, to see what a client makes of any answer an
        identity provider may give (every AADSTS code, Google's ``org_internal``...).

        Matching: token and device code POSTs; authorize GETs (Entra's, Google's, the
        generic one) only when ``path_contains`` is given; never discovery or keys.
        ``path_contains`` narrows them to paths containing it (``"/authorize"`` or
        ``"/o/oauth2/auth"`` for the authorize endpoints), ``form`` to requests whose
        form (POST) or query (GET) holds these values (``{"username": ...}``,
        ``{"redirect_uri": ...}``, ``{"refresh_token": ...}``). Knobs are tried in the
        order they were set.

        A POST gets *status* with a JSON body: with *aadsts*, Entra's shape
        (``error_description`` ``"AADSTS<n>: <description>"`` plus trace and correlation
        lines, ``error_codes`` ``[n]``), else ``{"error", "error_description"}``. An
        authorize GET whose ``redirect_uri`` is registered for its ``client_id`` is
        redirected back there with ``error``, ``error_description`` (``AADSTS<n>: ...``
        with *aadsts*) and the request's ``state``, as Entra and Google do when consent
        is declined or not allowed; otherwise it gets the JSON body (what a browser
        would show)."""
        with self._lock:
            self._error_answers.append(
                _ErrorAnswer(
                    error, description, aadsts, status, count, path_contains, dict(form or {})
                )
            )

    def _take_error_answer(self, request: Request) -> Response | None:
        authorize = request.method == "GET" and (
            request.path in ("/oauth2/authorize", "/o/oauth2/auth", "/o/oauth2/v2/auth")
            or request.path.endswith("/oauth2/v2.0/authorize")
        )
        posted = request.method == "POST" and (
            self._is_token_path(request.path) or request.path.endswith("/oauth2/v2.0/devicecode")
        )
        if not (authorize or posted):
            return None
        with self._lock:
            answer = next(
                (
                    a
                    for a in self._error_answers
                    if a.matches(request) and (posted or a.path_contains is not None)
                ),
                None,
            )
            if answer is None:
                return None
            if answer.remaining is not None:
                answer.remaining -= 1
                if answer.remaining <= 0:
                    self._error_answers.remove(answer)
            client = self._clients.get(request.query.get("client_id", ""))
        err = OAuthError(answer.status, answer.error, answer.description, aadsts=answer.aadsts)
        target = request.query.get("redirect_uri")
        if authorize and client is not None and target in client.redirect_uris:
            assert target is not None
            text = f"AADSTS{err.aadsts}: {err.description}" if err.aadsts else err.description
            params = {"error": err.error, "error_description": text}
            if "state" in request.query:
                params["state"] = request.query["state"]
            return Response.redirect(_add_query(target, params))
        return self._error_response(ENTRA if err.aadsts is not None else GENERIC, err)

    # -- validation API ----------------------------------------------------
    def token_info(self, token: str) -> AccessTokenInfo | None:
        with self._lock:
            return self._access.get(token)

    def check_access_token(
        self,
        token: str,
        *,
        mailbox: str | None = None,
        scope_contains: str | None = None,
    ) -> bool:
        info = self.token_info(token)
        if info is None or info.expires_at <= time.time():
            return False
        if mailbox is not None:
            if info.subject is None:
                with self._lock:
                    allowed = self._app_mailboxes.get(info.client_id)
                if allowed is not None and mailbox.lower() not in allowed:
                    return False
            elif info.subject.lower() != mailbox.lower():
                return False
        if scope_contains is not None:
            if scope_contains.lower() not in " ".join(info.scopes).lower():
                return False
        return True

    @property
    def access_tokens(self) -> list[AccessTokenInfo]:
        with self._lock:
            return list(self._access.values())

    # -- token minting -----------------------------------------------------
    def _derived_tenant_id(self, name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, "tenant." + name.lower()))

    def _tenant_id(self, name: str) -> str:
        with self._lock:
            known = self._tenants.get(name.lower())
        if known:
            return known
        return name if _is_guid(name) else self._derived_tenant_id(name)

    def _take_crlf(self) -> str:
        with self._lock:
            crlf = self._crlf
            if crlf is None:
                return ""
            crlf.remaining -= 1
            if crlf.remaining <= 0:
                self._crlf = None
            return crlf.injection

    def _random_token(self, flavor: str) -> str:
        if flavor == ENTRA:
            header = _b64url(
                json.dumps(
                    {
                        "typ": "JWT",
                        "nonce": secrets.token_urlsafe(32),
                        "alg": "RS256",
                        "x5t": "local",
                        "kid": "local",
                    }
                ).encode()
            )
            signature = secrets.token_urlsafe(256)[:342]
            body_len = max(16, self.microsoft_token_length - len(header) - len(signature) - 2)
            body = ""
            while len(body) < body_len:
                body += secrets.token_urlsafe(512)
            return f"{header}.{body[:body_len]}.{signature}"
        if flavor == GOOGLE:
            return "ya29.a0" + secrets.token_urlsafe(160)
        return secrets.token_urlsafe(36)

    def _mint_access_token(
        self,
        flavor: str,
        client_id: str,
        subject: str | None,
        scopes: tuple[str, ...],
        tenant: str | None,
        grant_type: str,
    ) -> AccessTokenInfo:
        info = AccessTokenInfo(
            token=self._random_token(flavor) + self._take_crlf(),
            client_id=client_id,
            subject=subject,
            scopes=scopes,
            expires_at=time.time() + self.token_lifetime,
            flavor=flavor,
            grant_type=grant_type,
            tenant=tenant,
        )
        with self._lock:
            self._access[info.token] = info
        return info

    def _new_refresh_token(
        self,
        client_id: str,
        subject: str,
        scopes: tuple[str, ...],
        tenant: str | None,
        flavor: str = ENTRA,
        *,
        public: bool = False,
    ) -> str:
        if flavor == GOOGLE:
            token = "1//0" + secrets.token_urlsafe(75)
        elif flavor == ENTRA:
            token = "1.AQ" + secrets.token_urlsafe(700)
        else:
            token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[token] = _RefreshToken(
                token, client_id, subject, scopes, tenant, public=public
            )
        return token

    def _id_token(
        self,
        issuer: str,
        client_id: str,
        username: str,
        tenant_id: str | None,
        nonce: str | None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": client_id,
            "iss": issuer,
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "sub": _b64url(hashlib.sha256(f"{client_id}|{username.lower()}".encode()).digest()),
            "oid": _oid(username),
            "preferred_username": username,
            "email": username,
            "name": username.split("@")[0],
            "ver": "2.0",
        }
        if tenant_id:
            claims["tid"] = tenant_id
        if nonce:
            claims["nonce"] = nonce
        return _sign_rs256(claims, self._signing_key, _SIGNING_KID)

    def _jwks(self) -> dict[str, Any]:
        numbers = self._signing_key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": _SIGNING_KID,
                    "n": _b64url(n),
                    "e": _b64url(e),
                }
            ]
        }

    # -- error rendering ---------------------------------------------------
    def _error_response(self, flavor: str, err: OAuthError) -> Response:
        if flavor == ENTRA and err.aadsts is not None:
            now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
            body: dict[str, Any] = {
                "error": err.error,
                "error_description": (
                    f"AADSTS{err.aadsts}: {err.description}\r\nTrace ID: {trace}\r\n"
                    f"Correlation ID: {corr}\r\nTimestamp: {now}"
                ),
                "error_codes": [err.aadsts],
                "timestamp": now,
                "trace_id": trace,
                "correlation_id": corr,
                "error_uri": f"{self.base_url}/error?code={err.aadsts}",
            }
        else:
            body = {"error": err.error, "error_description": err.description}
        body.update(err.extra)
        return Response.json(err.status, body, err.headers)

    def _fault_applies_by_default(self, request: Request) -> bool:
        return request.method == "POST"

    def _fault_response(self, request: Request, status: int) -> Response:
        error = "temporarily_unavailable" if status >= 500 else "too_many_requests"
        if request.path.endswith("/oauth2/v2.0/token"):
            err = OAuthError(status, error, f"Simulated HTTP {status} (LocalIdP).", aadsts=90033)
            return self._error_response(ENTRA, err)
        return Response.json(
            status, {"error": error, "error_description": f"Simulated HTTP {status} (LocalIdP)."}
        )

    # -- routing -----------------------------------------------------------
    @staticmethod
    def _is_token_path(path: str) -> bool:
        segs = [s for s in path.split("/") if s]
        return path in ("/token", "/oauth2/token") or (
            len(segs) == 4 and segs[1:] == ["oauth2", "v2.0", "token"]
        )

    def _take_redirect(self, request: Request) -> Response | None:
        with self._lock:
            redirect = self._redirect
            if redirect is None:
                return None
            if redirect.path_contains is not None:
                if redirect.path_contains not in request.path:
                    return None
            elif request.method != "POST" or not self._is_token_path(request.path):
                return None
            if redirect.remaining is not None:
                redirect.remaining -= 1
                if redirect.remaining <= 0:
                    self._redirect = None
        return Response(
            redirect.status,
            b"",
            {"Location": redirect.location, "Cache-Control": "no-store"},
        )

    def handle(self, request: Request) -> Response:
        path = request.path
        method = request.method
        segs = [s for s in path.split("/") if s]
        redirected = self._take_redirect(request) or self._take_error_answer(request)
        if redirected is not None:
            return redirected

        def only(allowed: str) -> Response | None:
            if method != allowed:
                return Response.json(405, {"error": "method_not_allowed"}, {"Allow": allowed})
            return None

        if path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
            return only("GET") or Response.json(200, self._generic_metadata())
        if path in ("/jwks", "/oauth2/v3/certs"):
            return only("GET") or Response.json(200, self._jwks())
        if len(segs) == 3 and segs[0].lower() == "common" and segs[1] == "userrealm":
            return only("GET") or self._user_realm(segs[2])
        if path == "/common/discovery/instance":
            return only("GET") or self._instance_discovery(request)
        if path == "/token":
            return only("POST") or self._token(request, GOOGLE, None)
        if path in ("/o/oauth2/auth", "/o/oauth2/v2/auth"):
            return only("GET") or self._authorize(request, GOOGLE, None)
        if path == "/oauth2/token":
            return only("POST") or self._token(request, GENERIC, None)
        if path == "/oauth2/authorize":
            return only("GET") or self._authorize(request, GENERIC, None)
        if len(segs) == 4 and segs[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return only("GET") or self._entra_discovery(segs[0])
        if len(segs) == 4 and segs[1:] == ["discovery", "v2.0", "keys"]:
            return only("GET") or Response.json(200, self._jwks())
        if len(segs) == 4 and segs[1:3] == ["oauth2", "v2.0"]:
            if segs[3] == "token":
                return only("POST") or self._token(request, ENTRA, segs[0])
            if segs[3] == "authorize":
                return only("GET") or self._authorize(request, ENTRA, segs[0])
            if segs[3] == "devicecode":
                return only("POST") or self._devicecode(request, segs[0])
        return Response.json(404, {"error": "not_found", "error_description": path})

    # -- discovery ---------------------------------------------------------
    def _check_tenant(self, tenant: str) -> str:
        with self._lock:
            restricted = bool(self._tenants)
            known = tenant.lower() in self._tenants
        if restricted and not known and tenant.lower() not in _SPECIAL_TENANTS:
            raise OAuthError(
                400,
                "invalid_request",
                f"Tenant '{tenant}' not found. Check to make sure you have the correct "
                "tenant ID and are signing into the correct cloud.",
                aadsts=90002,
            )
        return self._tenant_id(tenant)

    def _entra_discovery(self, tenant: str) -> Response:
        try:
            tid = self._check_tenant(tenant)
        except OAuthError as err:
            return self._error_response(ENTRA, err)
        b = self.base_url
        return Response.json(
            200,
            {
                "token_endpoint": f"{b}/{tenant}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{b}/{tenant}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{b}/{tid}/v2.0",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{b}/{tenant}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{b}/{tenant}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{b}/{tenant}/oauth2/v2.0/logout",
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "nonce",
                    "preferred_username",
                    "name",
                    "tid",
                    "ver",
                    "oid",
                    "email",
                ],
                "code_challenge_methods_supported": ["plain", "S256"],
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com",
            },
        )

    def _instance_discovery(self, request: Request) -> Response:
        auth = request.query.get("authorization_endpoint", "")
        segs = [s for s in urlsplit(auth).path.split("/") if s]
        tenant = segs[0] if segs else "common"
        host = f"{self.host}:{self.port}"
        return Response.json(
            200,
            {
                "tenant_discovery_endpoint": (
                    f"{self.base_url}/{tenant}/v2.0/.well-known/openid-configuration"
                ),
                "api-version": "1.1",
                "metadata": [
                    {"preferred_network": host, "preferred_cache": host, "aliases": [host]}
                ],
            },
        )

    def _user_realm(self, username: str) -> Response:
        domain = username.rpartition("@")[2]
        return Response.json(
            200,
            {
                "ver": "1.0",
                "account_type": "Managed",
                "domain_name": domain,
                "cloud_instance_name": "microsoftonline.com",
                "cloud_audience_urn": "urn:federation:MicrosoftOnline",
            },
        )

    def _generic_metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.base_url,
            "authorization_endpoint": self.generic_authorize_url,
            "token_endpoint": self.generic_token_endpoint,
            "jwks_uri": f"{self.base_url}/jwks",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "client_secret_basic",
                "private_key_jwt",
            ],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256", "plain"],
        }

    # -- authorize ---------------------------------------------------------
    def _authorize(self, request: Request, flavor: str, tenant: str | None) -> Response:
        q = request.query
        try:
            tid = self._check_tenant(tenant) if tenant is not None else None
            client_id = q.get("client_id", "")
            with self._lock:
                client = self._clients.get(client_id)
            if client is None or (
                tenant is not None and not self._client_in_tenant(client, tenant)
            ):
                raise self._unknown_client_error(flavor, client_id, tenant, status=400)
            redirect_uri = q.get("redirect_uri")
            if redirect_uri is None:
                if len(client.redirect_uris) != 1:
                    raise OAuthError(
                        400,
                        "invalid_request",
                        "The request must contain a 'redirect_uri' parameter.",
                        aadsts=900144,
                    )
                target = client.redirect_uris[0]
            elif redirect_uri not in client.redirect_uris:
                if flavor == GOOGLE:
                    raise OAuthError(
                        400,
                        "redirect_uri_mismatch",
                        f"Error 400: redirect_uri_mismatch. The redirect URI in the request, "
                        f"{redirect_uri}, does not match the ones authorized for the OAuth client.",
                    )
                raise OAuthError(
                    400,
                    "invalid_request",
                    f"The redirect URI '{redirect_uri}' specified in the request does not match "
                    f"the redirect URIs configured for the application '{client_id}'. Make sure "
                    "the redirect URI sent in the request matches one added to your application "
                    "in the Azure portal.",
                    aadsts=50011,
                )
            else:
                target = redirect_uri
        except OAuthError as err:
            return self._error_response(flavor, err)

        state = q.get("state")

        def back(params: dict[str, str]) -> Response:
            if state is not None:
                params["state"] = state
            return Response.redirect(_add_query(target, params))

        if request.duplicate_keys:
            return back(
                {
                    "error": "invalid_request",
                    "error_description": f"duplicate parameters {request.duplicate_keys}",
                }
            )
        if q.get("response_type") != "code":
            return back(
                {
                    "error": "unsupported_response_type",
                    "error_description": "only response_type=code is supported",
                }
            )
        challenge = q.get("code_challenge")
        method = q.get("code_challenge_method", "plain")
        if challenge is not None and method not in ("S256", "plain"):
            return back(
                {
                    "error": "invalid_request",
                    "error_description": "code_challenge_method must be S256 or plain",
                }
            )
        if client.consent_required and flavor == ENTRA:
            return back(
                {
                    "error": "consent_required",
                    "error_description": (
                        f"AADSTS65001: The user or administrator has not consented to use the "
                        f"application with ID '{client.client_id}' named '{client.name}'."
                    ),
                }
            )
        user = self._pick_authorize_user(q.get("login_hint"))
        if user is None:
            return back(
                {
                    "error": "login_required" if q.get("prompt") == "none" else "access_denied",
                    "error_description": "LocalIdP: no user (use login_hint of a registered user "
                    "or set_authorize_user)",
                }
            )
        requested = _split_scopes(q.get("scope"))
        code = _AuthCode(
            code=secrets.token_urlsafe(48 if flavor == ENTRA else 32),
            flavor=flavor,
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            challenge=challenge,
            challenge_method=method,
            scopes=_resource_scopes(requested),
            requested=requested,
            nonce=q.get("nonce"),
            subject=user,
            tenant=tid,
            offline=(q.get("access_type") == "offline") if flavor == GOOGLE else True,
            expires_at=time.time() + _CODE_LIFETIME,
        )
        with self._lock:
            self._codes[code.code] = code
        params = {"code": code.code}
        if flavor == GOOGLE:
            params["scope"] = " ".join(requested)
        if flavor == ENTRA:
            params["session_state"] = str(uuid.uuid4())
        return back(params)

    def _pick_authorize_user(self, login_hint: str | None) -> str | None:
        with self._lock:
            default = self._authorize_user
            override = self._authorize_override
            hinted = self._users.get(login_hint.lower()) if login_hint else None
        if default is not None and (override or hinted is None):
            return default
        if hinted is not None:
            return hinted.username
        return None

    def _client_in_tenant(self, client: _Client, tenant: str) -> bool:
        if client.tenant is None or tenant.lower() in _SPECIAL_TENANTS:
            return True
        return self._tenant_id(client.tenant) == self._tenant_id(tenant)

    def _unknown_client_error(
        self, flavor: str, client_id: str, tenant: str | None, status: int = 401
    ) -> OAuthError:
        if flavor == ENTRA:
            return OAuthError(
                400,
                "unauthorized_client",
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant. You may "
                "have sent your authentication request to the wrong tenant.",
                aadsts=700016,
            )
        if flavor == GOOGLE:
            return OAuthError(status, "invalid_client", "The OAuth client was not found.")
        return OAuthError(status, "invalid_client", f"unknown client '{client_id}'")

    # -- token endpoint ----------------------------------------------------
    def _token(self, request: Request, flavor: str, tenant: str | None) -> Response:
        try:
            return Response.json(200, self._token_inner(request, flavor, tenant))
        except OAuthError as err:
            return self._error_response(flavor, err)

    def _token_inner(self, request: Request, flavor: str, tenant: str | None) -> dict[str, Any]:
        form = request.form
        if request.duplicate_keys:
            raise OAuthError(
                400,
                "invalid_request",
                f"Duplicate parameters: {sorted(set(request.duplicate_keys))}.",
                aadsts=90015,
            )
        tid = self._check_tenant(tenant) if tenant is not None else None
        grant = form.get("grant_type", "")
        if not grant:
            raise OAuthError(
                400,
                "invalid_request",
                "The request body must contain the following parameter: 'grant_type'.",
                aadsts=900144,
            )
        if flavor == GOOGLE and grant == JWT_BEARER_GRANT:
            return self._google_jwt_bearer(form)
        supported = {
            ENTRA: (
                "password",
                "authorization_code",
                "refresh_token",
                "client_credentials",
                DEVICE_CODE_GRANT,
            ),
            GOOGLE: ("refresh_token", "authorization_code"),
            GENERIC: ("client_credentials", "refresh_token", "authorization_code"),
        }[flavor]
        if grant not in supported:
            raise OAuthError(
                400,
                "unsupported_grant_type",
                f"The provided value for the input parameter 'grant_type' is not valid: {grant}",
                aadsts=70003,
            )
        endpoint = {
            ENTRA: self.entra_token_endpoint(tenant or "common"),
            GOOGLE: self.google_token_uri,
            GENERIC: self.generic_token_endpoint,
        }[flavor]
        client, method = self._authenticate(request, flavor, endpoint, tenant, grant)
        public = method == "none"
        if grant == "password":
            return self._grant_password(client, form, tenant or "common", tid, public)
        if grant == "client_credentials":
            return self._grant_client_credentials(client, form, flavor, tid)
        if grant == "refresh_token":
            return self._grant_refresh(client, form, flavor, tenant, tid, public)
        if grant == DEVICE_CODE_GRANT:
            return self._grant_device_code(client, form, tenant or "common", tid, public)
        return self._grant_code(client, form, flavor, tenant, tid, public)

    # client authentication
    def _authenticate_client(
        self, request: Request, flavor: str, endpoint: str, tenant: str | None
    ) -> _Client:
        return self._authenticate(request, flavor, endpoint, tenant, "")[0]

    def _authenticate(
        self, request: Request, flavor: str, endpoint: str, tenant: str | None, grant: str
    ) -> tuple[_Client, str]:
        """(client, authentication method used: ``none`` for a public client)."""
        form = request.form
        basic = request.basic_auth()
        assertion = form.get("client_assertion")
        client_id = form.get("client_id") or (basic[0] if basic else None)
        if not client_id and assertion:
            iss = _unverified_claims(assertion).get("iss")
            client_id = iss if isinstance(iss, str) else None
        if not client_id:
            raise OAuthError(
                400,
                "invalid_request",
                "The request body must contain the following parameter: 'client_id'.",
                aadsts=900144,
            )
        if basic and form.get("client_id") and basic[0] != form["client_id"]:
            raise OAuthError(
                400,
                "invalid_request",
                "client_id in the body and in Basic auth differ.",
                aadsts=900144,
            )
        with self._lock:
            client = self._clients.get(client_id)
        if client is None or (
            flavor == ENTRA and tenant is not None and not self._client_in_tenant(client, tenant)
        ):
            raise self._unknown_client_error(flavor, client_id, tenant)

        secret_in_body = form.get("client_secret")
        if assertion is not None:
            method = "private_key_jwt"
            self._verify_client_assertion(client, form, flavor, endpoint)
        elif secret_in_body is not None or basic is not None:
            method = "client_secret_post" if secret_in_body is not None else "client_secret_basic"
            given = secret_in_body if secret_in_body is not None else (basic[1] if basic else "")
            if not client.confidential:
                raise _public_client_error()
            now = time.time()
            matched = next(
                (
                    entry
                    for entry in client.secrets
                    if hmac.compare_digest(given.encode(), entry.value.encode())
                ),
                None,
            )
            if matched is None or matched.active_at > now:  # not (yet) a valid secret
                if flavor == ENTRA:
                    raise OAuthError(
                        401,
                        "invalid_client",
                        "Invalid client secret provided. Ensure the secret being sent in the "
                        "request is the client secret value, not the client secret ID, for a "
                        f"secret added to app '{client.client_id}'.",
                        aadsts=7000215,
                    )
                raise OAuthError(401, "invalid_client", "Unauthorized")
            if matched.is_expired(now):
                raise OAuthError(
                    401,
                    "invalid_client",
                    f"The provided client secret keys for app '{client.client_id}' are expired. "
                    "Visit the Azure portal to create new keys for your app: "
                    "https://aka.ms/NewClientSecret, or consider using certificate credentials "
                    "for added security: https://aka.ms/certCreds.",
                    aadsts=7000222,
                )
        else:
            method = "none"
            if client.allow_public_client:
                allowed = grant != "client_credentials"
            else:  # legacy: a client registered without any credential is public
                allowed = (
                    not client.confidential
                    and client.public_key is None
                    and grant != DEVICE_CODE_GRANT
                )
            if not allowed:
                if flavor == GOOGLE:
                    raise OAuthError(400, "invalid_request", "client_secret is missing.")
                raise OAuthError(
                    401,
                    "invalid_client",
                    "The request body must contain the following parameter: 'client_assertion' "
                    "or 'client_secret'.",
                    aadsts=7000218,
                )
        wanted = client.token_endpoint_auth_method
        if wanted is not None and wanted != method:
            raise OAuthError(
                401,
                "invalid_client",
                f"client authentication method mismatch: registered {wanted}, used {method}",
                aadsts=7000215 if method.startswith("client_secret") else 700027,
            )
        return client, method

    def _verify_client_assertion(
        self, client: _Client, form: dict[str, str], flavor: str, endpoint: str
    ) -> None:
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise OAuthError(
                400,
                "invalid_request",
                f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}",
                aadsts=700020,
            )
        if client.public_key is None:
            raise OAuthError(
                401,
                "invalid_client",
                f"No public key is registered for client '{client.client_id}'.",
                aadsts=700027,
            )
        try:
            _header, claims = verify_jwt(form["client_assertion"], client.public_key)
        except _JWTError as exc:
            raise OAuthError(
                401,
                "invalid_client",
                f"Client assertion failed signature validation ({exc}).",
                aadsts=700027,
            ) from exc
        if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
            raise OAuthError(
                401,
                "invalid_client",
                "Client assertion 'iss' and 'sub' must both be the client_id.",
                aadsts=700021,
            )
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if endpoint not in auds:
            raise OAuthError(
                401,
                "invalid_client",
                f"Client assertion audience claim does not match the token endpoint "
                f"{endpoint} (got {aud!r}).",
                aadsts=700212,
            )
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= now:
            raise OAuthError(
                401,
                "invalid_client",
                "Client assertion is not within its valid time range (exp missing or in the past).",
                aadsts=700024,
            )
        nbf = claims.get("nbf", claims.get("iat", now))
        if isinstance(nbf, (int, float)) and nbf > now + _SKEW:
            raise OAuthError(
                401,
                "invalid_client",
                "Client assertion is not yet valid (nbf/iat).",
                aadsts=700024,
            )
        jti = claims.get("jti")
        if jti is not None:
            with self._lock:
                if jti in self._seen_jti:
                    raise OAuthError(
                        401,
                        "invalid_client",
                        "Client assertion 'jti' was already used.",
                        aadsts=700030,
                    )
                self._seen_jti.add(jti)

    # grants
    def _consent_error(self, client: _Client) -> OAuthError:
        return OAuthError(
            400,
            "invalid_grant",
            f"The user or administrator has not consented to use the application with ID "
            f"'{client.client_id}' named '{client.name}'. Send an interactive authorization "
            "request for this user and resource.",
            aadsts=65001,
            extra={"suberror": "consent_required"},
        )

    def _entra_user_response(
        self,
        client: _Client,
        username: str,
        requested: tuple[str, ...],
        tenant: str,
        tid: str | None,
        form: dict[str, str],
        grant: str,
        nonce: str | None = None,
        public: bool = False,
    ) -> dict[str, Any]:
        resource = _resource_scopes(requested) or (DEFAULT_ENTRA_SCOPE,)
        lowered = {s.lower() for s in requested}
        info = self._mint_access_token(ENTRA, client.client_id, username, resource, tid, grant)
        out: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(resource),
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": info.token,
        }
        if "offline_access" in lowered or grant == "refresh_token":
            out["refresh_token"] = self._new_refresh_token(
                client.client_id, username, requested, tid, ENTRA, public=public
            )
        if "openid" in lowered:
            issuer = f"{self.base_url}/{tid or self._tenant_id(tenant)}/v2.0"
            out["id_token"] = self._id_token(issuer, client.client_id, username, tid, nonce)
        if form.get("client_info") == "1":
            out["client_info"] = _b64url(
                json.dumps({"uid": _oid(username), "utid": tid or ""}).encode()
            )
        return out

    def _grant_password(
        self,
        client: _Client,
        form: dict[str, str],
        tenant: str,
        tid: str | None,
        public: bool = False,
    ) -> dict[str, Any]:
        username = form.get("username", "")
        password = form.get("password", "")
        with self._lock:
            user = self._users.get(username.lower())
        if user is None or not hmac.compare_digest(password.encode(), user.password.encode()):
            raise OAuthError(
                400,
                "invalid_grant",
                "Error validating credentials due to invalid username or password.",
                aadsts=50126,
            )
        requested = _split_scopes(form.get("scope"))
        if user.mfa:
            resource = (_resource_scopes(requested) or (DEFAULT_ENTRA_SCOPE,))[0]
            raise OAuthError(
                400,
                "invalid_grant",
                "Due to a configuration change made by your administrator, or because you "
                "moved to a new location, you must use multi-factor authentication to access "
                f"'{resource}'.",
                aadsts=50076,
                extra={"suberror": "basic_action"},
            )
        if client.consent_required:
            raise self._consent_error(client)
        return self._entra_user_response(
            client, user.username, requested, tenant, tid, form, "password", public=public
        )

    def _grant_client_credentials(
        self, client: _Client, form: dict[str, str], flavor: str, tid: str | None
    ) -> dict[str, Any]:
        scopes = _split_scopes(form.get("scope"))
        if flavor == ENTRA:
            if len(scopes) != 1 or not scopes[0].endswith("/.default"):
                raise OAuthError(
                    400,
                    "invalid_scope",
                    f"The provided value for scope {' '.join(scopes)} is not valid. Client "
                    "credential flows must have a scope value with /.default suffixed to the "
                    "resource identifier (application ID URI).",
                    aadsts=1002012,
                )
        info = self._mint_access_token(
            flavor, client.client_id, None, scopes, tid, "client_credentials"
        )
        out: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "access_token": info.token,
        }
        if flavor == ENTRA:
            out["ext_expires_in"] = self.token_lifetime
        elif scopes:
            out["scope"] = " ".join(scopes)
        return out

    def _grant_refresh(self, *args: Any) -> dict[str, Any]:
        # Check-and-consume must be atomic: two parallel uses of one refresh token or
        # code must not both succeed.
        with self._lock:
            return self._grant_refresh_locked(*args)

    def _grant_refresh_locked(
        self,
        client: _Client,
        form: dict[str, str],
        flavor: str,
        tenant: str | None,
        tid: str | None,
        public: bool = False,
    ) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        with self._lock:
            record = self._refresh.get(token)
        if record is None:
            if flavor == ENTRA:
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "Invalid request. Request is malformed or invalid.",
                    aadsts=9002313,
                )
            raise OAuthError(400, "invalid_grant", "Bad Request")
        if flavor == ENTRA and record.public and not public:
            # Issued to a public-client flow: Entra refuses a secret/assertion now.
            raise _public_client_error()
        if record.state != "valid":
            if flavor == GOOGLE:
                raise OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
            if record.state == "expired":
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "The refresh token has expired due to inactivity. The token was issued "
                    "long ago and was inactive for 90.00:00:00.",
                    aadsts=700082,
                )
            raise OAuthError(
                400,
                "invalid_grant",
                "The provided grant has expired due to it being revoked, a fresh auth token "
                "is needed. (LocalIdP: refresh tokens rotate; this one was already used.)",
                aadsts=50173,
            )
        if record.client_id != client.client_id:
            if flavor == GOOGLE:
                raise OAuthError(401, "unauthorized_client", "Unauthorized")
            raise OAuthError(
                400,
                "invalid_grant",
                "The refresh token was issued to a different client.",
                aadsts=700005,
            )
        requested = _split_scopes(form.get("scope"))
        if flavor == ENTRA:
            if client.consent_required:
                raise self._consent_error(client)
            with self._lock:
                record.state = "rotated"
            asked = requested or record.scopes
            return self._entra_user_response(
                client,
                record.subject,
                asked,
                tenant or "common",
                tid,
                form,
                "refresh_token",
                public=public,
            )
        granted = record.scopes
        if requested and not set(requested) <= set(granted):
            raise OAuthError(
                400,
                "invalid_scope",
                f"requested scopes {sorted(set(requested) - set(granted))} were not granted",
            )
        scopes = requested or granted
        info = self._mint_access_token(
            flavor,
            client.client_id,
            record.subject,
            _resource_scopes(scopes),
            tid,
            "refresh_token",
        )
        out: dict[str, Any] = {
            "access_token": info.token,
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
            "scope": " ".join(scopes),
        }
        if flavor == GENERIC:
            with self._lock:
                record.state = "rotated"
            out["refresh_token"] = self._new_refresh_token(
                client.client_id, record.subject, granted, tid, GENERIC, public=public
            )
        return out

    def _grant_code(self, *args: Any) -> dict[str, Any]:
        # Check-and-consume must be atomic: two parallel uses of one refresh token or
        # code must not both succeed.
        with self._lock:
            return self._grant_code_locked(*args)

    def _grant_code_locked(
        self,
        client: _Client,
        form: dict[str, str],
        flavor: str,
        tenant: str | None,
        tid: str | None,
        public: bool = False,
    ) -> dict[str, Any]:
        with self._lock:
            code = self._codes.get(form.get("code", ""))
        if code is None or code.flavor != flavor:
            raise OAuthError(
                400,
                "invalid_grant",
                "The provided value for the 'code' parameter is not valid.",
                aadsts=70000,
            )
        if code.used:
            raise OAuthError(
                400,
                "invalid_grant",
                "OAuth2 Authorization code was already redeemed, please retry with a new valid "
                "code or use an existing refresh token.",
                aadsts=54005,
            )
        if code.expires_at <= time.time():
            raise OAuthError(
                400,
                "invalid_grant",
                "The provided authorization code or refresh token has expired due to "
                "inactivity. Send a new interactive authorization request for this user and "
                "resource.",
                aadsts=70008,
            )
        if code.client_id != client.client_id:
            raise OAuthError(
                400, "invalid_grant", "The code was issued to another client.", aadsts=70000
            )
        if code.redirect_uri is not None and form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError(
                400,
                "redirect_uri_mismatch" if flavor == GOOGLE else "invalid_grant",
                "The redirect_uri does not match the one used in the authorization request.",
                aadsts=50011,
            )
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if verifier is None:
                raise OAuthError(
                    400,
                    "invalid_request",
                    "The request body must contain the following parameter: 'code_verifier'.",
                    aadsts=900144,
                )
            if not _VERIFIER_RE.match(verifier) or not _pkce_ok(
                verifier, code.challenge, code.challenge_method
            ):
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "The code_verifier does not match the code_challenge supplied in the "
                    "authorization request.",
                    aadsts=501481,
                )
        with self._lock:
            code.used = True
        if flavor == ENTRA:
            if client.consent_required:
                raise self._consent_error(client)
            return self._entra_user_response(
                client,
                code.subject,
                code.requested,
                tenant or "common",
                tid,
                form,
                "authorization_code",
                nonce=code.nonce,
                public=public,
            )
        info = self._mint_access_token(
            flavor, client.client_id, code.subject, code.scopes, tid, "authorization_code"
        )
        out: dict[str, Any] = {
            "access_token": info.token,
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
            "scope": " ".join(code.requested),
        }
        if code.offline:
            out["refresh_token"] = self._new_refresh_token(
                client.client_id, code.subject, code.requested, tid, flavor, public=public
            )
        if "openid" in {s.lower() for s in code.requested}:
            out["id_token"] = self._id_token(
                self.base_url, client.client_id, code.subject, None, code.nonce
            )
        return out

    # device code flow (RFC 8628, Entra flavour)
    def _devicecode(self, request: Request, tenant: str) -> Response:
        try:
            return Response.json(200, self._devicecode_inner(request, tenant))
        except OAuthError as err:
            return self._error_response(ENTRA, err)

    def _devicecode_inner(self, request: Request, tenant: str) -> dict[str, Any]:
        tid = self._check_tenant(tenant)
        form = request.form
        if request.duplicate_keys:
            raise OAuthError(
                400,
                "invalid_request",
                f"Duplicate parameters: {sorted(set(request.duplicate_keys))}.",
                aadsts=90015,
            )
        client_id = form.get("client_id", "")
        if not client_id:
            raise OAuthError(
                400,
                "invalid_request",
                "The request body must contain the following parameter: 'client_id'.",
                aadsts=900144,
            )
        with self._lock:
            client = self._clients.get(client_id)
        if client is None or not self._client_in_tenant(client, tenant):
            raise self._unknown_client_error(ENTRA, client_id, tenant)
        requested = _split_scopes(form.get("scope"))
        if not requested:
            raise OAuthError(
                400,
                "invalid_request",
                "The request body must contain the following parameter: 'scope'.",
                aadsts=900144,
            )
        user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(9))
        with self._lock:
            lifetime = int(self.device_code_lifetime)
            interval = int(self.device_code_interval)
            uri = self.device_verification_uri
            record = _DeviceCode(
                device_code="DAQABIQEAAAB" + secrets.token_urlsafe(180),
                user_code=user_code,
                client_id=client.client_id,
                requested=requested,
                tenant=tenant,
                tid=tid,
                expires_at=time.time() + lifetime,
                interval=interval,
                auto_approve=self._device_auto_approve,
            )
            self._device_codes[record.device_code] = record
            self._device_changed.notify_all()
        return {
            "user_code": user_code,
            "device_code": record.device_code,
            "verification_uri": uri,
            "expires_in": lifetime,
            "interval": interval,
            "message": (
                f"To sign in, use a web browser to open the page {uri} and enter the code "
                f"{user_code} to authenticate."
            ),
        }

    def _grant_device_code(self, *args: Any) -> dict[str, Any]:
        # Check-and-consume must be atomic (like refresh tokens and codes).
        with self._lock:
            return self._grant_device_code_locked(*args)

    def _grant_device_code_locked(
        self,
        client: _Client,
        form: dict[str, str],
        tenant: str,
        tid: str | None,
        public: bool,
    ) -> dict[str, Any]:
        device_code = form.get("device_code") or form.get("code") or ""
        if not device_code:
            raise OAuthError(
                400,
                "invalid_request",
                "The request body must contain the following parameter: 'device_code'.",
                aadsts=900144,
            )
        record = self._device_codes.get(device_code)
        if record is None or record.client_id != client.client_id:
            raise OAuthError(
                400,
                "bad_verification_code",
                "The provided value for the input parameter 'device_code' is not valid.",
                aadsts=70018,
            )
        record.polls += 1
        self._device_changed.notify_all()
        if record.state == "redeemed":
            raise OAuthError(
                400,
                "invalid_grant",
                "The provided value for the input parameter 'device_code' is not valid: it "
                "was already redeemed.",
                aadsts=70000,
            )
        if record.state == "declined":
            raise OAuthError(
                400,
                "authorization_declined",
                "The end user denied the authorization request.",
                aadsts=70000,
            )
        if record.expires_at <= time.time():
            record.state = "expired"
            raise OAuthError(
                400,
                "expired_token",
                "Verification code expired. Have the user retry the sign-in.",
                aadsts=70019,
            )
        if record.state == "pending" and record.auto_approve is not None:
            username, after = record.auto_approve
            if record.polls > after:
                record.state, record.username = "approved", username
        if record.state == "pending":
            raise OAuthError(
                400,
                "authorization_pending",
                "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                aadsts=70016,
            )
        if client.consent_required:
            raise self._consent_error(client)
        assert record.username is not None
        record.state = "redeemed"
        return self._entra_user_response(
            client,
            record.username,
            record.requested,
            tenant,
            tid or record.tid,
            form,
            DEVICE_CODE_GRANT,
            public=public,
        )

    def _google_jwt_bearer(self, form: dict[str, str]) -> dict[str, Any]:
        assertion = form.get("assertion")
        if not assertion:
            raise OAuthError(400, "invalid_request", "Missing required parameter: assertion")
        claims = _unverified_claims(assertion)
        iss = claims.get("iss")
        with self._lock:
            account = self._service_accounts.get(iss) if isinstance(iss, str) else None
        if account is None:
            raise OAuthError(400, "invalid_grant", "Invalid grant: account not found")
        try:
            header, claims = verify_jwt(assertion, account.public_key, ("RS256",))
        except _JWTError as exc:
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.") from exc
        kid = header.get("kid")
        if account.private_key_id is not None and kid is not None and kid != account.private_key_id:
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.")
        aud = claims.get("aud")
        if aud not in (
            GOOGLE_TOKEN_AUDIENCE,
            self.google_token_uri,
            "https://accounts.google.com/o/oauth2/token",
        ):
            raise OAuthError(
                400,
                "invalid_grant",
                f"Invalid JWT: Failed audience check. The expected audience is "
                f"{GOOGLE_TOKEN_AUDIENCE}.",
            )
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if (
            not isinstance(iat, (int, float))
            or not isinstance(exp, (int, float))
            or exp <= now
            or iat > now + _SKEW
            or exp - iat > 3600 + _SKEW
        ):
            raise OAuthError(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.",
            )
        scopes = _split_scopes(claims.get("scope"))
        if not scopes:
            raise OAuthError(400, "invalid_scope", "Empty or missing scope not allowed.")
        sub = claims.get("sub")
        if sub:
            delegated = account.delegated
            allowed = delegated is True or (
                isinstance(delegated, frozenset) and str(sub).lower() in delegated
            )
            if not allowed or not set(scopes) <= account.scopes:
                raise OAuthError(
                    401,
                    "unauthorized_client",
                    "Client is unauthorized to retrieve access tokens using this method, or "
                    "client not authorized for any of the scopes requested.",
                )
            subject = str(sub)
        else:
            subject = account.client_email
        info = self._mint_access_token(
            GOOGLE, account.client_email, subject, scopes, None, JWT_BEARER_GRANT
        )
        return {
            "access_token": info.token,
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
        }
