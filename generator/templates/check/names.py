"""What the checker knows about names: kinds of values, forbidden names, methods, guards and groups of filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jinja2 import nodes

from ...paths import COST_FILE, PUB_FILE
from ..fields import FieldInfo

# Types and names used while walking the Jinja AST: a schema path (``parter[].namn``) or one of these.
ANY = "<värde>"  # something whose fields cannot be known (a string method's result, a macro argument)


BAD = "<fel>"  # already reported: say nothing more about expressions built on it


LOOP = "<loop>"


LOOP_FIELDS = {"index", "index0", "revindex", "revindex0", "first", "last", "length", "cycle", "depth", "depth0",
                "previtem", "nextitem", "changed"}


BLOCK_TAGS = {"if", "for", "macro", "call", "filter", "with", "block", "autoescape", "set", "trans"}


FORBIDDEN_NAMES = {"self", "config", "request", "cycler", "joiner", "namespace", "lipsum", "range", "dict"}


FORBIDDEN_ATTRIBUTES = {"mro", "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_code",
                         "ag_frame", "ag_await", "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "tb_frame",
                         "tb_next", "func_globals", "func_code", "im_func", "im_self", "im_class"}


METHODS = {
    "string": frozenset(name for name in dir(str) if not name.startswith("_")),
    "object": frozenset({"get", "items", "keys", "values"}),
    "array": frozenset({"index", "count"}),
}


# Computed values that are none only when another field says so: a test on the first guards the others.
GUARDED_BY_TEST = {
    "berakning.avtalstid.tillsvidare": ("berakning.avtalstid.slut",),
    "personuppgifter.roll": ("berakning.pub", "berakning.pub_bilaga", "berakning.pub.bitrade"),
    "ekonomi.fordelning": ("berakning.fordelning", "berakning.kostnad_bilaga"),
    "ekonomi.support": ("berakning.support",),
    "extern_delegering.forekommer": ("berakning.delegering_mottagare",),
    "avtalstid.slut": ("berakning.avtalstid.slut",),
    "berakning.andringar[].atgard": ("berakning.andringar[].bilaga", "berakning.andringar[].bilaga_nummer"),
}


# Annexes made only for agreements that have these values: in their templates the values are always there.
GUARDED_BY_DOCUMENT = {
    PUB_FILE: ("berakning.pub", "berakning.pub_bilaga", "berakning.pub.bitrade"),
    COST_FILE: ("berakning.fordelning", "berakning.kostnad_bilaga"),
}


# After an unknown field with no near name: where the fields are listed, and where a new one is declared.
NEW_FIELD = ("; alla fält står i docs/falt.md (avtal mallar falt). Ett nytt fält läggs först till i schema/avtal.schema.json "
              "med svensk titel, beskrivning och standardvärde, se mallar/LASMIG.md (Ett nytt fält i avtalsdata)")


DATE_FILTERS = {"datum", "isodatum"}


NUMBER_FILTERS = {"belopp", "pris", "kronor", "kr", "antal", "mnkr", "procent", "dagar", "timmar", "rakneord"}


SAME_LIST_FILTERS = {"sort", "reverse", "list", "unique", "selectattr", "rejectattr", "select", "reject", "default", "d"}


ITEM_FILTERS = {"first", "last", "random"}


ATTRIBUTE_ARG_FILTERS = {"selectattr", "rejectattr", "groupby"}  # first argument names an attribute of each item


def printed_as_is(node: nodes.Node) -> list[nodes.Node]:
    """The fields an output prints unchanged through ``… if … else …``, ``default()`` or arithmetic, when it is not one itself."""
    if isinstance(node, nodes.CondExpr):
        branches = [node.expr1, *([node.expr2] if node.expr2 is not None else [])]
    elif isinstance(node, nodes.Filter) and node.name in ("default", "d") and node.node is not None:
        branches = [node.node, *node.args[:1]]
    elif isinstance(node, nodes.BinExpr):
        branches = [node.left, node.right]
    elif isinstance(node, nodes.UnaryExpr):
        branches = [node.node]
    else:
        return []
    found: list[nodes.Node] = []
    for branch in branches:
        found.extend([branch] if isinstance(branch, (nodes.Name, nodes.Getattr, nodes.Getitem)) else printed_as_is(branch))
    return found


def type_mismatch(path: str, info: FieldInfo, value: Any) -> str | None:
    """Why comparing the field with ``value`` is never true (``elektronisk == "true"``, ``manader == "12"``), or None."""
    types = set(info.types) - {"null"}
    if isinstance(value, str) and types and "string" not in types:
        if types == {"boolean"}:
            return (f"\"{path}\" är ja eller nej (true/false) men jämförs med texten \"{value}\", så jämförelsen är aldrig sann och "
                    f"texten i villkoret kommer aldrig med; skriv \"{{% if {path} %}}\" eller \"{{% if not {path} %}}\"")
        if types <= {"integer", "number"}:
            return (f"\"{path}\" är ett tal men jämförs med texten \"{value}\", så jämförelsen är aldrig sann och texten i villkoret "
                    f"kommer aldrig med; skriv talet utan citattecken: {path} == {value}")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and types == {"string"}:
        return (f"\"{path}\" är en text men jämförs med talet {value}, så jämförelsen är aldrig sann och texten i villkoret kommer "
                f"aldrig med; skriv värdet inom citattecken: {path} == \"{value}\"")
    return None


def with_implied(paths: Iterable[str]) -> list[str]:
    """The paths and the computed values that are there whenever they are (``avtalstid.slut`` → ``berakning.avtalstid.slut``)."""
    found = list(paths)
    return [*found, *(implied for path in found for implied in GUARDED_BY_TEST.get(path, ()))]


def negated(test: nodes.Node) -> bool:
    """Whether an if-test is ``not …`` or ``… is not defined``/``is undefined``: then its else-branch is the guarded one."""
    if isinstance(test, nodes.Not):
        return True
    return isinstance(test, nodes.Test) and test.name in ("undefined", "none")
