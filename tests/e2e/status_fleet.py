"""The fleet `provision status` is tested on: tests/playbooks/e2e/status.yaml made real
against the local IdP, Graph and SMTP servers (a healthy, an expiring and a failing
client), authorized and applied, as a partner's morning would find it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.fakes.graph import LocalGraph
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import Run
from tests.playbooks.e2e.harness import (
    AZURE_CLIENT_ID,
    E2E,
    EXCHANGE_PASSWORD,
    ROPC_PASSWORD,
    SECRET_VALUES,
)

EXPIRING_ID = "66666666-2222-3333-4444-555555555555"
FAILING_ID = "77777777-2222-3333-4444-555555555555"
EXPIRING_SECRET = "S3cr3t-STATUS-expiring-qwerty"
FAILING_SECRET = "S3cr3t-STATUS-failing-qwerty"
STALE = "https://old.acme.com/fax/auth.htm"  # in the exact registration: drift
HEALTHY_ENDS = datetime.now(UTC) + timedelta(days=400)
EXPIRING_ENDS = datetime.now(UTC) + timedelta(days=10)
#: every secret the fleet's playbook holds or the test knows
STATUS_SECRETS = (*SECRET_VALUES, EXPIRING_SECRET, FAILING_SECRET)


@dataclass
class Fleet:
    e2e: E2E
    graph: LocalGraph

    @property
    def playbook(self) -> Path:
        return self.e2e.playbook

    @property
    def directory(self) -> Path:
        return self.e2e.directory

    def status(self, *args: str | os.PathLike[str]) -> Run:
        return self.e2e.run("status", self.playbook, *args, timeout=120)

    def secrets(self) -> list[str]:
        return [*STATUS_SECRETS, *self.e2e.issued_tokens()]


def build_fleet(
    directory: Path, idp: LocalIdP, graph: LocalGraph, smtp: LocalSMTP, pki: PKI
) -> Fleet:
    """Authorized (exchange and gmail), applied once, the expiring registration then given
    a URI the spec does not hold."""
    expired = (date.today() - timedelta(days=5)).isoformat()
    e2e = E2E.build(
        directory, idp, smtp, pki, template="status.yaml", graph=graph.base_url, expired=expired
    )
    e2e.env.update(
        STATUS_EXPIRING_SECRET=EXPIRING_SECRET,
        STATUS_FAILING_SECRET=FAILING_SECRET,
        STATUS_FAX_PASSWORD=ROPC_PASSWORD,
        STATUS_GAMMA_PASSWORD=EXCHANGE_PASSWORD,
    )
    idp.add_client(EXPIRING_ID, secret=EXPIRING_SECRET)
    idp.add_client(FAILING_ID, secret=FAILING_SECRET)
    idp.expire_secret(FAILING_ID)
    graph.add_application(AZURE_CLIENT_ID, [], secret_end_dates=[HEALTHY_ENDS])
    graph.add_application(EXPIRING_ID, [], secret_end_dates=[EXPIRING_ENDS])
    for identity in ("healthy-mail", "healthy-gmail"):
        done = e2e.authorize(identity)
        assert done.exit_code == 0, done.output
    applied = e2e.run("apply", e2e.playbook)
    assert applied.exit_code == 1, applied.output  # the failing client's app cannot be made
    graph.add_application(EXPIRING_ID, [STALE], secret_end_dates=[EXPIRING_ENDS])
    return Fleet(e2e, graph)
