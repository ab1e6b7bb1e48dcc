"""Template check: broken tags, Jinja syntax, unknown fields and filters, sandbox escapes, Word's extras, each with its place."""

from __future__ import annotations

import re
from pathlib import Path

from ...agreement.filters import plural
from ...errors import Problem, TemplateError
from ...paths import DEFAULT_MALLAR
from ..fields import Field, Use, field_catalogue
from ..sandbox import make_environment
from ..trial import trial_render
from .analyse import analyse, files_and_folder_problems


def template_files(paths: list[Path]) -> list[Path]:
    """The .docx files named, or in the folders named."""
    return files_and_folder_problems(paths)[0]


_SAFE_REPAIR = re.compile(r"; lagas automatiskt$")


def check_templates(paths: list[Path], details: bool = False) -> list[Problem]:
    """Every problem in the templates (files, or folders of .docx files): errors (``fel``) and warnings, each with its place.

    Repairs that are always safe (a tag split by Word without a change of format, a spell-check mark, curly
    quotes) are counted in one warning per template unless ``details`` asks for each with its place.
    """
    env = make_environment()
    files, problems = files_and_folder_problems(paths)
    for path in files:
        found = analyse(path, env)[0]
        safe = [p for p in found if p.severity == "varning" and _SAFE_REPAIR.search(p.message)]
        if safe and not details:
            found = [p for p in found if p not in safe]
            found.append(Problem(str(path), "", f"{plural(len(safe), 'tagg', 'taggar')} som Word har delat upp, markerat för stavning eller "
                                                f"gett typografiska citattecken lagas automatiskt; se var med "
                                                f"\"avtal mallar kontrollera --detaljer\"", "varning"))
        problems.extend(found)
    return problems


def ensure_templates_ok(paths: list[Path], thresholds: Path | None = None) -> list[Problem]:
    """Check the templates; raise TemplateError listing every problem when one is an error, else return the warnings.

    With ``thresholds`` the templates are also tried with a minimal agreement of each kind, as ``avtal mallar
    kontrollera`` does, so that ``generera`` never issues with a template that ``kontrollera`` refuses.
    """
    problems = check_templates(paths)
    if thresholds is not None and not any(p.severity == "fel" for p in problems):
        problems += trial_render(template_files(paths), None, thresholds)
    if any(p.severity == "fel" for p in problems):
        raise TemplateError(problems)
    return problems


def list_fields(template: Path | None = None, mallar: Path = DEFAULT_MALLAR) -> list[Field]:
    """Every field a template may use, data first and then ``berakning``, with where ``template`` (default: all in ``mallar``) uses it.

    Raises TemplateError when a template cannot be read or ``mallar`` holds none.
    """
    env = make_environment()
    uses: dict[str, list[Use]] = {}
    files, unreadable = files_and_folder_problems([template] if template is not None else [mallar])
    for path in files:
        problems, found = analyse(path, env)
        unreadable.extend(p for p in problems if not p.place)
        for name, use in found:
            if use not in uses.setdefault(name, []):
                uses[name].append(use)
    if unreadable:
        raise TemplateError(unreadable)
    return [Field(path, info.title, info.description, info.type_label(), info.optional, uses.get(path, []))
            for path, info in field_catalogue().items()]


__all__ = ["Field", "Use", "check_templates", "ensure_templates_ok", "list_fields", "template_files"]
