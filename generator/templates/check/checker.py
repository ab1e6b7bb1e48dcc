"""Jinja statements of a template walked with their scopes and guards (if, for, set, with, macros)."""

from __future__ import annotations

from jinja2 import nodes

from .expressions import Expressions
from .names import ANY, BAD, GUARDED_BY_TEST, LOOP, negated, printed_as_is


class Checker(Expressions):
    """Walks a part's Jinja statements (if, for, set, with, macros) with the expressions in them, keeping scopes and guards."""


    def guarded(self, paths: list[str], statements: list[nodes.Node]) -> None:
        paths = [*paths, *(implied for path in paths for implied in GUARDED_BY_TEST.get(path, ()))]
        self.guards.extend(paths)
        for statement in statements:
            self.visit(statement)
        del self.guards[len(self.guards) - len(paths):]

    def bind(self, target: nodes.Node, kind: str) -> None:
        if isinstance(target, nodes.Name):
            self.scopes[-1][target.name] = kind
        elif isinstance(target, (nodes.Tuple, nodes.List)):
            for item in target.items:
                self.bind(item, BAD if kind == BAD else ANY)
        elif isinstance(target, nodes.NSRef):
            self.expr(nodes.Name(target.name, "load", lineno=target.lineno))
        else:
            self.expr(target)

    def body(self, statements: list[nodes.Node], bindings: dict[str, str] | None = None) -> None:
        self.scopes.append(dict(bindings or {}))
        for statement in statements:
            self.visit(statement)
        self.scopes.pop()

    # -- statements ------------------------------------------------------------------------------

    def visit(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Expr):
            self.expr(node)
        elif isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    kind = self.expr(child)
                    self.check_printed(kind, child)
                    for leaf in printed_as_is(child):
                        self.check_printed(self.chain(leaf), leaf)
        elif isinstance(node, nodes.For):
            self.visit_for(node)
        elif isinstance(node, nodes.If):
            tested = self.tested(node.test)
            true, false = self.split(node.test)
            with self.narrowed(true):
                self.guarded(tested, node.body)
            with self.narrowed(false):
                for branch in node.elif_:
                    self.guarded(tested, [branch]) if negated(node.test) else self.visit(branch)
                implied = [i for path in tested for i in GUARDED_BY_TEST.get(path, ())]
                self.guarded(tested + implied if negated(node.test) else implied, node.else_)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.expr(node.node))
        elif isinstance(node, nodes.AssignBlock):
            if node.filter is not None:
                self.filter(node.filter)
            self.body(node.body)
            self.bind(node.target, ANY)
        elif isinstance(node, nodes.With):
            values = [self.expr(value) for value in node.values]
            self.scopes.append({})
            for target, kind in zip(node.targets, values, strict=False):
                self.bind(target, kind)
            for statement in node.body:
                self.visit(statement)
            self.scopes.pop()
        elif isinstance(node, nodes.Macro):
            self.scopes[-1][node.name] = ANY
            self.callable_body(node)
        elif isinstance(node, nodes.CallBlock):
            self.expr(node.call)
            self.callable_body(node)
        elif isinstance(node, nodes.FilterBlock):
            self.filter(node.filter)
            for statement in node.body:
                self.visit(statement)
        elif isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            kind = type(node).__name__.lower().replace("fromimport", "from … import")
            self.report(node, f"taggen \"{{% {kind} %}}\" kan inte användas: en mall kan inte hämta andra mallar")
        elif isinstance(node, (nodes.ScopedEvalContextModifier, nodes.EvalContextModifier)):
            for option in node.options:
                if option.key == "autoescape" and not (isinstance(option.value, nodes.Const) and option.value.value is True):
                    self.report(node, "otillåten åtkomst: \"{% autoescape false %}\" stänger av skyddet för tecken som < och & "
                                      "och får inte användas i en mall")
            for statement in getattr(node, "body", []):
                self.visit(statement)
        else:
            for inner in node.iter_child_nodes():
                self.visit(inner)

    def visit_for(self, node: nodes.For) -> None:
        kind = self.expr(node.iter)
        if kind == BAD:
            item = BAD
        elif kind not in (ANY, LOOP) and f"{kind}[]" in self.catalogue:
            item = f"{kind}[]"
        else:
            item = ANY
        self.scopes.append({"loop": LOOP})
        self.bind(node.target, item)
        if node.test is not None:
            self.expr(node.test)
        self.party_loops += item == "parter[]"
        for statement in node.body:
            self.visit(statement)
        self.party_loops -= item == "parter[]"
        self.scopes.pop()
        for statement in node.else_:
            self.visit(statement)

    def callable_body(self, node: nodes.Macro | nodes.CallBlock) -> None:
        for default in node.defaults:
            self.expr(default)
        bindings = {arg.name: ANY for arg in node.args}
        bindings.update({"caller": ANY, "varargs": ANY, "kwargs": ANY})
        self.body(node.body, bindings)
