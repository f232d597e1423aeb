"""Google: an OAuth client's secret cannot be rotated through an API; the console steps."""

from __future__ import annotations


def rotation_steps(client: str, secrets_file: str | None) -> str:
    """What to do by hand instead of `provision rotate-secret` for Google client `client`."""
    where = secrets_file or "the file client_secrets_file names (set it on the client)"
    return (
        f"client '{client}' is a Google OAuth client: Google has no API that adds a client "
        "secret, so provision cannot rotate it. In the Google Cloud console (APIs & Services "
        "> Credentials > the OAuth 2.0 client): 1. Add secret; 2. download the client's JSON "
        f"at once (the secret is shown only then) and save it as {where}; 3. run `provision "
        "apply PLAYBOOK` to write every app's config, and deliver them; 4. once every app "
        "works with the new secret, disable and delete the old one in the console."
    )
