"""A client's rotation state, `<state_dir>/rotations/<client>.json`, written before each
step of a rotation so that a run that is killed resumes where it stopped instead of adding
a second secret. It never holds a secret: key ids, names and dates.

- `rotation`: the one in progress, or None: its `step` is `adding` (the secrets held
  before are in `before`; `key_id` once Graph answered), `stored` (the new value is in the
  store), `rendered` (app configs written and delivered); once every identity verified
  the rotation is done and leaves this record.
- `retire`: the key ids of the secrets finished rotations replaced, not removed yet.
- `rotated`: the secrets provision's rotations added (newest last).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ..files import JsonFileError, make_dirs, read_json, write_file
from ..model import Client, Model

VERSION = 1
Step = Literal["adding", "stored", "rendered"]
STEPS: tuple[Step, ...] = ("adding", "stored", "rendered")


@dataclass(frozen=True)
class Rotation:
    """One rotation in progress."""

    step: Step
    started: str  # ISO 8601 UTC
    display_name: str
    end: str  # the new secret's endDateTime, ISO 8601 UTC
    before: tuple[str, ...]  # key ids the registration held before addPassword
    replaces: tuple[str, ...]  # the key id(s) of the secret the store held before
    key_id: str | None = None

    def at(self, step: Step, **changes: Any) -> Rotation:
        return replace(self, step=step, **changes)


@dataclass(frozen=True)
class RotationState:
    client: str
    app_id: str
    rotation: Rotation | None = None
    retire: tuple[str, ...] = ()
    rotated: tuple[dict[str, str], ...] = field(default=())  # key_id, display_name, done

    def as_json(self) -> dict[str, object]:
        rotation = asdict(self.rotation) if self.rotation is not None else None
        return {
            "version": VERSION,
            "client": self.client,
            "app_id": self.app_id,
            "rotation": rotation,
            "retire": list(self.retire),
            "rotated": [dict(entry) for entry in self.rotated],
        }


def rotatable(client: Client) -> bool:
    """What rotate-secret --all rotates: an Entra client with a client secret."""
    return client.provider == "microsoft" and client.client_secret is not None


def state_path(model: Model, client: Client) -> Path:
    return model.settings.state_dir / "rotations" / f"{client.name}.json"


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _rotation(value: object) -> Rotation | None:
    if not isinstance(value, dict) or value.get("step") not in STEPS:
        return None
    texts = {key: value.get(key) for key in ("started", "display_name", "end")}
    if not all(isinstance(text, str) for text in texts.values()):
        return None
    key_id = value.get("key_id")
    return Rotation(
        step=value["step"],
        started=str(texts["started"]),
        display_name=str(texts["display_name"]),
        end=str(texts["end"]),
        before=_strings(value.get("before")),
        replaces=_strings(value.get("replaces")),
        key_id=key_id if isinstance(key_id, str) else None,
    )


class StateError(Exception):
    """The state file exists but cannot be read: a rotation may be in progress."""


def read_state(path: Path, client: Client) -> RotationState:
    """The client's state; a fresh one when there is no file, or the file is about another
    registration. StateError when it is there but damaged (guessing could add a second
    secret or retire a foreign one)."""
    fresh = RotationState(client.name, client.client_id or "")
    if not path.exists():
        return fresh
    try:
        document = read_json(path)
    except JsonFileError as exc:
        raise StateError(f"{path}: {exc}") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise StateError(f"{path} is not a rotation state file of this version")
    if document.get("app_id") != client.client_id:
        return fresh  # another registration's (client_id changed): nothing of it applies
    rotated = document.get("rotated")
    return RotationState(
        client.name,
        str(document["app_id"]),
        _rotation(document.get("rotation")),
        _strings(document.get("retire")),
        tuple(
            {str(k): str(v) for k, v in entry.items()}
            for entry in (rotated if isinstance(rotated, list) else [])
            if isinstance(entry, dict)
        ),
    )


def write_state(path: Path, state: RotationState) -> None:
    """Write the state atomically; OSError says why not."""
    make_dirs(path.parent)
    write_file(path, (json.dumps(state.as_json(), indent=1) + "\n").encode(), 0o600)
