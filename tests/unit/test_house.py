"""House rules of generator/, read with ast: module and function sizes, imports that point down, docstrings."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE_DIR = ROOT / "generator"
PACKAGE = "avtalsgenerator"  # the import name of generator/ (pyproject.toml maps it)
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# The bottom of the house: modules (and the docx/ room) that every room may use and that use no room above them.
BOTTOM = frozenset({"errors", "paths", "kinds", "files", "cache", "docx"})

# Functions (module:qualified.name) allowed over MAX_FUNCTION_LINES, each with the one-line reason it stays whole.
LONG_FUNCTIONS: dict[str, str] = {}

# TEMPORARY: modules other branches are splitting at the same time as this test was written; each is exempt from
# the module and function sizes until then: removed when the splitting branches merge.
_BEING_SPLIT: set[str] = set()


@dataclass(frozen=True)
class Module:
    """One module of generator/: its path below generator/, its dotted name and its syntax tree."""

    name: str  # e.g. "output/records.py"
    dotted: str  # e.g. "avtalsgenerator.output.records"
    lines: int
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.name.endswith("__init__.py")


def _read(path: Path) -> Module:
    relative = path.relative_to(PACKAGE_DIR)
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    text = path.read_text(encoding="utf-8")
    return Module(relative.as_posix(), ".".join([PACKAGE, *parts]), len(text.splitlines()), ast.parse(text, str(path)))


MODULES = [_read(path) for path in sorted(PACKAGE_DIR.rglob("*.py"))]


def _module(name: str, source: str) -> Module:
    """A module made up for the tests of the rules themselves, as if it were ``generator/<name>``."""
    parts = name.removesuffix(".py").removesuffix("/__init__").split("/")
    return Module(name, ".".join([PACKAGE, *parts]), len(source.splitlines()), ast.parse(source))


# --- the rules, each a function of one module, so that each can be shown to catch what it is for ---------------


def functions(module: Module) -> dict[str, int]:
    """Every function and method (nested ones too) by qualified name, with its length in lines (decorators left out)."""
    found: dict[str, int] = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                found[name] = (child.end_lineno or child.lineno) - child.lineno + 1
                walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")
            else:
                walk(child, prefix)

    walk(module.tree, "")
    return found


def imported(module: Module) -> list[tuple[int, str]]:
    """(line, dotted name) of everything ``module`` imports from the package, anywhere in it: in functions and
    under TYPE_CHECKING too, relative imports resolved, and ``from . import x`` as the module ``x``."""
    package = module.dotted if module.is_package else module.dotted.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if node.module is None or target == PACKAGE:
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Call) and _is_dynamic_import(node) and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return [(line, name) for line, name in found if name == PACKAGE or name.startswith(PACKAGE + ".")]


def _is_dynamic_import(call: ast.Call) -> bool:
    function = call.func
    return (isinstance(function, ast.Name) and function.id == "__import__") or (
        isinstance(function, ast.Attribute) and function.attr == "import_module")


def room(dotted: str) -> str:
    """The top-level module or room below the package that ``dotted`` lies in ("" for the package itself)."""
    return dotted.removeprefix(PACKAGE).lstrip(".").split(".")[0]


def upward_imports(module: Module) -> list[str]:
    """The imports of a bottom module that reach above the bottom, as "line: name"; none for other modules."""
    if room(module.dotted) not in BOTTOM:
        return []
    return [f"{line}: {name}" for line, name in imported(module) if room(name) not in BOTTOM | {"", "__version__"}]


def docstring_problem(module: Module) -> str | None:
    docstring = ast.get_docstring(module.tree)
    if not docstring or not docstring.strip():
        return "has no module docstring"
    if "\n" in docstring.strip():
        return "has a docstring of several lines (one line: what the module is for)"
    return None


def has_future_annotations(module: Module) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "__future__" and any(a.name == "annotations" for a in node.names)
               for node in module.tree.body)


# --- the house --------------------------------------------------------------------------------------------------


def test_the_package_is_found() -> None:
    names = {module.name for module in MODULES}
    assert {"errors.py", "cache.py", "docx/package.py", "output/records.py", "templates/check/__init__.py"} <= names


def test_no_module_is_over_the_limit() -> None:
    too_long = [f"{m.name}: {m.lines} lines" for m in MODULES if m.lines > MAX_MODULE_LINES and m.name not in _BEING_SPLIT]
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: split them by what happens in them"


def test_no_function_is_over_the_limit_without_a_reason() -> None:
    too_long = [f"{m.name}:{name}: {length} lines" for m in MODULES if m.name not in _BEING_SPLIT
                for name, length in functions(m).items() if length > MAX_FUNCTION_LINES and f"{m.name}:{name}" not in LONG_FUNCTIONS]
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines: split them, or give the reason in LONG_FUNCTIONS"


def test_every_exemption_is_still_needed_and_says_why() -> None:
    lengths = {f"{m.name}:{name}": length for m in MODULES for name, length in functions(m).items()}
    for key, reason in LONG_FUNCTIONS.items():
        assert lengths.get(key, 0) > MAX_FUNCTION_LINES, f"{key} is no longer over {MAX_FUNCTION_LINES} lines (or gone): remove it"
        assert reason.strip() and "\n" not in reason, f"{key}: one line saying why it stays whole"
    modules = {m.name: m for m in MODULES}
    for name in _BEING_SPLIT:
        module = modules.get(name)
        over = module is not None and (module.lines > MAX_MODULE_LINES or max(functions(module).values(), default=0) > MAX_FUNCTION_LINES)
        assert over, f"{name} is split now (or gone): remove it from _BEING_SPLIT"


def test_the_bottom_imports_nothing_from_the_rooms_above() -> None:
    upward = [f"{m.name}:{found}" for m in MODULES for found in upward_imports(m)]
    assert not upward, "the bottom modules import from a room above them; pass what they need in instead"


def test_every_module_has_a_one_line_docstring() -> None:
    problems = [f"{m.name} {problem}" for m in MODULES if (problem := docstring_problem(m))]
    assert not problems


def test_every_module_postpones_annotations() -> None:
    missing = [m.name for m in MODULES if not has_future_annotations(m)]
    assert not missing, "from __future__ import annotations is missing"


# --- the rules catch what they are for ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "from .templates.check import ensure_templates_ok\n",
    "def f():\n    from .templates import check\n",
    "if TYPE_CHECKING:\n    from .output.records import Records\n",
    "from . import agreement\n",
    "import avtalsgenerator.legal.rules\n",
    "from avtalsgenerator.web import app\n",
    "import importlib\nimportlib.import_module('avtalsgenerator.compare.document')\n",
    "from .prepare import prepare\n",
])
def test_an_upward_import_in_a_bottom_module_is_found(source: str) -> None:
    assert upward_imports(_module("cache.py", source))


def test_an_upward_import_inside_docx_is_found() -> None:
    assert upward_imports(_module("docx/package.py", "def f():\n    from ..compare.redline import Marks\n")) == [
        "2: avtalsgenerator.compare.redline"]


def test_imports_within_the_bottom_and_from_elsewhere_are_allowed() -> None:
    source = ("import os\nfrom lxml import etree\nfrom ..errors import Problem\nfrom .namespaces import W\nfrom .. import __version__\n"
              "from ..files import write_atomic\n")
    assert upward_imports(_module("docx/package.py", source)) == []
    assert upward_imports(_module("output/store.py", "from ..templates.render import render\n")) == [], "only the bottom is held to it"


def test_a_long_method_is_measured_by_its_qualified_name() -> None:
    body = "".join(f"        x{n} = {n}\n" for n in range(70))
    found = functions(_module("x.py", f"class A:\n    def long(self):\n{body}\n    def short(self):\n        pass\n"))
    assert found == {"A.long": 71, "A.short": 2}


@pytest.mark.parametrize(("source", "problem"), [
    ("x = 1\n", "has no module docstring"),
    ('"""Two lines.\n\nMore."""\n', "has a docstring of several lines (one line: what the module is for)"),
    ('"""One line."""\n', None),
])
def test_the_docstring_rule(source: str, problem: str | None) -> None:
    assert docstring_problem(_module("x.py", source)) == problem


def test_the_future_import_rule() -> None:
    assert has_future_annotations(_module("x.py", '"""Doc."""\n\nfrom __future__ import annotations\n'))
    assert not has_future_annotations(_module("x.py", '"""Doc."""\n\ndef f():\n    pass\n'))
