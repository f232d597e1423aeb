"""Playbook values: `{{ name.key }}` filled in without Jinja2 renders exactly what Jinja2
renders; everything else goes to Jinja2 in its sandbox."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provision.templating import TemplateProblem, _compile, _lookups, json_object, render

CONTEXT = {
    "site": {"name": "acme", "domain": "acme.com", "pbx": "pbx.acme.com"},
    "app": {"name": "fax", "kind": "fax"},
}
LOOKUPS = [
    f"{{{{{pad}{name}.{key}{pad}}}}}"
    for name in CONTEXT
    for key in CONTEXT[name]
    for pad in ("", " ", "  ")
]
LITERALS = st.text(alphabet="abc@.-_ {}%#\n", max_size=6)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(st.sampled_from(LOOKUPS), LITERALS), min_size=1, max_size=6))
def test_filled_in_values_are_what_jinja2_renders(parts: list[str]) -> None:
    text = "".join(parts)
    filled = _lookups(text, CONTEXT)
    if filled is None:
        return  # Jinja2's own case
    assert filled == _compile(text).render(CONTEXT)


@pytest.mark.parametrize(
    "text",
    [
        "{{ site.nope }}",  # Jinja2 says what is undefined
        "{{ site.domain | upper }}",
        "{% if true %}x{% endif %}",
        "{{ site.items }}",  # a dict attribute: Jinja2 looks attributes up first
        "{{ site.domain }}{# a comment #}",
    ],
)
def test_anything_else_is_left_to_jinja2(text: str) -> None:
    assert _lookups(text, CONTEXT) is None


def test_an_undefined_name_is_a_template_problem() -> None:
    with pytest.raises(TemplateProblem, match="has no attribute 'nope'"):
        render("{{ site.nope }}", CONTEXT)


def test_plain_lookups_do_not_import_jinja2() -> None:
    code = (
        "import sys\n"
        "from provision.templating import render\n"
        "assert render('fax@{{ site.domain }}', {'site': {'domain': 'a.b'}}) == 'fax@a.b'\n"
        "print('jinja2' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


_leaves = st.none() | st.booleans() | st.integers() | st.text() | st.lists(st.text(), max_size=3)
_objects = st.recursive(
    st.dictionaries(st.text(), _leaves, max_size=4),
    lambda inner: st.dictionaries(st.text(), _leaves | inner, max_size=4),
    max_leaves=20,
)


def _laid_out(mapping: dict[str, object], indent: str = "") -> str:
    """The layout json_object keeps: one key a line at every depth, each leaf as
    json.dumps(ensure_ascii=False) writes it."""
    inner = indent + "  "
    lines = [
        f"{inner}{json.dumps(key, ensure_ascii=False)}: "
        + (
            _laid_out(value, inner)
            if isinstance(value, dict)
            else json.dumps(value, ensure_ascii=False)
        )
        for key, value in mapping.items()
    ]
    return "{\n" + ",\n".join(lines) + f"\n{indent}}}" if lines else "{}"


@given(_objects)
@settings(max_examples=300)
def test_json_object_is_json_laid_out_one_key_a_line(mapping: dict[str, object]) -> None:
    text = json_object(mapping)
    assert text == _laid_out(mapping)
    assert json.loads(text) == mapping
