"""Swedish headings and notes in click's help pages (``Användning:``, ``Flaggor:``, ``[standard: …]``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

_HEADINGS = {"Options": "Flaggor", "Commands": "Kommandon", "Arguments": "Argument"}
_METAVARS = ((" PATH", " SÖKVÄG"), (" INTEGER RANGE", " HELTAL"), (" INTEGER", " HELTAL"), (" FILENAME", " FIL"))
_USAGE = (("[OPTIONS]", "[FLAGGOR]"), ("COMMAND [ARGS]...", "KOMMANDO [ARGUMENT]..."))
_NOTES = (("[default: ", "[standard: "), ("; default: ", "; standard: "), ("[required]", "[obligatorisk]"))


class SwedishFormatter(click.HelpFormatter):
    """click's help formatter with the headings and the notes after each option in Swedish."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, swedish in _USAGE:
            args = args.replace(english, swedish)
        super().write_usage(prog, args, prefix="Användning: ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(_HEADINGS.get(heading, heading))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        translated = []
        for term, text in rows:
            for english, swedish in _NOTES:
                text = text.replace(english, swedish)
            for english, swedish in _METAVARS:
                term = term.replace(english, swedish)
            translated.append((term, text))
        super().write_dl(translated, col_max, col_spacing)


class SwedishContext(click.Context):
    formatter_class = SwedishFormatter


class _SwedishHelp(click.Command):
    """The help option's own text in Swedish, and Swedish headings through the context."""

    context_class = SwedishContext

    def get_help_option(self, ctx: click.Context) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Visa den här hjälpen och avsluta."
        return option


class SwedishCommand(_SwedishHelp):
    """A command whose help page is in Swedish, with ``-h`` as well as ``--help``."""


class SwedishGroup(_SwedishHelp, click.Group):
    """A group whose own and whose commands' help pages are in Swedish."""

    command_class = SwedishCommand
