"""Rotation plans: which clients are selected, and when a rotation is due."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from provision.errors import InputError
from provision.load import load_playbook
from provision.model import Client, Model
from provision.plan.rotation import Selection, _due, select_clients
from provision.plan.rotation_state import RotationState
from provision.providers.microsoft.passwords import Password
from provision.resolve import resolve

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PLAYBOOK = """\
version: 1
clients:
  acme-azure:
    provider: microsoft
    tenant: acme.com
    client_id: 0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00
    client_secret: {file: a.secret}
  beta-azure:
    provider: microsoft
    tenant: beta.example
    client_id: 7c9e6679-7425-40de-944b-e07fc1f90ae7
    client_secret: {file: b.secret}
  acme-google:
    provider: google
    client_id: 1-a.apps.googleusercontent.com
    client_secret: {file: g.secret}
    client_secrets_file: acme-google.json
  other-idp:
    provider: generic
    token_endpoint: https://idp.example.net/token
    client_id: pbx
    client_secret: {file: o.secret}
identities:
  m:
    client: acme-azure
    mode: exchange
    sender: pbx@acme.com
sites:
  acme:
    domain: acme.com
    pbx: pbx.acme.com
    identity: m
    apps: [pbx]
"""


@pytest.fixture
def model(tmp_path: Path) -> Model:
    path = tmp_path / "playbook.yaml"
    path.write_text(PLAYBOOK)
    (tmp_path / "acme-google.json").write_text(
        '{"web": {"client_id": "1-a.apps.googleusercontent.com", "client_secret": "x"}}'
    )
    return resolve(load_playbook(path))


def _names(model: Model, selection: Selection) -> list[str]:
    return [client.name for client in select_clients(model, selection)]


def test_selection(model: Model) -> None:
    assert _names(model, Selection(("beta-azure",))) == ["beta-azure"]
    assert _names(model, Selection((), every=True)) == ["acme-azure", "beta-azure"]
    assert _names(model, Selection((), expiring_within=30)) == ["acme-azure", "beta-azure"]
    assert _names(model, Selection(("beta-azure", "beta-azure"), every=True)) == [
        "beta-azure",
        "acme-azure",
    ]


@pytest.mark.parametrize(
    ("names", "said"),
    [
        (("acme-azur",), "did you mean 'acme-azure'?"),
        (("acme-google",), "Google has no API that adds a client secret"),
        (("other-idp",), "rotates Entra (microsoft) client secrets only"),
        ((), "name a CLIENT, or give --all or --expiring-within DAYS"),
    ],
)
def test_refused_selections(model: Model, names: tuple[str, ...], said: str) -> None:
    with pytest.raises(InputError, match=said.replace("(", r"\(").replace(")", r"\)")):
        select_clients(model, Selection(names))


def test_google_steps_name_the_download(model: Model) -> None:
    with pytest.raises(InputError) as caught:
        select_clients(model, Selection(("acme-google",)))
    assert "acme-google.json" in str(caught.value) and "Add secret" in str(caught.value)


CLIENT = Client("c", "microsoft", "id", None, None, client_secret_expires=date(2027, 3, 1))
CURRENT = Password("k1", "portal", "abc", None, datetime(2026, 12, 20, tzinfo=UTC))
OTHER = Password("k2", "other", "xyz", None, datetime(2030, 1, 1, tzinfo=UTC))


def test_expiring_within_uses_the_current_secrets_end() -> None:
    state = RotationState("c", "id")
    due, why = _due(CLIENT, state, [CURRENT, OTHER], ["k1"], Selection((), expiring_within=30), NOW)
    assert due and "2026-12-20" in why and "Graph" in why
    due, why = _due(CLIENT, state, [CURRENT, OTHER], ["k1"], Selection((), expiring_within=10), NOW)
    assert not due and "in 18 days" in why


def test_expiring_within_falls_back_to_client_secret_expires() -> None:
    state = RotationState("c", "id")
    due, why = _due(CLIENT, state, [CURRENT, OTHER], [], Selection((), expiring_within=30), NOW)
    assert not due and "client_secret_expires" in why
    unknown = Client("c", "microsoft", "id", None, None)
    due, why = _due(unknown, state, [], [], Selection((), expiring_within=30), NOW)
    assert due and "unknown" in why


def test_a_client_rotated_today_is_not_rotated_again() -> None:
    rotated = (
        {"key_id": "k2", "display_name": "provision 2026-12-01", "done": "2026-12-01T09:00:00Z"},
    )
    state = RotationState("c", "id", rotated=rotated)
    due, why = _due(CLIENT, state, [CURRENT, OTHER], ["k2"], Selection(("c",)), NOW)
    assert not due and "rotated today" in why
    gone = _due(CLIENT, state, [CURRENT], ["k1"], Selection(("c",)), NOW)  # removed since
    assert gone == (True, "rotation requested")
    tomorrow = _due(CLIENT, state, [CURRENT, OTHER], ["k2"], Selection(("c",)), NOW.replace(day=2))
    assert tomorrow[0]
