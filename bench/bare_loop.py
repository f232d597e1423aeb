"""The floor: a bare Python loop that renders the same app files as provision.

It loads the playbook with yaml.CSafeLoader, resolves each site's identity and
client (no schema, no line marks, no lint, no plan, no manifest), renders one
JSON per app with one Jinja2 template (the ~15 keys of provision's app config)
and writes them atomically and durably, flushes batched: every temporary
first, one os.sync(), every rename, one os.sync().

    python bench/bare_loop.py PLAYBOOK OUT_DIR

writes OUT_DIR/apps/<site>/<app>.json (mode 0600) and prints the file count and
the time of each phase.
It understands just what bench/generate.py writes (microsoft clients, exchange
identities, the catalog's five app kinds, ``{env: ...}``/``{file: ...}``
secrets, Jinja2 in app override strings).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
import yaml

# kind -> (host key of the site, redirect URI path template); as provision's catalog.
CATALOG: dict[str, tuple[str, str]] = {
    "pbx": ("pbx", "OAUTH2-CLIENT/auth.htm"),
    "reporting": ("app_platform", "{domain}/reporting/auth.htm"),
    "fax": ("app_platform", "{domain}/fax/auth.htm"),
    "users": ("app_platform", "{domain}/usersapp/auth.htm"),
    "connect": ("app_platform", "{domain}/messages/auth.htm"),
    "manager": ("app_platform", "manager/auth.htm"),
}
AUTHORITY = "https://login.microsoftonline.com"
SCOPE = "https://outlook.office.com/SMTP.Send offline_access"

TEMPLATE = """\
{
  "site": {{ site | json }},
  "app": {{ app | json }},
  "kind": {{ kind | json }},
  "mode": {{ identity.mode | json }},
  "sender": {{ sender | json }},
  "sender_name": {{ sender_name | json }},
  "client_id": {{ client.client_id | json }},
  "tenant": {{ client.tenant | json }},
  "token_endpoint": {{ token_endpoint | json }},
  "authorization_endpoint": {{ authorization_endpoint | json }},
  "authorization_url": {{ authorization_url | json }},
  "redirect_uri": {{ redirect_uri | json }},
  "smtp": {"host": "smtp.office365.com", "port": 587, "security": "starttls"},
  "client_secret": {{ client_secret | json }}
}
"""


def _secret(ref: Any, base: Path) -> str:
    if isinstance(ref, str):
        return ref
    if "env" in ref:
        return os.environ[ref["env"]]
    if "file" in ref:
        return (base / ref["file"]).read_text().strip()
    raise ValueError(f"unsupported secret reference {ref!r}")


def bare_loop(playbook: Path, out: Path) -> None:
    """Render playbook's app files under out/apps, atomically and durably."""
    playbook = Path(playbook)
    out = Path(out)
    base = playbook.parent
    t0 = time.perf_counter()
    with open(playbook, "rb") as fh:
        spec = yaml.load(fh, Loader=yaml.CSafeLoader)  # noqa: S506 - CSafeLoader is safe
    t1 = time.perf_counter()
    env = jinja2.Environment(
        autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    env.filters["json"] = json.dumps
    template = env.from_string(TEMPLATE)
    string_templates: dict[str, jinja2.Template] = {}
    clients = spec.get("clients") or {}
    identities = spec.get("identities") or {}
    default_identity = (spec.get("defaults") or {}).get("identity")
    secrets: dict[str, str] = {}

    pending: list[tuple[Path, Path]] = []  # (temporary, final)
    made_dirs: set[Path] = set()
    for site_name, site in (spec.get("sites") or {}).items():
        site_dir = out / "apps" / site_name
        if site_dir not in made_dirs:
            site_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            made_dirs.add(site_dir)
        context_site = {"name": site_name, **site}
        for app_name, override in (site.get("apps") or {}).items():
            override = override or {}
            kind = override.get("kind", app_name)
            identity_name = override.get("identity") or site.get("identity") or default_identity
            identity = identities[identity_name]
            client_name = identity["client"]
            client = clients[client_name]
            if client_name not in secrets:
                secrets[client_name] = _secret(client["client_secret"], base)
            sender = override.get("sender") or identity["sender"]
            if "{{" in sender:
                compiled = string_templates.get(sender)
                if compiled is None:
                    compiled = string_templates[sender] = env.from_string(sender)
                sender = compiled.render(site=context_site, app={"name": app_name, "kind": kind})
            sender_name = override.get("sender_name") or identity.get("sender_name", "")
            host_key, path = CATALOG[kind]
            redirect_uri = f"https://{site[host_key]}/{path.format(domain=site['domain'])}"
            base_url = f"{AUTHORITY}/{client['tenant']}/oauth2/v2.0"
            authorization_url = f"{base_url}/authorize?" + urlencode(
                {
                    "scope": SCOPE,
                    "response_type": "code",
                    "prompt": "consent",
                    "login_hint": sender,
                    "redirect_uri": redirect_uri,
                    "client_id": client["client_id"],
                },
                quote_via=quote,
            )
            text = template.render(
                site=site_name,
                app=app_name,
                kind=kind,
                identity=identity,
                sender=sender,
                sender_name=sender_name,
                client=client,
                token_endpoint=f"{base_url}/token",
                authorization_endpoint=f"{base_url}/authorize?scope={SCOPE}",
                authorization_url=authorization_url,
                redirect_uri=redirect_uri,
                client_secret=secrets[client_name],
            )
            final = site_dir / f"{app_name}.json"
            temporary = site_dir / f".{app_name}.json.tmp"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
            pending.append((temporary, final))
    t2 = time.perf_counter()
    os.sync()
    t3 = time.perf_counter()
    for temporary, final in pending:
        os.replace(temporary, final)
    t4 = time.perf_counter()
    os.sync()
    t5 = time.perf_counter()
    print(
        f"{len(pending)} files; load {t1 - t0:.3f} s, render+write {t2 - t1:.3f} s, "
        f"sync {t3 - t2:.3f} s, rename {t4 - t3:.3f} s, sync {t5 - t4:.3f} s"
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python bench/bare_loop.py PLAYBOOK OUT_DIR", file=sys.stderr)
        return 2
    bare_loop(Path(args[0]), Path(args[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
