"""Self-tests of tests/fakes: every local server a test used must end it without
handler exceptions (servers answer 500 and keep a traceback in ``errors``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fakes_no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    for name in ("idp", "graph", "sink", "http_sink", "proxy"):
        server = request.node.funcargs.get(name)
        if server is not None:
            assert server.errors == [], server.errors[0]
