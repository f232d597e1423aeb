"""plan and apply through the CLI: the files apply writes, idempotence, the
plan's classification and its masked diffs, --check, --prune, one failing item,
the playbook's own outputs, deliver commands, and secrets kept out of output."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provision.secret import PLACEHOLDER
from tests.playbook_helpers import (
    Run,
    assert_absent,
    cli_run,
    copy_playbook,
    edit_playbook,
    files_under,
    mode_of,
    recap_lines,
    stats_under,
)

AZURE = "AZ-s3cr3t-7c1e9a55-azure"
IDP = "IDP-s3cr3t-0b8d2f44-idp"
FAX = "FAX-passw0rd-3e6a9c11-ropc"
GOOGLE = "GOOGLE-SECRET-f1le-9b3e61d2"  # tests/playbooks/reconcile/secrets/beta-google.secret
PKEY = "PKEY-B0DY-gamma-5c0ffee8d1e7a44"  # in secrets/gamma-sa.pem
ENV = {
    "RECONCILE_AZURE_SECRET": AZURE,
    "RECONCILE_IDP_SECRET": IDP,
    "RECONCILE_FAX_PASSWORD": FAX,
}
APPS = {
    "acme": ["pbx", "reporting", "fax", "users", "connect", "manager"],
    "beta": ["pbx", "fax", "fax2"],
    "gamma": ["pbx"],
    "delta": ["pbx"],
}
CLIENTS = ["acme-azure", "beta-google", "delta-idp", "gamma-sa"]


@dataclass(frozen=True)
class Reconcile:
    playbook: Path

    @property
    def out(self) -> Path:
        return self.playbook.parent / "out"

    def run(self, *args: str) -> Run:
        command, *rest = args
        return cli_run([command, self.playbook, *rest])

    def apply(self, *args: str) -> Run:
        run = self.run("apply", *args)
        assert run.exit_code == 0, run.output
        return run

    def config(self, site: str, app: str) -> dict[str, Any]:
        loaded = json.loads((self.out / "apps" / site / f"{app}.json").read_text("utf-8"))
        assert isinstance(loaded, dict)
        return loaded


@pytest.fixture
def reconcile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reconcile:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return Reconcile(copy_playbook("reconcile", tmp_path))


def _app_paths() -> set[str]:
    return {f"apps/{site}/{app}.json" for site, apps in APPS.items() for app in apps}


# -- what apply writes --------------------------------------------------------------


def test_apply_writes_every_app_config_and_uri_list(reconcile: Reconcile) -> None:
    run = reconcile.apply()
    written = set(files_under(reconcile.out))
    assert {p for p in written if p.startswith("apps/")} == _app_paths()
    assert {p for p in written if p.startswith("redirect-uris/")} == {
        f"redirect-uris/{client}.txt" for client in CLIENTS
    }
    for path in _app_paths():
        site, app = path.removeprefix("apps/").removesuffix(".json").split("/")
        assert f"changed: [{site}/{app}] {path} (created)" in run.stdout


def test_files_are_0600_and_directories_0700(reconcile: Reconcile) -> None:
    old_umask = os.umask(0o002)  # a lax umask must not widen anything
    try:
        reconcile.apply()
    finally:
        os.umask(old_umask)
    for path in _app_paths():
        assert mode_of(reconcile.out / path) == 0o600, path
    for directory in ["", "apps", "apps/acme", "apps/beta", "redirect-uris"]:
        assert mode_of(reconcile.out / directory) == 0o700, directory
    assert mode_of(reconcile.out / "redirect-uris" / "acme-azure.txt") & 0o022 == 0


CONTRACT_KEYS = {"site", "app", "mode", "sender", "client_id", "token_endpoint", "smtp"}
INTERACTIVE_KEYS = {"authorization_url", "redirect_uri"}


def test_exchange_app_config(reconcile: Reconcile) -> None:
    reconcile.apply()
    config = reconcile.config("acme", "pbx")
    assert CONTRACT_KEYS | INTERACTIVE_KEYS | {"tenant", "client_secret"} <= set(config)
    assert config["site"] == "acme" and config["app"] == "pbx"
    assert config["mode"] == "exchange"
    assert config["sender"] == "pbx@acme.com" and config["sender_name"] == "ACME PBX"
    assert config["client_id"] == "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
    assert config["tenant"] == "af326a34-169c-469e-946b-1ef57925306b"
    assert config["token_endpoint"] == (
        "https://login.microsoftonline.com/af326a34-169c-469e-946b-1ef57925306b/oauth2/v2.0/token"
    )
    assert config["redirect_uri"] == "https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"
    assert config["authorization_url"].startswith(
        "https://login.microsoftonline.com/af326a34-169c-469e-946b-1ef57925306b/oauth2/v2.0/"
        "authorize?"
    )
    assert config["smtp"] == {"host": "smtp.office365.com", "port": 587, "security": "starttls"}
    assert config["client_secret"] == AZURE
    assert "password" not in config and "username" not in config


def test_microsoft365_app_config(reconcile: Reconcile) -> None:
    reconcile.apply()
    config = reconcile.config("acme", "fax")
    assert CONTRACT_KEYS <= set(config)
    assert not INTERACTIVE_KEYS & set(config)
    assert config["mode"] == "microsoft365"
    assert config["sender"] == "fax@acme.com"
    assert config["username"] == "fax-robot@acme.com"
    assert config["password"] == FAX
    assert config["client_secret"] == AZURE
    assert config["tenant"] == "af326a34-169c-469e-946b-1ef57925306b"


def test_gmail_app_config(reconcile: Reconcile) -> None:
    reconcile.apply()
    config = reconcile.config("beta", "fax2")
    assert CONTRACT_KEYS | INTERACTIVE_KEYS <= set(config)
    assert config["mode"] == "gmail"
    assert config["redirect_uri"] == "https://ap.partner.net/beta.example/fax2/auth.htm"
    assert config["token_endpoint"] == "https://oauth2.googleapis.com/token"
    assert config["client_secret"] == GOOGLE
    assert config["smtp"] == {"host": "smtp.gmail.com", "port": 587, "security": "starttls"}
    assert "tenant" not in config


def test_service_account_app_config(reconcile: Reconcile) -> None:
    reconcile.apply()
    config = reconcile.config("gamma", "pbx")
    assert CONTRACT_KEYS <= set(config)
    assert not INTERACTIVE_KEYS & set(config)
    assert config["mode"] == "google_service_account"
    assert config["client_email"] == "mailer@gamma-project.iam.gserviceaccount.com"
    assert config["private_key_id"] == "4f1e2d3c4b5a69788796a5b4c3d2e1f0aabbccdd"
    pem = (reconcile.playbook.parent / "secrets" / "gamma-sa.pem").read_text("utf-8")
    assert config["private_key"] == pem.rstrip("\n")
    assert "client_secret" not in config


def test_generic_app_config(reconcile: Reconcile) -> None:
    reconcile.apply()
    config = reconcile.config("delta", "pbx")
    assert CONTRACT_KEYS | INTERACTIVE_KEYS <= set(config)
    assert config["mode"] == "client_secret_post"
    assert config["token_endpoint"] == "https://idp.delta.example/oauth2/token"
    assert config["scope"] == "smtp"
    assert config["smtp"] == {"host": "mail.delta.example", "port": 465, "security": "tls"}
    assert config["client_secret"] == IDP


def test_uri_lists_match_redirect_uris_command(reconcile: Reconcile) -> None:
    reconcile.apply()
    for client in CLIENTS:
        listed = reconcile.run("redirect-uris", "--client", client).stdout.splitlines()
        text = (reconcile.out / "redirect-uris" / f"{client}.txt").read_text("utf-8")
        uris = [line for line in text.splitlines() if line and not line.startswith("#")]
        assert uris == listed, client
        assert client in text  # its header names the client


# -- idempotence ----------------------------------------------------------------------


def test_second_apply_changes_nothing(reconcile: Reconcile) -> None:
    reconcile.apply()
    before = stats_under(reconcile.out)
    manifest = (reconcile.out / ".provision-manifest.json").read_bytes()
    run = reconcile.apply()
    assert "changed:" not in run.stdout
    lines = recap_lines(run.stdout)
    assert "acme : ok=6 changed=0 failed=0 skipped=0" in run.stdout.splitlines()
    for site, apps in APPS.items():
        assert f"{site} : ok={len(apps)} changed=0 failed=0 skipped=0" in lines[site]
    assert all("changed=0" in line for line in lines.values())
    # nothing written: no mtime, inode or mode changed, the manifest included
    assert stats_under(reconcile.out) == before
    assert (reconcile.out / ".provision-manifest.json").read_bytes() == manifest


def test_second_apply_json_reports_no_change(reconcile: Reconcile) -> None:
    reconcile.apply()
    document = json.loads(reconcile.apply("--format", "json").stdout)
    assert document["check"] is False
    assert document["results"] == []
    assert set(APPS) <= set(document["recap"])
    for counts in document["recap"].values():
        assert counts["changed"] == 0 and counts["failed"] == 0
    assert document["recap"]["acme"] == {"ok": 6, "changed": 0, "failed": 0, "skipped": 0}


def test_first_apply_recap(reconcile: Reconcile) -> None:
    lines = recap_lines(reconcile.apply().stdout)
    assert lines["acme"] == "acme : ok=6 changed=6 failed=0 skipped=0"
    assert lines["beta"] == "beta : ok=3 changed=3 failed=0 skipped=0"


# -- plan -----------------------------------------------------------------------------


def _change_spec(data: dict[str, Any]) -> None:
    acme = data["sites"]["acme"]["apps"]
    acme["users"] = {"sender": "users@acme.com"}  # update
    acme["fax2"] = {"kind": "fax", "path": "fax2"}  # create
    del acme["connect"]  # delete, with --prune


def _actions(run: Run) -> dict[str, str]:
    document = json.loads(run.stdout)
    return {change["path"]: change["action"] for change in document["changes"]}


def test_plan_classifies_create_update_unchanged_delete(reconcile: Reconcile) -> None:
    reconcile.apply()
    edit_playbook(reconcile.playbook, _change_spec)
    (reconcile.out / "apps/acme/manager.json").chmod(0o644)  # a mode counts as a change
    run = reconcile.run("plan", "--prune", "--format", "json")
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert _actions(run) == {
        "apps/acme/users.json": "update",
        "apps/acme/fax2.json": "create",
        "apps/acme/connect.json": "delete",
        "apps/acme/manager.json": "update",
        "redirect-uris/acme-azure.txt": "update",
        "sites/acme.md": "update",
    }
    summary = document["summary"]
    assert (summary["create"], summary["update"], summary["delete"]) == (1, 4, 1)
    total = len(files_under(reconcile.out)) - 2  # less the manifest and the lock
    assert summary["unchanged"] == total - 5  # every other file, untouched
    assert document["failures"] == []
    for change in document["changes"]:
        assert set(change) == {"action", "path", "file", "item", "site"}
    by_path = {c["path"]: c for c in document["changes"]}
    assert by_path["apps/acme/fax2.json"]["item"] == "acme/fax2"
    assert by_path["apps/acme/fax2.json"]["site"] == "acme"
    assert by_path["redirect-uris/acme-azure.txt"]["site"] is None


def test_plan_without_prune_deletes_nothing(reconcile: Reconcile) -> None:
    reconcile.apply()
    edit_playbook(reconcile.playbook, _change_spec)
    assert "delete" not in _actions(reconcile.run("plan", "--format", "json")).values()


def test_plan_text(reconcile: Reconcile) -> None:
    reconcile.apply()
    edit_playbook(reconcile.playbook, _change_spec)
    run = reconcile.run("plan", "--prune")
    assert "+ create apps/acme/fax2.json  [acme/fax2]" in run.stdout
    assert "~ update apps/acme/users.json  [acme/users]" in run.stdout
    assert "- delete apps/acme/connect.json  [acme/connect]" in run.stdout
    assert "Plan: 1 to create, 3 to update, 1 to delete," in run.stdout
    assert not (reconcile.out / "apps/acme/fax2.json").exists()  # plan writes nothing


def test_plan_detailed_exitcode(reconcile: Reconcile) -> None:
    assert reconcile.run("plan", "--detailed-exitcode").exit_code == 4
    assert reconcile.run("plan").exit_code == 0  # pending, but not asked to tell
    reconcile.apply()
    run = reconcile.run("plan", "--detailed-exitcode")
    assert run.exit_code == 0, run.output
    assert "Plan: 0 to create, 0 to update, 0 to delete" in run.stdout
    edit_playbook(reconcile.playbook, lambda d: d["sites"]["acme"]["apps"].pop("connect"))
    assert reconcile.run("plan", "--detailed-exitcode").exit_code == 4  # the URI list changed
    reconcile.apply()
    assert reconcile.run("plan", "--detailed-exitcode").exit_code == 0
    assert reconcile.run("plan", "--detailed-exitcode", "--prune").exit_code == 4


def test_plan_json_on_a_fresh_directory(reconcile: Reconcile) -> None:
    run = reconcile.run("plan", "--format", "json", "--diff")
    document = json.loads(run.stdout)
    assert list(document)[0] == "format_version" and document["format_version"] == 1
    assert set(document) == {
        "format_version",
        "output_dir",
        "changes",
        "summary",
        "failures",
        "stale",
        "playbook_warnings",
    }
    assert document["output_dir"] == str(reconcile.out.absolute())
    assert set(document["summary"]) == {"create", "update", "delete", "deliver", "unchanged"}
    assert {c["action"] for c in document["changes"]} == {"create"}
    assert document["summary"]["create"] == len(document["changes"])
    for change in document["changes"]:
        assert set(change) == {"action", "path", "file", "item", "site", "diff"}
        assert change["file"] == str(reconcile.out.absolute() / change["path"])
    assert not reconcile.out.exists()


# -- diffs mask every secret --------------------------------------------------------


def test_diff_shows_changed_lines_and_masks_secrets(
    reconcile: Reconcile, monkeypatch: pytest.MonkeyPatch
) -> None:
    reconcile.apply()
    new_azure, new_google = "AZ-n3w-secret-4d2b7e90", "GOOGLE-n3w-secret-a17c3f05"
    monkeypatch.setenv("RECONCILE_AZURE_SECRET", new_azure)
    (reconcile.playbook.parent / "secrets" / "beta-google.secret").write_text(new_google + "\n")

    def change(data: dict[str, Any]) -> None:
        data["identities"]["acme-mail"]["sender_name"] = "ACME Telephony"

    edit_playbook(reconcile.playbook, change)
    runs = [
        reconcile.run("plan", "--diff"),
        reconcile.run("plan", "--diff", "--format", "json"),
        reconcile.run("apply", "--check", "--diff"),
    ]
    text = runs[0].stdout
    assert '-  "sender_name": "ACME PBX",' in text
    assert '+  "sender_name": "ACME Telephony",' in text
    # acme/fax's only change is the client secret: said so, and not shown
    fax = text.split("apps/acme/fax.json", 1)[1].split("~ update", 1)[0]
    assert "(a secret value or the file mode changed)" in fax
    diffs = {c["path"]: c["diff"] for c in json.loads(runs[1].stdout)["changes"]}
    assert '+  "sender_name": "ACME Telephony",' in diffs["apps/acme/pbx.json"]
    assert "apps/beta/pbx.json" in diffs  # the Google secret file changed
    assert "--- apps/acme/pbx.json" in runs[2].stdout
    for run in runs:
        assert run.exit_code == 0, run.output
        assert_absent(
            [AZURE, new_azure, GOOGLE, new_google, FAX, IDP, PKEY], run.stdout, run.stderr
        )
    run = reconcile.run("apply", "--diff")
    assert '+  "sender_name": "ACME Telephony",' in run.stdout
    assert_absent([AZURE, new_azure, GOOGLE, new_google], run.stdout, run.stderr)
    assert reconcile.config("acme", "pbx")["client_secret"] == new_azure


def test_diff_of_a_new_file_shows_the_placeholder(reconcile: Reconcile) -> None:
    run = reconcile.run("plan", "--diff")
    assert f'+  "client_secret": "{PLACEHOLDER}"' in run.stdout
    assert f'+  "password": "{PLACEHOLDER}"' in run.stdout
    assert f'+  "private_key": "{PLACEHOLDER}"' in run.stdout
    assert '+  "redirect_uri": "https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"' in run.stdout
    assert_absent([AZURE, FAX, GOOGLE, IDP, PKEY], run.stdout, run.stderr)


def test_diff_masks_a_secret_in_a_hand_edited_file(reconcile: Reconcile) -> None:
    """The old version's secret keys are masked too, even when its layout differs."""
    reconcile.apply()
    path = reconcile.out / "apps/acme/pbx.json"
    config = json.loads(path.read_text("utf-8"))
    config["client_secret"] = "HAND-EDITED-0ld-secret-9f8e"
    config["sender"] = "old@acme.com"
    path.write_text(json.dumps(config))
    run = reconcile.run("plan", "--diff")
    assert '-  "sender": "old@acme.com",' in run.stdout
    assert_absent(["HAND-EDITED-0ld-secret-9f8e", AZURE], run.stdout, run.stderr)


# -- --check --------------------------------------------------------------------------


def test_check_writes_nothing(reconcile: Reconcile) -> None:
    run = reconcile.apply("--check")
    assert not reconcile.out.exists()  # not even the output directory or its lock
    assert "(check mode)" in run.stdout
    assert recap_lines(run.stdout)["acme"] == "acme : ok=6 changed=6 failed=0 skipped=0"


def test_check_after_a_change_writes_nothing(reconcile: Reconcile) -> None:
    reconcile.apply()
    (reconcile.out / "foreign.txt").write_text("not ours\n")
    edit_playbook(reconcile.playbook, _change_spec)
    before = stats_under(reconcile.out)
    contents = files_under(reconcile.out)
    run = reconcile.apply("--check", "--prune")
    assert "changed: [acme/fax2] apps/acme/fax2.json (created)" in run.stdout
    assert "changed: [acme/connect] apps/acme/connect.json (deleted)" in run.stdout
    assert stats_under(reconcile.out) == before
    assert files_under(reconcile.out) == contents


# -- --prune --------------------------------------------------------------------------


def test_prune_removes_exactly_what_left_the_spec(reconcile: Reconcile) -> None:
    reconcile.apply()
    foreign = {
        "foreign.json": b'{"mine": true}\n',
        "apps/acme/notes.txt": b"written by hand\n",
        "apps/gamma/extra.json": b"{}\n",
        "redirect-uris/old-client.txt": b"https://x.example/auth.htm\n",
    }
    for relative, content in foreign.items():
        (reconcile.out / relative).write_bytes(content)

    def change(data: dict[str, Any]) -> None:
        del data["sites"]["acme"]["apps"]["connect"]
        del data["sites"]["gamma"]
        del data["identities"]["gamma-sa"]
        del data["clients"]["gamma-sa"]

    edit_playbook(reconcile.playbook, change)
    before = files_under(reconcile.out)
    run = reconcile.apply("--prune")
    after = files_under(reconcile.out)
    removed = set(before) - set(after)
    assert removed == {
        "apps/acme/connect.json",
        "apps/gamma/pbx.json",
        "redirect-uris/gamma-sa.txt",
        "sites/gamma.md",
    }
    for relative, content in foreign.items():
        assert after[relative] == content  # never a file the tool did not write
    assert "changed: [acme/connect] apps/acme/connect.json (deleted)" in run.stdout
    manifest = json.loads(after[".provision-manifest.json"])
    assert not removed & set(manifest["files"])
    assert not set(foreign) & set(manifest["files"])
    # and once pruned, nothing is left to do
    assert reconcile.run("plan", "--prune", "--detailed-exitcode").exit_code == 0


def test_apply_without_prune_keeps_removed_files(reconcile: Reconcile) -> None:
    reconcile.apply()
    edit_playbook(reconcile.playbook, lambda d: d["sites"]["acme"]["apps"].pop("connect"))
    reconcile.apply()
    assert (reconcile.out / "apps/acme/connect.json").exists()
    reconcile.apply("--prune")
    assert not (reconcile.out / "apps/acme/connect.json").exists()


def test_prune_with_limit_touches_only_selected_sites(reconcile: Reconcile) -> None:
    reconcile.apply()

    def change(data: dict[str, Any]) -> None:
        del data["sites"]["acme"]["apps"]["connect"]
        del data["sites"]["beta"]["apps"]["fax2"]

    edit_playbook(reconcile.playbook, change)
    run = reconcile.apply("--prune", "--limit", "beta")
    assert not (reconcile.out / "apps/beta/fax2.json").exists()
    assert (reconcile.out / "apps/acme/connect.json").exists()
    assert "acme/connect" not in run.stdout
    run = reconcile.apply("--prune", "--limit", "acme/*")
    assert not (reconcile.out / "apps/acme/connect.json").exists()


def test_prune_a_removed_site_only_when_selected(reconcile: Reconcile) -> None:
    reconcile.apply()
    edit_playbook(reconcile.playbook, lambda d: d["sites"].pop("delta"))
    reconcile.apply("--prune", "--limit", "acme,beta")
    assert (reconcile.out / "apps/delta/pbx.json").exists()
    reconcile.apply("--prune", "--limit", "d*")
    assert not (reconcile.out / "apps/delta/pbx.json").exists()


# -- one failing item does not stop the others ------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply", "validate"])
def test_an_unresolvable_secret_is_input_in_every_command(
    reconcile: Reconcile, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.delenv("RECONCILE_FAX_PASSWORD")
    run = reconcile.run(command)
    assert run.exit_code == 2  # the playbook's problem, as validate says: nothing is written
    assert re.search(
        r"playbook\.yaml:\d+:\d+: identities\.acme-fax\.password: environment variable "
        "RECONCILE_FAX_PASSWORD is not set; export it",
        run.stderr,
    )
    assert not reconcile.out.exists()
    # the sites that do not need it can still be applied
    assert reconcile.run("apply", "--limit", "beta,gamma,delta").exit_code == 0


def test_failing_item_is_not_pruned(reconcile: Reconcile) -> None:
    reconcile.apply()
    old = (reconcile.out / "apps/acme/fax.json").read_bytes()
    edit_playbook(  # an expired secret fails the client's apps: their files stay
        reconcile.playbook,
        lambda d: d["clients"]["acme-azure"].update(client_secret_expires="2020-01-01"),
    )
    run = reconcile.run("apply", "--prune")
    assert run.exit_code == 1
    assert "failed: [acme/fax]" in run.stdout
    assert (reconcile.out / "apps/acme/fax.json").read_bytes() == old


def test_a_file_that_cannot_be_written_fails_its_item_only(reconcile: Reconcile) -> None:
    reconcile.apply()
    edit_playbook(
        reconcile.playbook, lambda d: d["identities"]["acme-mail"].update(sender_name="New")
    )
    blocked = reconcile.out / "apps/acme/pbx.json"
    blocked.unlink()
    (blocked / "in-the-way").mkdir(parents=True)  # a directory where the file goes
    run = reconcile.run("apply")
    assert run.exit_code == 1
    assert "failed: [acme/pbx] apps/acme/pbx.json: cannot" in run.stdout
    assert reconcile.config("acme", "users")["sender_name"] == "New"
    # acme/fax (another identity) is unchanged: ok, not changed
    assert recap_lines(run.stdout)["acme"] == "acme : ok=5 changed=4 failed=1 skipped=0"
    assert not list(reconcile.out.rglob("*.provision-tmp"))


def test_invalid_playbook_writes_nothing(reconcile: Reconcile) -> None:
    edit_playbook(reconcile.playbook, lambda d: d["sites"]["acme"].update(identity="nobody"))
    for args in (["apply"], ["apply", "--prune"], ["plan"]):
        run = reconcile.run(*args)
        assert run.exit_code == 2
        assert "unknown identity 'nobody'" in run.stderr
        assert "playbook.yaml:" in run.stderr  # names the file and line
    assert not reconcile.out.exists()


# -- the playbook's own outputs, and deliver ------------------------------------------------


@pytest.fixture
def outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reconcile:
    monkeypatch.setenv("OUTPUTS_AZURE_SECRET", AZURE)
    # deliver commands run in the playbook's directory, wherever provision is started
    monkeypatch.chdir(tmp_path)
    return Reconcile(copy_playbook("outputs", tmp_path))


def _delivered(playbook: Path) -> list[str]:
    log = playbook.parent / "deliver.log"
    lines = log.read_text("utf-8").splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    out = str((playbook.parent / "out").resolve())
    return [line.replace(out + "/", "") for line in lines]


def test_custom_outputs_are_rendered(outputs: Reconcile) -> None:
    outputs.apply()
    out = outputs.out
    xml = (out / "xml/acme/fax.xml").read_text("utf-8")
    assert '<oauth2 app="fax" site="acme" mode="exchange">' in xml
    assert f'secret="{AZURE}"' in xml  # per-app outputs see the resolved config
    assert "<redirect>https://ap.acme.com/acme.com/fax/auth.htm</redirect>" in xml
    assert (out / "sites/acme.apps.txt").read_text("utf-8") == (
        "acme (acme.com)\npbx exchange pbx@acme.com\nfax exchange pbx@acme.com\n"
    )
    assert (out / "clients/acme-azure.csv").read_text("utf-8").splitlines() == [
        "client,uri",
        "acme-azure,http://localhost:8400/",  # provision authorize's own (the console needs it)
        "acme-azure,https://ap.acme.com/acme.com/fax/auth.htm",
        "acme-azure,https://pbx.acme.com/OAUTH2-CLIENT/auth.htm",
        "acme-azure,https://pbx.beta.example/OAUTH2-CLIENT/auth.htm",
    ]
    assert mode_of(out / "xml/acme/fax.xml") == 0o600  # secret by default
    assert mode_of(out / "sites/acme.apps.txt") == 0o644  # secret: false
    assert mode_of(out / "clients/acme-azure.csv") == 0o644
    assert mode_of(out / "xml") == 0o700


def test_custom_outputs_are_idempotent_and_pruned(outputs: Reconcile) -> None:
    outputs.apply()
    before = stats_under(outputs.out)
    run = outputs.apply()
    assert "changed:" not in run.stdout
    assert stats_under(outputs.out) == before
    edit_playbook(outputs.playbook, lambda d: d["sites"].pop("beta"))
    outputs.apply("--prune")
    assert not (outputs.out / "xml/beta/pbx.xml").exists()
    assert not (outputs.out / "sites/beta.apps.txt").exists()
    assert (outputs.out / "xml/acme/pbx.xml").exists()


def test_custom_output_diffs(outputs: Reconcile, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs.apply()
    monkeypatch.setenv("OUTPUTS_AZURE_SECRET", "AZ-another-secret-61f0")
    edit_playbook(
        outputs.playbook, lambda d: d["sites"]["acme"].update(apps={"pbx": None, "users": None})
    )
    run = outputs.run("plan", "--diff")
    assert "(holds secrets: diff not shown)" in run.stdout  # xml/acme/pbx.xml
    assert "+users exchange pbx@acme.com" in run.stdout  # a public output's real diff
    assert_absent([AZURE, "AZ-another-secret-61f0"], run.stdout, run.stderr)


def test_custom_output_path_must_stay_inside(outputs: Reconcile) -> None:
    def change(data: dict[str, Any]) -> None:
        data["outputs"]["site-list"]["path"] = "../{{ site.name }}.txt"

    edit_playbook(outputs.playbook, change)
    run = outputs.run("apply")
    assert run.exit_code == 1
    assert re.search(
        r"playbook\.yaml:\d+:\d+: outputs\.site-list\.path renders '\.\./acme\.txt': it must "
        "stay inside the output directory",
        run.stdout,
    )
    assert not (outputs.playbook.parent / "acme.txt").exists()
    assert (outputs.out / "apps/acme/pbx.json").exists()


def test_deliver_runs_for_changed_items_only(outputs: Reconcile) -> None:
    outputs.apply()
    assert sorted(_delivered(outputs.playbook)) == sorted(
        [
            "app_config apps/acme/pbx.json",
            "app_config apps/acme/fax.json",
            "app_config apps/beta/pbx.json",
            "app-xml acme pbx xml/acme/pbx.xml",
            "app-xml acme fax xml/acme/fax.xml",
            "app-xml beta pbx xml/beta/pbx.xml",
            "redirect_uris redirect-uris/acme-azure.txt",
        ]
    )
    outputs.apply()
    assert _delivered(outputs.playbook) == []  # nothing changed, nothing delivered
    edit_playbook(outputs.playbook, lambda d: d["sites"]["beta"].update(sender="pbx2@beta.example"))
    outputs.apply()
    assert sorted(_delivered(outputs.playbook)) == [
        "app-xml beta pbx xml/beta/pbx.xml",
        "app_config apps/beta/pbx.json",
    ]


def test_failing_deliver_marks_its_item_failed(outputs: Reconcile) -> None:
    out = (outputs.out).resolve()
    (outputs.playbook.parent / "fail-on").write_text(f"{out}/apps/acme/fax.json\n")
    run = outputs.run("apply")
    assert run.exit_code == 1
    assert (
        "failed: [acme/fax] apps/acme/fax.json: deliver command sh exited with status 3"
        in run.stdout
    )
    assert "changed: [acme/pbx] apps/acme/pbx.json (created)" in run.stdout
    # tasks: acme/pbx and acme's site output changed, acme/fax (config and xml) failed
    assert recap_lines(run.stdout)["acme"] == "acme : ok=2 changed=2 failed=1 skipped=0"
    assert (out / "apps/acme/fax.json").exists()  # written; only its delivery failed


def test_a_failed_delivery_is_retried_until_it_succeeds(outputs: Reconcile) -> None:
    out = (outputs.out).resolve()
    fail_on = outputs.playbook.parent / "fail-on"
    fail_on.write_text(f"{out}/apps/acme/fax.json\n")
    assert outputs.run("apply").exit_code == 1
    _delivered(outputs.playbook)  # forget the first round
    plan = outputs.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 4
    assert "> deliver apps/acme/fax.json  [acme/fax]" in plan.stdout
    assert outputs.run("apply").exit_code == 1  # still failing: tried again, still pending
    assert _delivered(outputs.playbook) == ["app_config apps/acme/fax.json"]
    fail_on.write_text("")
    run = outputs.run("apply")
    assert run.exit_code == 0
    assert "changed: [acme/fax] apps/acme/fax.json (delivered)" in run.stdout
    assert _delivered(outputs.playbook) == ["app_config apps/acme/fax.json"]
    assert outputs.run("plan", "--detailed-exitcode").exit_code == 0


def test_missing_deliver_command_fails_its_items(outputs: Reconcile) -> None:
    def change(data: dict[str, Any]) -> None:
        data["settings"]["deliver"] = {"app_config": ["no-such-deliver-command", "{path}"]}

    edit_playbook(outputs.playbook, change)
    run = outputs.run("apply")
    assert run.exit_code == 1
    assert "deliver command not found: no-such-deliver-command" in run.stdout
    assert "changed: [client:acme-azure]" in run.stdout


# -- secrets never reach output ---------------------------------------------------------------


def test_no_command_prints_a_secret(reconcile: Reconcile, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = [AZURE, IDP, FAX, GOOGLE, PKEY]
    runs = [
        reconcile.run("validate"),
        reconcile.run("validate", "--format", "json"),
        reconcile.run("plan", "--diff"),
        reconcile.run("plan", "--diff", "--format", "json"),
        reconcile.run("apply", "--check", "--diff"),
        reconcile.run("apply", "--check", "--diff", "--format", "json"),
        reconcile.run("apply", "--diff"),
    ]
    # change every secret, then show the change every way there is
    new = [
        "AZ-n3w-0f9e8d7c",
        "IDP-n3w-1a2b3c4d",
        "FAX-n3w-5e6f7a8b",
        "GOOGLE-n3w-9c0d1e2f",
        "PKEY-n3w-3a4b5c6d7e8f",
    ]
    monkeypatch.setenv("RECONCILE_AZURE_SECRET", new[0])
    monkeypatch.setenv("RECONCILE_IDP_SECRET", new[1])
    monkeypatch.setenv("RECONCILE_FAX_PASSWORD", new[2])
    secrets_dir = reconcile.playbook.parent / "secrets"
    (secrets_dir / "beta-google.secret").write_text(new[3] + "\n")
    (secrets_dir / "gamma-sa.pem").write_text(
        f"-----BEGIN PRIVATE KEY-----\n{new[4]}\n-----END PRIVATE KEY-----\n"
    )
    runs += [
        reconcile.run("plan", "--diff"),
        reconcile.run("plan", "--diff", "--format", "json", "--detailed-exitcode"),
        reconcile.run("apply", "--check", "--diff"),
        reconcile.run("apply", "--diff", "--format", "json"),
        reconcile.run("apply", "--diff"),
        reconcile.run("plan", "--diff", "--prune"),
    ]
    for fmt in ("text", "json", "azure", "google"):
        runs.append(reconcile.run("redirect-uris", "--format", fmt))
    for client in CLIENTS:
        runs.append(reconcile.run("redirect-uris", "--client", client))
    monkeypatch.delenv("RECONCILE_IDP_SECRET")  # a failure message must not carry values
    runs += [reconcile.run("validate"), reconcile.run("apply", "--diff")]
    for run in runs:
        assert run.exit_code in (0, 1, 2, 4), run.output
        assert_absent(secrets + new, run.stdout, run.stderr)
    # the values were really in play: the app configs carry the new ones
    assert reconcile.config("acme", "fax")["password"] == new[2]
    assert new[4] in reconcile.config("gamma", "pbx")["private_key"]
