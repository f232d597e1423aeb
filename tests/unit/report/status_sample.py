"""A StatusReport made by hand for the reporters' tests: one client, identity and site of
each standing, with texts that would break a format that does not escape (quotes,
backslashes, line breaks, control characters, markup)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from provision.status.report import (
    AppStatus,
    Check,
    ClientStatus,
    IdentityStatus,
    RefreshToken,
    SecretExpiry,
    SiteStatus,
    StatusReport,
    UriDrift,
)
from provision.tokens.records import VerifyRecord

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOSTILE = 'a "quoted" \\ back\nslash <script>alert(1)</script> & \x07bell'


def sample_report() -> StatusReport:
    clients = (
        ClientStatus(
            "good-azure",
            "microsoft",
            "id-1",
            SecretExpiry(NOW + timedelta(days=400), "graph"),
            (UriDrift("Graph appId id-1", (), ()),),
            (Check("client", "good-azure", "secret_expiry", "ok", "expires in 400 days"),),
        ),
        ClientStatus(
            "soon-azure",
            "microsoft",
            "id-2",
            SecretExpiry(NOW + timedelta(days=9), "client_secret_expires"),
            (UriDrift("manifest", ("https://pbx/x",), ()),),
            (
                Check("client", "soon-azure", "secret_expiry", "warning", "in 9 days", "renew"),
                Check("client", "soon-azure", "redirect_uris", "warning", "1 missing", "apply"),
            ),
        ),
        ClientStatus(
            "dead-azure",
            "microsoft",
            "id-3",
            SecretExpiry(NOW - timedelta(days=3), "client_secret_expires"),
            (),
            (Check("client", "dead-azure", "secret_expiry", "failed", HOSTILE, "renew it"),),
        ),
    )
    record = VerifyRecord("mail", "exchange", "ok", NOW - timedelta(hours=1), True)
    identities = (
        IdentityStatus(
            "mail",
            "mail",
            "exchange",
            "good-azure",
            "pbx@acme.com",
            2,
            record,
            RefreshToken(True, NOW, None, None, NOW + timedelta(days=90), "90 days"),
            (Check("identity", "mail", "last_verify", "ok", "verified ok"),),
        ),
        IdentityStatus(
            "fax",
            "fax",
            "microsoft365",
            "dead-azure",
            "fax@acme.com",
            1,
            VerifyRecord("fax", "microsoft365", "failed", NOW, False, "AADSTS7000222"),
            None,
            (Check("identity", "fax", "last_verify", "failed", "AADSTS7000222", "verify"),),
        ),
    )
    sites = (
        SiteStatus(
            "acme",
            "acme.com",
            2,
            (
                AppStatus("pbx", "pbx", "mail", "good-azure", "warning"),
                AppStatus("fax", "fax", "fax", "dead-azure", "failed"),
            ),
            (Check("site", "acme", "pending_changes", "warning", "2 files", "provision apply"),),
        ),
    )
    return StatusReport(NOW, "pb.yaml", 30, clients, identities, sites)
