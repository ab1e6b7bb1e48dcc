"""Jinja syntax errors of a part, every one found where it is, and the blocks never closed."""

from __future__ import annotations

import re

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from ..syntax import syntax_message, unclosed_message
from .names import BLOCK_TAGS
from .places import Line, Part, line_at


def parse_part(env: SandboxedEnvironment, source: str, lines: list[Line], part: Part) -> tuple[nodes.Template | None, str, set[int]]:
    """Parse the part, reporting every syntax error that can be found where it is.

    Returns the tree (None when the block structure is broken), the source with broken ``{{ }}`` tags taken
    out, and the lines that had errors.
    """
    failed: set[int] = set()
    for _ in range(100):
        try:
            return env.parse(source), source, failed
        except jinja2.TemplateSyntaxError as error:
            line = line_at(lines, error.lineno)
            failed.add(error.lineno or 1)
            message = error.message or str(error)
            if message.startswith("Unexpected end of template"):
                unclosed = unclosed_blocks(env, source)
                for lineno, name in unclosed:
                    opening = line_at(lines, lineno)
                    part.report(opening.paragraph, unclosed_message(name, opening.tag))
                if not unclosed:
                    part.report(line.paragraph, syntax_message(message, line.tag))
                return None, source, failed
            part.report(line.paragraph, syntax_message(message, line.tag))
            texts = source.split("\n")
            index = (error.lineno or 1) - 1
            if index >= len(texts) or not texts[index].startswith("{{"):
                return None, source, failed
            end = texts[index].find("}}")
            texts[index] = texts[index][end + 2:] if end >= 0 else ""
            source = "\n".join(texts)
    return None, source, failed


_STATEMENT = re.compile(r"\{%-?\s*(?:(?:if|elif)\s+(?P<test>.*?)|for\s+(?P<targets>.+?)\s+in\s+(?P<iter>.*?)(?:\s+recursive)?"
                        r"|set\s+(?P<name>[\w\s,]+?)\s*=\s*(?P<value>.*?))\s*-?%\}$", re.DOTALL)


def unclosed_blocks(env: SandboxedEnvironment, source: str) -> list[tuple[int, str]]:
    """Block tags (if, for, …) never closed, as (line, tag name), outermost first."""
    try:
        tokens = [(t.lineno, t.type, t.value) for t in env.lexer.tokenize(source)]
    except jinja2.TemplateSyntaxError:
        return []
    stack: list[tuple[int, str]] = []
    for index, (lineno, kind, _) in enumerate(tokens[:-1]):
        if kind != "block_begin" or tokens[index + 1][1] != "name":
            continue
        name = tokens[index + 1][2]
        if name == "set":
            rest = tokens[index + 2:]
            end = next((i for i, t in enumerate(rest) if t[1] == "block_end"), len(rest))
            if any(t[1] == "assign" for t in rest[:end]):
                continue
        if name in BLOCK_TAGS:
            stack.append((lineno, name))
        elif name.startswith("end") and stack and stack[-1][1] == name[3:]:
            stack.pop()
    return stack
