"""`provision init`: scaffold a playbook that validates at once."""

from __future__ import annotations

from pathlib import Path

from ..errors import OperationError
from ..templating import package_template
from ..validate.lint import PLACEHOLDER_ID
from ..validate.schema import schema_text

PLAYBOOK = "playbook.yaml"
SCHEMA = "playbook.schema.json"


def run(directory: str, *, site: str, domain: str) -> int:
    target = Path(directory)
    playbook = target / PLAYBOOK
    if playbook.exists():
        raise OperationError(f"{playbook} exists already; not overwriting it")
    target.mkdir(parents=True, exist_ok=True)
    (target / SCHEMA).write_text(schema_text(), encoding="utf-8")
    slug = site.replace(".", "-")
    secret_env = f"{slug.upper().replace('-', '_')}_AZURE_SECRET"
    playbook.write_text(
        package_template("init.yaml.j2").render(
            schema_path=SCHEMA,
            playbook_name=str(playbook),
            client=f"{slug}-azure",
            identity=f"{slug}-mail",
            site=site,
            domain=domain,
            placeholder=PLACEHOLDER_ID,
            secret_env=secret_env,
        ),
        encoding="utf-8",
    )
    (target / ".gitignore").write_text("out/\n.provision/\n", encoding="utf-8")
    print(f"created {playbook} (and {target / SCHEMA}, {target / '.gitignore'})")
    print(
        "next: replace the placeholder tenant and client_id (all zeros) with your app "
        "registration's\n(Entra admin center > App registrations > your app > Overview), then\n"
        f"  export {secret_env}=<the client secret's Value>\n"
        f"  provision validate {playbook}\n"
        f"(until the secret is exported: provision validate --no-secrets {playbook})"
    )
    return 0
