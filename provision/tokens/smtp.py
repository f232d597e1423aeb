"""SMTP with OAuth2: connect (STARTTLS or implicit TLS, verified against the same trust as
HTTPS), AUTH XOAUTH2, optionally send one message, QUIT. Never logs the token."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import smtplib
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from ..model import Smtp
from ..net.http import ssl_context
from ..secret import Secret, scrub
from .request import TokenError

DEFAULT_TIMEOUT = 15.0
# RFC 5321 limits a command line to 512 octets with CRLF; Dovecot refuses an initial response
# over 1016 and real access tokens are 1.5 to 3 KB. Longer responses go after the 334.
INITIAL_RESPONSE_LIMIT = 510


def xoauth2_response(mailbox: str, token: Secret) -> str:
    """The SASL XOAUTH2 client response (before base64)."""
    return f"user={mailbox}\x01auth=Bearer {token.reveal()}\x01\x01"


class _XOAuth2:
    """smtplib's `authobject`: the client response first, then, if the server answers a
    failure with `334 <base64 JSON>`, the empty line it waits for before its 535."""

    def __init__(self, response: str) -> None:
        self.response = response
        self.sent = False
        self.server_error: str | None = None

    def __call__(self, challenge: bytes | None = None) -> str:
        if not self.sent:
            self.sent = True
            return self.response
        self.server_error = _decode_error(challenge or b"")
        return ""


def _decode_error(challenge: bytes) -> str:
    try:
        detail = json.loads(challenge.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return challenge.decode("utf-8", "replace")
    if isinstance(detail, dict):
        return ", ".join(f"{key}={value}" for key, value in detail.items())
    return str(detail)


def _where(target: Smtp) -> str:
    return f"SMTP {target.host}:{target.port}"


def _fail(target: Smtp, text: str, token: Secret, hint: str | None = None) -> TokenError:
    clean = scrub(" ".join(text.split()))
    return TokenError(f"{_where(target)}: {clean}", hint)


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


@contextlib.contextmanager
def _connected(
    target: Smtp,
    token: Secret,
    ca_file: str | None,
    timeout: float,
    client_host: str | None,
) -> Iterator[smtplib.SMTP]:
    """An SMTP session after TLS and EHLO; QUIT on leaving. Errors become TokenErrors."""
    if target.security not in ("starttls", "tls"):
        raise _fail(target, f"unknown security {target.security!r} (starttls or tls)", token)
    context = ssl_context(ca_file)
    local = client_host or socket.gethostname()  # not getfqdn(): no DNS round trip
    try:
        smtp: smtplib.SMTP
        if target.security == "tls":
            smtp = smtplib.SMTP_SSL(
                target.host, target.port, local_hostname=local, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(target.host, target.port, local_hostname=local, timeout=timeout)
        with smtp:
            smtp.set_debuglevel(0)  # the AUTH line holds the token
            smtp.ehlo()
            if target.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise _fail(
                        target,
                        "the server does not offer STARTTLS",
                        token,
                        "use security: tls for an implicit-TLS port (465), or check the port",
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            yield smtp
    except TokenError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise _fail(
            target, f"TLS certificate not trusted: {exc.verify_message} ({exc.reason})", token
        ) from None
    except ssl.SSLError as exc:
        raise _fail(target, f"TLS failed: {exc.reason or exc}", token) from None
    except smtplib.SMTPResponseException as exc:
        raise _fail(target, f"{exc.smtp_code} {_reply_text(exc.smtp_error)}", token) from None
    except smtplib.SMTPServerDisconnected as exc:
        raise _fail(target, f"the server closed the connection: {exc}", token) from None
    except TimeoutError:
        raise _fail(target, f"no answer within {timeout:g} s (timed out)", token) from None
    except OSError as exc:
        raise _fail(target, f"cannot connect: {exc.strerror or exc}", token) from None


def _authenticate(
    smtp: smtplib.SMTP, target: Smtp, mailbox: str, token: Secret, limit: int
) -> None:
    mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
    if "XOAUTH2" not in mechanisms:
        offered = " ".join(mechanisms) or "none"
        raise _fail(
            target,
            f"the server does not offer AUTH XOAUTH2 (AUTH mechanisms: {offered})",
            token,
            "check host and port: Microsoft 365 is smtp.office365.com:587, "
            "Gmail smtp.gmail.com:587",
        )
    response = xoauth2_response(mailbox, token)
    encoded_length = len(base64.b64encode(response.encode()))
    initial = len("AUTH XOAUTH2 ") + encoded_length <= limit
    auth = _XOAuth2(response)
    try:
        try:
            smtp.auth("XOAUTH2", auth, initial_response_ok=initial)
        except smtplib.SMTPAuthenticationError as exc:
            if not (initial and exc.smtp_code in (500, 501)):
                raise
            # The server refused the line's length (Dovecot: "500 5.5.2 Line too long"):
            # send the response after its 334 instead.
            auth = _XOAuth2(response)
            smtp.auth("XOAUTH2", auth, initial_response_ok=False)
    except smtplib.SMTPAuthenticationError as exc:
        text = f"AUTH XOAUTH2 for {mailbox} refused: {exc.smtp_code} {_reply_text(exc.smtp_error)}"
        if auth.server_error:
            text += f" (server detail: {auth.server_error})"
        raise _fail(target, text, token) from None
    except (binascii.Error, UnicodeError) as exc:
        raise _fail(target, f"AUTH XOAUTH2 failed: malformed challenge ({exc})", token) from None
    except smtplib.SMTPException as exc:
        raise _fail(target, f"AUTH XOAUTH2 failed: {exc}", token) from None


def xoauth2_login(
    target: Smtp,
    mailbox: str,
    token: Secret,
    *,
    ca_file: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    client_host: str | None = None,
    initial_response_limit: int = INITIAL_RESPONSE_LIMIT,
) -> None:
    """Prove that `token` lets `mailbox` authenticate to `target`; TokenError otherwise."""
    with _connected(target, token, ca_file, timeout, client_host) as smtp:
        _authenticate(smtp, target, mailbox, token, initial_response_limit)


def send_mail(
    target: Smtp,
    mailbox: str,
    token: Secret,
    *,
    to: str,
    subject: str,
    body: str,
    ca_file: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    sender_name: str | None = None,
    client_host: str | None = None,
    initial_response_limit: int = INITIAL_RESPONSE_LIMIT,
) -> str:
    """Authenticate as `mailbox` and send one plain-text message to `to`; returns its
    Message-ID."""
    message = EmailMessage()
    message["From"] = formataddr((sender_name, mailbox)) if sender_name else mailbox
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message_id = make_msgid(domain=mailbox.rpartition("@")[2] or None)
    message["Message-ID"] = message_id
    message.set_content(body)
    with _connected(target, token, ca_file, timeout, client_host) as smtp:
        _authenticate(smtp, target, mailbox, token, initial_response_limit)
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            refused = "; ".join(
                f"{rcpt}: {code} {_reply_text(reply)}"
                for rcpt, (code, reply) in exc.recipients.items()
            )
            raise _fail(target, f"recipient refused: {refused}", token) from None
        except smtplib.SMTPSenderRefused as exc:
            raise _fail(
                target,
                f"sender {mailbox} refused: {exc.smtp_code} {_reply_text(exc.smtp_error)}",
                token,
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise _fail(
                target, f"message refused: {exc.smtp_code} {_reply_text(exc.smtp_error)}", token
            ) from None
    return message_id
