"""The schema as Python code: a validator generated from the JSON Schema by fastjsonschema,
shipped in the package, that only says whether a playbook passes. A passing playbook (the
usual case) needs no jsonschema at all, which costs more to import than the rest of
`provision validate` takes; jsonschema explains a playbook that fails.

Regenerate after changing the schema (a test checks the shipped code is current):

    .venv/bin/python -m provision.validate.compiled > provision/validate/_schema_code.py
"""

from __future__ import annotations

import ast
import hashlib
import json
from typing import Any

from .formats import FORMATS
from .spec import schema_text

HEADER = '''"""Generated from schemas/playbook.schema.json by provision.validate.compiled: do not
edit."""
# schema sha256: {digest}
# ruff: noqa
# mypy: ignore-errors
# fmt: off


class Invalid(ValueError):
    """The playbook does not match the schema (jsonschema says why)."""

'''


def passes(data: Any) -> bool:
    """Whether `data` matches the schema."""
    from . import _schema_code

    try:
        _schema_code.validate_playbook_schema_json(data, custom_formats=FORMATS)  # type: ignore[no-untyped-call]
    except _schema_code.Invalid:
        return False
    return True


def generate() -> str:
    """The validator's code: fastjsonschema's, its exceptions made a local `Invalid` without
    the details (the definitions they would quote make the module slow to import)."""
    import fastjsonschema

    # fastjsonschema knows drafts up to 7; the schema uses nothing later.
    draft7 = {**json.loads(schema_text()), "$schema": "http://json-schema.org/draft-07/schema#"}
    tree = _Plain().visit(ast.parse(fastjsonschema.compile_to_code(draft7, formats=FORMATS)))
    code = ast.unparse(ast.fix_missing_locations(tree))
    return HEADER.replace("{digest}", schema_digest()) + code + "\n"


def schema_digest() -> str:
    """What the shipped validator records of the schema it was generated from."""
    return hashlib.sha256(schema_text().encode()).hexdigest()


class _Plain(ast.NodeTransformer):
    EXCEPTIONS = ("JsonSchemaValueException", "JsonSchemaValuesException")

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id in self.EXCEPTIONS:
            return ast.Call(func=ast.Name("Invalid", ast.Load()), args=[], keywords=[])
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:  # `except JsonSchemaValueException:`
        return ast.Name("Invalid", node.ctx) if node.id in self.EXCEPTIONS else node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST | None:
        return None if node.module in ("fastjsonschema", "decimal") else node

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:  # YAML makes no Decimal
        node.elts = [e for e in node.elts if not (isinstance(e, ast.Name) and e.id == "Decimal")]
        self.generic_visit(node)
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.AST | None:
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        return None if names == ["VERSION"] else node


if __name__ == "__main__":
    print(generate(), end="")
