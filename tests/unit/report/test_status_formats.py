"""The status reporters on a report made by hand: text (worst first), json (the
contract's keys), prometheus (the real prometheus_client parser), junit (an XML parser:
counts, failures with their text), html (self-contained, escaped, its policy's hashes
matching its inline blocks). Every other reporter says it does not print status."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import xml.etree.ElementTree as ET

import pytest
from prometheus_client.parser import text_string_to_metric_families

from provision.errors import OperationError
from provision.report import REPORTERS, reporter

from .status_sample import HOSTILE, NOW, sample_report


def test_text_summary_and_rows_worst_first() -> None:
    text = reporter("text").status(sample_report())
    lines = text.splitlines()
    assert lines[0] == (
        "provision status: FAILED: 2 failed, 3 warnings, 2 ok (3 clients, 2 identities, 1 sites)"
    )
    statuses = [line.split()[0] for line in lines[2:] if line and not line.startswith(" ")]
    assert statuses[:2] == ["failed", "failed"] and statuses[-2:] == ["ok", "ok"]
    assert "fix: renew it" in text


def test_json_document() -> None:
    document = json.loads(reporter("json").status(sample_report()))
    assert document["format_version"] == 1
    assert list(document)[:2] == ["format_version", "generated_at"]
    assert {"generated_at", "summary", "clients", "identities", "sites"} <= set(document)
    assert document["generated_at"] == "2026-06-01T12:00:00Z"
    assert document["summary"]["checks"] == {"ok": 2, "warning": 3, "failed": 2}
    dead = document["clients"][2]
    assert dead["checks"][0]["reason"] == HOSTILE and dead["status"] == "failed"
    assert document["identities"][0]["refresh_token"]["estimated"] is True
    assert document["sites"][0]["apps"][1] == {
        "name": "fax",
        "kind": "fax",
        "identity": "fax",
        "client": "dead-azure",
        "status": "failed",
    }


def test_prometheus_exposition_parses_and_escapes() -> None:
    text = reporter("prometheus").status(sample_report())
    families = {f.name: f for f in text_string_to_metric_families(text)}
    expiry = {
        s.labels["client"]: s.value
        for s in families["provision_client_secret_expiry_timestamp_seconds"].samples
    }
    assert expiry["soon-azure"] == (NOW.timestamp() + 9 * 86400)
    drift = families["provision_client_redirect_uri_drift"].samples
    assert {s.labels["client"]: s.value for s in drift} == {"good-azure": 0, "soon-azure": 1}
    ok = families["provision_identity_verify_ok"].samples
    assert {s.labels["identity"]: s.value for s in ok} == {"mail": 1, "fax": 0}
    assert families["provision_pending_changes"].samples[0].value == 2
    checks = families["provision_status_checks"].samples
    assert {s.labels["status"]: s.value for s in checks} == {"ok": 2, "warning": 3, "failed": 2}
    for family in families.values():
        assert family.type == "gauge" and family.documentation
    names = re.findall(r"^# TYPE (\S+) ", text, re.M)
    assert len(names) == len(set(names))  # one HELP and TYPE per family
    assert text.endswith("\n")


def test_prometheus_label_values_are_escaped() -> None:
    from provision.report.prometheus import Family

    family = Family("provision_test", "help with a \\ and\na line break")
    family.add(1, name=HOSTILE)
    (parsed,) = text_string_to_metric_families("\n".join(family.lines()) + "\n")
    assert parsed.samples[0].labels["name"] == HOSTILE
    assert parsed.documentation == "help with a \\ and\na line break"


def test_junit_counts_failures_and_carries_their_text() -> None:
    document = reporter("junit").status(sample_report())
    root = ET.fromstring(document.encode())
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "2", "0")
    failures = list(root.iter("failure"))
    assert len(failures) == 2
    hostile = next(f for f in failures if "quoted" in (f.get("message") or ""))
    assert "\x07" not in document  # not allowed in XML 1.0: replaced
    assert hostile.text is not None and hostile.text.endswith("fix: renew it")
    assert "<script>" in hostile.text  # escaped in the document, the text itself intact
    suites = root.findall("testsuite")
    assert [int(s.get("failures") or 0) for s in suites] == [1, 1, 0]


def test_html_is_self_contained_escaped_and_its_policy_matches() -> None:
    page = reporter("html").status(sample_report())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None and "default-src 'none'" in policy.group(1)
    for tag in ("style", "script"):
        (body,) = re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy.group(1)
    assert re.search(r"\b(src|href)=", page) is None
    assert page.count('class="site"') == 1 and page.count("<svg") == 1
    assert 'data-client="dead-azure"' in page and 'id="filter" hidden' in page


@pytest.mark.parametrize(
    "name", sorted(set(REPORTERS) - {"text", "json", "prometheus", "junit", "html"})
)
def test_other_reporters_do_not_print_status(name: str) -> None:
    with pytest.raises(OperationError, match="does not print status"):
        REPORTERS[name].status(sample_report())
