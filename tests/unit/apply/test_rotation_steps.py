"""Which secret a stopped rotation added: by key id once Graph had answered; else by its
name, as one not there before and made after the rotation started."""

from __future__ import annotations

from datetime import UTC, datetime

from provision.apply.rotation_steps import _added_by
from provision.plan.rotation_state import Rotation
from provision.providers.microsoft.passwords import Password

STARTED = "2026-12-01T10:00:00Z"
ROTATION = Rotation("adding", STARTED, "provision 2026-12-01", "2028-11-30T10:00:00Z", ("old",), ())


def _password(key_id: str, name: str, hour: int) -> Password:
    return Password(key_id, name, "abc", datetime(2026, 12, 1, hour, tzinfo=UTC), None)


def test_by_key_id_once_known() -> None:
    known = Rotation("adding", STARTED, "provision 2026-12-01", "x", ("old",), (), key_id="k1")
    assert _added_by(known, _password("k1", "anything", 3))
    assert not _added_by(known, _password("k2", "provision 2026-12-01", 11))


def test_by_name_and_time_before_graph_answered() -> None:
    assert _added_by(ROTATION, _password("new", "provision 2026-12-01", 10))
    assert not _added_by(ROTATION, _password("old", "provision 2026-12-01", 10))  # was there
    assert not _added_by(ROTATION, _password("new", "portal", 10))  # another name
    assert not _added_by(ROTATION, _password("new", "provision 2026-12-01", 8))  # made before
