"""The desired state: every file apply should leave in the output directory.

App configs and setup sheets are rendered through the package's templates, the playbook's
own `outputs` through its templates, sandboxed. Secrets are revealed here, and only here,
because the app configs must carry them; each file remembers which keys or values are
secret so plans and diffs can mask them. Files are made one at a time, as the plan asks
for them: one already in place need not be kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from ..errors import format_path
from ..limit import Limit
from ..model import App, ClientUris, Item, Model, Site
from ..resolve.secrets import SecretResolver
from ..secret import SecretRef
from ..templating import package_template
from .app_config import SECRET_KEYS, AppView, UnresolvedSecret, app_config, app_view, render_app
from .outputs import app_context, client_context, outputs_of, site_context
from .sheets import render_sheet
from .state import PUBLIC_MODE, SECRET_MODE, DesiredFile, Failure

if TYPE_CHECKING:
    from jinja2 import Template

__all__ = ["DesiredFile", "Failure", "desired_files"]

T = TypeVar("T")


def desired_files(
    model: Model,
    secrets: SecretResolver,
    limit: Limit,
    failures: list[Failure],
    *,
    lazy: bool = False,
) -> Iterator[DesiredFile]:
    """Every file of the selected apps and sites (site by site: its apps, then its sheet),
    and of every client (a console holds every app's URI, whatever --limit says); what
    cannot be made goes to `failures`. `lazy`: the files of the package's templates come
    unmade (`make` makes each); the playbook's own `outputs` are made at once, since their
    templates can fail."""
    deliver = model.settings.deliver
    unresolved: dict[SecretRef, Item] = {}  # each secret that failed: the first app it failed
    uris = {entry.client.name: entry for entry in model.redirect_uris}
    delivered = bool(deliver.get("app_config"))  # the sheets say whether configs are delivered
    for site in model.sites:
        views: dict[Item, AppView] = {}  # made once for an app's config and the site's sheet
        for app in site.apps:
            if limit.selects(app.site, app.name):
                view = views[app.item] = app_view(app, model.kinds[app.kind].ui)
                yield from _app_files(
                    model,
                    secrets,
                    failures,
                    unresolved,
                    site,
                    app,
                    view,
                    deliver.get("app_config"),
                    lazy,
                )
        if views or (not site.apps and limit.selects(site.name)):
            yield _file(
                lazy,
                f"sites/{site.name}.md",
                partial(render_sheet, site, uris, model.kinds, delivered, views),
                mode=PUBLIC_MODE,
                item=Item("sheet", site.name),
            )
            yield from outputs_of(
                model.outputs,
                model.base_dir,
                failures,
                "site",
                Item("site", site.name),
                _context_of("site", site_context, site),
            )
    template = package_template("redirect-uris.txt.j2")
    for entry in model.redirect_uris:
        item = Item("client", entry.client.name)
        yield _file(
            lazy,
            f"redirect-uris/{entry.client.name}.txt",
            partial(_uri_list, template, entry),
            mode=PUBLIC_MODE,
            item=item,
            deliver=deliver.get("redirect_uris"),
        )
        yield from outputs_of(
            model.outputs,
            model.base_dir,
            failures,
            "client",
            item,
            _context_of("client", client_context, entry),
        )


def _app_files(
    model: Model,
    secrets: SecretResolver,
    failures: list[Failure],
    unresolved: dict[SecretRef, Item],
    site: Site,
    app: App,
    view: AppView,
    deliver: tuple[str, ...] | None,
    lazy: bool,
) -> Iterator[DesiredFile]:
    """The app's config, and its own outputs; a secret that does not resolve fails it."""
    try:
        config, held = app_config(view, secrets)
    except UnresolvedSecret as exc:
        failures.append(Failure(app.item, _unresolved(exc, app.item, unresolved)))
        return
    yield _file(
        lazy,
        f"apps/{app.site}/{app.name}.json",
        partial(render_app, config, held),
        mode=SECRET_MODE,
        item=app.item,
        secret_keys=SECRET_KEYS,  # present or not: an old file may hold one the new drops
        deliver=deliver,
    )
    yield from outputs_of(
        model.outputs,
        model.base_dir,
        failures,
        "app",
        app.item,
        lambda: {
            "site": site_context(site),
            "app": app_context(app),
            "config": {**config, **{key: value.reveal() for key, value in held.items()}},
        },
    )


def _uri_list(template: Template, entry: ClientUris) -> bytes:
    return template.render(client=entry.client, uris=entry.uris).encode()


def _file(
    lazy: bool,
    path: str,
    content: Callable[[], bytes],
    *,
    mode: int,
    item: Item,
    secret_keys: frozenset[str] = frozenset(),
    deliver: tuple[str, ...] | None = None,
) -> DesiredFile:
    if lazy:
        return DesiredFile(path, b"", mode, item, secret_keys, deliver, make=content)
    return DesiredFile(path, content(), mode, item, secret_keys, deliver)


def _unresolved(exc: UnresolvedSecret, item: Item, unresolved: dict[SecretRef, Item]) -> str:
    """The cause with where the secret is written, said once; the other apps that need
    the same secret name the first that failed."""
    where = format_path(exc.ref.where)
    first = unresolved.setdefault(exc.ref, item)
    if first != item:
        return f"needs {where}, unavailable (see {first})"
    at = f"{exc.ref.at}: " if exc.ref.at else ""
    return f"{at}{where}: {exc}"


def _context_of(key: str, make: Callable[[T], object], value: T) -> Callable[[], dict[str, object]]:
    """A playbook output's context, made when an output needs it."""
    return lambda: {key: make(value)}
