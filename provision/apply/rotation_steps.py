"""The first step of a rotation: a new secret added through Graph and kept in the store,
the state written before addPassword and again once Graph answered; and the resumption
of a run that stopped within that step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..errors import OperationError
from ..plan.rotation import RotationPlan
from ..plan.rotation_state import Rotation, write_state
from ..providers.microsoft.graph import GraphTokens, format_instant, parse_instant
from ..providers.microsoft.passwords import (
    Password,
    add_password,
    hint_of,
    list_passwords,
    remove_password,
)
from ..resolve.secrets import SecretResolver
from ..secret import SecretError
from .secret_store import read_back, write_expires, write_secret

if TYPE_CHECKING:
    import requests

    from ..tokens.request import Token
    from .rotation_verify import Options

CLOCK_SKEW = timedelta(minutes=10)  # Graph's clock against this machine's
LOST_HINT = (
    "the value of the secret just added is not kept anywhere: run `provision rotate-secret "
    "PLAYBOOK {client}` again; it removes that secret (nobody can use it) and adds another"
)


def _save(plan: RotationPlan, rotation: Rotation) -> None:
    from dataclasses import replace

    try:
        write_state(plan.state_file, replace(plan.state, rotation=rotation))
    except OSError as exc:
        raise OperationError(
            f"cannot write the rotation state {plan.state_file}: {exc}",
            "settings.state_dir must be writable: the state lets a stopped run resume",
        ) from None


def _graph(plan: RotationPlan) -> tuple[requests.Session, Token]:
    """A session that never retries (a POST carried out twice adds two secrets), and the
    caller's token."""
    from ..net.http import make_session

    caller = plan.caller
    assert caller is not None
    session = make_session(caller.ca_file, retries=0, proxy=caller.proxy)
    return session, GraphTokens().get(caller, session)


def add_and_store(
    plan: RotationPlan, options: Options, removed: Sequence[str] = ()
) -> tuple[Rotation, str | None]:
    """addPassword, then the value into the store and client_secret_expires updated: the
    rotation at step `stored`, and Graph's hint of the new secret."""
    caller = plan.caller
    assert caller is not None
    rotation = Rotation(
        step="adding",
        started=format_instant(datetime.now(UTC)),
        display_name=plan.display_name,
        end=format_instant(plan.end),
        before=tuple(p.key_id for p in plan.passwords if p.key_id not in removed),
        replaces=plan.replaces,
    )
    _save(plan, rotation)  # before the step: a stopped run finds what it may have added
    session, token = _graph(plan)
    with session:
        options.progress(f"{plan.client.name}: adding client secret '{plan.display_name}'")
        new = add_password(
            session,
            plan.client,
            caller.identity,
            token,
            display_name=plan.display_name,
            end=plan.end,
        )
    rotation = rotation.at("adding", key_id=new.password.key_id)
    _save(plan, rotation)
    lost = LOST_HINT.format(client=plan.client.name)
    secrets = SecretResolver(plan.store.base_dir, options.vault_password_file)
    try:
        write_secret(plan.store, new.value, secrets)
    except OperationError as exc:
        raise OperationError(exc.message, lost) from None
    _store_expires(plan)
    rotation = rotation.at("stored")
    _save(plan, rotation)
    return rotation, new.password.hint or hint_of(new.value)


def _store_expires(plan: RotationPlan) -> None:
    write_expires(plan.store, plan.client, plan.end.date())


def resume_adding(
    plan: RotationPlan, rotation: Rotation, options: Options
) -> tuple[Rotation | None, list[str]]:
    """A run stopped within the first step: the secret it added found in the store (the
    rotation at `stored`), or removed (its value is lost) so that another is added (None).
    Also the key ids removed."""
    caller = plan.caller
    assert caller is not None
    session, token = _graph(plan)
    with session:
        held = list_passwords(session, plan.client, caller.identity, token)
        ours = [p for p in held if _added_by(rotation, p)]
        kept = _in_store(plan, rotation, held, ours, options)
        if kept is not None:
            _store_expires(plan)
            stored = rotation.at("stored", key_id=kept.key_id)
            _save(plan, stored)
            return stored, []
        removed = []
        for password in ours:
            options.progress(
                f"{plan.client.name}: removing secret {password.key_id}: a stopped run added "
                "it and its value was lost"
            )
            if remove_password(session, plan.client, caller.identity, token, password.key_id):
                removed.append(password.key_id)
    return None, removed


def _added_by(rotation: Rotation, password: Password) -> bool:
    """Whether the stopped run added `password`: its key id, once Graph had answered;
    else one not there before, with the rotation's name, made after it started (give or
    take Graph's clock)."""
    if rotation.key_id is not None:
        return password.key_id == rotation.key_id
    started = parse_instant(rotation.started)
    return (
        password.key_id not in rotation.before
        and password.display_name == rotation.display_name
        and started is not None
        and password.start is not None
        and password.start >= started - CLOCK_SKEW
    )


def _in_store(
    plan: RotationPlan,
    rotation: Rotation,
    held: Sequence[Password],
    ours: Sequence[Password],
    options: Options,
) -> Password | None:
    """The secret of ours whose value the store holds (by Graph's hint, which none of the
    older secrets may share), or None."""
    try:
        hint = hint_of(read_back(plan.store, options.vault_password_file))
    except SecretError:
        return None
    if any(p.hint == hint for p in held if p.key_id in rotation.before):
        return None  # the store still holds an old value (or one that cannot be told apart)
    found = [p for p in ours if p.hint == hint]
    return found[0] if len(found) == 1 else None
