"""Entra app registrations through Microsoft Graph: their redirect URIs and client secrets.

For every microsoft client with `manage_redirect_uris: merge | exact`, read
`GET {graph_endpoint}/v1.0/applications(appId='<client_id>')`, compute the list the
registration should hold, refuse a list Entra would reject, and PATCH
`{"web": {"redirectUris": [...]}}` (Graph replaces the whole list: there is no append)
only when it differs.

- merge: what is there plus what the spec needs; a URI is only removed when provision put
  it there and the spec no longer needs it. Which URIs provision added is remembered in
  `<state_dir>/graph/<client>.json`.
- exact: the spec's list.

The network stack is imported inside the functions that talk to Graph, so playbooks
without a managed registration never load it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .apply import CHANGED, FAILED, OK, ItemResult
from .drift import ClientDrift
from .files import Write, write_atomically
from .model import Client, Model
from .redirect_uris import ClientUris, entra_uri_limit, uri_violations
from .secret import SecretError, SecretResolver

if TYPE_CHECKING:
    import requests

    from .tokens.request import Token, TokenRequest

MERGE, EXACT = "merge", "exact"
STATE_VERSION = 1
SELECT = "appId,web,passwordCredentials"

REFUSED_HINT = (
    "Remove redirect URIs no longer used from the registration (Entra admin center > App "
    "registrations > Authentication), switch the client to manage_redirect_uris: exact, or "
    "split the sites over more app registrations."
)


def _status_hint(status: int, client: Client, caller: str) -> str | None:
    """What to do about Graph's 401 / 403 / 404 for `client`'s registration."""
    if status == 401:
        return (
            f"Graph did not accept the token of client '{caller}': give its app registration "
            "the Microsoft Graph application permission Application.ReadWrite.OwnedBy and "
            f"grant admin consent (Entra admin center > App registrations > {caller} > API "
            "permissions); graph_endpoint must also belong to the same cloud as the authority."
        )
    if status == 403:
        return (
            f"Client '{caller}' is not an owner of the app registration {client.client_id}: "
            "Application.ReadWrite.OwnedBy only reaches registrations the caller owns. Add "
            f"'{caller}' (its service principal) as an owner (App registrations > "
            f"{client.name} > Owners), or grant it Application.ReadWrite.All."
        )
    if status == 404:
        return (
            f"No app registration with appId {client.client_id} in tenant {client.tenant}: "
            "check client_id (the Application (client) ID, not the Object ID) and that the "
            "Graph caller signs in to the tenant that holds the registration (tenant, "
            "graph_client)."
        )
    return None


class GraphError(Exception):
    """A Graph call failed; `hint` says what to do about it. Never carries a secret."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# -- what Graph holds, what it should hold ------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """What Graph holds for one app registration."""

    app_id: str
    redirect_uris: tuple[str, ...]  # in Graph's order
    secret_expires: str | None  # the latest passwordCredentials endDateTime, ISO 8601 UTC


@dataclass(frozen=True)
class RegistrationChange:
    """The redirect URI list one registration should hold, and how it gets there."""

    client: Client
    registration: Registration
    target: tuple[str, ...]  # what to send: the kept URIs in Graph's order, then additions
    add: tuple[str, ...]
    remove: tuple[str, ...]
    foreign: tuple[str, ...]  # held, not needed, not provision's: merge keeps them
    owned_before: tuple[str, ...]  # the URIs provision had put there
    owned: tuple[str, ...]  # ... and once the target is in place
    refused: str | None = None  # why the target breaks Entra's limits (then nothing is sent)

    @property
    def pending(self) -> bool:
        return bool(self.add or self.remove)

    def uri_lines(self) -> list[str]:
        """`+ uri` for each addition, `- uri` for each removal, as plan and apply print them."""
        return [f"+ {uri}" for uri in self.add] + [f"- {uri}" for uri in self.remove]


@dataclass(frozen=True)
class RegistrationOutcome:
    """One managed registration after a run: read (maybe patched), or failed."""

    client: Client
    change: RegistrationChange | None = None
    patched: bool = False
    error: str | None = None
    hint: str | None = None
    state: Write | None = field(default=None, repr=False)  # the state file to write

    @property
    def failed(self) -> bool:
        return self.error is not None

    def as_json(self) -> dict[str, object]:
        change = self.change
        if self.failed:
            status = "failed"
        elif change is not None and change.pending:
            status = "patched" if self.patched else "update"
        else:
            status = "unchanged"
        return {
            "name": self.client.name,
            "client_id": self.client.client_id,
            "mode": self.client.manage_redirect_uris,
            "status": status,
            "add": list(change.add) if change else [],
            "remove": list(change.remove) if change else [],
            "foreign": list(change.foreign) if change else [],
            "secret_expires": change.registration.secret_expires if change else None,
            "error": self.error,
            "hint": self.hint,
        }


def managed_clients(model: Model) -> list[Client]:
    """The microsoft clients whose registration provision reconciles, by name."""
    return [
        client
        for _, client in sorted(model.clients.items())
        if client.provider == "microsoft" and client.manage_redirect_uris in (MERGE, EXACT)
    ]


def plan_change(
    entry: ClientUris, registration: Registration, owned_before: Iterable[str] = ()
) -> RegistrationChange:
    """The list `entry.client`'s registration should hold, given what it holds and which
    of those URIs provision put there."""
    client = entry.client
    wanted = set(entry.uris)
    held = list(dict.fromkeys(registration.redirect_uris))  # Graph's order, once each
    held_set = set(held)
    owned = set(owned_before)
    if client.manage_redirect_uris == EXACT:
        drop = held_set - wanted
        foreign: set[str] = set()
    else:
        drop = (held_set & owned) - wanted
        foreign = held_set - wanted - owned
    add = sorted(wanted - held_set)
    target = tuple([uri for uri in held if uri not in drop] + add)
    owned_after = (owned & set(target)) | set(add)
    refused = None
    if add or drop:
        refused = _refusal(client, target, len(foreign))
    return RegistrationChange(
        client=client,
        registration=registration,
        target=target,
        add=tuple(add),
        remove=tuple(sorted(drop)),
        foreign=tuple(sorted(foreign)),
        owned_before=tuple(sorted(owned)),
        owned=tuple(sorted(owned_after)),
        refused=refused,
    )


def _refusal(client: Client, target: Sequence[str], kept: int) -> str | None:
    """Why Entra would reject `target` (the limits of provision.redirect_uris), or None."""
    limit = entra_uri_limit(client)
    if len(target) > limit:
        where = f", {kept} of them kept from the registration (merge)" if kept else ""
        personal = " (personal accounts allowed)" if client.personal_accounts else ""
        return (
            f"the registration would hold {len(target)} redirect URIs{where}, but Entra "
            f"allows at most {limit}{personal}: nothing was sent"
        )
    problems = [message for uri in target for message in uri_violations(uri)]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{problems[0]}{more}: Entra would reject the list, nothing was sent"
    return None


# -- which URIs provision added -------------------------------------------------------------


def state_path(model: Model, client: Client) -> Path:
    return model.settings.state_dir / "graph" / f"{client.name}.json"


def read_owned(path: Path, app_id: str) -> tuple[str, ...]:
    """The URIs provision added to registration `app_id` (none when the file is missing,
    damaged, or about another registration)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return ()
    if not isinstance(document, dict) or document.get("app_id") != app_id:
        return ()
    added = document.get("added")
    if not isinstance(added, list):
        return ()
    return tuple(sorted({uri for uri in added if isinstance(uri, str)}))


def _state_write(path: Path, app_id: str, owned: Iterable[str]) -> Write:
    document = {"version": STATE_VERSION, "app_id": app_id, "added": sorted(owned)}
    return Write(path, (json.dumps(document, indent=1) + "\n").encode(), 0o600)


# -- client secret expiry -----------------------------------------------------------------


def parse_instant(text: str) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (Graph sends up to seven
    fractional digits and a `Z`, which Python 3.10 cannot parse)."""
    cleaned = re.sub(r"(T\d{2}:\d{2}:\d{2})\.\d+", r"\1", text.strip())
    cleaned = re.sub(r"[Zz]$", "+00:00", cleaned)
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest_end(credentials: object) -> str | None:
    """The latest `endDateTime` of Graph's `passwordCredentials`, ISO 8601 UTC."""
    ends = []
    for credential in credentials if isinstance(credentials, list) else []:
        if isinstance(credential, dict) and isinstance(credential.get("endDateTime"), str):
            moment = parse_instant(credential["endDateTime"])
            if moment is not None:
                ends.append(moment)
    return format_instant(max(ends)) if ends else None


@dataclass(frozen=True)
class SecretExpiry:
    expired: bool
    message: str


def secret_expiry(
    client: Client,
    graph_expires: str | None,
    warning_days: int,
    now: datetime | None = None,
) -> SecretExpiry | None:
    """A warning when the client secret expires within `warning_days`, an error once it
    has: from Graph's latest endDateTime, else the spec's client_secret_expires."""
    now = now or datetime.now(timezone.utc)
    moment = parse_instant(graph_expires) if graph_expires else None
    if moment is not None:
        source, shown = "Graph", graph_expires
        expired = moment <= now
        days = (moment - now).days
    elif client.client_secret_expires is not None:
        expires: date = client.client_secret_expires
        source, shown = "client_secret_expires", expires.isoformat()
        days = (expires - now.date()).days
        expired = days < 0
    else:
        return None
    if expired:
        return SecretExpiry(
            True,
            f"the client secret expired on {shown} ({source}): create a new one in Entra, "
            "update every app that uses it, and re-authorize the interactive identities",
        )
    if days <= warning_days:
        return SecretExpiry(
            False,
            f"the client secret expires on {shown} ({source}), in {days} days: create a "
            "new one in Entra and update every app that uses it",
        )
    return None


# -- talking to Graph -----------------------------------------------------------------------


def application_url(client: Client) -> str:
    app_id = quote(client.client_id or "", safe="")
    return f"{client.graph_endpoint}/v1.0/applications(appId='{app_id}')"


def _graph_error_text(response: requests.Response) -> str:
    """`Code: message` of Graph's error answer, or the start of whatever it sent."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        return ": ".join(str(part) for part in (code, message) if part)
    return " ".join(response.text.split())[:200]


def _call(
    session: requests.Session,
    method: str,
    client: Client,
    caller: str,
    token: Token,
    **kwargs: Any,
) -> requests.Response:
    import requests

    from .tokens.errors import describe
    from .tokens.hints import hint_for

    url = application_url(client)
    headers = {
        "Authorization": f"Bearer {token.access_token.reveal()}",
        "Accept": "application/json",
    }
    try:
        response = session.request(method, url, headers=headers, **kwargs)
    except requests.RequestException as exc:
        text = f"Graph {method} {url} failed: {describe(exc)}"
        raise GraphError(text, hint_for(text)) from None
    if response.status_code >= 400:
        detail = _graph_error_text(response)
        text = f"Graph answered {method} with {response.status_code}" + (
            f" {detail}" if detail else ""
        )
        hint = _status_hint(response.status_code, client, caller) or hint_for(text)
        raise GraphError(text, hint)
    return response


def read_registration(
    session: requests.Session, client: Client, caller: str, token: Token
) -> Registration:
    """`web.redirectUris` and the latest client secret end of `client`'s registration."""
    response = _call(session, "GET", client, caller, token, params={"$select": SELECT})
    try:
        body = response.json()
    except ValueError:
        raise GraphError("Graph answered GET with something that is not JSON") from None
    web = body.get("web") if isinstance(body, dict) else None
    uris = web.get("redirectUris") if isinstance(web, dict) else None
    if not isinstance(uris, list):
        uris = []
    return Registration(
        app_id=str(body.get("appId") or client.client_id),
        redirect_uris=tuple(uri for uri in uris if isinstance(uri, str)),
        secret_expires=latest_end(body.get("passwordCredentials")),
    )


def patch_redirect_uris(
    session: requests.Session, client: Client, caller: str, token: Token, uris: Sequence[str]
) -> None:
    _call(session, "PATCH", client, caller, token, json={"web": {"redirectUris": list(uris)}})


class _Tokens:
    """Graph tokens per caller and scope, acquired once a run: registrations that share a
    `graph_client` share its token (and its failure)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._known: dict[tuple[str, str], Token | GraphError] = {}

    def get(self, req: TokenRequest, session: requests.Session) -> Token:
        from .tokens.microsoft import acquire_client_credentials
        from .tokens.request import TokenError

        key = (req.identity, req.scope or "")
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            known = self._known.get(key)
            if known is None:
                try:
                    known = acquire_client_credentials(req, req.scope or "", session=session)
                except TokenError as exc:
                    known = GraphError(f"no Graph token: {exc.message}", exc.hint)
                self._known[key] = known
        if isinstance(known, GraphError):
            raise GraphError(known.message, known.hint)
        return known


def _reconcile_one(
    entry: ClientUris,
    req: TokenRequest,
    model: Model,
    tokens: _Tokens,
    write: bool,
) -> RegistrationOutcome:
    from .tokens.errors import describe
    from .tokens.http import make_session
    from .tokens.request import TokenError, redact

    client = entry.client
    change: RegistrationChange | None = None
    try:
        if not client.client_id:
            raise GraphError("client_id is not set", "set the Application (client) ID")
        with make_session(req.ca_file) as session:
            token = tokens.get(req, session)
            registration = read_registration(session, client, req.identity, token)
            path = state_path(model, client)
            change = plan_change(entry, registration, read_owned(path, registration.app_id))
            if change.refused:
                return RegistrationOutcome(client, change, error=change.refused,
                                           hint=REFUSED_HINT)
            patched = False
            if write and change.pending:
                patch_redirect_uris(session, client, req.identity, token, change.target)
                patched = True
            state = None
            if write and change.owned != change.owned_before:
                state = _state_write(path, registration.app_id, change.owned)
            return RegistrationOutcome(client, change, patched=patched, state=state)
    except GraphError as exc:
        return RegistrationOutcome(client, change, error=exc.message, hint=exc.hint)
    except TokenError as exc:
        return RegistrationOutcome(client, change, error=exc.message, hint=exc.hint)
    except Exception as exc:  # one registration's surprise must not stop the others
        text = redact(f"unexpected failure: {describe(exc)}", req.secrets())
        return RegistrationOutcome(client, change, error=text)


def reconcile(
    model: Model, secrets: SecretResolver, *, jobs: int = 8, write: bool = False
) -> list[RegistrationOutcome]:
    """Read every managed registration, `jobs` at a time, and, when `write`, PATCH those
    whose list differs and remember which URIs provision added. One failing registration
    never stops the others. Without managed clients nothing is imported or contacted."""
    clients = managed_clients(model)
    if not clients:
        return []
    from .credentials import graph_token_request

    lists = {entry.client.name: entry for entry in model.redirect_uri_lists}
    outcomes: dict[str, RegistrationOutcome] = {}
    work: list[tuple[ClientUris, TokenRequest]] = []
    for client in clients:
        try:
            # Secrets resolve here, in one thread: a resolver is not shared across workers.
            work.append((lists[client.name], graph_token_request(client, model, secrets)))
        except SecretError as exc:
            outcomes[client.name] = RegistrationOutcome(
                client, error=f"the Graph caller's client secret: {exc}"
            )
    tokens = _Tokens()
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(work)))) as pool:
        done = pool.map(
            lambda job: _reconcile_one(job[0], job[1], model, tokens, write), work
        )
        for outcome in done:
            outcomes[outcome.client.name] = outcome
    if write:
        _save_states(outcomes)
    return [outcomes[client.name] for client in clients]


def _save_states(outcomes: dict[str, RegistrationOutcome]) -> None:
    """Write every state file in one batch; a registration whose file fails fails."""
    writes = [o.state for o in outcomes.values() if o.state is not None and not o.failed]
    failed = {failure.path: failure.message for failure in write_atomically(writes)}
    for name, outcome in outcomes.items():
        if outcome.state is not None and outcome.state.path in failed:
            outcomes[name] = RegistrationOutcome(
                outcome.client, outcome.change, outcome.patched,
                error=f"{'redirect URIs updated, but ' if outcome.patched else ''}the state "
                f"file {outcome.state.path} {failed[outcome.state.path]}",
                hint="provision remembers there which URIs it added (merge mode): check "
                "settings.state_dir is writable",
            )


# -- what the commands show ----------------------------------------------------------------


def item(client: Client) -> str:
    """The recap item of a client (the same task as its redirect URI file)."""
    return f"client:{client.name}"


@dataclass(frozen=True)
class ExpiryWarning:
    item: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"item": self.item, "message": self.message}


def registration_results(
    outcomes: Iterable[RegistrationOutcome],
    warning_days: int,
    *,
    check: bool = False,
    now: datetime | None = None,
) -> tuple[list[ItemResult], list[ExpiryWarning]]:
    """Apply's results (one per registration, on the `(clients)` recap line) and its
    warnings: a secret expiring within `warning_days` warns, an expired one fails."""
    results: list[ItemResult] = []
    warnings: list[ExpiryWarning] = []
    for outcome in outcomes:
        client, change = outcome.client, outcome.change
        name = item(client)
        expiry = secret_expiry(
            client, change.registration.secret_expires if change else None, warning_days, now
        )
        status, action, messages = OK, "unchanged", []
        if change is not None and change.pending and not outcome.failed:
            status, action = CHANGED, "patch redirect URIs"
            messages.append(
                f"redirect URIs of app registration {change.registration.app_id} "
                f"{'would be updated' if check else 'updated'} "
                f"({client.manage_redirect_uris}): +{len(change.add)} -{len(change.remove)}"
            )
        if outcome.failed:
            status = FAILED
            messages.append(outcome.error or "failed")
        if expiry is not None:
            if expiry.expired:
                status = FAILED
                messages.append(expiry.message)
            else:
                warnings.append(ExpiryWarning(name, expiry.message))
        results.append(
            ItemResult(name, None, status, action=action,
                       message="; ".join(messages) or None, hint=outcome.hint)
        )
    return results, warnings


def registration_drift(
    outcome: RegistrationOutcome, now: datetime | None = None
) -> ClientDrift:
    """Drift of a registration that was read: missing = what apply would add, extra = what
    it would remove (merge keeps the URIs provision did not put there: `foreign`)."""
    change = outcome.change
    assert change is not None
    client = change.client
    problems = []
    if change.refused:
        problems.append(f"apply would refuse the list: {change.refused}")
    expiry = secret_expiry(client, change.registration.secret_expires, 0, now)
    if expiry is not None and expiry.expired:
        problems.append(expiry.message)
    return ClientDrift(
        name=client.name,
        source=f"graph {client.graph_endpoint} appId {change.registration.app_id}",
        missing=change.add,
        extra=change.remove,
        problems=tuple(problems),
        secret_expires=change.registration.secret_expires,
        extra_fields={
            "mode": client.manage_redirect_uris,
            "foreign": list(change.foreign),
            "secret_expires": change.registration.secret_expires,
        },
    )
