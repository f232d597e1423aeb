"""The scrubber and JSON-document secrets (MSAL's serialized token cache): the tokens in
it are scrubbed wherever they appear, its other lines (client ids, user names, which
`status --format json` prints rightly) are not; a PEM key is still scrubbed line by line."""

from __future__ import annotations

import json

from provision.secret import PLACEHOLDER, Secret, scrub

CLIENT_ID = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"


def test_a_token_cache_scrubs_its_tokens_not_its_lines() -> None:
    cache = {
        "AccessToken": {
            "k1": {
                "client_id": CLIENT_ID,
                "secret": "AT-cache-secret-31337",
                "token_type": "Bearer",
                "realm": "contoso.onmicrosoft.com",
            }
        },
        "RefreshToken": {
            "k2": {
                "client_id": CLIENT_ID,
                "secret": "RT-cache-secret-31337",
                "credential_type": "RefreshToken",
            }
        },
    }
    Secret(json.dumps(cache, indent=4))
    line = f'    "client_id": "{CLIENT_ID}",'
    assert scrub(line) == line
    assert scrub("Bearer is a word; realm contoso.onmicrosoft.com") == (
        "Bearer is a word; realm contoso.onmicrosoft.com"
    )
    assert scrub("got RT-cache-secret-31337 and AT-cache-secret-31337") == (
        f"got {PLACEHOLDER} and {PLACEHOLDER}"
    )


def test_a_pem_key_is_still_scrubbed_by_its_lines() -> None:
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "x" * 32
    Secret(f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
    assert scrub(f"key line: {body}") == f"key line: {PLACEHOLDER}"
