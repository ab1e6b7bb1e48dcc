"""Jinja's syntax errors in Swedish, naming the tag as the author wrote it in Word."""

from __future__ import annotations

import difflib
import re

# Characters Word keeps in a text without showing them: named where a message quotes the text.
INVISIBLE = {"\u00ad": "[mjukt bindestreck]", "\u200b": "[nollbreddsmellanslag]", "\u200c": "[osynlig avskiljare]",
             "\u200d": "[osynlig sammanfogning]", "\u2060": "[osynligt ordfogstecken]", "\ufeff": "[osynligt BOM-tecken]"}
_INVISIBLE = re.compile("[" + "".join(INVISIBLE) + "]")


def short(text: str, limit: int = 80) -> str:
    """``text`` on one line, invisible characters named, cut with "…" after ``limit`` characters."""
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return _INVISIBLE.sub(lambda m: INVISIBLE[m.group()], text)


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
    """The syntax error with the tag as written; advice on the tag to write has the same kind (``{%p``, ``{%tr``) as that tag."""
    where = f"syntaxfel i \"{short(tag, 60)}\"" if tag else "syntaxfel"
    advice = swedish_syntax(message)
    kind = re.match(r"\{%(tr|tc|p|r) ", tag) if tag else None
    if kind:
        advice = advice.replace('"{% ', f'"{{%{kind.group(1)} ')
    return f"{where}: {advice}"


_TAG_NAMES = ("if", "elif", "else", "endif", "for", "endfor", "set", "endset", "macro", "endmacro", "call", "endcall", "filter",
              "endfilter", "with", "endwith", "raw", "endraw")


def _meant_tag(name: str, block: str) -> str:
    """The tag a misspelled one (``endfi``, ``end``, ``elseif``) most likely meant inside ``block``."""
    if name.startswith("end") or name in (f"{block}end", "fi", "done"):
        return f"end{block}"
    if name.startswith("els") or name.startswith("elif"):
        return "elif" if block == "if" and name not in ("els", "esle") else "else"
    near = difflib.get_close_matches(name, _TAG_NAMES, n=1)
    return near[0] if near else ""


def swedish_syntax(message: str) -> str:
    """Jinja's syntax error in Swedish; the English text when it is not one of the usual ones."""
    match = re.match(r"Encountered unknown tag '(\w+)'\.(?:.*The innermost block that needs to be closed is '(\w+)')?", message, re.DOTALL)
    if match:
        name, block = match.groups()
        if block and name not in _TAG_NAMES:
            meant = _meant_tag(name, block)
            text = f"\"{name}\" är ingen tagg" + (f"; menade du \"{meant}\"?" if meant else "")
            if name == "end":
                text += " Skriv \"end\" och blockets namn ihop, utan mellanslag"
            return f"{text} (blocket \"{block}\" är öppet här och avslutas med \"{{% end{block} %}}\")"
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
