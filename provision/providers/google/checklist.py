"""The setup sheet's console checklist for a Google client, by what it is used for.

gmail needs a Web application OAuth client, its redirect URIs and a consent screen (an
Internal audience, in a Workspace, avoids the 7-day expiry that External + Testing puts on
refresh tokens). A service account needs none of that: domain-wide delegation of
https://mail.google.com/ to its numeric client ID in the Workspace admin console. Sources:
Google Auth Platform help (Audience, Clients), Workspace admin help 162106.
"""

from __future__ import annotations

from ..base import Section, SheetClient, Step

CONSOLE = "https://console.cloud.google.com"
ADMIN = "https://admin.google.com"
MAIL_SCOPE = "https://mail.google.com/"


def google_checklist(client: SheetClient) -> tuple[Section, ...]:
    sections = []
    if "gmail" in client.modes:
        sections.append(_oauth_client(client))
    if "google_service_account" in client.modes:
        sections += _service_account(client)
    return tuple(sections)


def _oauth_client(client: SheetClient) -> Section:
    kept = f"; the playbook reads it from {client.secret}" if client.secret else ""
    return Section(
        f"Google Cloud console ({CONSOLE}) > Google Auth Platform:",
        (
            Step(
                "Audience: **Internal** (a Workspace's own mailboxes; refresh tokens do not "
                "expire), or External and **In production**: in Testing, refresh tokens "
                "expire 7 days after consent and only listed test users may sign in"
            ),
            Step(f"Data access > Add or remove scopes: `{MAIL_SCOPE}`"),
            Step(
                "Clients > Create client > **Web application** (not Desktop: its redirect "
                f"URIs can only be localhost): client ID `{client.client_id or '?'}`"
            ),
            Step(
                f"Authorized redirect URIs: paste `redirect-uris/{client.name}.txt`",
                items=client.uris,
            ),
            Step(
                "Download the client's JSON when it is created: Google shows the client "
                f"secret only once{kept}"
            ),
        ),
    )


def _service_account(client: SheetClient) -> tuple[Section, ...]:
    numeric = (
        f"`{client.service_account_client_id}`"
        if client.service_account_client_id
        else "(IAM & Admin > Service accounts > the account > Details: Unique ID)"
    )
    kept = f" (kept in {client.secret})" if client.secret else ""
    return (
        Section(
            f"Google Cloud console ({CONSOLE}) > IAM & Admin > Service accounts:",
            (
                Step(f"Service account `{client.client_email or '?'}`"),
                Step(
                    "Keys > Add key > JSON: keep the file out of git; it holds the private "
                    f"key and its Private Key ID{kept}"
                ),
            ),
        ),
        Section(
            f"Google Workspace admin console ({ADMIN}), as a super admin:",
            (
                Step(
                    "Security > Access and data control > API controls > **Manage Domain "
                    f"Wide Delegation** > Add new: client ID {numeric}, OAuth scope "
                    f"`{MAIL_SCOPE}` > Authorize"
                ),
                Step("The mailboxes it sends as are in this Workspace", items=client.mailboxes),
            ),
        ),
    )
