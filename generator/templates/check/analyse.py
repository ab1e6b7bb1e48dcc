"""One template checked part by part (body, headers, footers, footnotes, properties), and the files of a folder."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from ...docx.namespaces import W
from ...docx.safety import package_problems
from ...errors import Problem
from ...kinds import TEMPLATE_FILES
from ..fields import FieldInfo, Use, field_catalogue
from ..numbering import ListNumbers
from ..paragraphs import OPENER, TAG, T, own_elements, read_paragraphs
from ..patching import Docx, templated_parts
from ..places import part_label, part_labels
from ..revisions import REMOVE_COMMENTS, revisions
from ..syntax import syntax_message
from .checker import Checker
from .folder import folder_problems
from .names import ANY, LOOP
from .places import Line, Part, line_at
from .required import missing_parts
from .syntaxcheck import _STATEMENT, parse_part
from .tags import check_blocks, docxtpl_source, model_source, raw_check
from .word import Package, WordCheck, property_problems
from .word import members as package_members

_COMMENTS = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"


_ENDNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"


_PROPERTIES = (("title", "titel"), ("subject", "ämne"), ("author", "författare"), ("comments", "kommentarer"),
               ("identifier", "identifierare"), ("language", "språk"))


def check_tags_one_by_one(env: SandboxedEnvironment, catalogue: dict[str, FieldInfo], source: str, lines: list[Line],
                           failed: set[int], part: Part, template: str) -> None:
    """When the block structure is broken, still check the expression of every tag on its own.

    Names bound by ``for``, ``set``, ``with`` and macros anywhere in the part count as known, without their fields
    being checked.
    """
    expressions: list[tuple[int, str, bool]] = []  # (line, expression as a {{ }} tag, whether the tag prints it)
    bound: dict[str, str] = {"loop": LOOP}
    for lineno, text in enumerate(source.split("\n"), start=1):
        match = TAG.match(text)
        if lineno in failed or not match:
            continue
        tag = match.group()
        if tag.startswith("{{"):
            expressions.append((lineno, tag, True))
            continue
        if re.match(r"\{%-?\s*(?:macro|call|with)\b", tag):
            bound.update((name, ANY) for name in re.findall(r"[A-Za-z_]\w*", tag[2:-2]))
            bound["caller"] = ANY
            continue
        statement = _STATEMENT.match(tag)
        if statement is None:
            continue
        for key in ("test", "iter", "value"):
            if statement.group(key):
                expressions.append((lineno, f"{{{{ {statement.group(key)} }}}}", False))
        for key in ("targets", "name"):
            for name in re.findall(r"\w+", statement.group(key) or ""):
                bound[name] = ANY
    for lineno, expression, printed in expressions:
        try:
            tree = env.parse(expression)
        except jinja2.TemplateSyntaxError:
            continue
        checker = Checker(env, catalogue, [line_at(lines, lineno)], part, template)
        checker.scopes = [dict(bound)]
        if printed:
            checker.visit(tree)
        else:
            for output in tree.body:
                for child in output.iter_child_nodes():
                    checker.expr(child)


def check_source(env: SandboxedEnvironment, catalogue: dict[str, FieldInfo], source: str, lines: list[Line], part: Part,
                  template: str) -> None:
    tree, source, failed = parse_part(env, source, lines, part)
    if tree is None:
        before = len(part.found)
        check_tags_one_by_one(env, catalogue, source, lines, failed, part, template)
        # Without the block structure no tag is known to be guarded: warnings about guards would be false alarms.
        part.found[before:] = [found for found in part.found[before:] if found[2].severity == "fel"]
        return
    before = len(part.found)
    Checker(env, catalogue, lines, part, template).visit(tree)
    if len(part.found) == before and not failed:
        try:
            env.compile(tree, raw=True)  # Jinja's own checks on the parsed tree; its Python code is not needed
        except jinja2.TemplateSyntaxError as error:
            line = line_at(lines, error.lineno)
            part.report(line.paragraph, syntax_message(error.message or str(error), line.tag))


def check_part(env: SandboxedEnvironment, catalogue: dict[str, FieldInfo], template: DocxTemplate, path: Path, name: str, xml: str,
                word: WordCheck, relationships: dict[str, str], label: str) -> Part:
    """One templated XML part (body, header, footer, footnotes) checked: revisions, Word's extras, tags, blocks and Jinja."""
    root = etree.fromstring(xml.encode("utf-8"))
    paragraphs = read_paragraphs(root, ListNumbers.of(template.docx) if name == "/word/document.xml" else None)
    part = Part(str(path), name, label, paragraphs)
    numbers = {para.element: para.number for para in paragraphs}
    for element, message in revisions(root):
        part.report(numbers.get(element, 0), message, raw=True)
    for para in paragraphs:
        texts = [el for el in own_elements(para.element) if el.tag == T]
        for message in word.paragraph(para.element, texts, [(t.start, t.text) for t in para.tags], para.text, para.shown, relationships):
            part.report(para.number, message, raw=True)
    if raw_check(part, template):
        source, lines = model_source(paragraphs)
    else:
        source, lines = docxtpl_source(template, xml, paragraphs)
        check_blocks(source, lines, part)
    check_source(env, catalogue, source, lines, part, path.name)
    return part


def package_parts(template: DocxTemplate, file: str) -> list[Part]:
    """Comments (which would go into every agreement) and endnotes with tags (which are never filled in)."""
    parts = []
    for part in template.docx.part.package.parts:
        if part.content_type == _COMMENTS:
            count = len(etree.fromstring(part.blob).findall(f"{W}comment"))
            if count:
                problem = f"mallen har {count} {'kommentar' if count == 1 else 'kommentarer'}, som skulle följa med i varje avtal; {REMOVE_COMMENTS}"
                comments = Part(file, str(part.partname), "kommentarer", [], "")
                comments.report(0, problem)
                parts.append(comments)
        if part.content_type == _ENDNOTES:
            endnotes = Part(file, str(part.partname), "slutnoter", read_paragraphs(etree.fromstring(part.blob)))
            for para in endnotes.paragraphs.values():
                if para.tags:
                    endnotes.report(para.number, "taggar i slutnoter fylls inte i av generatorn; flytta taggen till brödtexten eller en fotnot")
            parts.append(endnotes)
    return parts


def analyse(path: Path, env: SandboxedEnvironment) -> tuple[list[Problem], list[tuple[str, Use]]]:
    """Every problem in one template, and every field it uses with where."""
    file = str(path)
    unsafe = package_problems(path)
    if unsafe:
        return unsafe, []
    try:
        template = Docx(file)
        template.init_docx()
        xml_parts = templated_parts(template)
    except Exception:
        return [Problem(file, "", "filen kan inte öppnas som ett Word-dokument (.docx)")], []
    catalogue = field_catalogue()
    members = package_members(file)
    word = WordCheck(Package.read(members), [path for path in catalogue if "[]" not in path])
    relationships = {str(p.partname): {rid: rel.target_ref for rid, rel in p.rels.items() if rel.is_external}
                     for p in template.docx.part.package.parts}
    parts: list[Part] = []
    for found in property_problems(file, members):
        parts.append(Part(file, found.place, found.place, [], ""))
        parts[-1].found.append((0, 0, found))
    labels = part_labels(template.docx)
    for name, xml in xml_parts:
        parts.append(check_part(env, catalogue, template, path, name, xml, word, relationships.get(name, {}), part_label(name, labels)))
    parts.extend(package_parts(template, file))
    core = template.docx.core_properties
    for attribute, label in _PROPERTIES:
        value = getattr(core, attribute) or ""
        if OPENER.search(value):
            part = Part(file, attribute, f"dokumentegenskaper ({label})", [], value)
            parts.append(part)
            check_source(env, catalogue, value, [Line(0, None)] * (value.count("\n") + 1), part, path.name)
    problems = [problem for part in parts for problem in part.problems()]
    uses = [use for part in parts for use in part.uses]
    if not any(p.severity == "fel" for p in problems):
        used = {name for name, _ in uses}
        problems.extend(missing_parts(file, path.name, used, {name for part in parts for name in part.party_uses}))
    return problems, uses


def files_and_folder_problems(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The .docx files named or in the folders named (Word's ``~$`` lock files left out), and what is wrong with the folders."""
    files: list[Path] = []
    empty: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in sorted(path.glob("*.docx")) if not p.name.startswith("~$")]
            files.extend(found)
            if not found:
                empty.append(Problem(str(path), "", "mappen har inga Word-mallar (.docx)"))
            empty.extend(folder_problems(path, found))
            empty.extend(Problem(str(p), "", "ingen avtalstyp använder den här mallen, så inga avtal görs med den; ta bort den ur mappen "
                                             "eller be utvecklarna lägga till den för en avtalstyp", "varning")
                         for p in found if p.name not in TEMPLATE_FILES)
        else:
            files.append(path)
    return files, empty
