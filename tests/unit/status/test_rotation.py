"""The rotation check at each point a rotate-secret can stop: what the step has done, the
command that resumes it, the secrets left to retire, and no check where nothing is known."""

from __future__ import annotations

import pytest

from provision.model import Client
from provision.plan.rotation_state import STEPS, Rotation, RotationState
from provision.status.observe import RotationRead
from provision.status.rotation import STOPPED, rotation_check

CLIENT = Client("acme-azure", "microsoft", "id", None, None)  # type: ignore[arg-type]
COMMAND = "provision rotate-secret pb.yaml acme-azure"


def _state(**fields: object) -> RotationRead:
    return RotationRead(RotationState("acme-azure", "id", **fields))  # type: ignore[arg-type]


@pytest.mark.parametrize("step", STEPS)
def test_a_stopped_rotation_says_its_step_and_resumes(step: str) -> None:
    rotation = Rotation(step, "2026-06-01T10:00:00Z", "provision 2026-06-01", "x", (), ())  # type: ignore[arg-type]
    check = rotation_check(CLIENT, _state(rotation=rotation, retire=("k1",)), "pb.yaml")
    assert check is not None and check.status == "warning"
    assert check.reason.endswith(f"stopped at step {step}: {STOPPED[step]}")
    assert check.fix == f"{COMMAND} (resumes it)"  # before the retiring it may leave


def test_replaced_secrets_still_valid_are_a_warning_until_retired() -> None:
    done = {"key_id": "k2", "display_name": "provision 2026-06-01", "done": "2026-06-01"}
    check = rotation_check(CLIENT, _state(retire=("k1",), rotated=(done,)), "pb.yaml")
    assert check is not None and check.status == "warning"
    assert check.fix is not None and check.fix.startswith(f"{COMMAND} --retire")
    retired = rotation_check(CLIENT, _state(rotated=(done,)), "pb.yaml")
    assert retired is not None and retired.status == "ok"
    assert retired.reason == "last rotated 2026-06-01 (provision 2026-06-01)"


def test_no_check_where_nothing_is_known() -> None:
    assert rotation_check(CLIENT, None, "pb.yaml") is None
    assert rotation_check(CLIENT, _state(), "pb.yaml") is None  # another registration's file
