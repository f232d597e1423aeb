"""Generate a synthetic playbook: N customer sites x 5 apps.

Each site gets one Entra (Azure) app registration (a microsoft client with a
tenant GUID, a client_id GUID and a secret reference), one exchange identity
through it, and the apps pbx, reporting, fax, users and connect (fax with a
templated sender, to exercise Jinja2 in the spec). Sites share App Platforms,
50 domains per platform, as partners deploy them.

The text is written directly (no YAML emitter), so 20,000 sites take well under
a second. GUIDs are derived deterministically from the site index, so the same
N always gives the same playbook.

    python bench/generate.py N DIR [--secrets env|file|mixed]

prints the playbook's path. Secrets: ``env`` references ``BENCH_SECRET_<i>``
(see :func:`secret_env`), ``file`` writes ``secrets/<site>.secret`` next to the
playbook, ``mixed`` alternates.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import uuid
from pathlib import Path

APP_KINDS = ("pbx", "reporting", "fax", "users", "connect")
SITES_PER_PLATFORM = 50
SECRET_KINDS = ("env", "file", "mixed")

# Words for realistic-looking customer names.
_WORDS = (
    "mueller",
    "schmidt",
    "schneider",
    "fischer",
    "weber",
    "meyer",
    "wagner",
    "becker",
    "schulz",
    "hoffmann",
    "koch",
    "richter",
    "klein",
    "wolf",
    "neumann",
    "schwarz",
    "braun",
    "zimmermann",
    "hartmann",
    "krueger",
    "lange",
    "werner",
    "lehmann",
    "koehler",
    "maier",
    "kaiser",
    "fuchs",
    "peters",
    "lang",
    "scholz",
    "moeller",
    "weiss",
    "jung",
    "hahn",
)
_SUFFIXES = ("gmbh", "ag", "kg", "praxis", "kanzlei", "bau", "logistik", "hotel")
_TLDS = ("de", "at", "ch", "com", "eu", "net")


def _guid(kind: str, i: int) -> str:
    return str(uuid.UUID(bytes=hashlib.md5(f"{kind}-{i}".encode()).digest(), version=4))


def site_name(i: int) -> str:
    """The site's name: unique, a valid spec name, and a file name."""
    word = _WORDS[i % len(_WORDS)]
    suffix = _SUFFIXES[(i // len(_WORDS)) % len(_SUFFIXES)]
    return f"c{i:05d}-{word}-{suffix}"


def site_domain(i: int) -> str:
    word = _WORDS[i % len(_WORDS)]
    suffix = _SUFFIXES[(i // len(_WORDS)) % len(_SUFFIXES)]
    tld = _TLDS[i % len(_TLDS)]
    return f"{word}-{suffix}{i}.{tld}"


def secret_env(i: int) -> str:
    """Name of the environment variable holding site i's client secret."""
    return f"BENCH_SECRET_{i}"


def secret_value(i: int) -> str:
    """The (fake) client secret of site i, as run.py sets it for the children."""
    return f"bench~{i:05d}.{_guid('secret', i)[:18]}"


def secret_kind(i: int, secrets: str) -> str:
    if secrets == "mixed":
        return "env" if i % 2 == 0 else "file"
    return secrets


def environment(n_sites: int, secrets: str = "env") -> dict[str, str]:
    """The environment variables a playbook of n_sites needs."""
    return {
        secret_env(i): secret_value(i) for i in range(n_sites) if secret_kind(i, secrets) == "env"
    }


def _site_text(i: int, secrets: str) -> tuple[str, str, str]:
    """The client, identity and site blocks of site i."""
    name = site_name(i)
    domain = site_domain(i)
    if secret_kind(i, secrets) == "env":
        secret = f"{{env: {secret_env(i)}}}"
    else:
        secret = f"{{file: secrets/{name}.secret}}"
    year = 2027 + i % 3
    month = 1 + i % 12
    client = (
        f"  {name}-entra:\n"
        f"    provider: microsoft\n"
        f"    tenant: {_guid('tenant', i)}\n"
        f"    client_id: {_guid('client', i)}\n"
        f"    client_secret: {secret}\n"
        f"    client_secret_expires: {year}-{month:02d}-01\n"
    )
    identity = (
        f"  {name}-mail:\n"
        f"    client: {name}-entra\n"
        f"    mode: exchange\n"
        f"    sender: pbx@{domain}\n"
        f"    sender_name: {name.split('-')[1].capitalize()} PBX\n"
    )
    platform = f"ap{i // SITES_PER_PLATFORM:03d}.cloud.example-partner.net"
    site = (
        f"  {name}:\n"
        f"    domain: {domain}\n"
        f"    pbx: pbx.{domain}\n"
        f"    app_platform: {platform}\n"
        f"    identity: {name}-mail\n"
        f"    apps:\n"
        f"      pbx: {{}}\n"
        f"      reporting: {{}}\n"
        f'      fax: {{sender: "fax@{{{{ site.domain }}}}", sender_name: Fax}}\n'
        f"      users: {{}}\n"
        f"      connect: {{}}\n"
    )
    return client, identity, site


def generate(n_sites: int, directory: Path, secrets: str = "env") -> Path:
    """Write a playbook of n_sites sites x 5 apps into directory; return its path.

    Output goes to ``out/`` next to the playbook (settings.output_dir).
    """
    if n_sites < 1:
        raise ValueError("n_sites must be at least 1")
    if secrets not in SECRET_KINDS:
        raise ValueError(f"secrets must be one of {SECRET_KINDS}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    clients: list[str] = []
    identities: list[str] = []
    sites: list[str] = []
    secret_dir = directory / "secrets"
    for i in range(n_sites):
        client, identity, site = _site_text(i, secrets)
        clients.append(client)
        identities.append(identity)
        sites.append(site)
        if secret_kind(i, secrets) == "file":
            secret_dir.mkdir(exist_ok=True)
            path = secret_dir / f"{site_name(i)}.secret"
            path.write_text(secret_value(i) + "\n")
            os.chmod(path, 0o600)
    text = "".join(
        [
            f"# Synthetic benchmark playbook: {n_sites} sites x {len(APP_KINDS)} apps"
            f" (bench/generate.py).\n",
            "version: 1\n",
            "settings:\n",
            "  output_dir: out\n",
            "  expiry_warning_days: 30\n",
            "clients:\n",
            *clients,
            "identities:\n",
            *identities,
            "sites:\n",
            *sites,
        ]
    )
    playbook = directory / "playbook.yaml"
    playbook.write_text(text)
    return playbook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n_sites", type=int, help="number of sites (5 apps each)")
    parser.add_argument("directory", type=Path, help="where to write playbook.yaml")
    parser.add_argument("--secrets", choices=SECRET_KINDS, default="env")
    args = parser.parse_args(argv)
    print(generate(args.n_sites, args.directory, args.secrets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
