"""Pytest fixtures for the local servers.

Load them from the root ``tests/conftest.py`` with
``pytest_plugins = ["tests.fakes.fixtures"]``, or import them by name into a
test module (``from tests.fakes.fixtures import idp, pki``).

- ``pki`` (session): :class:`tests.fakes.pki.PKI` in a temporary directory.
- ``idp`` (function): a fresh, running :class:`tests.fakes.idp.LocalIdP`
  (fresh per test: MSAL caches 400s and throttles per application, and tests
  register clients/users of their own).
- ``smtp_server`` (function): a running :class:`tests.fakes.smtp.LocalSMTP`
  (STARTTLS) that validates tokens with ``idp``.
- ``graph`` (function): a running :class:`tests.fakes.graph.LocalGraph`
  that validates tokens with ``idp``.
- ``tls_http`` (function): a ``requests.Session`` trusting ``pki``'s CA only,
  with ``trust_env=False``.
- ``proxy`` (function): a running :class:`tests.fakes.proxy.LocalProxy`
  (HTTP CONNECT proxy; ``proxies={"https": proxy.url}``).
- ``sink`` (function): a running HTTPS :class:`tests.fakes.sink.RecordingSink`
  (certificate from ``pki``); ``http_sink``: the same over plain HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from .clients import tls_session
from .graph import LocalGraph
from .idp import LocalIdP
from .pki import PKI, make_pki
from .proxy import LocalProxy
from .sink import RecordingSink
from .smtp import LocalSMTP

__all__ = ["graph", "http_sink", "idp", "pki", "proxy", "sink", "smtp_server", "tls_http"]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def idp(pki: PKI) -> Iterator[LocalIdP]:
    with LocalIdP(pki) as server:
        yield server


@pytest.fixture
def smtp_server(idp: LocalIdP, pki: PKI) -> Iterator[LocalSMTP]:
    with LocalSMTP(idp, pki) as server:
        yield server


@pytest.fixture
def graph(idp: LocalIdP, pki: PKI) -> Iterator[LocalGraph]:
    with LocalGraph(idp, pki) as server:
        yield server


@pytest.fixture
def tls_http(pki: PKI) -> Iterator[requests.Session]:
    session = tls_session(pki)
    yield session
    session.close()


@pytest.fixture
def proxy() -> Iterator[LocalProxy]:
    with LocalProxy() as server:
        yield server


@pytest.fixture
def sink(pki: PKI) -> Iterator[RecordingSink]:
    with RecordingSink(pki) as server:
        yield server


@pytest.fixture
def http_sink() -> Iterator[RecordingSink]:
    with RecordingSink() as server:
        yield server
