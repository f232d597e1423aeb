"""Jinja2's sandbox, bounded: a playbook's template can neither escape nor exhaust the
machine. Jinja2's own sandbox keeps it from Python's internals and bounds `range`; this
one also refuses, before it happens, a string or list that would grow past a limit (by
repetition, padding, formatting, joining, replacing), a power too large to compute, and
stops a template that renders too long or too much.
"""

from __future__ import annotations

import operator
import re
import signal
import string
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_CHARS = 1 << 20  # a value, a file, any string or list made on the way
MAX_POWER_BITS = 1 << 16  # 10 ** 19,000 and more is not a number a playbook needs
_PRINTF_WIDTH = re.compile(r"%[-+ #0]*(\*|\d+)(?:\.(\*|\d+))?")


class TemplateLimit(Exception):
    """A template went past a bound; the message says which."""


def _refuse(what: str, size: int) -> None:
    raise TemplateLimit(f"{what} would make {size:,} characters; at most {MAX_CHARS:,}")


def _check_size(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple) and len(value) > MAX_CHARS:
        _refuse("this", len(value))
    return value


def _width(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _check_call(name: str, obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """What `center`, `ljust`, `rjust`, `zfill`, `expandtabs`, `indent`, `replace` and
    `join` would make, computed before they make it."""
    first = args[0] if args else kwargs.get("width", kwargs.get("tabsize"))
    if name in ("center", "ljust", "rjust", "zfill"):
        if _width(first) > MAX_CHARS:
            _refuse(f"{name}({_width(first):,})", _width(first))
    elif name == "indent" and _width(first) > MAX_CHARS:
        _refuse(f"indent({_width(first):,})", _width(first))  # the indent is made first
    elif name in ("expandtabs", "indent") and isinstance(obj, str):
        size = len(obj) + obj.count("\t" if name == "expandtabs" else "\n") * _width(first)
        if size > MAX_CHARS:
            _refuse(name, size)
    elif name == "replace" and len(args) >= 2 and isinstance(obj, str):
        old, new = str(args[0]), str(args[1])
        size = len(obj) + (obj.count(old) if old else len(obj) + 1) * max(len(new) - len(old), 0)
        if size > MAX_CHARS:
            _refuse("replace", size)
    elif name == "join" and isinstance(obj, list | tuple):
        separator = len(str(first)) if isinstance(first, str) else 0
        size = sum(len(item) for item in obj if isinstance(item, str)) + separator * len(obj)
        if size > MAX_CHARS:
            _refuse("join", size)


def _check_format(text: str, args: tuple[Any, ...] = ()) -> None:
    """Widths and precisions in a `{:>N}` or `%Ns` format cannot make a huge string."""
    try:
        specs = [spec for _, _, spec, _ in string.Formatter().parse(text) if spec]
    except ValueError:
        specs = []  # not a str.format text: formatting it fails on its own
    widths = [int(w) for spec in specs for w in re.findall(r"\d+", spec)]
    for match in _PRINTF_WIDTH.finditer(text):
        widths += [int(w) for w in match.groups() if w and w.isdigit()]
        if "*" in match.groups():
            widths += [_width(a) for a in args]
    if widths and max(widths) > MAX_CHARS:
        _refuse("a format width", max(widths))


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter that checks what it would make first, and what it made after."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0  # the context

    def bounded(*args: Any, **kwargs: Any) -> Any:
        if len(args) > skip:
            value, rest = args[skip], args[skip + 1 :]
            if name == "join" and not isinstance(value, str):
                value = list(value)  # a generator is read once: read it here
                args = (*args[:skip], value, *rest)
            if name == "format" and isinstance(value, str):
                _check_format(value, rest)
            else:
                _check_call(name, value, rest, kwargs)
        return _check_size(func(*args, **kwargs))

    bounded.__dict__.update(getattr(func, "__dict__", {}))  # keeps Jinja2's pass-context markers
    return bounded


class _BoundedCode(CodeGenerator):
    """Compiles `a ~ b` to the environment's bounded join (Jinja2 joins unchecked)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """No list or dict a template sees can be changed, and nothing it makes grows past
    MAX_CHARS."""

    intercepted_binops = frozenset({"*", "**", "+"})
    code_generator_class = _BoundedCode

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}

    def bounded_concat(self, values: tuple[Any, ...]) -> str:
        parts = [str(value) for value in values]
        size = sum(map(len, parts))
        if size > MAX_CHARS:
            _refuse("joining with ~", size)
        return "".join(parts)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "+":
            if isinstance(left, str | bytes | list | tuple) and isinstance(right, type(left)):
                if len(left) + len(right) > MAX_CHARS:
                    _refuse("adding", len(left) + len(right))
            return operator.add(left, right)
        if op == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
                    if len(seq) * times > MAX_CHARS:
                        _refuse("a repetition", len(seq) * times)
            return operator.mul(left, right)
        if isinstance(left, int) and isinstance(right, int) and right > 0:
            if right * max(abs(left), 2).bit_length() > MAX_POWER_BITS:
                raise TemplateLimit(f"{left} ** {right} is too large a number to compute")
        return operator.pow(left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        name = getattr(__obj, "__name__", "")
        bound = getattr(__obj, "__self__", None)
        if isinstance(bound, str):
            _check_call(
                name,
                args[0] if name == "join" and args else bound,
                args if name != "join" else (bound,),
                kwargs,
            )
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_format(text)
            return _check_size(wrapped(*args, **kwargs))  # type: ignore[no-any-return]

        return checked


def render_bounded(pieces: Iterator[str], seconds: float, limit: int = MAX_CHARS) -> str:
    """Join a template's output, stopping past `limit` characters or `seconds`."""
    out: list[str] = []
    size = 0
    with deadline(seconds):
        for piece in pieces:
            size += len(piece)
            if size > limit:
                raise TemplateLimit(f"the output grew past {limit:,} characters")
            out.append(piece)
    return "".join(out)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (a template looping over ranges in ranges). A
    signal timer, so only on the main thread; elsewhere the size bounds still hold."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TemplateLimit(f"rendering took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
