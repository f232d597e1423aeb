"""Resolve a schema-valid playbook into the frozen model.

Follows every reference (app -> identity -> client, app -> kind), applies the precedence
app > site > defaults, renders Jinja2 in values, computes every client's redirect URI
list, and reports every problem it meets, located, instead of stopping at the first.
"""

from __future__ import annotations

from ..catalog import all_kinds, path_template_problem
from ..errors import PlaybookError
from ..load import Playbook
from ..model import Model
from .clients import resolve_clients, resolve_settings
from .context import Context
from .identities import resolve_identities
from .outputs import resolve_outputs
from .sites import Known, resolve_sites
from .uris import redirect_uri_lists

__all__ = ["resolve"]


def resolve(
    playbook: Playbook,
    left_out: frozenset[tuple[str, str]] = frozenset(),
    *,
    key_files: bool = True,
) -> Model:
    """The model of a schema-valid playbook; PlaybookError lists every problem. References
    to the `left_out` entries, (section, name) that failed the schema, are not reported.
    Without `key_files` the clients' key files are not opened (stand-ins instead)."""
    ctx = Context(playbook, left_out, key_files=key_files)
    data = playbook.data
    settings = resolve_settings(ctx)
    clients = resolve_clients(ctx)
    identities = resolve_identities(ctx, clients)
    raw_identities = data.get("identities") or {}
    kinds = all_kinds(data.get("app_kinds"))
    broken = set()
    for name, entry in (data.get("app_kinds") or {}).items():
        message = path_template_problem(entry["path"])
        if message is not None:
            ctx.error(message, ("app_kinds", name, "path"))
            broken.add(name)
            kinds.pop(name, None)
    sites = resolve_sites(ctx, Known(identities, raw_identities, kinds, frozenset(broken)))
    default_identity = (data.get("defaults") or {}).get("identity")
    if default_identity is not None and default_identity not in raw_identities:
        ctx.unknown("identity", default_identity, raw_identities, ("defaults", "identity"))
    if ctx.problems:
        raise PlaybookError(ctx.problems)
    return Model(
        base_dir=playbook.base_dir,
        settings=settings,
        clients=clients,
        identities=identities,
        sites=tuple(sites),
        outputs=resolve_outputs(ctx),
        redirect_uris=redirect_uri_lists(
            clients,
            (app for site in sites for app in site.apps),
            identities.values(),
            settings.authorize_redirect_uri,
        ),
        warnings=tuple(ctx.warnings),
        kinds=kinds,
    )
