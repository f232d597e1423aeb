"""The rotation state file: written and read back, never trusted when damaged, ignored
when it is about another registration."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.model import Client
from provision.plan.rotation_state import (
    Rotation,
    RotationState,
    StateError,
    read_state,
    write_state,
)

APP_ID = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
CLIENT = Client("acme-azure", "microsoft", APP_ID, None, None)


def _state() -> RotationState:
    rotation = Rotation(
        step="stored",
        started="2026-12-01T10:00:00Z",
        display_name="provision 2026-12-01",
        end="2028-11-30T10:00:00Z",
        before=("k1", "k2"),
        replaces=("k1",),
        key_id="k3",
    )
    return RotationState("acme-azure", APP_ID, rotation, ("k0",), ({"key_id": "k9"},))


def test_round_trip_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "state" / "rotations" / "acme-azure.json"
    write_state(path, _state())
    assert read_state(path, CLIENT) == _state()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_missing_is_fresh(tmp_path: Path) -> None:
    state = read_state(tmp_path / "none.json", CLIENT)
    assert state == RotationState("acme-azure", APP_ID)


def test_another_registrations_state_does_not_apply(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    write_state(path, _state())
    other = Client("acme-azure", "microsoft", "7c9e6679-7425-40de-944b-e07fc1f90ae7", None, None)
    assert read_state(path, other).rotation is None


@pytest.mark.parametrize("content", ["{not json", '{"version": 7}', "[]"])
def test_damaged_state_is_an_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(content)
    with pytest.raises(StateError):
        read_state(path, CLIENT)


def test_unknown_step_means_no_rotation_in_progress(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        f'{{"version": 1, "app_id": "{APP_ID}", "rotation": {{"step": "dancing"}}, '
        '"retire": ["k1", 3], "rotated": []}'
    )
    state = read_state(path, CLIENT)
    assert state.rotation is None and state.retire == ("k1",)
