"""Client secret ends through Graph for the registrations the plan does not read: a
microsoft client that names a `graph_client` but leaves its redirect URIs alone
(`manage_redirect_uris: off`). Reads only; the plan reads every managed registration."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..model import Client, Model
from ..providers.microsoft.graph import GraphError, GraphTokens, fetch_registration
from ..resolve.secrets import SecretResolver
from ..secret import SecretError, scrub
from ..tokens.request import TokenRequest


@dataclass(frozen=True)
class GraphRead:
    """One registration's latest secret end (ISO 8601), or why it could not be read."""

    client: str
    secret_expires: str | None = None
    error: str | None = None
    hint: str | None = None


def unmanaged_graph_clients(model: Model, names: Sequence[str]) -> list[Client]:
    return [
        client
        for name in sorted(names)
        if (client := model.clients[name]).provider == "microsoft"
        and client.graph_client is not None
        and not client.graph_managed
    ]


def read_secret_ends(
    model: Model,
    clients: Sequence[Client],
    secrets: SecretResolver,
    tokens: GraphTokens,
    *,
    jobs: int = 8,
) -> dict[str, GraphRead]:
    """Each client's registration read as its graph_client, `jobs` at a time."""
    from ..desired.credentials import graph_token_request

    reads: dict[str, GraphRead] = {}
    work: list[tuple[Client, TokenRequest]] = []
    for client in clients:
        try:
            work.append((client, graph_token_request(client, model, secrets)))
        except SecretError as exc:
            reads[client.name] = GraphRead(client.name, error=f"the Graph caller's secret: {exc}")
    if work:
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(work)))) as pool:
            for read in pool.map(lambda job: _read(job[0], job[1], tokens), work):
                reads[read.client] = read
    return reads


def _read(client: Client, caller: TokenRequest, tokens: GraphTokens) -> GraphRead:
    from ..tokens.errors import describe

    try:
        registration = fetch_registration(client, caller, tokens)
    except GraphError as exc:
        return GraphRead(client.name, error=exc.message, hint=exc.hint)
    except Exception as exc:  # one registration's surprise must not stop the others
        return GraphRead(client.name, error=scrub(f"unexpected failure: {describe(exc)}"))
    return GraphRead(client.name, secret_expires=registration.secret_expires)
