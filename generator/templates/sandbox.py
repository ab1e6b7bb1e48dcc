"""The sandbox templates run in: a strict, escaping, bounded Jinja environment and the time and size limits of one document."""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jinja2
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from ..agreement.filters import FILTERS

# Bounds on one document: a template that loops or multiplies without end fails with a message instead of
# filling the disk or stopping the batch.
MAX_RENDER_SECONDS = 30.0
MAX_OUTPUT_CHARS = 50_000_000
MAX_TEXT = 1_000_000  # the longest text or list an operator in a template may build


class LimitError(jinja2.TemplateRuntimeError):
    """Raised inside a template when it would build a text, list or number too large for an agreement, or runs too long."""


class RenderTimeout(Exception):
    """Raised by the alarm when one document takes longer than MAX_RENDER_SECONDS."""


_PADDING_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}
_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\d{7,})|\{[^{}]*:[^{}]*?(\d{7,})[^{}]*\}")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox with bounds on ``*``, ``**`` and ``%`` and on padding: a template cannot ask for gigabytes.

    Intercepted operators are also never folded into constants when a template is compiled, so
    ``{{ 'x' * 10**9 }}`` fails with a message at render time instead of exhausting memory in the check.
    """

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _number(left) and _number(right) and abs(left) > 1 and abs(right) > 64:
            raise LimitError(f"talet {left}**{right} är för stort för ett avtal")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) and len(sequence) * count > MAX_TEXT:
                    raise LimitError(f"en text eller lista med {len(sequence) * count} tecken eller element är för lång för ett avtal")
        if operator == "%" and isinstance(left, str) and _FORMAT_WIDTH.search(left):
            raise LimitError("en fältbredd i formatet är för stor för ett avtal")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(__obj, "__name__", "")
        if (isinstance(getattr(__obj, "__self__", None), str) and name in _PADDING_METHODS
                and any(isinstance(a, int) and a > MAX_TEXT for a in (*args, *kwargs.values()))):
                raise LimitError(f"\"{name}\" med en bredd över {MAX_TEXT} tecken är för stort för ett avtal")
        if name == "format" and isinstance(getattr(__obj, "__self__", None), str) and _FORMAT_WIDTH.search(__obj.__self__):
            raise LimitError("en fältbredd i formatet är för stor för ett avtal")
        return super().call(__context, __obj, *args, **kwargs)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bounded_filter(name: str, filter_function: Any) -> Any:
    def bounded(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> Any:
        if isinstance(width, int) and width > MAX_TEXT:
            raise LimitError(f"filtret \"{name}\" med bredden {width} är för stort för ett avtal")
        return filter_function(value, width, *args, **kwargs)

    return bounded


def make_environment() -> SandboxedEnvironment:
    """The one Jinja environment templates run in: sandboxed, bounded, StrictUndefined, autoescaping, Swedish filters."""
    env = BoundedEnvironment(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    for name in ("center", "indent", "truncate", "wordwrap"):
        env.filters[name] = _bounded_filter(name, env.filters[name])
    return env


def environment_key(env: SandboxedEnvironment) -> str:
    """What in an environment changes the code Jinja compiles: its class, syntax settings, and filters and tests."""
    def marks(functions: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((name, str(getattr(f, "jinja_pass_arg", ""))) for name, f in functions.items())

    autoescape = env.autoescape if isinstance(env.autoescape, bool) else getattr(env.autoescape, "__qualname__", "?")
    return repr((
        type(env).__module__, type(env).__qualname__, env.block_start_string, env.block_end_string, env.variable_start_string,
        env.variable_end_string, env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
        env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
        env.optimized, autoescape, getattr(env.undefined, "__qualname__", "?"), sorted(env.extensions),
        sorted(getattr(env, "intercepted_binops", ())), sorted(getattr(env, "intercepted_unops", ())),
        marks(env.filters), marks(env.tests),
    ))


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in the block after ``seconds`` (main thread only, where signals arrive; elsewhere no bound)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise RenderTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    signal.setitimer(signal.ITIMER_REAL, seconds if not remaining else min(seconds, remaining))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bounded_render(template: jinja2.Template, context: dict[str, Any]) -> str:
    """``template.render(context)`` that stops with LimitError when the output grows beyond MAX_OUTPUT_CHARS."""
    pieces: list[str] = []
    size = 0
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_OUTPUT_CHARS:
            raise LimitError(f"dokumentet blir större än {MAX_OUTPUT_CHARS // 1_000_000} miljoner tecken; "
                             "en upprepning i mallen tar troligen aldrig slut")
        pieces.append(piece)
    return "".join(pieces)
