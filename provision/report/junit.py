"""`provision status --format junit`: JUnit XML, so CI shows the fleet's health as tests.

One testsuite per subject (clients, identities, sites), one testcase per check. A failed
check is a `<failure>` whose message is the reason and whose text is the reason and the
command that fixes it; a warning passes, with the same text in its `<system-out>` (JUnit
knows no warnings). The elements and attributes are those of the JUnit schema that Jenkins
and GitLab read (junit-10.xsd), the Ant ones included."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import Problem
from .base import Reporter

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from ..status.report import Check, StatusReport

SUITES = (("client", "clients"), ("identity", "identities"), ("site", "sites"))
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


class JUnitReporter(Reporter):
    name = "junit"

    def warnings(
        self, problems: Sequence[Problem], *, brief: str | None = None, about: str = ""
    ) -> None:
        pass  # the document carries the checks only

    def status(self, report: StatusReport) -> str:
        import socket
        import xml.etree.ElementTree as ET  # here: `provision validate` must start fast

        checks = report.checks()
        counts = report.counts()
        root = ET.Element(
            "testsuites",
            name=f"provision status {report.playbook}",
            tests=str(len(checks)),
            failures=str(counts["failed"]),
            errors="0",
            time="0",
        )
        stamp = report.generated_at.strftime("%Y-%m-%dT%H:%M:%S")  # the Ant schema's: no zone
        host = socket.gethostname() or "localhost"
        for number, (subject, title) in enumerate(SUITES):
            cases = [c for c in checks if c.subject == subject]
            suite = ET.SubElement(
                root,
                "testsuite",
                id=str(number),
                package="provision",
                name=f"provision status: {title}",
                timestamp=stamp,
                hostname=host,
                tests=str(len(cases)),
                failures=str(sum(1 for c in cases if c.status == "failed")),
                errors="0",
                skipped="0",
                time="0",
            )
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="playbook", value=_text(report.playbook))
            warned = [c for c in cases if c.status == "warning"]
            ET.SubElement(properties, "property", name="warnings", value=str(len(warned)))
            for check in cases:
                _testcase(suite, check)
            ET.SubElement(suite, "system-out").text = "".join(
                f"warning: {_body(c)}\n" for c in warned
            )
            ET.SubElement(suite, "system-err").text = ""
        ET.indent(root)
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(suite: ET.Element, check: Check) -> None:
    from xml.etree.ElementTree import SubElement

    case = SubElement(
        suite,
        "testcase",
        name=_text(check.title),
        classname=f"provision.{check.subject}.{check.name}",
        time="0",
    )
    if check.status == "failed":
        failure = SubElement(case, "failure", message=_text(check.reason), type="failed")
        failure.text = _body(check)
    elif check.status == "warning":
        SubElement(case, "system-out").text = f"warning: {_body(check)}"


def _body(check: Check) -> str:
    fix = f"\nfix: {check.fix}" if check.fix else ""
    return _text(f"{check.title}: {check.reason}{fix}")


def _text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
