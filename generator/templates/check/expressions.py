"""Jinja expressions of a template checked against the schema: names, fields, filters, tests, comparisons, guards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from ...errors import did_you_mean
from ..fields import FieldInfo, Use, top_names
from ..kindfields import KINDS, required_in, template_kinds
from .names import (
    ANY,
    ATTRIBUTE_ARG_FILTERS,
    BAD,
    DATE_FILTERS,
    FORBIDDEN_ATTRIBUTES,
    FORBIDDEN_NAMES,
    GUARDED_BY_DOCUMENT,
    ITEM_FILTERS,
    LOOP,
    LOOP_FIELDS,
    METHODS,
    NEW_FIELD,
    NUMBER_FILTERS,
    SAME_LIST_FILTERS,
    type_mismatch,
    with_implied,
)
from .places import Line, Part, line_at


class Expressions:
    """Walks a part's Jinja expressions: every variable path, filter, test and forbidden access, reported where it stands."""


    def __init__(self, env: SandboxedEnvironment, catalogue: dict[str, FieldInfo], lines: list[Line], part: Part, template: str) -> None:
        self.env = env
        self.catalogue = catalogue
        self.top = set(top_names(catalogue))
        self.lines = lines
        self.part = part
        self.template = template
        self.scopes: list[dict[str, str]] = [{}]
        self.guards: list[str] = []  # paths tested by the enclosing if, and, conditional expression or loop filter
        self.quiet = 0  # inside a test or a default(): a missing value is handled there
        self.collecting: list[list[str]] = []
        self.party_loops = 0  # how many loops over parter enclose the current place
        self.guards.extend(GUARDED_BY_DOCUMENT.get(template, ()))
        # The kinds whose agreements can reach the current place: a template no kind uses may get any of them.
        self.kinds: frozenset[str] = frozenset(template_kinds(template) or KINDS)
        self.guards.extend(with_implied(required_in(self.kinds)))

    # -- reporting -------------------------------------------------------------------------------

    def report(self, node: nodes.Node, message: str) -> None:
        self.part.report(line_at(self.lines, node.lineno).paragraph, message)

    def use(self, path: str, node: nodes.Node) -> None:
        paragraph = line_at(self.lines, node.lineno).paragraph
        self.part.uses.append((path, Use(self.template, self.part.label, paragraph)))
        if self.party_loops:
            self.part.party_uses.add(path)
        for found in self.collecting:
            found.append(path)
        if not self.quiet:
            self.check_guarded(path, node)
        elif parent := re.sub(r"(?:\.[^.\[\]]+|\[\])$", "", path):
            # A test or default() may meet a missing field, but not a missing section it lies in:
            # ``{% if ekonomi.modell == "x" %}`` fails for an agreement without ekonomi.
            self.check_guarded(parent, node, missing_only=True)

    def check_guarded(self, path: str, node: nodes.Node, missing_only: bool = False) -> None:
        """Warn when ``path`` or a field it lies in may be missing (or, unless ``missing_only``, none) and no enclosing test covers it."""
        steps = re.findall(r"[^.\[\]]+(?:\[\])?", path)
        prefix = ""
        for step in steps:
            prefix = f"{prefix}.{step}" if prefix else step
            for candidate in (prefix.removesuffix("[]"), prefix) if prefix.endswith("[]") else (prefix,):
                info = self.catalogue.get(candidate)
                if info is None or not (info.optional or (info.nullable and not missing_only)):
                    continue
                if any(g == candidate or g.startswith((f"{candidate}.", f"{candidate}[]")) for g in self.guards):
                    continue
                if info.optional:
                    message = (f"fältet \"{candidate}\" kan saknas i avtalet men används här utan villkor; skriv taggen inom "
                               f"{{% if … is defined %}} eller ge ett värde med default(\"…\")")
                else:
                    message = (f"fältet \"{candidate}\" är none i avtal som saknar det men används här utan villkor; skriv taggen inom "
                               f"{{% if {self.shown(node, candidate)} %}}")
                self.part.report(line_at(self.lines, node.lineno).paragraph, message, "varning")
                return

    def shown(self, node: nodes.Node, path: str) -> str:
        """The path as the author would test it: the schema path for top-level fields, else "…"."""
        return path if "[]" not in path else "…"

    def tested(self, node: nodes.Node) -> list[str]:
        """Check a test expression (quietly) and return the paths it uses, which it guards."""
        found: list[str] = []
        self.collecting.append(found)
        self.quiet += 1
        self.expr(node)
        self.quiet -= 1
        self.collecting.pop()
        return found

    @contextmanager
    def narrowed(self, kinds: frozenset[str]) -> Iterator[None]:
        """Within a block only ``kinds`` reach (``{%p if avtal.typ == "interimsavtal" %}``), what they all require is there."""
        before, self.kinds = self.kinds, kinds
        paths = with_implied(required_in(kinds)) if kinds != before else []
        self.guards.extend(paths)
        try:
            yield
        finally:
            del self.guards[len(self.guards) - len(paths):]
            self.kinds = before

    def split(self, test: nodes.Node) -> tuple[frozenset[str], frozenset[str]]:
        """The kinds for which a test on ``avtal.typ`` can be true, and those for which it can be false."""
        current = self.kinds
        if isinstance(test, nodes.Not):
            true, false = self.split(test.node)
            return false, true
        if isinstance(test, nodes.And):
            left, right = self.split(test.left), self.split(test.right)
            return left[0] & right[0], left[1] | right[1]
        if isinstance(test, nodes.Or):
            left, right = self.split(test.left), self.split(test.right)
            return left[0] | right[0], left[1] & right[1]
        if isinstance(test, nodes.Compare) and len(test.ops) == 1 and self.is_kind(test.expr):
            op = test.ops[0]
            other = op.expr
            if op.op in ("eq", "ne") and isinstance(other, nodes.Const):
                named = frozenset([other.value])
            elif op.op in ("in", "notin") and isinstance(other, (nodes.List, nodes.Tuple)) and \
                    all(isinstance(item, nodes.Const) for item in other.items):
                named = frozenset(item.value for item in other.items if isinstance(item, nodes.Const))
            else:
                return current, current
            if op.op in ("eq", "in"):
                return current & named, current - named
            return current - named, current & named
        return current, current

    def is_kind(self, node: nodes.Node) -> bool:
        """Whether ``node`` is ``avtal.typ`` (or ``avtal["typ"]``), the agreement kind."""
        attr = node.attr if isinstance(node, nodes.Getattr) else node.arg.value if isinstance(node, nodes.Getitem) and \
            isinstance(node.arg, nodes.Const) else None
        base = getattr(node, "node", None)
        return attr == "typ" and isinstance(base, nodes.Name) and base.name == "avtal" and self.lookup("avtal") is None

    def compare(self, node: nodes.Compare) -> None:
        """A field compared with a text that the schema does not allow for it (``roll == "personuppgiftsbiträde"``)."""
        operands = [node.expr, *[op.expr for op in node.ops]]
        kinds = [self.expr(operand) for operand in operands]
        for index, op in enumerate(node.ops):
            pairs = [(kinds[index], operands[index + 1], op.op), (kinds[index + 1], operands[index], op.op)]
            for kind, other, operator in pairs:
                info = self.catalogue.get(kind)
                mismatch = type_mismatch(kind, info, other.value) if info is not None and operator in ("eq", "ne") and \
                    isinstance(other, nodes.Const) else None
                if mismatch:
                    self.report(node, mismatch)
                    continue
                if info is None or not info.enum:
                    continue
                if operator in ("eq", "ne") and isinstance(other, nodes.Const):
                    values = [other.value]
                elif operator in ("in", "notin") and kind == kinds[index] and isinstance(other, (nodes.List, nodes.Tuple)):
                    values = [item.value for item in other.items if isinstance(item, nodes.Const)]
                else:
                    continue
                for value in values:
                    if isinstance(value, str) and value not in info.enum:
                        allowed = ", ".join(f"\"{v}\"" for v in info.enum)
                        self.report(node, f"\"{kind}\" jämförs med \"{value}\", som fältet aldrig kan ha{did_you_mean(value, info.enum)}; "
                                          f"tillåtna värden: {allowed}")

    def forbidden(self, node: nodes.Node, name: str, what: str = "Pythons") -> None:
        self.report(node, f"otillåten åtkomst: \"{name}\" ger åtkomst till {what} inre delar och får inte användas i en mall")

    # -- scopes ----------------------------------------------------------------------------------

    def lookup(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    # -- expressions -----------------------------------------------------------------------------

    def expr(self, node: nodes.Node) -> str:
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            kind = self.chain(node)
            if kind not in (ANY, BAD, LOOP):
                self.use(kind, node)
            return kind
        if isinstance(node, nodes.Filter):
            return self.filter(node)
        if isinstance(node, nodes.Compare):
            self.compare(node)
            return ANY
        if isinstance(node, nodes.And):
            tested = self.tested(node.left)
            self.guards.extend(tested)
            with self.narrowed(self.split(node.left)[0]):
                self.expr(node.right)
            del self.guards[len(self.guards) - len(tested):]
            return ANY
        if isinstance(node, nodes.Or):
            self.expr(node.left)
            with self.narrowed(self.split(node.left)[1]):
                self.expr(node.right)
            return ANY
        if isinstance(node, nodes.Test):
            self.quiet += 1
            self.expr(node.node)
            self.quiet -= 1
            self.arguments(node)
            if node.name not in self.env.tests:
                self.report(node, f"okänt test \"{node.name}\"{did_you_mean(node.name, self.env.tests)}")
            return ANY
        if isinstance(node, nodes.Call):
            callee = self.expr(node.node)
            self.arguments(node)
            return BAD if callee == BAD else ANY
        if isinstance(node, nodes.CondExpr):
            tested = self.tested(node.test)
            true, false = self.split(node.test)
            self.guards.extend(tested)
            with self.narrowed(true):
                first = self.expr(node.expr1)
            del self.guards[len(self.guards) - len(tested):]
            with self.narrowed(false):
                second = self.expr(node.expr2) if node.expr2 is not None else first
            return first if first == second else ANY
        for child in node.iter_child_nodes():
            self.expr(child)
        return ANY

    def arguments(self, node: nodes.Call | nodes.Filter | nodes.Test) -> None:
        for arg in node.args:
            self.expr(arg)
        for keyword in node.kwargs:
            self.expr(keyword.value)
        for extra in (node.dyn_args, node.dyn_kwargs):
            if extra is not None:
                self.expr(extra)

    def chain(self, node: nodes.Node) -> str:
        """The schema path (or ANY/BAD/LOOP) of a Name followed by attribute and item lookups."""
        if isinstance(node, nodes.Name):
            return self.name(node)
        if isinstance(node, nodes.Getattr):
            return self.attribute(self.base(node.node), node.attr, node)
        if isinstance(node, nodes.Getitem):
            base = self.base(node.node)
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                return self.attribute(base, arg.value, node)
            if isinstance(arg, nodes.Slice):
                self.expr(arg)
                return base
            self.expr(arg)
            if base in (BAD, ANY, LOOP):
                return base if base != LOOP else ANY
            return f"{base}[]" if f"{base}[]" in self.catalogue else ANY
        return self.expr(node)

    def base(self, node: nodes.Node) -> str:
        return self.chain(node) if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)) else self.expr(node)

    def name(self, node: nodes.Name) -> str:
        bound = self.lookup(node.name)
        if bound is not None:
            return bound
        if node.name in FORBIDDEN_NAMES:
            self.forbidden(node, node.name, "mallmotorns")
            return BAD
        if node.name in self.top:
            return node.name
        if node.name == "loop":
            self.report(node, "okänd variabel \"loop\"; den finns bara inuti {% for %}")
            return BAD
        known = sorted(self.top | {n for scope in self.scopes for n in scope})
        self.report(node, f"okänd variabel \"{node.name}\"{did_you_mean(node.name, known)}")
        return BAD

    def attribute(self, base: str, attr: str, node: nodes.Node) -> str:
        if attr.startswith("_") or attr in FORBIDDEN_ATTRIBUTES:
            if base != BAD:
                self.forbidden(node, attr)
            return BAD
        if base in (BAD, ANY):
            return base
        if base == LOOP:
            if attr in LOOP_FIELDS:
                return ANY
            self.report(node, f"okänt fält \"loop.{attr}\"; loop har {', '.join(sorted(LOOP_FIELDS))}")
            return BAD
        path = f"{base}.{attr}"
        if path in self.catalogue:
            return path
        info = self.catalogue.get(base)
        if info is not None and any(attr in METHODS.get(t, ()) for t in info.types):
            return ANY
        self.report(node, f"okänt fält \"{path}\"{self.hint(base, attr) or NEW_FIELD}")
        return BAD

    def hint(self, base: str, attr: str) -> str:
        if f"{base}[].{attr}" in self.catalogue:
            return f"; \"{base}\" är en lista: gå igenom den med {{% for %}} eller välj ett element med [0]"
        prefix = f"{base}."
        siblings = [p[len(prefix):] for p in self.catalogue if p.startswith(prefix) and re.fullmatch(r"\w+", p[len(prefix):])]
        return did_you_mean(attr, siblings, prefix)

    def check_filter_input(self, node: nodes.Filter, base: str) -> None:
        """A date filter on a field that is no date, a number filter on one that is no number: it fails for every agreement."""
        info = self.catalogue.get(base)
        if info is None:
            return
        types = set(info.types) - {"null"}
        if node.name in DATE_FILTERS and not info.date:
            self.report(node, f"filtret \"{node.name}\" gör om datum, men \"{base}\" är {info.type_label()}; ta bort filtret eller använd ett datumfält")
        elif node.name in NUMBER_FILTERS and types and not types & {"number", "integer"}:
            self.report(node, f"filtret \"{node.name}\" gör om tal, men \"{base}\" är {info.type_label()}; ta bort filtret eller använd ett talfält")

    def check_printed(self, kind: str, node: nodes.Node) -> None:
        """A date (warning) or an amount (error) printed as it is stored (``2020-09-01``, ``615312.5``) instead of with a filter."""
        info = self.catalogue.get(kind)
        if info is None:
            return
        if info.date:
            self.part.report(line_at(self.lines, node.lineno).paragraph, f"datumet \"{kind}\" skrivs ut som det lagras (2020-09-01); "
                             "använd filtret datum (1 september 2020) eller isodatum", "varning")
        elif info.amount:
            self.part.report(line_at(self.lines, node.lineno).paragraph, f"talet \"{kind}\" skrivs ut utan filter, med punkt och utan "
                             "mellanrum mellan tusental (615312.5); använd kronor, kr, belopp, pris eller procent")

    def filter(self, node: nodes.Filter) -> str:
        if node.name in ("default", "d") and node.node is not None:
            self.quiet += 1
            base = self.expr(node.node)
            self.quiet -= 1
            self.arguments(node)
            return base if base not in (ANY, BAD, LOOP) else (ANY if base == LOOP else base)
        base = self.expr(node.node) if node.node is not None else ANY
        self.arguments(node)
        if node.name not in self.env.filters:
            self.report(node, f"okänt filter \"{node.name}\"{did_you_mean(node.name, self.env.filters)}")
            return BAD
        self.check_filter_input(node, base)
        if node.name == "safe":
            self.report(node, "filtret \"safe\" stänger av skyddet för tecken som < och & och kan göra dokumentet trasigt; ta bort det")
        for attribute, item_base in self.attribute_arguments(node, base):
            kind = item_base
            for step in attribute.split("."):
                kind = self.attribute(kind, step, node)
            if kind not in (ANY, BAD, LOOP):
                self.use(kind, node)
        if base in (ANY, BAD, LOOP):
            return base if base != LOOP else ANY
        if node.name in SAME_LIST_FILTERS:
            return base
        if node.name in ITEM_FILTERS:
            return f"{base}[]" if f"{base}[]" in self.catalogue else ANY
        return ANY

    def attribute_arguments(self, node: nodes.Filter, base: str) -> list[tuple[str, str]]:
        """Attribute names given as strings (``selectattr('roll')``, ``map(attribute='namn')``, ``attr('x')``)."""
        if base in (ANY, LOOP):
            item = ANY
        elif base == BAD:
            item = BAD
        else:
            item = f"{base}[]" if f"{base}[]" in self.catalogue else ANY
        found: list[tuple[str, str]] = []
        if node.name in ATTRIBUTE_ARG_FILTERS | {"attr"} and node.args:
            first = node.args[0]
            if isinstance(first, nodes.Const) and isinstance(first.value, str):
                found.append((first.value, base if node.name == "attr" else item))
        for keyword in node.kwargs:
            if keyword.key == "attribute" and isinstance(keyword.value, nodes.Const) and isinstance(keyword.value.value, str):
                found.append((keyword.value.value, item))
        return found
