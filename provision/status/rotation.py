"""The rotation check of a client that `provision rotate-secret` has rotated here: a
rotation that stopped before its end (killed, or an identity did not verify with the new
secret), and the replaced secrets that are still valid in Entra until `--retire`."""

from __future__ import annotations

from ..model import Client
from .observe import RotationRead, as_state_owner
from .report import Check, CheckStatus

# what a rotation stopped at a step has done, and what it has not
STOPPED = {
    "adding": "a new secret may be in Entra, not in the secret's store yet",
    "stored": "the new secret is in the store; the app configs do not have it yet",
    "rendered": "the app configs have the new secret; not every identity verified with it",
}


def rotation_check(client: Client, read: RotationRead | None, playbook: str) -> Check | None:
    """None where the client was never rotated here (no state file)."""
    if read is None:
        return None

    def check(status: CheckStatus, reason: str, fix: str | None = None) -> Check:
        return Check("client", client.name, "secret_rotation", status, reason, fix)

    command = f"provision rotate-secret {playbook} {client.name}"
    if read.error is not None:  # it may hide a rotation in progress
        # a damaged file is the user's to mend: rotate-secret refuses it too
        fix = (
            as_state_owner("rotate-secret")
            if read.directory
            else f"mend the file or, if no rotation is in progress, remove it; then: {command}"
        )
        return check("failed", f"the rotation state cannot be read: {read.error}", fix)
    state = read.state
    assert state is not None
    rotation = state.rotation
    if rotation is not None:
        reason = (
            f"the rotation started {rotation.started} stopped at step {rotation.step}: "
            f"{STOPPED[rotation.step]}"
        )
        return check("warning", reason, f"{command} (resumes it)")
    if state.retire:
        reason = f"{len(state.retire)} secret(s) that rotations replaced are still valid in Entra"
        return check("warning", reason, f"{command} --retire, once every app has the new one")
    if state.rotated:
        last = state.rotated[-1]
        return check("ok", f"last rotated {last.get('done', '?')} ({last.get('display_name')})")
    return None
