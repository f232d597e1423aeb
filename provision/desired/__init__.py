"""The desired state: every file apply should leave in the output directory.

App configs and setup sheets are rendered through the package's templates, the playbook's
own `outputs` through its templates, sandboxed. Secrets are revealed here, and only here,
because the app configs must carry them; each file remembers which keys or values are
secret so plans and diffs can mask them.
"""

from __future__ import annotations

from ..limit import Limit
from ..model import App, Item, Model, Site
from ..resolve.secrets import SecretResolver
from ..secret import SecretError
from ..templating import package_template
from .app_config import app_config, render_app
from .outputs import add_outputs, app_context, client_context, site_context
from .sheets import render_sheet
from .state import PUBLIC_MODE, SECRET_MODE, DesiredFile, DesiredState, Failure

__all__ = ["DesiredFile", "DesiredState", "Failure", "desired_state"]


def desired_state(model: Model, secrets: SecretResolver, limit: Limit) -> DesiredState:
    """Every file of the selected apps and sites, and of every client (a console holds
    every app's URI, whatever --limit says)."""
    state = DesiredState()
    deliver = model.settings.deliver
    for site in model.sites:
        for app in site.apps:
            if limit.selects(app.site, app.name):
                _app_files(model, secrets, state, site, app, deliver.get("app_config"))
    template = package_template("redirect-uris.txt.j2")
    for entry in model.redirect_uris:
        item = Item("client", entry.client.name)
        state.files.append(
            DesiredFile(
                path=f"redirect-uris/{entry.client.name}.txt",
                content=template.render(client=entry.client, uris=entry.uris).encode(),
                mode=PUBLIC_MODE,
                item=item,
                deliver=deliver.get("redirect_uris"),
            )
        )
        add_outputs(
            model.outputs, model.base_dir, state, "client", item, {"client": client_context(entry)}
        )
    uris = {entry.client.name: entry for entry in model.redirect_uris}
    for site in model.sites:
        if any(limit.selects(site.name, app.name) for app in site.apps) or (
            not site.apps and limit.selects(site.name)
        ):
            state.files.append(
                DesiredFile(
                    path=f"sites/{site.name}.md",
                    content=render_sheet(site, uris),
                    mode=PUBLIC_MODE,
                    item=Item("sheet", site.name),
                )
            )
            add_outputs(
                model.outputs,
                model.base_dir,
                state,
                "site",
                Item("site", site.name),
                {"site": site_context(site)},
            )
    return state


def _app_files(
    model: Model,
    secrets: SecretResolver,
    state: DesiredState,
    site: Site,
    app: App,
    deliver: tuple[str, ...] | None,
) -> None:
    """The app's config, and its own outputs; a secret that does not resolve fails it."""
    try:
        config, held = app_config(app, secrets)
    except SecretError as exc:
        state.failures.append(Failure(app.item, str(exc)))
        return
    state.files.append(
        DesiredFile(
            path=f"apps/{app.site}/{app.name}.json",
            content=render_app(config, held),
            mode=SECRET_MODE,
            item=app.item,
            secret_keys=frozenset(held),
            deliver=deliver,
        )
    )
    if model.outputs:
        revealed = {**config, **{key: value.reveal() for key, value in held.items()}}
        add_outputs(
            model.outputs,
            model.base_dir,
            state,
            "app",
            app.item,
            {"site": site_context(site), "app": app_context(app), "config": revealed},
        )
