"""Shell completion of the names in the playbook given earlier on the command line:
identities (IDENTITY), clients (--client), sites and site/app items (--limit). The
playbook is only loaded (its YAML: no schema check, no template, no secret, no command
run); whatever goes wrong completes nothing, and never prints a traceback into a shell."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

# modes that sign in in a browser, and those that do when their client has an
# authorization_url (`provision authorize` takes only these)
_INTERACTIVE = ("exchange", "gmail")
_INTERACTIVE_WITH_URL = ("client_secret_post", "private_key_jwt")


def _document(ctx: click.Context) -> dict[str, Any]:
    """The playbook's merged document, or {} when there is none to read. While an
    option's value is completed, click has not yet taken the positional arguments: the
    playbook is then the first one left over."""
    path = ctx.params.get("playbook") or (ctx.args[0] if ctx.args else None)
    if not isinstance(path, str) or not path:
        return {}
    from ..load import load_playbook

    return load_playbook(os.path.expanduser(path)).data


def _section(document: dict[str, Any], name: str) -> dict[str, Any]:
    """A section's entries by name; a name no shell could take as one word is left out
    (the completion protocols are a line per item)."""
    section = document.get(name)
    if not isinstance(section, dict):
        return {}
    return {str(k): v for k, v in section.items() if _word(str(k))}


def _word(text: str) -> bool:
    return bool(text) and text.isprintable() and not any(c.isspace() for c in text)


def _safely(
    complete: Callable[[dict[str, Any], str], Iterable[CompletionItem]],
) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    """A `shell_complete=` callback: `complete(document, incomplete)`, or nothing at all
    when the playbook cannot be read or is not what the schema says."""

    def callback(
        ctx: click.Context, _param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        try:
            return list(complete(_document(ctx), incomplete))
        except Exception:  # noqa: BLE001 - a shell gets no completion rather than a traceback
            return []

    return callback


def _item(value: str, help: str | None = None) -> CompletionItem:  # noqa: A002 - click's name
    from click.shell_completion import CompletionItem

    return CompletionItem(value, help=help)


def _describe(entry: Any, *keys: str) -> str | None:
    if not isinstance(entry, dict):
        return None
    words = [str(entry[key]) for key in keys if isinstance(entry.get(key), str | int)]
    return " ".join(" ".join(words).split()) or None  # one line


def _identities(
    document: dict[str, Any], incomplete: str, keep: Callable[[Any, dict[str, Any]], bool]
) -> Iterable[CompletionItem]:
    clients = _section(document, "clients")
    for name, entry in sorted(_section(document, "identities").items()):
        if name.startswith(incomplete) and keep(entry, clients):
            yield _item(name, help=_describe(entry, "mode", "sender"))


def _any(_entry: Any, _clients: dict[str, Any]) -> bool:
    return True


def _interactive(entry: Any, clients: dict[str, Any]) -> bool:
    """An identity `provision authorize` signs in: exchange, gmail, or a generic mode
    whose client has an authorization_url."""
    mode = entry.get("mode") if isinstance(entry, dict) else None
    if mode in _INTERACTIVE:
        return True
    client = clients.get(str(entry.get("client"))) if isinstance(entry, dict) else None
    return (
        mode in _INTERACTIVE_WITH_URL and isinstance(client, dict) and "authorization_url" in client
    )


def _clients(document: dict[str, Any], incomplete: str) -> Iterable[CompletionItem]:
    for name, entry in sorted(_section(document, "clients").items()):
        if name.startswith(incomplete):
            yield _item(name, help=_describe(entry, "provider", "client_id"))


def _app_names(site: Any, defaults: dict[str, Any]) -> list[str]:
    """A site's app names: its apps (a list of kinds, or a map), else the defaults'."""
    apps = site.get("apps", defaults.get("apps", [])) if isinstance(site, dict) else []
    names = apps if isinstance(apps, list) else list(apps) if isinstance(apps, dict) else []
    return [name for name in names if isinstance(name, str) and _word(name)]


def _limit(document: dict[str, Any], incomplete: str) -> Iterable[CompletionItem]:
    """--limit's last pattern (after a comma, past a `!`): site names, and site/app items
    once the site is named (`acme` alone, or `acme/...`)."""
    done, comma, last = incomplete.rpartition(",")
    bang = "!" if last.startswith("!") else ""
    word = last[len(bang) :]
    before = done + comma + bang
    sites = _section(document, "sites")
    if "/" in word:
        site = word.partition("/")[0]
        chosen = [site] if site in sites else []
    else:
        matching = [name for name in sorted(sites) if name.startswith(word)]
        for name in matching:
            yield _item(before + name, help=_describe(sites[name], "domain"))
        chosen = matching if len(matching) == 1 else [word] if word in sites else []
    defaults = _section(document, "defaults")
    for name in chosen:
        for app in _app_names(sites[name], defaults):
            if f"{name}/{app}".startswith(word):
                yield _item(f"{before}{name}/{app}")


identities = _safely(lambda document, incomplete: _identities(document, incomplete, _any))
interactive_identities = _safely(
    lambda document, incomplete: _identities(document, incomplete, _interactive)
)
clients = _safely(_clients)
limit_items = _safely(_limit)
