"""Setup sheets and app configs as an admin reads them beside the innovaphone UI and the
consoles: every mode and every app kind (tests/playbooks/sheets) against the golden files
in tests/golden/sheets/ (UPDATE_GOLDEN=1 rewrites them, to be reviewed), and the facts
each mode's checklist must state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.playbook_helpers import (
    assert_absent,
    check_golden,
    cli_run,
    copy_playbook,
    edit_playbook,
)

SECRETS = [
    "AZ-sheets-fake-secret",
    "APP-ONLY-sheets-fake-secret",
    "FAX-sheets-fake-password",
    "LAB-sheets-fake-secret",
    "SHEETS-FAKE-JWT-KEY",
    "SHEETS-FAKE-SA-KEY",
    "GOCSPX-sheets-fake-secret",
    "AGENCY-sheets-fake-secret",
]
SITES = ("acme", "agency", "beta", "lab")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    playbook = copy_playbook("sheets", tmp_path_factory.mktemp("sheets"))
    for secret in (playbook.parent / "secrets").iterdir():
        secret.chmod(0o600)
    run = cli_run(["apply", playbook], env={"SHEETS_AGENCY_SECRET": "AGENCY-sheets-fake-secret"})
    assert run.exit_code == 0, run.output
    assert_absent(SECRETS, run.stdout, run.stderr)
    return playbook.parent / "out"


def _sheet(out: Path, site: str) -> str:
    return (out / "sites" / f"{site}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("site", SITES)
def test_setup_sheet_golden(out: Path, site: str) -> None:
    sheet = _sheet(out, site)
    assert_absent(SECRETS, sheet)
    check_golden(f"sheets/{site}.md", sheet)


def test_app_configs_golden(out: Path) -> None:
    for path in sorted((out / "apps").glob("*/*.json")):
        relative = path.relative_to(out).as_posix()
        check_golden(f"sheets/{relative}", path.read_text(encoding="utf-8"))


def test_delegated_modes_name_graph_s_smtp_send(out: Path) -> None:
    sheet = _sheet(out, "acme")
    checklist = sheet[sheet.index("## Console checklist: acme-azure") :]
    assert "**Microsoft Graph** > **Delegated permissions**: **SMTP.Send** and" in checklist
    assert "**offline_access**" in checklist and "**Grant admin consent**" in checklist
    assert "Office 365 Exchange Online > SMTP" not in sheet  # the old, wrong permission
    assert "**Allow public client flows**: Yes" in checklist  # microsoft365 is used here


def test_app_only_sending_names_smtp_send_as_app_and_the_service_principal(out: Path) -> None:
    sheet = _sheet(out, "acme")
    checklist = sheet[sheet.index("## Console checklist: acme-app-only") :]
    checklist = checklist[: checklist.index("## Console checklist: acme-azure")]
    assert "**Office 365 Exchange Online** > **Application permissions** > **SMTP.SendAsApp**" in (
        checklist
    )
    assert (
        "`New-ServicePrincipal -AppId 5c9e1f2a-3b4d-4e6f-8a0b-1c2d3e4f5a6b -ObjectId" in checklist
    )
    assert "**Enterprise application**" in checklist
    assert (
        "Add-MailboxPermission -Identity <mailbox>" in checklist
        and "`alerts@acme.com`" in checklist
    )
    assert "Delegated" not in checklist


def test_a_service_account_client_asks_for_delegation_only(out: Path) -> None:
    sheet = _sheet(out, "beta")
    checklist = sheet[sheet.index("## Console checklist: beta-sa") :]
    assert "Manage Domain Wide Delegation** > Add new: client ID `103958271045632847261`" in (
        checklist
    )
    for needless in ("Web application", "redirect URIs", "Audience", "test users"):
        assert needless not in checklist
    gmail = sheet[
        sheet.index("## Console checklist: beta-google") : sheet.index(
            "## Console checklist: beta-sa"
        )
    ]
    assert "**Internal**" in gmail and "7 days" in gmail and "only once" in gmail


def test_each_app_s_fields_carry_its_ui_s_labels(out: Path) -> None:
    fax = json.loads((out / "apps/acme/fax.json").read_text())
    assert fax["ui"]["where"] == "PBX Manager > App Fax > SMTP"
    assert list(fax["ui"]["fields"])[:4] == ["Hostname", "Server[:port]", "User name", "Password"]
    assert fax["ui"]["fields"]["Server[:port]"] == "smtp_server"
    assert fax["smtp_server"] == "smtp.office365.com:587"
    assert fax["helo"] == "ap.acme.com"
    sheet = _sheet(out, "acme")
    assert "| User name | `fax-robot@acme.com` |" in sheet
    assert "| Password | not shown here: file secrets/acme-fax.password |" in sheet
    users = json.loads((out / "apps/beta/users.json").read_text())
    assert users["client_id"] == "103958271045632847261"  # the service account's numeric ID
    assert users["private_key_id"] == "4f1c2e9a7b3d5e6f8a0b1c2d3e4f5a6b7c8d9e0f"
    assert "Keep the port in the server field: without one the app uses port 25." in _sheet(
        out, "beta"
    )


def test_secrets_are_described_in_words(out: Path) -> None:
    sheets = "".join(_sheet(out, site) for site in SITES)
    for words in (
        "file secrets/acme-azure.secret",
        "environment variable SHEETS_AGENCY_SECRET",
        "the output of `cat secrets/lab-idp.secret`",
        "`client_secret` of file secrets/beta-google.json",
        "`private_key` of file secrets/beta-sa.json",
    ):
        assert words in sheets
    assert "('" not in sheets and "vault" not in sheets  # no Python tuple, no false vault


def test_each_sheet_opens_with_a_diagram_of_the_site(out: Path) -> None:
    sheet = _sheet(out, "acme")
    diagram = sheet[sheet.index("```mermaid") : sheet.index("```", sheet.index("```mermaid") + 3)]
    assert '["PBX pbx.acme.com"]' in diagram and '["App Platform ap.acme.com"]' in diagram
    assert '("fax (fax)")' in diagram and '(["acme-fax: Microsoft 365"])' in diagram
    assert '[["acme-azure (microsoft)"]]' in diagram
    assert diagram.count("-->") == len(set(line for line in diagram.splitlines() if "-->" in line))


def test_a_national_cloud_s_checklist_and_configs(out: Path) -> None:
    sheet = _sheet(out, "agency")
    assert "Microsoft Entra admin center (https://portal.azure.us)" in sheet
    agency = json.loads((out / "apps/agency/pbx.json").read_text())
    assert agency["smtp_server"] == "smtp.office365.us:587"
    assert (
        "login.microsoftonline.us/agency.onmicrosoft.us/oauth2/v2.0/authorize"
        in (agency["authorization_url"])
    )
    assert "outlook.office365.us%2FSMTP.Send" in agency["authorization_url"]


def test_apps_no_deliver_command_reaches_are_named_for_a_secret_renewal(
    out: Path, tmp_path: Path
) -> None:
    renewal = "When its client secret is renewed (`provision rotate-secret`), no deliver"
    assert "enter the new value by hand in pbx." in _sheet(out, "agency")
    assert renewal not in _sheet(out, "beta")  # google: nothing rotates its secrets
    playbook = copy_playbook("sheets", tmp_path)
    for secret in (playbook.parent / "secrets").iterdir():
        secret.chmod(0o600)

    def deliver(document: dict[str, Any]) -> None:
        document.setdefault("settings", {})["deliver"] = {"app_config": ["true"]}

    edit_playbook(playbook, deliver)
    run = cli_run(["apply", playbook], env={"SHEETS_AGENCY_SECRET": "AGENCY-sheets-fake-secret"})
    assert run.exit_code == 0, run.output
    assert renewal not in (playbook.parent / "out" / "sites" / "agency.md").read_text()
