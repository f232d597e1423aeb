"""LocalIdP: several client secrets per client, propagation delay, removal (MSAL)."""

from __future__ import annotations

import time

import pytest

from tests.fakes._selftest import CLIENT_ID, GRAPH_DEFAULT, SECRET, confidential_app
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI


def error_codes(pki: PKI, idp: LocalIdP, secret: str) -> list[int]:
    result = confidential_app(pki, idp, secret=secret).acquire_token_for_client(
        scopes=[GRAPH_DEFAULT]
    )
    return [] if "access_token" in result else list(result["error_codes"])


def test_several_secrets_propagation_and_removal(pki: PKI, idp: LocalIdP) -> None:
    first = idp.add_client(CLIENT_ID, secret=SECRET)
    assert first is not None
    second = idp.add_client_secret(CLIENT_ID, "second-secret", active_after=0.6)
    assert [s.key_id for s in idp.client_secrets(CLIENT_ID)] == [first, second]
    assert idp.client_secrets(CLIENT_ID)[1].hint == "sec"

    assert error_codes(pki, idp, "second-secret") == [7000215]  # not propagated yet
    assert error_codes(pki, idp, SECRET) == []  # the old one still works
    time.sleep(0.7)
    assert error_codes(pki, idp, "second-secret") == []
    assert error_codes(pki, idp, SECRET) == []  # both at once

    idp.remove_client_secret(CLIENT_ID, first)
    assert error_codes(pki, idp, SECRET) == [7000215]
    assert error_codes(pki, idp, "second-secret") == []
    assert [s.key_id for s in idp.client_secrets(CLIENT_ID)] == [second]

    with pytest.raises(KeyError):
        idp.remove_client_secret(CLIENT_ID, first)
    with pytest.raises(KeyError):
        idp.add_client_secret("no-such-client", "x")
    with pytest.raises(ValueError, match="already has"):
        idp.add_client_secret(CLIENT_ID, "x", key_id=second)

    idp.expire_secret(CLIENT_ID, second)
    assert error_codes(pki, idp, "second-secret") == [7000222]
    assert idp.client_secrets(CLIENT_ID)[0].expired

    # expires_at and removing every secret: a secret is still checked, not "public"
    third = idp.add_client_secret(CLIENT_ID, "third", expires_at=time.time() - 1)
    assert error_codes(pki, idp, "third") == [7000222]
    idp.remove_client_secret(CLIENT_ID, second)
    idp.remove_client_secret(CLIENT_ID, third)
    assert error_codes(pki, idp, "third") == [7000215]


def test_client_without_secret_gains_one(pki: PKI, idp: LocalIdP) -> None:
    assert idp.add_client(CLIENT_ID) is None
    assert error_codes(pki, idp, SECRET) == [700025]  # a public client (unchanged)
    idp.add_client_secret(CLIENT_ID, SECRET)
    assert error_codes(pki, idp, SECRET) == []
