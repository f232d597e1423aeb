"""Sites and their apps: precedence app > site > defaults, templates rendered in each
app's context, the app catalog's redirect URIs, the full authorization URLs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..catalog import AppKind
from ..errors import DocPath, shorten
from ..model import App, Identity, Site
from ..validate.formats import EMAIL, HOST
from .context import Context


@dataclass(frozen=True)
class Known:
    """What a site's apps may refer to."""

    identities: Mapping[str, Identity]  # those that resolved
    raw_identities: Mapping[str, Any]  # all those defined (a broken one is reported there)
    kinds: Mapping[str, AppKind]
    broken_kinds: frozenset[str]  # kinds whose path template is reported already


def resolve_sites(ctx: Context, known: Known) -> list[Site]:
    sites = []
    for name, raw in (ctx.data.get("sites") or {}).items():
        site = _SiteResolver(ctx, known, name, raw).site()
        if site is not None:
            sites.append(site)
    return sites


def _first(*candidates: tuple[str, Mapping[str, Any], DocPath]) -> tuple[Any, DocPath]:
    """The first value set, by precedence, and where it was set."""
    for key, mapping, where in candidates:
        if mapping.get(key) is not None:
            return mapping[key], where + (key,)
    return None, ()


class _SiteResolver:
    def __init__(self, ctx: Context, known: Known, name: str, raw: Mapping[str, Any]) -> None:
        self.ctx, self.known, self.name, self.raw = ctx, known, name, raw
        self.where: DocPath = ("sites", name)
        self.defaults: Mapping[str, Any] = ctx.data.get("defaults") or {}
        self.context: dict[str, Any] = {"site": {"name": name}}
        self.hosts: dict[str, str | None] = {}

    def site(self) -> Site | None:
        ctx, where, raw = self.ctx, self.where, self.raw
        domain = ctx.render(raw["domain"], self.context, where + ("domain",))
        if domain is not None and not HOST.match(domain):  # a template may render anything
            ctx.error(f"'{shorten(domain)}' is not a valid host name", where + ("domain",))
            domain = None
        domain = self.lower(domain, where + ("domain",))
        self.context["site"]["domain"] = domain
        for key in ("pbx", "app_platform"):
            value = raw.get(key)
            host = ctx.render(value, self.context, where + (key,)) if value else None
            if host and not HOST.match(host):
                ctx.error(f"'{shorten(host)}' is not a valid host name", where + (key,))
            host = self.lower(host, where + (key,))
            self.hosts[key] = self.context["site"][key] = host
        if domain is None:
            return None
        raw_identities = self.known.raw_identities
        if raw.get("identity") is not None and raw["identity"] not in raw_identities:
            ctx.unknown("identity", raw["identity"], raw_identities, where + ("identity",))
        apps = [app for app in (self.app(*entry) for entry in self.entries()) if app]
        return Site(self.name, domain, self.hosts["pbx"], self.hosts["app_platform"], tuple(apps))

    def lower(self, host: str | None, where: DocPath) -> str | None:
        """Host names in lower case: DNS ignores case, Entra's redirect URIs do not."""
        if host is None or host == host.lower():
            return host
        self.ctx.warn(
            f"'{host}' is used as '{host.lower()}': host names are case-insensitive, but "
            "redirect URIs are compared exactly, so provision writes them in lower case",
            where,
        )
        return host.lower()

    def entries(self) -> list[tuple[str, Mapping[str, Any], DocPath]]:
        """(app name, its overrides, where) of the site's apps (or the defaults' apps)."""
        apps = self.raw.get("apps", self.defaults.get("apps", []))
        where = self.where + ("apps",) if "apps" in self.raw else ("defaults", "apps")
        if isinstance(apps, list):
            return [(kind, {}, where + (i,)) for i, kind in enumerate(apps)]
        return [(key, value or {}, where + (key,)) for key, value in apps.items()]

    def precedence(
        self, key: str, override: Mapping[str, Any], where: DocPath
    ) -> tuple[Any, DocPath]:
        return _first(
            (key, override, where), (key, self.raw, self.where), (key, self.defaults, ("defaults",))
        )

    def app(self, name: str, override: Mapping[str, Any], where: DocPath) -> App | None:
        ctx = self.ctx
        kind_name = override.get("kind", name)
        kind = self.known.kinds.get(kind_name)
        if kind is None:
            if kind_name not in self.known.broken_kinds:
                kind_where = where + ("kind",) if "kind" in override else where
                ctx.unknown("app kind", kind_name, self.known.kinds, kind_where)
            return None
        identity = self.identity(name, override, where)
        if identity is None:
            return None
        context = {**self.context, "app": {"name": name, "kind": kind_name}}
        sender = self.sender(identity, override, where, context)
        sender_name = self.sender_name(identity, override, where, context)
        host = self.hosts.get(kind.host)
        if host is None:
            if not self.raw.get(kind.host):  # else its template failed, and that is reported
                ctx.error(
                    f"app '{name}' ({kind_name}) lives on the site's {kind.host}, "
                    f"but site '{self.name}' has no {kind.host}",
                    where,
                )
            return None
        if sender is None:
            return None
        redirect_uri = None
        if identity.interactive:
            domain = self.context["site"]["domain"]
            redirect_uri = kind.redirect_uri(
                host=host, domain=domain, path_name=override.get("path")
            )
        helo = override.get("helo") or (identity.smtp.helo if identity.smtp else None) or host
        return App(
            self.name, name, kind_name, identity, sender, sender_name, redirect_uri, helo.lower()
        )

    def identity(self, app: str, override: Mapping[str, Any], where: DocPath) -> Identity | None:
        name, name_where = self.precedence("identity", override, where)
        if name is None:
            self.ctx.error(
                f"app '{app}' has no identity: set identity on the app, the site or defaults",
                where,
            )
            return None
        identity = self.known.identities.get(name)
        if identity is None and name not in self.known.raw_identities:
            # (an identity defined but broken is reported where it is defined)
            self.ctx.unknown("identity", name, self.known.raw_identities, name_where)
        return identity

    def sender(
        self,
        identity: Identity,
        override: Mapping[str, Any],
        where: DocPath,
        context: Mapping[str, Any],
    ) -> str | None:
        raw, raw_where = self.precedence("sender", override, where)
        if raw is None:
            raw, raw_where = identity.sender, ("identities", identity.name, "sender")
        sender = self.ctx.render(raw, context, raw_where)
        if sender is not None and not EMAIL.match(sender):
            self.ctx.error(f"'{shorten(sender)}' is not a valid e-mail address", raw_where)
            return None
        return sender

    def sender_name(
        self,
        identity: Identity,
        override: Mapping[str, Any],
        where: DocPath,
        context: Mapping[str, Any],
    ) -> str | None:
        raw, raw_where = self.precedence("sender_name", override, where)
        if raw is None and identity.sender_name is not None:
            raw, raw_where = identity.sender_name, ("identities", identity.name, "sender_name")
        return self.ctx.render(raw, context, raw_where) if raw else None
