"""The playbook's own outputs: a sandboxed template per app, per site or per client,
written where its templated path says, inside the output directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from ..model import App, ClientUris, Item, Site
from ..templating import TemplateProblem, render, render_file
from .authorization import authorization_url
from .state import PUBLIC_MODE, SECRET_MODE, DesiredFile, Failure

Per = Literal["app", "site", "client"]


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
    outputs: Mapping[str, Mapping[str, object]],
    base_dir: Path,
    failures: list[Failure],
    per: Per,
    item: Item,
    context_of: Callable[[], Mapping[str, Any]],
) -> Iterator[DesiredFile]:
    """Every output of the playbook that is made `per` this item; those that cannot be
    rendered go to `failures`. The templates' context is made only when one is made."""
    made = [(name, output) for name, output in outputs.items() if output["per"] == per]
    context = context_of() if made else {}
    for name, output in made:
        label = item.with_output(name)
        try:
            path = render(str(output["path"]), context)
            content = render_file(base_dir, str(output["template"]), context)
        except TemplateProblem as exc:
            failures.append(Failure(label, str(exc)))
            continue
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            failures.append(
                Failure(label, f"output path '{path}' must stay inside the output directory")
            )
            continue
        secret = bool(output.get("secret", True))
        deliver = output.get("deliver")
        yield (
            DesiredFile(
                path=str(relative),
                content=content.encode(),
                mode=SECRET_MODE if secret else PUBLIC_MODE,
                item=label,
                secret_keys=frozenset({"*"}) if secret else frozenset(),
                deliver=tuple(str(arg) for arg in deliver) if isinstance(deliver, list) else None,
            )
        )
