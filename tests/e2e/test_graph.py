"""Entra app registrations through Microsoft Graph: `provision drift`, `plan` and `apply`
against the local Entra and Graph doubles over TLS, through the real CLI.

The playbook is tests/playbooks/graph: acme-azure (merge, its own credentials) and
beta-azure (exact, Graph called by the `automation` registration)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.graph import LocalGraph
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.playbook_helpers import (
    PLAYBOOKS,
    ROOT,
    Run,
    assert_absent,
    cli_run,
    copy_playbook,
    edit_playbook,
    mode_of,
    recap_lines,
    subprocess_env,
    subprocess_run,
)

ACME_ID = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
BETA_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
AUTOMATION_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
ACME_SECRET = "acme-ENV-s3cret-Xy7qR2"
BETA_SECRET = "beta-ENV-s3cret-Pk2mW9"
AUTOMATION_SECRET = (PLAYBOOKS / "graph" / "secrets" / "automation.secret").read_text().strip()
ENV = {"GRAPH_ACME_SECRET": ACME_SECRET, "GRAPH_BETA_SECRET": BETA_SECRET}
SECRETS = (ACME_SECRET, BETA_SECRET, AUTOMATION_SECRET)

ACME_PBX = "https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"
LOOPBACK = "http://localhost:8400/"  # authorize's own, listed for every interactive client
ACME_FAX = "https://ap.acme.com/acme.com/fax/auth.htm"
ACME_USERS = "https://ap.acme.com/acme.com/usersapp/auth.htm"
BETA_PBX = "https://pbx.beta.example/OAUTH2-CLIENT/auth.htm"
BETA_REPORTING = "https://ap.beta.example/beta.example/reporting/auth.htm"
FOREIGN = "https://portal.acme.com/signin-oidc"  # someone else's: merge must keep it
STALE = "https://old.beta.example/auth.htm"
ACME_PATH = f"/v1.0/applications(appId='{ACME_ID}')"
BETA_PATH = f"/v1.0/applications(appId='{BETA_ID}')"


class Entra:
    """The playbook pointed at the local IdP and Graph, and the CLI run on it."""

    def __init__(self, playbook: Path, idp: LocalIdP, graph: LocalGraph) -> None:
        self.playbook = playbook
        self.idp = idp
        self.graph = graph

    def run(self, command: str, *args: str) -> Run:
        return cli_run([command, self.playbook, *args], env=ENV)

    def json(self, command: str, *args: str) -> tuple[int, dict[str, Any]]:
        done = self.run(command, *args, "--format", "json")
        return done.exit_code, json.loads(done.stdout)

    def uris(self, app_id: str) -> list[str]:
        return list(self.graph.application(app_id)["web"]["redirectUris"])

    def patches(self, path: str) -> int:
        return sum(1 for method, p, _ in self.graph.requests_log if method == "PATCH" and p == path)

    def state(self, client: str) -> Path:
        return self.playbook.parent / ".provision" / "graph" / f"{client}.json"

    def edit(self, change: Any) -> None:
        edit_playbook(self.playbook, change)

    def tokens(self) -> list[str]:
        return [info.token for info in self.idp.access_tokens]


@pytest.fixture
def entra(idp: LocalIdP, graph: LocalGraph, pki: PKI, tmp_path: Path) -> Entra:
    idp.add_client(ACME_ID, secret=ACME_SECRET)
    idp.add_client(BETA_ID, secret=BETA_SECRET)
    idp.add_client(AUTOMATION_ID, secret=AUTOMATION_SECRET)
    playbook = copy_playbook("graph", tmp_path)
    (playbook.parent / "secrets" / "automation.secret").chmod(0o600)  # git keeps no modes

    def point(document: dict[str, Any]) -> None:
        document["settings"]["ca_file"] = str(pki.ca_file)
        for client in document["clients"].values():
            client["authority"] = idp.authority
            if "graph_endpoint" in client:
                client["graph_endpoint"] = graph.base_url

    edit_playbook(playbook, point)
    return Entra(playbook, idp, graph)


def _register(
    entra: Entra,
    acme: list[str] | None = None,
    beta: list[str] | None = None,
    **kwargs: Any,
) -> None:
    """Both registrations, by default: acme holds its pbx URI and a foreign one, beta a
    stale one besides its pbx URI."""
    entra.graph.add_application(
        ACME_ID, [ACME_PBX, FOREIGN] if acme is None else acme, **kwargs.get("acme_options", {})
    )
    entra.graph.add_application(
        BETA_ID, [BETA_PBX, STALE] if beta is None else beta, **kwargs.get("beta_options", {})
    )


def _by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in entries}


def _soon(days: int) -> str:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- drift ----------------------------------------------------------------------------------


def test_drift_json_and_text(entra: Entra) -> None:
    _register(entra, acme_options={"secret_end_dates": ["2027-10-01", "2029-01-31T12:00:00Z"]})
    code, document = entra.json("drift")
    assert code == 4
    assert document["errors"] == []
    clients = _by_name(document["clients"])
    acme, beta = clients["acme-azure"], clients["beta-azure"]
    assert {"name", "missing", "extra", "secret_expires"} <= set(acme)
    assert acme["missing"] == [LOOPBACK, ACME_FAX, ACME_USERS]
    assert acme["extra"] == []  # merge: FOREIGN is not provision's to remove
    assert acme["foreign"] == [FOREIGN]
    assert acme["secret_expires"] == "2029-01-31T12:00:00Z"  # the latest endDateTime
    assert acme["mode"] == "merge"
    assert beta["missing"] == [LOOPBACK, BETA_REPORTING]
    assert beta["extra"] == [STALE]  # exact: everything the spec does not need
    assert beta["secret_expires"] is None

    text = entra.run("drift")
    assert text.exit_code == 4, text.output
    lines = text.stdout.splitlines()
    header = next(line for line in lines if "CLIENT" in line)
    assert header.split() == [
        "CLIENT",
        "MODE",
        "MISSING",
        "EXTRA",
        "FOREIGN",
        "SECRET",
        "EXPIRES",
        "STATE",
    ]
    acme_row = next(line for line in lines if line.strip().startswith("acme-azure "))
    assert acme_row.split() == [
        "acme-azure",
        "merge",
        "3",
        "0",
        "1",
        "2029-01-31T12:00:00Z",
        "DRIFT",
    ]
    assert f"beta-azure: extra    {STALE}" in lines
    assert f"acme-azure: missing  {ACME_FAX}" in lines

    # drift never writes: no PATCH, no state file, no output directory
    assert entra.graph.patch_count == 0
    assert not (entra.playbook.parent / ".provision").exists()
    assert not (entra.playbook.parent / "out").exists()

    assert entra.run("apply").exit_code == 0
    code, document = entra.json("drift")
    assert code == 0, document
    assert all(not c["missing"] and not c["extra"] for c in document["clients"])
    text = entra.run("drift")
    assert text.exit_code == 0 and "in sync" in text.stdout


def test_drift_reports_a_failed_read_and_goes_on(entra: Entra) -> None:
    # acme: an unknown appId
    entra.graph.add_application(BETA_ID, [BETA_PBX, BETA_REPORTING, LOOPBACK])
    code, document = entra.json("drift")
    assert code == 1
    assert [c["name"] for c in document["clients"]] == ["beta-azure"]
    (error,) = document["errors"]
    assert error.startswith("client 'acme-azure': Graph answered GET with 404")
    assert "Application (client) ID" in error
    text = entra.run("drift")
    assert text.exit_code == 1
    assert "beta-azure" in text.stdout
    assert "provision: client 'acme-azure': Graph answered GET with 404" in text.stderr


# -- apply: merge, exact, idempotence, --check -----------------------------------------------


def test_merge_keeps_foreign_uris_and_adds_missing_ones(entra: Entra) -> None:
    _register(entra)
    first = entra.run("apply")
    assert first.exit_code == 0, first.output
    assert entra.uris(ACME_ID) == [ACME_PBX, FOREIGN, LOOPBACK, ACME_FAX, ACME_USERS]
    assert (
        f"changed: [client:acme-azure] redirect URIs of app registration {ACME_ID} "
        "updated (merge): +3 -0"
    ) in first.stdout
    assert f"    + {ACME_FAX}" in first.stdout
    # the state remembers what provision added (not ACME_PBX: it was there before)
    state = entra.state("acme-azure")
    assert json.loads(state.read_text()) == {
        "version": 1,
        "app_id": ACME_ID,
        "added": [LOOPBACK, ACME_FAX, ACME_USERS],
    }
    assert mode_of(state) == 0o600
    assert recap_lines(first.stdout)["(clients)"] == "(clients) : ok=3 changed=3 failed=0 skipped=0"

    # idempotence: the second apply reads, sends no PATCH, changes nothing
    patches = entra.graph.patch_count
    again = entra.run("apply")
    assert again.exit_code == 0, again.output
    assert entra.graph.patch_count == patches
    assert recap_lines(again.stdout)["(clients)"] == "(clients) : ok=3 changed=0 failed=0 skipped=0"
    code, document = entra.json("apply")
    assert code == 0 and entra.graph.patch_count == patches
    assert {r["status"] for r in document["registrations"]} == {"unchanged"}
    assert document["recap"]["(clients)"]["changed"] == 0


def test_merge_removes_only_the_uris_it_added(entra: Entra) -> None:
    _register(entra)
    assert entra.run("apply").exit_code == 0
    # acme now needs only users: fax goes (provision added it), ACME_PBX stays (it was
    # there before provision), and so does FOREIGN
    entra.edit(lambda d: d["sites"]["acme"].update(apps=["users"]))
    done = entra.run("apply")
    assert done.exit_code == 0, done.output
    assert entra.uris(ACME_ID) == [ACME_PBX, FOREIGN, LOOPBACK, ACME_USERS]
    assert f"    - {ACME_FAX}" in done.stdout
    assert json.loads(entra.state("acme-azure").read_text())["added"] == [LOOPBACK, ACME_USERS]


def test_exact_removes_extras(entra: Entra) -> None:
    _register(entra)
    code, document = entra.json("apply")
    assert code == 0, document
    assert sorted(entra.uris(BETA_ID)) == [LOOPBACK, BETA_REPORTING, BETA_PBX]
    beta = _by_name(document["registrations"])["beta-azure"]
    assert beta["status"] == "patched"
    assert beta["add"] == [LOOPBACK, BETA_REPORTING] and beta["remove"] == [STALE]
    assert entra.patches(BETA_PATH) == 1
    assert entra.run("apply").exit_code == 0
    assert entra.patches(BETA_PATH) == 1


@pytest.mark.parametrize("kind", ["no_web", "null_redirect_uris"])
def test_an_incomplete_read_is_never_merged_over(entra: Entra, kind: str) -> None:
    _register(entra)
    entra.graph.incomplete_get_next(kind, count=100)
    run = entra.run("apply")
    assert run.exit_code == 1
    assert "Graph answered GET without a list of web.redirectUris" in run.stdout
    assert "is not changed" in run.stdout
    assert entra.graph.patch_count == 0
    assert entra.uris(ACME_ID) == [ACME_PBX, FOREIGN]  # what a user added stays
    assert entra.run("plan").exit_code == 1


def test_check_sends_no_patch(entra: Entra) -> None:
    _register(entra)
    done = entra.run("apply", "--check")
    assert done.exit_code == 0, done.output
    assert "would be updated (exact): +2 -1" in done.stdout
    assert entra.graph.patch_count == 0
    assert any(method == "GET" for method, _, _ in entra.graph.requests_log)
    assert not entra.state("acme-azure").exists()
    assert entra.uris(BETA_ID) == [BETA_PBX, STALE]


def test_plan_shows_additions_and_removals(entra: Entra) -> None:
    _register(entra)
    done = entra.run("plan")
    assert done.exit_code == 0, done.output
    assert (
        f"~ update registration acme-azure (merge, appId {ACME_ID}): 3 to add, 0 to remove"
    ) in done.stdout
    assert f"    + {LOOPBACK}\n    + {ACME_FAX}\n    + {ACME_USERS}\n" in done.stdout
    assert f"    + {LOOPBACK}\n    + {BETA_REPORTING}\n    - {STALE}\n" in done.stdout
    assert "Registrations: 2 to update, 0 unchanged." in done.stdout
    code, document = entra.json("plan")
    assert code == 0
    registrations = _by_name(document["registrations"])
    assert registrations["acme-azure"]["add"] == [LOOPBACK, ACME_FAX, ACME_USERS]
    assert registrations["acme-azure"]["status"] == "update"
    assert registrations["beta-azure"]["remove"] == [STALE]
    assert entra.graph.patch_count == 0

    # only the registration differs (the files are in place): still pending for plan
    assert entra.run("apply").exit_code == 0
    assert entra.run("plan", "--detailed-exitcode").exit_code == 0
    entra.graph.add_application(BETA_ID, [BETA_PBX])  # someone removed a URI in the portal
    pending = entra.run("plan", "--detailed-exitcode")
    assert pending.exit_code == 4
    assert "Plan: 0 to create, 0 to update" in pending.stdout
    assert f"    + {BETA_REPORTING}" in pending.stdout


@pytest.mark.parametrize(
    ("personal", "foreign"), [(False, 254), (True, 98)], ids=["256", "100-personal"]
)
def test_a_list_over_the_entra_limit_is_refused(entra: Entra, personal: bool, foreign: int) -> None:
    crowd = [f"https://tenant{i}.portal.example/auth.htm" for i in range(foreign)]
    _register(entra, acme=[ACME_PBX, *crowd], acme_options={"personal_accounts": personal})
    if personal:
        entra.edit(lambda d: d["clients"]["acme-azure"].update(personal_accounts=True))
    limit = 100 if personal else 256
    code, document = entra.json("apply")
    assert code == 1
    assert entra.patches(ACME_PATH) == 0
    assert entra.uris(ACME_ID) == [ACME_PBX, *crowd]
    (failed,) = [r for r in document["results"] if r["status"] == "failed"]
    assert failed["item"] == "client:acme-azure"
    assert f"would hold {foreign + 4} redirect URIs, {foreign} of them kept" in failed["message"]
    assert f"at most {limit}" in failed["message"] and "nothing was sent" in failed["message"]
    assert "split the sites" in failed["hint"]
    # the other registration went ahead
    assert entra.patches(BETA_PATH) == 1
    plan = entra.run("plan")
    assert plan.exit_code == 1 and "! failed [client:acme-azure]" in plan.stdout


# -- errors and their hints -------------------------------------------------------------------


def _unknown_app(entra: Entra) -> None:
    entra.graph.add_application(BETA_ID, [BETA_PBX])


def _denied(entra: Entra) -> None:
    _register(entra)
    entra.graph.deny(ACME_ID)


def _wrong_audience(entra: Entra) -> None:
    _register(entra)
    # the same server under another name: Graph gets a token for another audience
    localhost = entra.graph.base_url.replace("127.0.0.1", "localhost")
    entra.edit(lambda d: d["clients"]["acme-azure"].update(graph_endpoint=localhost))


@pytest.mark.parametrize(
    ("arrange", "status", "hint"),
    [
        (_wrong_audience, 401, "Application.ReadWrite.OwnedBy and grant admin consent"),
        (_denied, 403, "is not an owner of the app registration"),
        (_unknown_app, 404, f"No app registration with appId {ACME_ID} in tenant acme.com"),
    ],
    ids=["401", "403", "404"],
)
def test_graph_errors_become_hints(entra: Entra, arrange: Any, status: int, hint: str) -> None:
    arrange(entra)
    done = entra.run("apply")
    assert done.exit_code == 1
    assert f"failed: [client:acme-azure]: Graph answered GET with {status}" in done.stdout
    assert "\n  hint: " in done.stdout and hint in done.stdout
    assert "(clients) : ok=2 changed=2 failed=1 skipped=0" in done.stdout
    # the other registration was not held up
    assert sorted(entra.uris(BETA_ID)) == [LOOPBACK, BETA_REPORTING, BETA_PBX]
    code, document = entra.json("apply")
    assert code == 1
    (failed,) = [r for r in document["results"] if r["status"] == "failed"]
    assert hint in failed["hint"]
    code, drift = entra.json("drift")
    assert code == 1 and hint in drift["errors"][0]
    assert [c["name"] for c in drift["clients"]] == ["beta-azure"]
    assert_absent([*SECRETS, *entra.tokens()], done.output, json.dumps(document), json.dumps(drift))


def test_a_failing_graph_token_fails_only_its_registrations(entra: Entra, tmp_path: Path) -> None:
    _register(entra)
    (entra.playbook.parent / "secrets" / "automation.secret").write_text("not-the-secret\n")
    done = entra.run("apply", "-j", "1")
    assert done.exit_code == 1
    assert "failed: [client:beta-azure]: no Graph token: automation:" in done.stdout
    assert "AADSTS7000215" in done.stdout and "hint: Invalid client secret" in done.stdout
    assert entra.uris(ACME_ID)[-2:] == [ACME_FAX, ACME_USERS]  # acme went ahead
    assert entra.patches(BETA_PATH) == 0


def test_graph_client_calls_graph(entra: Entra) -> None:
    _register(entra)
    entra.graph.deny(BETA_ID)  # beta's own credentials could not: the automation's do
    assert entra.run("apply").exit_code == 0
    graph_tokens = [
        info.client_id
        for info in entra.idp.access_tokens
        if any(entra.graph.base_url in scope for scope in info.scopes)
    ]
    assert sorted(graph_tokens) == sorted([ACME_ID, AUTOMATION_ID])
    assert entra.patches(BETA_PATH) == 1


# -- client secret expiry ---------------------------------------------------------------------


def test_expiring_secret_warns_and_expired_secret_fails(entra: Entra) -> None:
    _register(
        entra,
        acme_options={"secret_end_dates": [_soon(10)]},
        beta_options={"secret_end_dates": [_soon(-2), _soon(-400)]},
    )
    done = entra.run("apply")
    assert done.exit_code == 1
    assert "warning: [client:acme-azure] the client secret expires on " in done.stdout
    assert "(Graph), in 9 days" in done.stdout or "(Graph), in 10 days" in done.stdout
    # the client fails, and so does every app that would carry its dead secret
    assert "failed: [client:beta-azure]: the client secret expired on " in done.stdout
    assert "(Graph): create a new one in Entra" in done.stdout
    assert "failed: [beta/pbx]: client 'beta-azure': the client secret expired on" in done.stdout
    assert not (entra.playbook.parent / "out" / "apps" / "beta" / "pbx.json").exists()
    assert "(clients) : ok=2 changed=2 failed=1 skipped=0" in done.stdout
    code, document = entra.json("apply")
    assert code == 1
    (warning,) = document["warnings"]
    assert warning["item"] == "client:acme-azure" and "expires on" in warning["message"]
    failed = {r["item"]: r["message"] for r in document["results"] if r["status"] == "failed"}
    assert "expired on" in failed["client:beta-azure"]
    assert {item for item in failed if item.startswith("beta/")}


def test_client_secret_expires_is_the_fallback(entra: Entra) -> None:
    _register(entra)  # Graph lists no password credentials
    soon = (date.today() + timedelta(days=5)).isoformat()
    entra.edit(lambda d: d["clients"]["acme-azure"].update(client_secret_expires=soon))
    code, document = entra.json("apply")
    assert code == 0
    (warning,) = document["warnings"]
    assert f"expires on {soon} (client_secret_expires), in 5 days" in warning["message"]


# -- secrets, processes, imports -----------------------------------------------------------


def test_secrets_never_in_output(entra: Entra) -> None:
    _register(entra, acme_options={"secret_end_dates": [_soon(3)]})
    outputs = []
    for command, args in [
        ("drift", ()),
        ("plan", ("--diff",)),
        ("apply", ("--diff",)),
        ("apply", ()),
        ("drift", ()),
    ]:
        for fmt in ("text", "json"):
            done = entra.run(command, *args, "--format", fmt)
            outputs.append(done.output)
    state_files = [p.read_text() for p in (entra.playbook.parent / ".provision").rglob("*.json")]
    assert entra.tokens()
    assert_absent([*SECRETS, *entra.tokens()], *outputs, *state_files)
    logged = json.dumps(entra.graph.requests_log) + json.dumps(entra.idp.requests_log)
    assert_absent(SECRETS, logged)


def test_apply_and_drift_as_real_processes(entra: Entra) -> None:
    _register(entra)
    cwd = entra.playbook.parent
    first = subprocess_run(["apply", entra.playbook, "-j", "4"], cwd=cwd, env=ENV)
    assert first.exit_code == 0, first.stderr
    assert "Traceback" not in first.output
    assert entra.graph.patch_count == 2
    assert recap_lines(first.stdout)["(clients)"] == "(clients) : ok=3 changed=3 failed=0 skipped=0"
    drift = subprocess_run(["drift", entra.playbook, "--format", "json"], cwd=cwd, env=ENV)
    assert drift.exit_code == 0, drift.stderr
    assert {c["name"] for c in json.loads(drift.stdout)["clients"]} == {"acme-azure", "beta-azure"}
    again = subprocess_run(["apply", entra.playbook], cwd=cwd, env=ENV)
    assert again.exit_code == 0 and entra.graph.patch_count == 2
    assert_absent([*SECRETS, *entra.tokens()], first.output, drift.output, again.output)


# Runs the real entry point and reports what it imported.
WRAPPER = """
import json, sys
from provision.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("MODULES=" + json.dumps(sorted(sys.modules)))
sys.exit(code)
"""
NETWORK = ("requests", "msal", "urllib3", "provision.tokens")


@pytest.mark.parametrize("args", [("plan",), ("apply", "--check"), ("apply",)])
def test_no_managed_client_no_network_stack(tmp_path: Path, args: tuple[str, ...]) -> None:
    playbook = copy_playbook("reconcile", tmp_path)
    env = subprocess_env(
        {
            "RECONCILE_AZURE_SECRET": "a-secret",
            "RECONCILE_IDP_SECRET": "b",
            "RECONCILE_FAX_PASSWORD": "c",
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, args[0], str(playbook), *args[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    marker = next(line for line in done.stdout.splitlines() if line.startswith("MODULES="))
    modules = json.loads(marker.removeprefix("MODULES="))
    assert [m for m in modules if any(m == n or m.startswith(n + ".") for n in NETWORK)] == []


# -- what Graph or a library echoes ---------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply", "drift"])
def test_a_graph_error_that_echoes_the_bearer_token_is_scrubbed(entra: Entra, command: str) -> None:
    _register(entra)
    for fmt in ("text", "json"):
        entra.graph.echo_authorization_next(count=10)
        done = entra.run(command, "--format", fmt)
        assert done.exit_code == 1, done.output
        assert "403" in done.output
        assert not [t for t in entra.tokens() if t in done.output]
        assert "Bearer <secret>" in done.output or "<secret>" in done.output


def test_an_access_token_holding_cr_lf_is_not_printed(entra: Entra) -> None:
    _register(entra)
    entra.idp.crlf_access_token_next(count=10)
    for fmt in ("text", "json"):
        done = entra.run("plan", "--format", fmt)
        assert done.exit_code == 1, done.output
        assert not [t for t in entra.tokens() if t.split("\r")[0] in done.output]
        assert_absent(SECRETS, done.output)
