"""The one secret type and the one scrubber: every secret the process has held, as it is
and as a message may quote it, is replaced in whatever is written to the streams."""

from __future__ import annotations

import io
import json

import click
from hypothesis import given
from hypothesis import strategies as st

from provision.secret import PLACEHOLDER, ScrubbingStream, Secret, scrub
from provision.secret_patterns import _HEADERS, _keep_name, _masked_headers


def test_a_secret_never_prints_itself() -> None:
    secret = Secret("S3cr3t-PRINT-xyzzy", "env:X")
    assert "S3cr3t" not in f"{secret} {secret!r} {secret:>20}"
    assert secret.reveal() == "S3cr3t-PRINT-xyzzy"


def test_every_form_of_a_held_secret_is_scrubbed() -> None:
    value = 'S3cr3t-"FORMS"\\-xyzzy\n'
    Secret(value)
    text = f"plain {value.strip()} json {json.dumps(value)} repr {value!r}"
    scrubbed = scrub(text)
    assert "FORMS" not in scrubbed and scrubbed.count(PLACEHOLDER) == 3


def test_the_lines_of_a_key_are_scrubbed_one_by_one() -> None:
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7vbqajDw4o6gJ"
    Secret(f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
    assert body not in scrub(f"libssl said: {body}")


def test_bearer_tokens_and_authorization_headers_are_scrubbed_unseen() -> None:
    text = "Authorization: Bearer eyJ0eXAiOiJKV1Qi.abc-def_ghi and authorization='Basic dXNlcjpw'"
    scrubbed = scrub(text)
    assert "eyJ0eXAi" not in scrubbed and "dXNlcjpw" not in scrubbed


def test_short_values_are_left_alone() -> None:
    Secret("ab12")  # would blank out ordinary words
    assert scrub("the tab12 key") == "the tab12 key"


def test_the_stream_scrubs_whatever_writes_to_it() -> None:
    Secret("S3cr3t-STREAM-xyzzy")
    underlying = io.StringIO()
    stream = ScrubbingStream(underlying)
    click.echo("click: S3cr3t-STREAM-xyzzy", file=stream)
    stream.write("write: S3cr3t-STREAM-xyzzy\n")
    assert "S3cr3t" not in underlying.getvalue()
    assert underlying.getvalue().count(PLACEHOLDER) == 2


_PIECES = st.sampled_from(
    [
        "Bearer ",
        "bearer\t",
        "BEARER  ",
        "Authorization: ",
        "authorization='",
        'AUTHORIZATION"=',
        "Basic ",
        "xbearer ",
        "eyJ0eXAiOiJKV1Qi.abc",
        "dXNlcjpw",
        "abc",
        " ",
        "\n",
        "-",
        "é",
        "İ",
    ]
)


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_headers_are_masked_as_one_search_would(text: str) -> None:
    """Tried only where its words start, the header pattern replaces what re.sub does."""
    assert _masked_headers(text) == _HEADERS.sub(_keep_name, text)
