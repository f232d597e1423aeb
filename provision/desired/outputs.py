"""The playbook's own outputs: a sandboxed template per app, per site or per client,
written where its templated path says, inside the output directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import shorten
from ..files import LOCK, MANIFEST, TMP_SUFFIX, inside
from ..model import App, ClientUris, Item, Output, OutputPer, Site
from ..templating import TemplateProblem, render, render_file
from .authorization import authorization_url
from .state import PUBLIC_MODE, SECRET_MODE, DesiredFile, Failure

RESERVED = frozenset({MANIFEST, LOCK})


def site_context(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "domain": site.domain,
        "pbx": site.pbx,
        "app_platform": site.app_platform,
        "apps": [app_context(a) for a in site.apps],
    }


def app_context(app: App) -> dict[str, Any]:
    client = app.identity.client
    return {
        "name": app.name,
        "kind": app.kind,
        "site": app.site,
        "identity": app.identity.name,
        "mode": app.identity.mode,
        "sender": app.sender,
        "sender_name": app.sender_name,
        "client_id": client.client_id,
        "tenant": client.tenant,
        "token_endpoint": client.token_endpoint,
        "authorization_url": authorization_url(app),
        "redirect_uri": app.redirect_uri,
    }


def client_context(entry: ClientUris) -> dict[str, Any]:
    client = entry.client
    return {
        "name": client.name,
        "provider": client.provider,
        "client_id": client.client_id,
        "tenant": client.tenant,
        "redirect_uris": list(entry.uris),
    }


def outputs_of(
    outputs: Sequence[Output],
    base_dir: Path,
    failures: list[Failure],
    per: OutputPer,
    item: Item,
    context_of: Callable[[], Mapping[str, Any]],
) -> Iterator[DesiredFile]:
    """Every output of the playbook that is made `per` this item; those that cannot be
    rendered go to `failures`. The templates' context is made only when one is made."""
    made = [output for output in outputs if output.per == per]
    context = context_of() if made else {}
    for output in made:
        label = item.with_output(output.name)
        try:
            path = render(output.path, context)
            content = render_file(base_dir, output.template, context)
        except TemplateProblem as exc:
            failures.append(Failure(label, str(exc)))
            continue
        relative = str(PurePosixPath(path))  # a//b and ./a are a/b and a
        problem = path_problem(relative)
        if problem is not None:
            at = f"{output.at}: " if output.at else ""
            failures.append(
                Failure(
                    label, f"{at}outputs.{output.name}.path renders {shorten(path)!r}: {problem}"
                )
            )
            continue
        yield DesiredFile(
            path=relative,
            held=content.encode(),
            mode=SECRET_MODE if output.secret else PUBLIC_MODE,
            item=label,
            secret_keys=frozenset({"*"}) if output.secret else frozenset(),
            deliver=output.deliver,
        )


def path_problem(path: str) -> str | None:
    """Why a rendered output path cannot be used, or None."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        return "it holds a control character (a line break, a tab, a NUL?)"
    if not inside(path) or path == ".":
        return "it must stay inside the output directory (a relative path without ..)"
    name = path.rsplit("/", 1)[-1]
    if path in RESERVED or name.endswith(TMP_SUFFIX):
        return "provision keeps its own state under that name; choose another"
    return None
