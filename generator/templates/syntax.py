"""Jinja's syntax errors in Swedish, naming the tag as the author wrote it in Word."""

from __future__ import annotations

import re


def short(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut with "…" after ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unclosed_message(name: str, tag: str | None) -> str:
    prefix = ""
    if tag:
        match = re.match(r"\{%(tr|tc|p|r) ", tag)
        prefix = match.group(1) if match else ""
    until = {"if": "villkoret", "for": "upprepningen"}.get(name, "blocket")
    shown = f"\"{short(tag, 60)}\"" if tag else f"\"{{% {name} %}}\""
    return f"syntaxfel i {shown}: blocket avslutas aldrig; lägg till \"{{%{prefix} end{name} %}}\" där {until} ska sluta"


_TOKENS = {
    "end of print statement": "slutet av taggen (\"}}\")",
    "end of statement block": "slutet av taggen (\"%}\")",
    "end of template": "mallens slut",
    "name": "ett namn",
    "integer": "ett heltal",
    "float": "ett tal",
    "string": "en text inom citattecken",
}


def _token(name: str) -> str:
    return _TOKENS.get(name, f"\"{name}\"")


def syntax_message(message: str, tag: str | None) -> str:
    where = f"syntaxfel i \"{short(tag, 60)}\"" if tag else "syntaxfel"
    return f"{where}: {swedish_syntax(message)}"


def swedish_syntax(message: str) -> str:
    """Jinja's syntax error in Swedish; the English text when it is not one of the usual ones."""
    match = re.match(r"Encountered unknown tag '(\w+)'\.(?:.*The innermost block that needs to be closed is '(\w+)')?", message, re.DOTALL)
    if match:
        name, block = match.groups()
        if block:
            return f"taggen passar inte här; blocket \"{block}\" är öppet och ska först avslutas med \"{{% end{block} %}}\""
        if name in ("tr", "tc"):
            return f"en tagg som börjar med \"{{%{name}\" kan bara stå i en {'tabellrad' if name == 'tr' else 'tabellcell'}"
        if name.startswith("end"):
            return f"\"{name}\" avslutar ett block som aldrig har börjat"
        if name in ("else", "elif"):
            return f"\"{name}\" står utanför ett if- eller for-block"
        return f"okänd tagg \"{name}\""
    match = re.fullmatch(r"unexpected '(.+?)'(?:, expected '(.+?)')?", message)
    if match:
        got, wanted = match.groups()
        text = "taggen tar slut för tidigt" if got.startswith("end of") else f"oväntat {_token(got)}"
        return f"{text}; väntade {_token(wanted)}" if wanted else text
    match = re.fullmatch(r"expected token '(.+?)', got '(.+?)'", message)
    if match:
        return f"väntade {_token(match.group(1))} men fick {_token(match.group(2))}"
    match = re.fullmatch(r"Expected an expression, got '(.+?)'", message)
    if match:
        return f"ett uttryck saknas före {_token(match.group(1))}"
    if message == "expected name or number":
        return "ett namn eller tal saknas efter punkten"
    match = re.fullmatch(r"unexpected char (.+?) at \d+", message)
    if match:
        char = match.group(1)
        hint = "; en text inom citattecken avslutas inte" if char.strip("'\"") in ("'", '"') else ""
        return f"oväntat tecken {char}{hint}"
    return message
