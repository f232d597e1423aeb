"""The app catalog: built-in app kinds and where their redirect URIs live."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any, Literal

import yaml

Host = Literal["pbx", "app_platform"]
URL_SEGMENT = frozenset(string.ascii_letters + string.digits + "_.-~")


@dataclass(frozen=True)
class AppUi:
    """Where an app keeps its e-mail settings, and its UI's label of each value."""

    where: str
    fields: Mapping[str, str]  # server, helo, sender, sender_name, username, password, oauth2
    default_port: int | None = None  # when the server field names none


@dataclass(frozen=True)
class AppKind:
    name: str
    host: Host  # which host of the site serves the app
    path: str  # template with {domain} and {path}
    path_name: str
    ui: AppUi

    def redirect_uri(self, *, host: str, domain: str, path_name: str | None = None) -> str:
        path = self.path.format(domain=domain, path=path_name or self.path_name)
        return f"https://{host}/{path}"


def app_kind(name: str, entry: Mapping[str, Any]) -> AppKind:
    """A kind of the catalog, or of a playbook's `app_kinds` (whose UI is not known: the
    PBX's labels stand in)."""
    ui = entry.get("ui")
    if ui is None:
        pbx = _catalog()["pbx"]["ui"]
        ui = {"where": "the app's e-mail (SMTP) settings", "fields": pbx["fields"]}
    return AppKind(
        name,
        entry["host"],
        entry["path"],
        entry.get("path_name", name),
        AppUi(ui["where"], ui["fields"], ui.get("default_port")),
    )


@lru_cache(maxsize=2)
def _load(name: str) -> Any:
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _catalog() -> Mapping[str, Any]:
    return _load("apps.yaml")  # type: ignore[no-any-return]


def oauth2_labels() -> Mapping[str, str]:
    """The OAuth2 form's label of each value, the same in every app."""
    return _load("oauth2.yaml")  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def builtin_kinds() -> Mapping[str, AppKind]:
    return {name: app_kind(name, entry) for name, entry in _catalog().items()}


def all_kinds(extra: Mapping[str, Mapping[str, Any]] | None) -> dict[str, AppKind]:
    """The catalog plus a playbook's own `app_kinds` (which may replace a built-in)."""
    kinds = dict(builtin_kinds())
    for name, entry in (extra or {}).items():
        kinds[name] = app_kind(name, entry)
    return kinds


def path_template_problem(template: str) -> str | None:
    """Why an app kind's path template cannot be filled, or None: it may only
    use {domain} and {path} (str.format would fail on, or look into, others)."""
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        return f"invalid path template ({exc}): use {{domain}} and {{path}}"
    for name, spec, conversion in fields:
        if name not in ("domain", "path") or spec or conversion:
            field = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            return (
                f"unknown placeholder {{{field}}} in the path template: use {{domain}} and {{path}}"
            )
    # what follows https://host/: URL path segments of safe characters, nothing else
    for segment in template.format(domain="d", path="p").split("/"):
        if segment in ("", ".", ".."):
            return (
                "the path template must be URL path segments joined by single '/', none of "
                "them empty, '.' or '..' (e.g. '{domain}/{path}/auth.htm')"
            )
        unsafe = sorted(set(segment) - URL_SEGMENT)
        if unsafe:
            shown = " ".join(repr(char) for char in unsafe)
            return (
                f"the path template holds {shown}: use letters, digits, '_', '.', '-', '~' "
                "and the placeholders {domain} and {path} (it is the path after https://host/)"
            )
    return None
