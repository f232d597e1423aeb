"""The redirected address pasted back, and the loopback listener it races: what a pasted
line is taken for, and what is said about the others (never what was pasted)."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from provision.tokens.loopback import LoopbackServer
from provision.tokens.paste import Pasted, response_of
from provision.tokens.request import TokenError
from tests.fakes._http import free_port

REDIRECT = "http://localhost:8400/"


@pytest.mark.parametrize(
    "line",
    [
        "http://localhost:8400/?code=c0de&state=st",
        "  'http://localhost:8400/?state=st&code=c0de'  \n",
        "<http://localhost:8400/?code=c0de&state=st>",
        "?code=c0de&state=st",
        "code=c0de&state=st",
        "localhost:8400/?code=c0de&state=st",  # the address bar without its scheme
    ],
)
def test_an_address_or_its_query_gives_the_response(line: str) -> None:
    assert response_of(line, REDIRECT) == ({"code": "c0de", "state": "st"}, None)


def test_an_error_answer_is_a_response_too() -> None:
    params, problem = response_of(f"{REDIRECT}?error=access_denied&state=st", REDIRECT)
    assert params == {"error": "access_denied", "state": "st"} and problem is None


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("https://login.example/authorize?client_id=c&redirect_uri=x&state=s", "sign-in URL"),
        ("http://localhost:8400/", "no authorization response (code= or error=)"),
        ("yes", "no authorization response"),
    ],
)
def test_other_lines_are_refused_saying_why(line: str, said: str) -> None:
    params, problem = response_of(line, REDIRECT)
    assert params is None and problem is not None and said in problem
    assert REDIRECT in problem


def test_a_blank_line_says_nothing() -> None:
    assert response_of("  \n", REDIRECT) == (None, None)


def _pasting(*lines: str) -> Pasted:
    """`lines` pasted, then the end of input; returns once every line is queued."""
    queued = iter(lines)
    done = threading.Event()

    def read() -> str:
        line = next(queued, "")
        if not line:
            done.set()  # the reader queued every line before asking for this one
        return line

    pasted = Pasted(read, REDIRECT)
    assert done.wait(5)
    return pasted


def test_take_refuses_a_foreign_state_and_never_repeats_the_code() -> None:
    said: list[str] = []
    pasted = _pasting("junk", f"{REDIRECT}?code=SECRET-CODE&state=other")
    assert pasted.take(lambda params: params.get("state") == "mine", said.append) is None
    assert len(said) == 2 and "another sign-in" in said[1]
    assert not any("SECRET-CODE" in line for line in said)
    pasted = _pasting(f"{REDIRECT}?code=SECRET-CODE&state=mine")
    assert pasted.take(lambda params: params.get("state") == "mine", said.append) == {
        "code": "SECRET-CODE",
        "state": "mine",
    }


def test_unreadable_input_ends_the_paste_quietly() -> None:
    def broken() -> str:
        raise OSError("reading from stdin while output is captured")

    said: list[str] = []
    assert Pasted(broken, REDIRECT).take(lambda params: True, said.append) is None
    assert said == []


def test_the_listener_and_a_paste_race_the_paste_wins() -> None:
    lines = iter(["code=c0de&state=st4te", ""])
    with LoopbackServer(f"http://localhost:{free_port()}/cb", paste=lambda: next(lines)) as server:
        server.expected_state = "st4te"
        assert server.wait(5) == {"code": "c0de", "state": "st4te"}


def test_the_listener_answers_on_the_redirect_path_only() -> None:
    with LoopbackServer(f"http://localhost:{free_port()}/provision/cb") as server:
        server.expected_state = "s"
        assert server.redirect_uri.endswith("/provision/cb")

        def browser() -> None:
            with requests.Session() as http:
                http.trust_env = False
                base = server.redirect_uri.replace("localhost", "127.0.0.1")
                assert http.get(base.replace("/cb", "/?code=x&state=s"), timeout=5).status_code == (
                    404
                )
                assert http.get(f"{base}?code=x&state=s", timeout=5).status_code == 200

        thread = threading.Thread(target=browser)
        thread.start()
        assert server.wait(5) == {"code": "x", "state": "s"}
        thread.join()


@pytest.mark.parametrize("override", [0, 1])
def test_a_port_in_use_is_named_with_where_it_comes_from(override: int) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with pytest.raises(TokenError) as caught:
            if override:
                LoopbackServer("http://localhost:8400/", port=port).close()
            else:
                LoopbackServer(f"http://localhost:{port}/").close()
    message = caught.value.message
    assert f"cannot listen on localhost:{port} for the authorization response" in message
    assert f"port {port} is in use" in message
    if override:
        assert f"(--port {port})" in message
    else:
        assert f"(settings.authorize_redirect_uri http://localhost:{port}/)" in message
        assert caught.value.hint is not None and "register that URI" in caught.value.hint
