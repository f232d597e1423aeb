"""`provision status` end to end: the real CLI as a process on a fleet with a healthy, an
expiring and a failing client (tests/e2e/status_fleet.py), against the local IdP, Graph
and SMTP servers; every format read back by what reads it in real life: json, the real
prometheus_client text parser, an XML parser checked against the JUnit schema's required
elements and attributes, and the HTML page in a real headless Chromium
(tests/e2e/test_status_browser.py)."""

from __future__ import annotations

import json
import stat
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.graph import LocalGraph
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import stats_under
from tests.playbooks.e2e.harness import leaked

from .status_fleet import EXPIRING_ENDS, HEALTHY_ENDS, STALE, Fleet, build_fleet

CLIENTS = {
    "healthy-azure": "ok",
    "healthy-google": "ok",
    "expiring-azure": "warning",
    "failing-azure": "failed",
}
IDENTITIES = {
    "healthy-mail": "ok",
    "healthy-gmail": "ok",
    "expiring-fax": "ok",
    "failing-mail": "failed",
}
SITES = {"healthy": "ok", "expiring": "warning", "failing": "failed"}


@pytest.fixture
def fleet(
    tmp_path: Path, idp: LocalIdP, graph: LocalGraph, smtp_server: LocalSMTP, pki: PKI
) -> Fleet:
    return build_fleet(tmp_path, idp, graph, smtp_server, pki)


def _by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in entries}


def _checks(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["check"]: check for check in entry["checks"]}


def test_json_after_verify_tells_each_client_identity_and_site(fleet: Fleet) -> None:
    run = fleet.status("--verify", "--smtp", "--format", "json")

    assert run.exit_code == 1, run.output  # something failed
    document = json.loads(run.stdout)
    assert document["format_version"] == 1
    assert {"generated_at", "summary", "clients", "identities", "sites"} <= set(document)
    assert document["generated_at"].endswith("Z")
    summary = document["summary"]
    assert summary["status"] == "failed" and summary["exit_code"] == 1
    assert summary["checks"] == {"ok": 14, "warning": 2, "failed": 3}

    clients = _by_name(document["clients"])
    assert {name: c["status"] for name, c in clients.items()} == CLIENTS
    expiring = _checks(clients["expiring-azure"])
    assert expiring["secret_expiry"]["status"] == "warning"
    assert "(Graph), in 9 days" in expiring["secret_expiry"]["reason"]
    assert clients["expiring-azure"]["secret_expires"]["source"] == "graph"
    assert expiring["redirect_uris"]["status"] == "warning"
    assert STALE in expiring["redirect_uris"]["reason"]
    assert expiring["redirect_uris"]["fix"] == f"provision apply {fleet.playbook}"
    failing = _checks(clients["failing-azure"])
    assert failing["secret_expiry"]["status"] == "failed"
    assert "expired on" in failing["secret_expiry"]["reason"]
    assert failing["secret_expiry"]["fix"].endswith(f"then: provision apply {fleet.playbook}")
    healthy = _checks(clients["healthy-azure"])
    assert healthy["redirect_uris"]["reason"].startswith("in sync with Graph appId")
    assert _checks(clients["healthy-google"])["redirect_uris"]["status"] == "ok"

    identities = _by_name(document["identities"])
    assert {name: i["status"] for name, i in identities.items()} == IDENTITIES
    mail = identities["healthy-mail"]
    assert mail["last_verify"]["status"] == "ok" and mail["last_verify"]["smtp"] is True
    assert mail["refresh_token"]["estimated"] is True
    assert "90 days" in mail["refresh_token"]["rule"]
    gmail = identities["healthy-gmail"]
    assert gmail["refresh_token"]["issued"] is not None  # authorize was recorded
    assert "Testing" in _checks(gmail)["refresh_token"]["reason"]
    failed = _checks(identities["failing-mail"])["last_verify"]
    assert failed["status"] == "failed" and "AADSTS7000222" in failed["reason"]
    assert failed["fix"].endswith(f"then: provision verify {fleet.playbook}")

    sites = _by_name(document["sites"])
    assert {name: s["status"] for name, s in sites.items()} == SITES
    assert sites["healthy"]["apps"] == [
        {
            "name": "pbx",
            "kind": "pbx",
            "identity": "healthy-gmail",
            "client": "healthy-google",
            "status": "ok",
        },
        {
            "name": "users",
            "kind": "users",
            "identity": "healthy-mail",
            "client": "healthy-azure",
            "status": "ok",
        },
    ]
    assert _checks(sites["failing"])["pending_changes"]["status"] == "failed"

    # verify kept its results under the state directory, privately
    records = fleet.directory / ".provision" / "verify"
    assert stat.S_IMODE(records.stat().st_mode) == 0o700
    for name in IDENTITIES:
        assert stat.S_IMODE((records / f"{name}.json").stat().st_mode) == 0o600
    assert not leaked(fleet.secrets(), run.output, *(p.read_text() for p in records.iterdir()))


def test_text_is_a_summary_and_a_table_worst_first(fleet: Fleet) -> None:
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    run = fleet.status()

    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("provision status: FAILED: 3 failed, 2 warnings, 14 ok")
    assert lines[1].split() == ["STATUS", "SUBJECT", "CHECK", "REASON"]
    rows = [line.split()[0] for line in lines[2:] if not line.startswith(" ")]
    assert rows == sorted(rows, key=["failed", "warning", "ok"].index)
    assert "client:failing-azure" in lines[2]
    fixes = [line.strip() for line in lines if line.startswith(" ")]
    assert f"fix: provision plan {fleet.playbook} --limit failing" in fixes


def test_limit_and_exit_codes(fleet: Fleet) -> None:
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    healthy = fleet.status("--limit", "healthy", "--format", "json")
    assert healthy.exit_code == 0, healthy.stdout
    document = json.loads(healthy.stdout)
    assert [s["name"] for s in document["sites"]] == ["healthy"]
    assert sorted(c["name"] for c in document["clients"]) == ["healthy-azure", "healthy-google"]
    assert document["summary"]["checks"]["ok"] == len(
        [
            c
            for group in ("clients", "identities", "sites")
            for e in document[group]
            for c in e["checks"]
        ]
    )
    assert fleet.status("--limit", "expiring").exit_code == 4  # warnings only
    assert fleet.status("--limit", "failing").exit_code == 1
    missing = fleet.status(fleet.directory / "nowhere.yaml")
    assert missing.exit_code == 2
    broken = fleet.directory / "broken.yaml"
    broken.write_text("version: 1\nclients: [\n")
    assert fleet.e2e.run("status", broken).exit_code == 2
    unknown = fleet.status("--format", "yaml")
    assert unknown.exit_code == 2 and "Traceback" not in unknown.output


def test_status_writes_nothing_but_its_output(fleet: Fleet) -> None:
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    before = stats_under(fleet.directory)
    for fmt in ("text", "json", "prometheus", "junit", "html"):
        assert fleet.status("--format", fmt).exit_code == 1
    assert stats_under(fleet.directory) == before
    target = fleet.directory / "metrics" / "provision.prom"
    target.parent.mkdir()
    before = stats_under(fleet.directory)
    run = fleet.status("--format", "prometheus", "--output", target)
    assert run.exit_code == 1 and run.stdout == ""
    after = stats_under(fleet.directory)
    assert set(after) - set(before) == {"metrics/provision.prom"}
    assert {k: v for k, v in after.items() if k not in ("metrics", "metrics/provision.prom")} == {
        k: v for k, v in before.items() if k != "metrics"
    }
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # node_exporter reads it
    assert not list(target.parent.glob(".*"))  # no temporary left behind


def test_prometheus_parses_with_the_real_client_parser(fleet: Fleet) -> None:
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    target = fleet.directory / "provision.prom"
    run = fleet.status("--format", "prometheus", "--output", target)
    assert run.exit_code == 1
    text = target.read_text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name in (
        "provision_client_secret_expiry_timestamp_seconds",
        "provision_identity_last_verify_timestamp_seconds",
        "provision_identity_verify_ok",
        "provision_client_redirect_uri_drift",
        "provision_pending_changes",
        "provision_check_status",
    ):
        assert name in families, name
        assert families[name].type == "gauge" and families[name].documentation
        assert f"# HELP {name} " in text and f"# TYPE {name} gauge" in text

    def values(name: str, label: str) -> dict[str, float]:
        return {s.labels[label]: s.value for s in families[name].samples}

    expiry = values("provision_client_secret_expiry_timestamp_seconds", "client")
    assert expiry["healthy-azure"] == pytest.approx(HEALTHY_ENDS.timestamp(), abs=1)
    assert expiry["expiring-azure"] == pytest.approx(EXPIRING_ENDS.timestamp(), abs=1)
    assert "failing-azure" in expiry  # from client_secret_expires
    assert values("provision_identity_verify_ok", "identity") == {
        "healthy-mail": 1,
        "healthy-gmail": 1,
        "expiring-fax": 1,
        "failing-mail": 0,
    }
    drift = values("provision_client_redirect_uri_drift", "client")
    assert drift == {"expiring-azure": 1, "healthy-azure": 0, "healthy-google": 0}
    assert values("provision_pending_changes", "site") == {
        "healthy": 0,
        "expiring": 0,
        "failing": 0,
    }
    assert not leaked(fleet.secrets(), text)


def test_junit_has_the_schema_s_required_elements(fleet: Fleet) -> None:
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    run = fleet.status("--format", "junit")
    assert run.exit_code == 1
    root = ET.fromstring(run.stdout.encode())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "provision status: clients",
        "provision status: identities",
        "provision status: sites",
    ]
    total = failures = 0
    for suite in suites:
        # junit-10.xsd (Jenkins, GitLab) and the Ant schema: what a testsuite must carry
        for attribute in (
            "name",
            "tests",
            "failures",
            "errors",
            "time",
            "timestamp",
            "hostname",
            "id",
            "package",
        ):
            assert suite.get(attribute), attribute
        assert [child.tag for child in suite][0] == "properties"
        assert [child.tag for child in suite][-2:] == ["system-out", "system-err"]
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases)
        found = [case for case in cases if case.find("failure") is not None]
        assert int(suite.get("failures", "")) == len(found)
        total, failures = total + len(cases), failures + len(found)
        for case in cases:
            assert case.get("name") and case.get("classname") and case.get("time") == "0"
        for case in found:
            failure = case.find("failure")
            assert failure is not None and failure.get("type") == "failed"
            assert failure.get("message") and failure.text
            assert failure.get("message", "") in failure.text  # the text in the body too
            assert "fix: " in failure.text
    assert (total, failures) == (int(root.get("tests", "")), int(root.get("failures", "")))
    assert failures == 3
    names = {case.get("name") for case in root.iter("testcase")}
    assert "client failing-azure: client secret expiry" in names
    warned = [c for c in root.iter("testcase") if c.find("system-out") is not None]
    assert len(warned) == 2 and all(
        (c.findtext("system-out") or "").startswith("warning: ") for c in warned
    )
    assert not leaked(fleet.secrets(), run.output)


def test_html_is_one_self_contained_file(fleet: Fleet) -> None:
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    page = fleet.directory / "status.html"
    assert fleet.status("--format", "html", "--output", page).exit_code == 1
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    for outside in ("<link", " src=", "@import", "url(", "<iframe", "<img"):
        assert outside not in html, outside
    assert html.count("<svg") == 1 and "Client secret expiries" in html
    for site in SITES:
        assert f'id="site-{site}"' in html
    assert not leaked(fleet.secrets(), html)


def test_a_secret_that_cannot_be_had_fails_its_site_and_the_fleet_is_still_reported(
    fleet: Fleet,
) -> None:
    """Cron's environment lacks a secret: its client's site fails, the report (and the
    metrics file node_exporter reads) still holds every other client and site."""
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    del fleet.e2e.env["STATUS_EXPIRING_SECRET"]
    target = fleet.directory / "provision.prom"
    run = fleet.status("--verify", "--format", "prometheus", "--output", target)
    assert run.exit_code == 1, run.output
    assert "Traceback" not in run.output
    families = {f.name: f for f in text_string_to_metric_families(target.read_text())}
    verified = {
        s.labels["identity"]: s.value for s in families["provision_identity_verify_ok"].samples
    }
    assert verified == {"healthy-mail": 1, "healthy-gmail": 1, "expiring-fax": 0, "failing-mail": 0}

    document = json.loads(fleet.status("--format", "json").stdout)
    sites = _by_name(document["sites"])
    assert {name: s["status"] for name, s in sites.items()} == {**SITES, "expiring": "failed"}
    pending = _checks(sites["expiring"])["pending_changes"]
    assert pending["status"] == "failed"
    assert "STATUS_EXPIRING_SECRET" in pending["reason"] and "not set" in pending["reason"]
    clients = _by_name(document["clients"])
    drift = _checks(clients["expiring-azure"])["redirect_uris"]
    assert drift["status"] == "failed" and "Graph" in drift["reason"]  # no token without it
    assert clients["healthy-azure"]["status"] == "ok"
    assert not leaked(fleet.secrets(), run.output, target.read_text())


def test_a_state_directory_that_cannot_be_read_fails_what_it_holds(fleet: Fleet) -> None:
    """Cron runs status as another user than verify's: the state directory's parts cannot
    be listed (here each is a file where the directory belongs: the tests run as root,
    whom no permission stops). Each check that needs one fails saying so, instead of
    "never verified" or no rotation check."""
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    state = fleet.directory / ".provision"
    for part in ("verify", "tokens", "rotations"):
        if (state / part).exists():
            (state / part).rename(state / f"{part}.moved")
        (state / part).write_text("not a directory\n")
    run = fleet.status("--format", "json")
    assert run.exit_code == 1, run.output
    document = json.loads(run.stdout)
    owner = "run provision status as the user that runs"
    for identity in document["identities"]:
        verified = _checks(identity)["last_verify"]
        assert verified["status"] == "failed", identity["name"]
        assert "verify cannot be read: Not a directory" in verified["reason"]
        assert verified["fix"].startswith(f"{owner} verify")
    interactive = {
        i["name"]: _checks(i) for i in document["identities"] if i["mode"] != "microsoft365"
    }
    assert set(interactive) == {"healthy-mail", "healthy-gmail"}
    for checks in interactive.values():
        assert checks["refresh_token"]["status"] == "failed"
        assert "tokens cannot be read" in checks["refresh_token"]["reason"]
    rotations = {c["name"]: _checks(c).get("secret_rotation") for c in document["clients"]}
    assert rotations["healthy-google"] is None  # rotate-secret renews Entra secrets only
    for name in ("healthy-azure", "expiring-azure", "failing-azure"):
        check = rotations[name]
        assert check is not None and check["status"] == "failed"
        assert check["fix"].startswith(f"{owner} rotate-secret")
    assert not leaked(fleet.secrets(), run.output)
