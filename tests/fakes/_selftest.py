"""Shared constants and helpers of the tests/fakes self-tests (not a test module)."""

from __future__ import annotations

import msal

from .clients import PortPreservingHttpClient, tls_session
from .idp import LocalIdP
from .pki import PKI

TENANT = "acme.onmicrosoft.com"
CLIENT_ID = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
PUBLIC_ID = "5e0c8f3a-1d2b-4c6e-8f9a-0b1c2d3e4f50"
APP_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "Fz~8Q~real-secret-value"
SMTP_SEND = "https://outlook.office.com/SMTP.Send"
GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
USER = "fax@acme.com"
TIMEOUT = 5


def http_client(pki: PKI, idp: LocalIdP, **session_attrs: object) -> PortPreservingHttpClient:
    session = tls_session(pki)
    for name, value in session_attrs.items():
        setattr(session, name, value)
    return PortPreservingHttpClient(session, idp.base_url, timeout=TIMEOUT)


def confidential_app(
    pki: PKI,
    idp: LocalIdP,
    client_id: str = CLIENT_ID,
    secret: str = SECRET,
    **session_attrs: object,
) -> msal.ConfidentialClientApplication:
    """A fresh MSAL app per call (MSAL caches 400s and throttles per app object)."""
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{idp.authority}/{TENANT}",
        instance_discovery=False,
        http_client=http_client(pki, idp, **session_attrs),
    )


def public_app(pki: PKI, idp: LocalIdP, client_id: str = PUBLIC_ID) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        client_id,
        authority=f"{idp.authority}/{TENANT}",
        instance_discovery=False,
        http_client=http_client(pki, idp),
    )
