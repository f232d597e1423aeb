"""`provision redirect-uris`: what each console must hold."""

from __future__ import annotations

from ..errors import ERROR, PlaybookError, Problem
from ..redirect_uris import ClientUris
from ..report import print_problems
from ..validate import check_playbook


def run(playbook: str, *, client_name: str | None, fmt: str) -> int:
    checked = check_playbook(playbook)
    # stderr, whatever the format: a list past Google's 100 URIs must not pass unnoticed
    print_problems(checked.warnings, "text")
    lists = checked.model.redirect_uri_lists
    if client_name is not None:
        lists = [entry for entry in lists if entry.client.name == client_name]
        if not lists:
            known = ", ".join(sorted(checked.model.clients)) or "none defined"
            raise PlaybookError([Problem(ERROR, f"unknown client '{client_name}' ({known})")])
        if fmt in CONSOLES and not CONSOLES[fmt](lists[0]):
            client = lists[0].client
            raise PlaybookError([Problem(
                ERROR,
                f"--format {fmt} prints a {PROVIDER[fmt]} OAuth client's console entry, but "
                f"client '{client.name}' is {client.provider}"
                + (" without a client_id (a service account)"
                   if client.provider == PROVIDER[fmt] else "")
                + ": use --format text or json",
            )])
    print(RENDERERS[fmt](lists, client_name is not None), end="")
    return 0


def _text(lists: list[ClientUris], single: bool) -> str:
    if single:
        return "".join(f"{uri}\n" for uri in lists[0].uris)
    blocks = []
    for entry in lists:
        client = entry.client
        head = f"# {client.name} ({client.provider}, client_id {client.client_id or '-'})"
        body = "".join(f"{uri}\n" for uri in entry.uris) or "# (no interactive apps)\n"
        blocks.append(f"{head}\n{body}")
    return "\n".join(blocks)


def _json(lists: list[ClientUris], single: bool) -> str:
    import json

    return json.dumps({"clients": [entry.as_json() for entry in lists]}, indent=2) + "\n"


def _azure_client(entry: ClientUris) -> bool:
    return entry.client.provider == "microsoft"


def _google_client(entry: ClientUris) -> bool:
    # a service account (no client_id) has no OAuth client, hence no console JSON
    return entry.client.provider == "google" and entry.client.client_id is not None


def _azure(lists: list[ClientUris], single: bool) -> str:
    import json

    documents = {
        entry.client.name: {"web": {"redirectUris": list(entry.uris)}}
        for entry in lists
        if _azure_client(entry)
    }
    document = next(iter(documents.values())) if single and documents else documents
    return json.dumps(document, indent=2) + "\n"


def _google(lists: list[ClientUris], single: bool) -> str:
    import json

    from ..providers import GOOGLE_TOKEN_ENDPOINT

    documents = {
        entry.client.name: {
            "web": {
                "client_id": entry.client.client_id,
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": entry.client.token_endpoint or GOOGLE_TOKEN_ENDPOINT,
                "redirect_uris": list(entry.uris),
            }
        }
        for entry in lists
        if _google_client(entry)
    }
    document = next(iter(documents.values())) if single and documents else documents
    return json.dumps(document, indent=2) + "\n"


CONSOLES = {"azure": _azure_client, "google": _google_client}
PROVIDER = {"azure": "microsoft", "google": "google"}
RENDERERS = {"text": _text, "json": _json, "azure": _azure, "google": _google}
