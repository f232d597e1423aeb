# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
"""A client that names a `graph_client` but leaves its redirect URIs alone: status reads
its secret's end through Graph (the plan does not), and says so when Graph cannot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from provision import pipeline
from tests.fakes.fixtures import graph, idp, pki  # noqa: F401
from tests.playbook_helpers import write_yaml

WATCHED = "5a4c1e2b-1111-4c3e-9f7d-2a6b8c4e1f00"
CALLER = "5a4c1e2b-2222-4c3e-9f7d-2a6b8c4e1f00"
CALLER_SECRET = "S3cr3t-UNIT-graph-caller-8086"


def _playbook(directory: Path, idp: Any, graph: Any, pki: Any) -> Path:
    def azure(client_id: str, **extra: Any) -> dict[str, Any]:
        return {
            "provider": "microsoft",
            "tenant": "acme.com",
            "client_id": client_id,
            "client_secret": {"env": "STATUS_GRAPH_SECRET"},
            "authority": idp.authority,
            **extra,
        }

    return write_yaml(
        directory / "playbook.yaml",
        {
            "version": 1,
            "settings": {"ca_file": str(pki.ca_file)},
            "clients": {
                "watched": azure(WATCHED, graph_client="caller", graph_endpoint=graph.base_url),
                "caller": azure(CALLER),
            },
            "identities": {
                "mail": {"client": "watched", "mode": "exchange", "sender": "pbx@acme.com"}
            },
            "sites": {
                "acme": {
                    "domain": "acme.com",
                    "pbx": "pbx.acme.com",
                    "app_platform": "ap.acme.com",
                    "identity": "mail",
                    "apps": ["pbx"],
                }
            },
        },
    )


def _expiry(playbook: Path) -> Any:
    report = pipeline.status(pipeline.check(playbook).model, playbook="pb.yaml", limit=None)
    (watched,) = [c for c in report.clients if c.name == "watched"]
    return watched, next(c for c in watched.checks if c.check == "secret_expiry")


def test_the_secret_end_is_read_through_the_graph_client(
    tmp_path: Path, idp: Any, graph: Any, pki: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATUS_GRAPH_SECRET", CALLER_SECRET)
    idp.add_client(CALLER, secret=CALLER_SECRET)
    ends = datetime.now(UTC) + timedelta(days=12)
    graph.add_application(WATCHED, [], secret_end_dates=[ends])
    watched, check = _expiry(_playbook(tmp_path, idp, graph, pki))
    assert watched.secret is not None and watched.secret.source == "graph"
    assert abs((watched.secret.at - ends).total_seconds()) < 1
    assert check.status == "warning" and "(Graph), in 11 days" in check.reason
    assert graph.patch_count == 0  # read only


def test_a_graph_that_cannot_be_read_fails_the_check(
    tmp_path: Path, idp: Any, graph: Any, pki: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATUS_GRAPH_SECRET", CALLER_SECRET)
    idp.add_client(CALLER, secret=CALLER_SECRET)  # the registration is not in Graph
    _, check = _expiry(_playbook(tmp_path, idp, graph, pki))
    assert check.status == "failed" and "404" in check.reason
    assert check.fix is not None and check.fix.endswith("then: provision status pb.yaml")
