"""LocalSMTP: an aiosmtpd submission server on 127.0.0.1 that only knows AUTH XOAUTH2.

Usage::

    with LocalSMTP(idp, pki) as smtp:             # or the ``smtp_server`` fixture
        with smtplib.SMTP(smtp.host, smtp.port, local_hostname="localhost",
                          timeout=5) as client:
            client.starttls(context=pki.client_context())
            client.ehlo()
            client.auth("XOAUTH2", lambda challenge=None: ..., initial_response_ok=True)

Constructor: ``LocalSMTP(idp, pki, *, security="starttls", max_initial_response=None,
reject_with=None, hang_on_connect=0.0, error_challenge=True, scope_contains=None,
auth_required=True, timeout=30.0)``.

- ``security="starttls"`` (default): plain connection, STARTTLS required
  before anything but EHLO/HELO/NOOP/QUIT (``require_starttls=True``) and
  before AUTH (``auth_require_tls=True``). ``security="tls"``: implicit TLS
  (like port 465); aiosmtpd cannot see implicit TLS, so ``auth_require_tls``
  is off there (the connection is TLS anyway).
- AUTH XOAUTH2 only (LOGIN/PLAIN are not offered). The response is
  ``base64("user=<mailbox>\\x01auth=Bearer <token>\\x01\\x01")``, either inline
  (``AUTH XOAUTH2 <b64>``) or after an empty ``334 `` challenge. Accepted
  (``235 2.7.0 Authentication successful``) only when
  ``idp.check_access_token(token, mailbox=user, scope_contains=scope_contains)``.
  On failure the server sends ``334 <base64 {"status":"401","schemes":"Bearer",
  "scope":"https://mail.google.com/"}>`` (as Gmail does), waits for the
  client's (empty) line, then answers ``535 5.7.3 Authentication
  unsuccessful``. ``error_challenge=False`` answers 535 at once (as Microsoft
  365 does). Malformed response: ``501 5.5.2``.
- MAIL without a successful AUTH: ``530 5.7.0 Authentication required``
  (``auth_required=False`` lifts that).

Knobs (plain attributes, read at each connection/command, so tests may flip
them between calls):

- ``max_initial_response: int | None``: an inline XOAUTH2 response (the
  base64 text after ``AUTH XOAUTH2 ``) longer than this gets
  ``500 5.5.2 Line too long`` (Dovecot 2.3 refuses more than 1016); the same
  response after the ``334`` challenge is accepted;
- ``reject_with: str | None``: answer every AUTH with this line, e.g.
  ``"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is
  disabled for the Tenant."``;
- ``auth_replies: dict[str, str]``: the same per mailbox (the XOAUTH2
  ``user=``, case-insensitive), for the mailboxes in it, so one server can
  refuse each identity in its own way (``reject_with`` wins when both are set);
- ``mail_replies: dict[str, str]``: answer ``MAIL FROM:<address>`` with this
  line for the addresses in it (case-insensitive), after a successful AUTH,
  e.g. ``"530 5.7.57 Client not authenticated to send mail."`` or ``"550
  5.7.60 SMTP; Client does not have permissions to send as this sender"``;
- ``hang_on_connect: float``: seconds to wait before the ``220`` greeting;
- ``scope_contains: str | None``: also require this substring in the token's
  scope (to simulate "wrong scope" 535s).

Records: ``messages`` (:class:`ReceivedMessage`: ``mail_from``,
``rcpt_tos``, ``content`` bytes, ``authenticated_as``), ``auth_attempts``
(:class:`AuthAttempt` ``(mailbox, success)``, a NamedTuple: compares equal to
a plain tuple; one per parsed XOAUTH2 response), ``auth_details``
(:class:`AuthDetail`: also ``inline``, ``response_length`` and ``reason``,
including attempts refused before parsing, e.g. "line too long").
Attributes ``host`` (``127.0.0.1``) and ``port``.

Pitfalls handled here: aiosmtpd's default line limit (1001) and AUTH
command limit (512) would reject real 1.5-3 KB tokens: both are 16 KiB here
(``command_size_limits`` is a class-level dict that ``SMTP.__init__`` clears,
so it is replaced per instance). A failing custom AUTH must return
``AuthResult(success=False, handled=False, message=...)`` or push its own
reply, or the client waits forever. ``Controller`` cannot bind port 0: a
free port is picked first (and retried if someone takes it meanwhile). Use
``local_hostname=`` in ``smtplib`` clients: its default runs
``socket.getfqdn()`` (a DNS lookup).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, Session

from ._http import free_port
from .idp import LocalIdP
from .pki import PKI

__all__ = ["AuthAttempt", "AuthDetail", "LocalSMTP", "ReceivedMessage"]

_LIMIT = 16384
ERROR_CHALLENGE = {"status": "401", "schemes": "Bearer", "scope": "https://mail.google.com/"}
AUTH_FAILED = "535 5.7.3 Authentication unsuccessful"


class AuthAttempt(NamedTuple):
    mailbox: str
    success: bool


@dataclass(frozen=True)
class AuthDetail:
    mailbox: str | None
    success: bool
    inline: bool  # the response came with the AUTH command (not after 334)
    response_length: int  # characters of base64 the client sent
    reason: str  # "ok", "invalid token", "line too long", "rejected", "malformed", ...


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    authenticated_as: str | None


def _parse_xoauth2(blob: bytes) -> tuple[str, str] | None:
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\x01\x01"):
        return None
    fields: dict[str, str] = {}
    for item in text[:-2].split("\x01"):
        key, sep, value = item.partition("=")
        if not sep:
            return None
        fields[key] = value
    user = fields.get("user", "")
    scheme, _, token = fields.get("auth", "").partition(" ")
    if not user or scheme.lower() != "bearer" or not token.strip():
        return None
    return user, token.strip()


def _for(replies: dict[str, str], address: str) -> str | None:
    """The reply set for `address` (case-insensitive), if any."""
    wanted = address.strip("<>").lower()
    return next((line for key, line in replies.items() if key.lower() == wanted), None)


class _Handler:
    def __init__(self, owner: LocalSMTP) -> None:
        self.owner = owner

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        owner = self.owner
        inline = len(args) == 2
        if inline:
            raw = args[1]
            limit = owner.max_initial_response
            if limit is not None and len(raw) > limit:
                owner._detail(None, False, True, len(raw), "line too long")
                await server.push("500 5.5.2 Line too long")
                return AuthResult(success=False, handled=True)
            if raw == "=":
                blob = b""
            else:
                try:
                    blob = base64.b64decode(raw, validate=True)
                except binascii.Error:
                    owner._detail(None, False, True, len(raw), "bad base64")
                    await server.push("501 5.5.2 Can't decode base64")
                    return AuthResult(success=False, handled=True)
            length = len(raw)
        else:
            answer = await server.challenge_auth("", encode_to_b64=False)
            if answer is MISSING:
                owner._detail(None, False, False, 0, "aborted or bad base64")
                return AuthResult(success=False, handled=True)
            assert isinstance(answer, bytes)
            blob = answer
            length = len(base64.b64encode(blob))
        parsed = _parse_xoauth2(blob)
        if parsed is None:
            owner._detail(None, False, inline, length, "malformed")
            await server.push("501 5.5.2 Malformed XOAUTH2 initial response")
            return AuthResult(success=False, handled=True)
        user, token = parsed
        reject = owner.reject_with or _for(owner.auth_replies, user)
        if reject:
            owner._attempt(user, False, inline, length, "rejected")
            await server.push(reject)
            return AuthResult(success=False, handled=True)
        ok = owner.idp.check_access_token(token, mailbox=user, scope_contains=owner.scope_contains)
        owner._attempt(user, ok, inline, length, "ok" if ok else "invalid token")
        if ok:
            return AuthResult(success=True, auth_data=user)
        if owner.error_challenge:
            reply = await server.challenge_auth(
                json.dumps(ERROR_CHALLENGE, separators=(",", ":")).encode(), encode_to_b64=True
            )
            if reply is MISSING:  # client sent "*" or garbage: a 501 is already out
                return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=AUTH_FAILED)

    async def handle_MAIL(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.owner.auth_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        refused = _for(self.owner.mail_replies, address)
        if refused:
            return refused
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Sender OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        if isinstance(envelope.content, bytes):
            content = envelope.content
        self.owner.messages.append(
            ReceivedMessage(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                content=content,
                authenticated_as=getattr(session, "auth_data", None),
            )
        )
        return "250 2.0.0 OK queued"


class _SMTPProtocol(SMTP):
    line_length_limit = _LIMIT  # read by SMTP.__init__ for the StreamReader limit

    def __init__(self, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        # The base class keeps command_size_limits in a class-level dict and clears it in
        # __init__: give each instance its own, with room for long XOAUTH2 lines.
        limits: collections.defaultdict[str, int] = collections.defaultdict(
            lambda: SMTP.command_size_limit
        )
        limits["AUTH"] = _LIMIT
        self.command_size_limits = limits
        self._owner = handler.owner

    async def _handle_client(self) -> None:
        delay = self._owner._connect_delay()
        if delay > 0:
            await asyncio.sleep(delay)
        await super()._handle_client()


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _SMTPProtocol(self.handler, **self.SMTP_kwargs)


class LocalSMTP:
    """aiosmtpd-based SMTP submission server accepting only XOAUTH2 (see module doc)."""

    def __init__(
        self,
        idp: LocalIdP,
        pki: PKI,
        *,
        security: str = "starttls",
        max_initial_response: int | None = None,
        reject_with: str | None = None,
        hang_on_connect: float = 0.0,
        error_challenge: bool = True,
        scope_contains: str | None = None,
        auth_required: bool = True,
        timeout: float = 30.0,
    ) -> None:
        if security not in ("starttls", "tls"):
            raise ValueError("security must be 'starttls' or 'tls'")
        self.idp = idp
        self.pki = pki
        self.security = security
        self.max_initial_response = max_initial_response
        self.reject_with = reject_with
        self.auth_replies: dict[str, str] = {}
        self.mail_replies: dict[str, str] = {}
        self.hang_on_connect = hang_on_connect
        self.error_challenge = error_challenge
        self.scope_contains = scope_contains
        self.auth_required = auth_required
        self.timeout = timeout
        self.host = "127.0.0.1"
        self.port = 0
        self.messages: list[ReceivedMessage] = []
        self.auth_attempts: list[AuthAttempt] = []
        self.auth_details: list[AuthDetail] = []
        self._controller: _Controller | None = None
        self._accepting = False

    # records
    def _attempt(self, mailbox: str, ok: bool, inline: bool, length: int, reason: str) -> None:
        self.auth_attempts.append(AuthAttempt(mailbox, ok))
        self._detail(mailbox, ok, inline, length, reason)

    def _detail(
        self, mailbox: str | None, ok: bool, inline: bool, length: int, reason: str
    ) -> None:
        self.auth_details.append(AuthDetail(mailbox, ok, inline, length, reason))

    def _connect_delay(self) -> float:
        # The Controller's own start-up probe connection must not hang.
        return self.hang_on_connect if self._accepting else 0.0

    # lifecycle
    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("LocalSMTP already running")
        context = self.pki.server_context()
        smtp_kwargs: dict[str, Any] = {
            "auth_exclude_mechanism": ["LOGIN", "PLAIN"],
            "auth_required": False,  # enforced in handle_MAIL (see auth_required)
            "timeout": self.timeout,
            "decode_data": False,
        }
        if self.security == "starttls":
            smtp_kwargs.update(tls_context=context, require_starttls=True, auth_require_tls=True)
            ssl_context = None
        else:
            smtp_kwargs.update(auth_require_tls=False)
            ssl_context = context
        last_error: Exception | None = None
        for _ in range(5):
            port = free_port()
            controller = _Controller(
                _Handler(self),
                hostname="127.0.0.1",
                port=port,
                ssl_context=ssl_context,
                server_hostname="localhost",
                ready_timeout=5.0,
                **smtp_kwargs,
            )
            try:
                controller.start()
            except OSError as exc:  # somebody took the port in between
                last_error = exc
                continue
            self._controller = controller
            self.port = port
            self._accepting = True
            return
        raise RuntimeError(f"LocalSMTP could not bind a port: {last_error}")

    def stop(self) -> None:
        self._accepting = False
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> LocalSMTP:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
